"""A batch of decoded events applied to the index: the unit of work.

One code path for both directions: new events from the chain, and stored events replayed to
rebuild the derived tables (`members`, `ledger_state`) after a rewind. The batch is applied in
memory, in (block, log index) order, then written with a handful of bulk statements; the caller
owns the transaction, so the batch and the cursor commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from next_contracts.vocabulary import MemberKind
from next_node.db.bulk import insert_rows, update_rows
from next_node.db.models import (
    EVENT_TABLES,
    LedgerState,
    Member,
    Transfer,
)
from next_node.indexer.decode import Contracts, Event
from next_node.indexer.economy import Economy, names_the_transfer_before

MEMBERS = Member.__table__  # type: ignore[attr-defined]
STATE = LedgerState.__table__  # type: ignore[attr-defined]
# What a batch may change in a stored member (its admission block stays).
UPDATED_FIELDS = (
    "address",
    "balance",
    "credit_limit",
    "ceiling",
    "status",
    "kind",
    "region",
    "kyc_hash",
    "updated_block",
    "successor",
)
STATE_FIELDS = (
    "reserve",
    "fee_bps",
    "paused",
    "circulation",
    "credit_in_use",
    "fees_collected",
    "debt_covered",
    "coverage_floor_bps",
)


def _touched(events: Iterable[Event]) -> set[str]:
    addresses: set[str] = set()
    for event in events:
        for key in ("from", "to", "account"):
            if key in event.args:
                addresses.add(event.args[key])
    return addresses


class Handler(Protocol):
    """A contract family's events applied to a batch (ledger_events.LedgerEvents, ...)."""

    def apply(self, event: Event, record: bool) -> None: ...


class Batch:
    """The effect of a run of events on the index, computed in memory, then written. Each event
    goes to the handler of its contract's family (`handlers`, set by apply.open_batch)."""

    def __init__(self, session: Session, contracts: Contracts) -> None:
        self.session = session
        self.contracts = contracts
        self.handlers: dict[str, Handler] = {}
        self.members: dict[str, dict[str, Any]] = {}
        self.existing: set[str] = set()
        self.changed: set[str] = set()
        self.rows: dict[type, list[dict[str, Any]]] = {t: [] for t in EVENT_TABLES}
        # The kind of the next Transferred in a transaction, named by the event before it (a bonus
        # spending precedes the movement it makes).
        self.transfer_kinds: dict[str, str] = {}
        self.transfer_tags: dict[str, str] = {}  # and the injection it belongs to (economy.py)
        self.economy = Economy(session)
        state = session.get(LedgerState, 1)
        self.state = {f: getattr(state, f) for f in STATE_FIELDS} if state else dict.fromkeys(STATE_FIELDS, 0)
        self.state["paused"] = bool(self.state["paused"])
        self.state_exists = state is not None

    # ---------------------------------------------------------------------------------------------

    def apply(self, events: list[Event], *, record: bool = True) -> None:
        """Applies `events` in order. With `record`, their rows are added to the event tables too
        (new events); without, only the derived state changes (a replay of stored events)."""
        self._load(_touched(events))
        handlers, economy = self.handlers, self.economy
        for event in events:
            if not names_the_transfer_before(event):
                economy.settle()
            handlers[event.contract].apply(event, record)
        economy.settle()

    def name_previous_transfer(self, event: Event, kind: str) -> None:
        """The Transferred just before `event` among the followed contracts' events, in the same
        transaction, was of `kind`: its row and the economy's pending transfer say so. (Other
        contracts' logs may lie between: a payment across regions passes through other ledgers.)"""
        self.economy.retype(kind)
        transfers = self.rows[Transfer]
        last = transfers[-1] if transfers else None
        if last is not None and last["tx_hash"] == event.tx_hash and last["log_index"] < event.log_index:
            last["kind"] = str(kind)  # the word: a database driver may write an enum by its name

    def write(self) -> None:
        """Writes the batch: new members, changed members, event rows and the totals, in bulk
        (COPY on PostgreSQL, db/bulk.py), in the caller's transaction."""
        new = [m for a, m in self.members.items() if a not in self.existing and m["status"] != "none"]
        updated = [
            {c: m[c] for c in UPDATED_FIELDS}
            for a, m in self.members.items()
            if a in self.existing and a in self.changed
        ]
        insert_rows(self.session, MEMBERS, new)
        update_rows(self.session, MEMBERS, "address", updated)
        for table, rows in self.rows.items():
            insert_rows(self.session, table.__table__, rows)  # type: ignore[attr-defined]
        self.economy.write()
        if self.state_exists:
            self.session.execute(update(STATE).where(STATE.c.id == 1).values(**self.state))
        else:
            self.session.execute(insert(STATE).values(id=1, **self.state))

    # ---------------------------------------------------------------------------------------------

    def _load(self, addresses: set[str]) -> None:
        # The followed contracts are no members (the ledger's own address is the reserve's), but
        # for the commons rewards, which pay from an account of their own.
        others = {a for family, a in self.contracts.by_family.items() if family != "commons"}
        wanted = [a for a in addresses if a not in self.members and a not in others]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            for row in self.session.execute(select(MEMBERS).where(MEMBERS.c.address.in_(chunk))).mappings():
                self.members[row["address"]] = dict(row)
                self.existing.add(row["address"])
        for address in wanted:
            self.members.setdefault(address, self._blank(address))
        self.economy.load(wanted)

    @staticmethod
    def _blank(address: str) -> dict[str, Any]:
        return {
            "address": address,
            "kind": MemberKind.INDIVIDUAL.value,
            "region": 0,
            "status": "none",
            "kyc_hash": "0x",
            "balance": 0,
            "credit_limit": 0,
            "ceiling": 0,
            "admitted_block": 0,
            "updated_block": 0,
            "successor": None,
        }

    def member(self, address: str, event: Event) -> dict[str, Any]:
        """A member's fields, to change in this batch at `event`."""
        member = self.members[address]
        member["updated_block"] = event.block_number
        self.changed.add(address)
        return member

    def set_balance(self, address: str, delta: int, event: Event) -> None:
        """Moves a member's balance, and the circulation and credit in use with it."""
        member = self.member(address, event)
        old, new = member["balance"], member["balance"] + delta
        member["balance"] = new
        self.state["circulation"] += max(new, 0) - max(old, 0)
        self.state["credit_in_use"] += max(-new, 0) - max(-old, 0)
        self.economy.balance_moved(member, old, new, event)

    def regrouping(self, event: Event, *addresses: str) -> Callable[[], None]:
        """Call before a change of members' status, region or kind; the function it returns, after:
        the economics then counts them, and their money, in their new groups."""
        before = [
            (self.members[a], (self.members[a]["status"], self.members[a]["region"], self.members[a]["kind"]))
            for a in addresses
        ]

        def after() -> None:
            for member, was in before:
                self.economy.regroup(member, was, event)

        return after
