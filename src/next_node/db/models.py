"""The index's tables (SQLModel). Addresses are stored lowercase; amounts are integers in
hundredths of a unit (the contract bounds them to signed 64 bits, so BIGINT holds them exactly).

The indexer writes; the API reads. Event tables keep every event the ledger emitted, unique on
(tx_hash, log_index): `members` and `ledger_state` are derived from them, and can be rebuilt
from them (after a chain rewind, say).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from next_node.db.economy_tables import ECONOMY_TABLES  # derived, like members: rebuilt on a rewind


class MemberBase(SQLModel):
    address: str = Field(primary_key=True, max_length=42)
    kind: str = Field(max_length=16)  # individual, business, council, system
    region: int
    status: str = Field(max_length=16)  # active, frozen, excluded, migrated


class Member(MemberBase, table=True):
    """A member and its account, as the chain says at the indexed block."""

    __tablename__ = "members"
    __table_args__ = (Index("ix_members_kind_region", "kind", "region"), Index("ix_members_region", "region"))

    kyc_hash: str = Field(max_length=66)
    balance: int = Field(sa_type=BigInteger)
    credit_limit: int = Field(sa_type=BigInteger)
    ceiling: int = Field(sa_type=BigInteger)
    admitted_block: int = Field(sa_type=BigInteger)
    updated_block: int = Field(sa_type=BigInteger)
    successor: str | None = Field(default=None, max_length=42)


class EventRow(SQLModel):
    """Where an event comes from: unique on (tx_hash, log_index), ordered by (block, log index)."""

    block_number: int = Field(sa_type=BigInteger, index=True)
    log_index: int
    tx_hash: str = Field(max_length=66)
    block_time: int = Field(sa_type=BigInteger)


class Transfer(EventRow, table=True):
    """A `Transferred` event: a payment, a batch line, a write-off (from the reserve) or the
    balance of a key migration."""

    __tablename__ = "transfers"
    __table_args__ = (
        UniqueConstraint("tx_hash", "log_index", name="uq_transfers_event"),
        Index("ix_transfers_from_id", "from_address", "id"),
        Index("ix_transfers_to_id", "to_address", "id"),
        Index("ix_transfers_time", "block_time"),
    )

    # BIGINT on PostgreSQL (billions of transfers); INTEGER on SQLite, where only that is the rowid.
    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    )
    from_address: str = Field(max_length=42)
    to_address: str = Field(max_length=42)
    amount: int = Field(sa_type=BigInteger)
    fee: int = Field(sa_type=BigInteger)
    ref: str = Field(max_length=66)
    # payment, write_off, migration, project (an instalment), bonus, reward; across (a payment with a
    # member of another region: its side here), clearing (between two regions' accounts), move (a
    # member's balance carried to or from another region)
    kind: str = Field(max_length=16)


class MemberEvent(EventRow, table=True):
    """Admissions, status changes, credit lines and key migrations."""

    __tablename__ = "member_events"
    __table_args__ = (UniqueConstraint("tx_hash", "log_index", name="uq_member_events_event"),)

    id: int | None = Field(default=None, primary_key=True)
    event: str = Field(max_length=32)
    account: str = Field(max_length=42, index=True)
    other: str | None = Field(default=None, max_length=42)  # a migration's new address
    kind: str | None = Field(default=None, max_length=16)
    region: int | None = None
    kyc_hash: str | None = Field(default=None, max_length=66)
    credit_limit: int | None = Field(default=None, sa_type=BigInteger)
    ceiling: int | None = Field(default=None, sa_type=BigInteger)
    status: str | None = Field(default=None, max_length=16)


class WriteOff(EventRow, table=True):
    __tablename__ = "write_offs"
    __table_args__ = (UniqueConstraint("tx_hash", "log_index", name="uq_write_offs_event"),)

    id: int | None = Field(default=None, primary_key=True)
    account: str = Field(max_length=42, index=True)
    debt: int = Field(sa_type=BigInteger)
    covered: int = Field(sa_type=BigInteger)
    uncovered: int = Field(sa_type=BigInteger)
    ref: str = Field(max_length=66)


class FeeChange(EventRow, table=True):
    __tablename__ = "fee_changes"
    __table_args__ = (UniqueConstraint("tx_hash", "log_index", name="uq_fee_changes_event"),)

    id: int | None = Field(default=None, primary_key=True)
    previous_fee_bps: int
    new_fee_bps: int


class RoleChange(EventRow, table=True):
    __tablename__ = "role_changes"
    __table_args__ = (UniqueConstraint("tx_hash", "log_index", name="uq_role_changes_event"),)

    id: int | None = Field(default=None, primary_key=True)
    role: str = Field(max_length=66)  # the role's name where known, else its id
    account: str = Field(max_length=42, index=True)
    sender: str = Field(max_length=42)
    granted: bool


class LedgerEvent(EventRow, table=True):
    """Pauses, unpauses, default credit lines and stimulus (`stimulus_set`: region and kind, None
    for all; the extra credit, 0 when ended early; its end): the rest of what the ledger emits."""

    __tablename__ = "ledger_events"
    __table_args__ = (UniqueConstraint("tx_hash", "log_index", name="uq_ledger_events_event"),)

    id: int | None = Field(default=None, primary_key=True)
    event: str = Field(max_length=32)
    account: str | None = Field(default=None, max_length=42)
    kind: str | None = Field(default=None, max_length=16)
    credit_limit: int | None = Field(default=None, sa_type=BigInteger)
    ceiling: int | None = Field(default=None, sa_type=BigInteger)
    region: int | None = None
    extra_credit: int | None = Field(default=None, sa_type=BigInteger)
    ends_at: int | None = Field(default=None, sa_type=BigInteger)


class ProjectEvent(EventRow, table=True):
    """The projects the reserve funds: a vote funding one (`funded`: its account, instalment, count,
    interval, start and reference), each instalment paid (`instalment`: its number and amount), a
    vote cancelling one (`cancelled`), and the voted coverage floor (`floor_set`)."""

    __tablename__ = "project_events"
    __table_args__ = (UniqueConstraint("tx_hash", "log_index", name="uq_project_events_event"),)

    id: int | None = Field(default=None, primary_key=True)
    event: str = Field(max_length=16)
    project_id: int | None = Field(default=None, sa_type=BigInteger, index=True)
    account: str | None = Field(default=None, max_length=42)
    amount: int | None = Field(default=None, sa_type=BigInteger)  # the instalment, or what one paid
    instalments: int | None = None
    interval: int | None = Field(default=None, sa_type=BigInteger)
    starts_at: int | None = Field(default=None, sa_type=BigInteger)
    number: int | None = None  # of the instalment paid, from 1
    ref: str | None = Field(default=None, max_length=66)
    floor_bps: int | None = Field(default=None, sa_type=BigInteger)


class Block(SQLModel, table=True):
    """The blocks that hold the ledger's events: where each event comes from, and what the indexer
    compares with the chain to find the common ancestor when the chain rewinds. (The last indexed
    block's hash is the cursor's, in `sync_state`.)"""

    __tablename__ = "blocks"

    number: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    hash: str = Field(max_length=66)
    parent_hash: str = Field(max_length=66)
    timestamp: int = Field(sa_type=BigInteger)


class LedgerState(SQLModel, table=True):
    """The ledger's totals at the indexed block, kept up to date batch by batch."""

    __tablename__ = "ledger_state"

    id: int = Field(default=1, primary_key=True)
    reserve: int = Field(default=0, sa_type=BigInteger)
    fee_bps: int = 0
    paused: bool = False
    circulation: int = Field(default=0, sa_type=BigInteger)  # sum of positive balances
    credit_in_use: int = Field(default=0, sa_type=BigInteger)  # minus the sum of negative balances
    fees_collected: int = Field(default=0, sa_type=BigInteger)
    debt_covered: int = Field(default=0, sa_type=BigInteger)  # by the reserve, in all write-offs
    coverage_floor_bps: int = Field(default=0, sa_type=BigInteger)  # voted: no instalment goes below it


