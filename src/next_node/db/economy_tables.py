"""The economics of the currency, derived by the indexer as it applies the transfers
(indexer/economy.py, indexer/cycles.py) and read by GET /economy: nothing is computed at request
time. Like `members`, these tables are derived: a rewind deletes them and the replay of the stored
events builds them again.

A cell is one month ("2026-12", UTC) of one group of members, a region and a kind: the API sums
cells into series, by region, by kind or for the whole community, and hides the cells of groups
too small to show (access.MIN_GROUP).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Text
from sqlmodel import Field, SQLModel

from next_contracts.vocabulary import TransferKind

# The one definition of volume, for every route and page (the daily chart of /stats, the months of
# /economy): what members' accounts pay in trade, by the transfer's kind; a payment across regions
# on each side, and never a fee, a project's instalment or a key's migration.
SPENT = frozenset(k.value for k in (TransferKind.PAYMENT, TransferKind.BONUS, TransferKind.REWARD, TransferKind.ACROSS))


class EconomyCell(SQLModel, table=True):
    """A month of a group. Payments are counted on the payer's group, receipts on the payee's, the
    re-spending of a receipt on the receipt's month; members and circulation are as they stand at
    the month's last event (carried into each new month)."""

    __tablename__ = "economy_cells"
    __table_args__ = (Index("ix_economy_cells_period", "period"),)

    cell: str = Field(primary_key=True, max_length=40)  # "period/region/kind"
    period: str = Field(max_length=7)
    region: int
    kind: str = Field(max_length=16)
    members: int = 0  # active or frozen
    circulation: int = Field(default=0, sa_type=BigInteger)  # the sum of the group's positive balances
    payments: int = 0  # payments, bonus spendings and rewards made by the group
    volume: int = Field(default=0, sa_type=BigInteger)  # their amounts
    payers: int = 0  # distinct
    receivers: int = 0  # distinct, of payments, bonus spendings, rewards and project instalments
    active: int = 0  # distinct members who paid or received
    received: int = Field(default=0, sa_type=BigInteger)
    respent: int = Field(default=0, sa_type=BigInteger)  # of `received`, what was paid on within 30 days
    cycles: int = Field(default=0, sa_type=BigInteger)  # of `volume`, what flowed in cycles (cycles.py)


class AccountFlow(SQLModel, table=True):
    """What the economics keeps of an account: the last month it paid and received (to count each
    member once a month), the last stimulus it drew from (to count its drawers once), and its
    receipts of the last 30 days not yet paid on, oldest first, as JSON [[day, amount, tag], ...]:
    a payment uses them up first in, first out, which is how the re-spending and a bonus run's or a
    stimulus's money are followed."""

    __tablename__ = "account_flows"

    address: str = Field(primary_key=True, max_length=42)
    last_paid: str = Field(default="", max_length=7)
    last_received: str = Field(default="", max_length=7)
    last_stimulus: str = Field(default="", max_length=40)  # the tag of the last stimulus it drew from
    receipts: str = Field(default="[]", sa_type=Text)


class Injection(SQLModel, table=True):
    """Money put into circulation from outside members' own trade, and the turnover it induced as
    it was paid on: a bonus run's spendings ("bonus/<run>"), or the credit members drew from a
    stimulus ("stimulus/<block>.<log>", where the vote set it). Its multiplier is turnover /
    injected (1 if nobody paid it on)."""

    __tablename__ = "economy_injections"

    tag: str = Field(primary_key=True, max_length=40)
    source: str = Field(max_length=16)  # bonus, stimulus
    label: str = Field(max_length=40)  # the run's number, or the stimulus's "region|kind|end day" ("*": all)
    first_time: int = Field(sa_type=BigInteger)
    injected: int = Field(default=0, sa_type=BigInteger)
    turnover: int = Field(default=0, sa_type=BigInteger)  # the injection's own spending, and every onward payment of it
    spenders: int = 0  # distinct members who drew a stimulus (a bonus run's group is its holders)


class Stimulus(SQLModel, table=True):
    """Each scope's stimulus as the ledger last set it, and the tag its drawn credit is followed by
    (a payment below its payer's own credit limit draws the largest stimulus of its scopes)."""

    __tablename__ = "economy_stimuli"

    scope: str = Field(primary_key=True, max_length=32)  # "region/kind", "*" for all
    region: int | None = None
    kind: str | None = Field(default=None, max_length=16)
    extra_credit: int = Field(sa_type=BigInteger)
    ends_at: int = Field(sa_type=BigInteger)
    tag: str = Field(max_length=40)  # "stimulus/<block>.<log>": where it was set


class CycleRun(SQLModel, table=True):
    """When a month's cycles were last computed: at how many of its payments, and at which block."""

    __tablename__ = "economy_cycle_runs"

    period: str = Field(primary_key=True, max_length=7)
    payments: int
    block_number: int = Field(sa_type=BigInteger)


ECONOMY_TABLES: tuple[type[SQLModel], ...] = (EconomyCell, AccountFlow, Injection, Stimulus, CycleRun)
