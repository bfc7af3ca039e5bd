"""What the API answers: amounts in hundredths of a unit, addresses checksummed."""

from __future__ import annotations

from pydantic import BaseModel


class AccountPublic(BaseModel):
    address: str
    balance: int
    credit_limit: int
    available_credit: int
    ceiling: int
    status: str
    kind: str
    region: int
    successor: str | None = None


class AccountPage(BaseModel):
    items: list[AccountPublic]
    next_cursor: str | None
    indexed_block: int  # the block the page was read at, so that a reader can tell if it moved


class TransferPublic(BaseModel):
    id: int
    block_number: int
    block_time: int
    tx_hash: str
    log_index: int
    from_address: str
    to_address: str
    amount: int
    fee: int
    ref: str
    ref_words: str | None = None  # a long reference's words, when a member gave them (api/references.py)
    kind: str
    direction: str  # "in" or "out", seen from the account asked about
    # A payment across regions (kind "across"): the member on the other side, and its region.
    counterparty: str | None = None
    counterparty_region: int | None = None
    # A holder's spending of a bonus allowance: the council whose account paid it.
    allowance_of: str | None = None


class TransferPage(BaseModel):
    items: list[TransferPublic]
    next_cursor: str | None


class BonusRun(BaseModel):
    """A batch payment: one transaction that paid several members under one reference."""

    tx_hash: str
    block_number: int
    block_time: int
    ref: str
    ref_words: str | None = None  # a long reference's words, when a member gave them (api/references.py)
    lines: int
    total: int
    fees: int


class BonusRunPage(BaseModel):
    items: list[BonusRun]
    next_cursor: str | None


class MemberPublic(BaseModel):
    address: str
    kind: str
    region: int
    status: str


class MemberPage(BaseModel):
    items: list[MemberPublic]
    next_cursor: str | None


class DailyActivity(BaseModel):
    day: str
    transfers: int
    volume: int


class Stats(BaseModel):
    indexed_block: int
    # null: a group of fewer than 5 members, hidden from the public (staff see every figure)
    members_by_kind: dict[str, int | None]
    members_by_status: dict[str, int | None]
    circulation: int
    credit_in_use: int
    reserve: int
    coverage_ratio: float | None  # reserve / credit in use; None while no credit is in use
    coverage_floor_bps: int  # voted: no project's instalment may take the ratio below it
    fee_bps: int
    paused: bool
    # null to the public while fewer than 5 members were ever written off: the reserve is fees
    # collected minus debt covered, so debt covered would show theirs, and fees would give it away
    fees_collected: int | None
    debt_covered: int | None
    debt_uncovered: int | None  # still owed by excluded members, after write-offs; null as above
    daily: list[DailyActivity]  # to the public, only days on which 5 members or more paid
    # payment volume of the days shown over the last 30 / money in circulation
    velocity_30d: float | None


class IndexReport(BaseModel):
    """How the index keeps up: `state` is ok, behind (lag over the threshold), ahead (past the head
    of a chain that went back: the indexer is rewinding), unknown (the chain does not answer) or
    failing (the indexer's last attempts failed: `last_error` says why); `detail` says it in words."""

    state: str
    detail: str
    indexed_block: int | None
    chain_head: int | None
    lag: int | None
    lag_threshold: int
    supervised: bool  # an indexer runs in this process (next-node up) and reports here
    last_success_age: float | None = None  # seconds since its last successful step
    last_error: str | None = None
    consecutive_failures: int = 0


class Head(BaseModel):
    chain_head: int | None
    indexed_block: int
    indexed_hash: str | None
    lag: int | None
    index: IndexReport | None = None


class Health(BaseModel):
    status: str  # ok; degraded (the index is behind or the chain unreachable); failing (answered with 503)
    database: str
    chain: str
    index: IndexReport | None = None


class RawTx(BaseModel):
    raw: str  # 0x-prefixed hex of a signed transaction


class TxAccepted(BaseModel):
    tx_hash: str
    sender: str


class ErrorDetail(BaseModel):
    detail: str