class SyncState(SQLModel, table=True):
    """The cursor: the last block indexed and its hash, written in the same transaction as the
    batch it ends."""

    __tablename__ = "sync_state"

    id: int = Field(default=1, primary_key=True)
    chain_id: int = Field(sa_type=BigInteger)
    ledger: str = Field(max_length=42)
    # Every contract the cursor covers, "family=address" sorted (indexer/decode.Contracts): a
    # deployment that gains one is indexed again, so that none of its events is skipped.
    contracts: str = Field(default="", max_length=2000)
    deploy_block: int = Field(sa_type=BigInteger)
    last_block: int = Field(sa_type=BigInteger)
    last_block_hash: str | None = Field(default=None, max_length=66)


# Every table that keeps the ledger's events (the rest is derived from them, or is the cursor).
class ProposalRow(EventRow, table=True):
    """A governor's `ProposalCreated`: what members are asked to decide, and when they vote."""

    __tablename__ = "proposals"
    __table_args__ = (UniqueConstraint("tx_hash", "log_index", name="uq_proposals_event"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: str = Field(max_length=78, index=True)  # a uint256, in decimal
    proposer: str = Field(max_length=42, index=True)
    description: str = Field(sa_type=Text)
    calls: str = Field(sa_type=Text)  # JSON: [{"target", "value", "data"}], as proposed
    vote_start: int = Field(sa_type=BigInteger)  # timestamps: the roll is taken at vote_start
    vote_end: int = Field(sa_type=BigInteger)


class VoteRow(EventRow, table=True):
    """A governor's `VoteCast`: visible to the voter itself and to auditors only (access.py)."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("tx_hash", "log_index", name="uq_votes_event"),
        Index("ix_votes_proposal", "proposal_id", "support"),
    )

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: str = Field(max_length=78)
    voter: str = Field(max_length=42, index=True)
    support: str = Field(max_length=8)  # against, for, abstain
    weight: int = Field(sa_type=BigInteger)
    reason: str = Field(sa_type=Text)


class ProposalStep(EventRow, table=True):
    """A proposal queued in the timelock (with the time it may run), executed or canceled."""

    __tablename__ = "proposal_steps"
    __table_args__ = (UniqueConstraint("tx_hash", "log_index", name="uq_proposal_steps_event"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: str = Field(max_length=78, index=True)
    step: str = Field(max_length=8)  # queued, executed, canceled
    eta: int | None = Field(default=None, sa_type=BigInteger)


class BonusEvent(EventRow, table=True):
    """The councils' bonus allowances: a registrar setting a member's categories (`categories`:
    account, categories, region), a council opening a run (`opened`: run, council, expiry,
    categories, regions, reference), an allowance issued (`issued`: run, holder, amount) and spent
    (`spent`: run, holder, payee, amount, reference; the ledger's next Transferred moves it), and a
    key recovery carrying a key's allowances, runs and categories (`carried`: holder the old key,
    account the new)."""

    __tablename__ = "bonus_events"
    __table_args__ = (
        UniqueConstraint("tx_hash", "log_index", name="uq_bonus_events_event"),
        Index("ix_bonus_events_run", "run_id", "event"),
        Index("ix_bonus_events_holder", "holder"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event: str = Field(max_length=16)  # categories, opened, issued, spent, carried
    run_id: int | None = Field(default=None, sa_type=BigInteger)
    council: str | None = Field(default=None, max_length=42, index=True)  # on `opened`
    holder: str | None = Field(default=None, max_length=42)
    account: str | None = Field(default=None, max_length=42)  # the payee spent at, or the member categorised
    amount: int | None = Field(default=None, sa_type=BigInteger)
    categories: int | None = Field(default=None, sa_type=BigInteger)  # a bit each (vocabulary.Category)
    regions: str | None = Field(default=None, max_length=32)  # a run's, comma-separated; empty: any
    region: int | None = None  # a categorised member's
    expires_at: int | None = Field(default=None, sa_type=BigInteger)
    ref: str | None = Field(default=None, max_length=66)


class CommonsEvent(EventRow, table=True):
    """The commons rewards' claims: `submitted` (claim, attestor, beneficiary, kind, evidence,
    amount, period, payable_at), `contested` (claim, by, reason), `reinstated` (claim, by,
    payable_at) and `paid` (claim, beneficiary, amount; the ledger's Transferred follows). A claim's
    state is its last event's."""

    __tablename__ = "commons_events"
    __table_args__ = (
        UniqueConstraint("tx_hash", "log_index", name="uq_commons_events_event"),
        Index("ix_commons_events_claim", "claim_id"),
        Index("ix_commons_events_beneficiary", "beneficiary"),
        Index("ix_commons_events_attestor", "attestor"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event: str = Field(max_length=16)  # submitted, contested, reinstated, paid
    claim_id: str = Field(max_length=66)
    attestor: str | None = Field(default=None, max_length=42)  # on `submitted`
    beneficiary: str | None = Field(default=None, max_length=42)
    by_address: str | None = Field(default=None, max_length=42)  # who contested or reinstated
    kind: int | None = None  # the kind of commons (vocabulary.CommonsKind)
    evidence: str | None = Field(default=None, max_length=66)
    amount: int | None = Field(default=None, sa_type=BigInteger)
    period: int | None = Field(default=None, sa_type=BigInteger)
    payable_at: int | None = Field(default=None, sa_type=BigInteger)
    reason: str | None = Field(default=None, max_length=66)


# Every table of events, deleted above the fork block on a rewind; the ledger's also rebuild the
# derived tables (replay.py), the governor's derive nothing.
class ClearingEvent(EventRow, table=True):
    """The region's clearing with the other regions (IRegionalClearing): `relationship_set`
    (partner, partner_region, credit_limit, ceiling: this region's side), `paid_across` (member
    paid other, a member of the `partner` clearing's region, amount, ref), `received_across`
    (member was paid by other, through `partner`), `passed` and `netted` (the regions' accounts
    moved, partner -> other), `welcomed`, `moved` (member left for `partner`, balance) and
    `arrived` (member came from `partner`, balance). Positions are the partners' accounts'
    balances in `members`."""

    __tablename__ = "clearing_events"
    __table_args__ = (
        UniqueConstraint("tx_hash", "log_index", name="uq_clearing_events_event"),
        Index("ix_clearing_events_member", "member"),
        Index("ix_clearing_events_tx", "tx_hash"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event: str = Field(max_length=16)
    member: str | None = Field(default=None, max_length=42)
    other: str | None = Field(default=None, max_length=42)
    partner: str | None = Field(default=None, max_length=42)  # a clearing contract: another region's
    partner_region: int | None = None
    amount: int | None = Field(default=None, sa_type=BigInteger)  # a balance carried may be negative
    credit_limit: int | None = Field(default=None, sa_type=BigInteger)
    ceiling: int | None = Field(default=None, sa_type=BigInteger)
    ref: str | None = Field(default=None, max_length=66)


EVENT_TABLES: tuple[type[SQLModel], ...] = (
    Transfer,
    MemberEvent,
    WriteOff,
    FeeChange,
    RoleChange,
    LedgerEvent,
    ProjectEvent,
    ProposalRow,
    VoteRow,
    ProposalStep,
    BonusEvent,
    CommonsEvent,
    ClearingEvent,
)

# Every table derived from the events: deleted whole on a rewind, and built again by the replay.
DERIVED_TABLES: tuple[type[SQLModel], ...] = (Member, LedgerState, *ECONOMY_TABLES)


# The shape of the tables above, and of what the indexer derives into them. Bump it with any change
# to either: on start, an index of another (or no) version is rebuilt from the chain (db/schema.py).
# 2: sync_state.contracts; 3: proposals, votes, proposal_steps; 4: project_events, credit_policy_applied;
# 5: bonus_events, and transfers of kind "bonus"; 6: commons_events, and transfers of kind "reward";
# 7: the economics' tables (economy_tables.py), and stimulus in ledger_events; 8: clearing_events,
# and transfers of kinds "across", "clearing" and "move"
SCHEMA_VERSION = 8


class SchemaVersion(SQLModel, table=True):
    """The version of the index's schema, one row; written when the tables are created."""

    __tablename__ = "schema_version"

    id: int = Field(default=1, primary_key=True)
    version: int


# What the gateway processes serving one database share (not the index: never rebuilt from the
# chain), so that behind a load balancer they answer as one (db/shared.py).


class AuthNonce(SQLModel, table=True):
    """A sign-in nonce issued by any gateway process, until spent or expired."""

    __tablename__ = "auth_nonces"

    nonce: str = Field(primary_key=True, max_length=64)
    expires_at: float = Field(index=True)  # Unix time: the processes share no monotonic clock


class RateCounter(SQLModel, table=True):
    """A rate limit's counter (a client IP's or an address's, in one window), for every process."""

    __tablename__ = "rate_counters"

    key: str = Field(primary_key=True, max_length=200)
    count: int
    expires_at: float
