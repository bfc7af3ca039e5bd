"""Applying decoded events to the index, a batch at a time.

One code path for both directions: new events from the chain, and stored events replayed to
rebuild the derived tables (`members`, `ledger_state`) after a rewind. The batch is applied in
memory, in (block, log index) order, then written with a handful of bulk statements; the caller
owns the transaction, so the batch and the cursor commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from next_contracts.vocabulary import MemberKind, MemberStatus, Role
from next_node.db.bulk import insert_rows, update_rows
from next_node.db.models import (
    EVENT_TABLES,
    FeeChange,
    LedgerEvent,
    LedgerState,
    Member,
    MemberEvent,
    RoleChange,
    Transfer,
    WriteOff,
)
from next_node.indexer import members
from next_node.indexer.decode import Event

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
)


def _touched(events: Iterable[Event]) -> set[str]:
    addresses: set[str] = set()
    for event in events:
        for key in ("from", "to", "account"):
            if key in event.args:
                addresses.add(event.args[key])
    return addresses


class Batch:
    """The effect of a run of events on the index, computed in memory, then written."""

    def __init__(self, session: Session, ledger: str) -> None:
        self.session = session
        self.ledger = ledger.lower()
        self.members: dict[str, dict[str, Any]] = {}
        self.existing: set[str] = set()
        self.changed: set[str] = set()
        self.rows: dict[type, list[dict[str, Any]]] = {t: [] for t in EVENT_TABLES}
        state = session.get(LedgerState, 1)
        self.state = {f: getattr(state, f) for f in STATE_FIELDS} if state else dict.fromkeys(STATE_FIELDS, 0)
        self.state["paused"] = bool(self.state["paused"])
        self.state_exists = state is not None

    # ---------------------------------------------------------------------------------------------

    def apply(self, events: list[Event], *, record: bool = True) -> None:
        """Applies `events` in order. With `record`, their rows are added to the event tables too
        (new events); without, only the derived state changes (a replay of stored events)."""
        self._load(_touched(events))
        for event in events:
            handler = getattr(self, f"_on_{event.name}", None)
            if handler is not None:
                handler(event, record)

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
        if self.state_exists:
            self.session.execute(update(STATE).where(STATE.c.id == 1).values(**self.state))
        else:
            self.session.execute(insert(STATE).values(id=1, **self.state))

    # ---------------------------------------------------------------------------------------------

    def _load(self, addresses: set[str]) -> None:
        wanted = [a for a in addresses if a not in self.members and a != self.ledger]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            for row in self.session.execute(select(MEMBERS).where(MEMBERS.c.address.in_(chunk))).mappings():
                self.members[row["address"]] = dict(row)
                self.existing.add(row["address"])
        for address in wanted:
            self.members.setdefault(address, self._blank(address))

    @staticmethod
    def _blank(address: str) -> dict[str, Any]:
        return {
            "address": address,
            "kind": "individual",
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

    def _member(self, address: str, event: Event) -> dict[str, Any]:
        member = self.members[address]
        member["updated_block"] = event.block_number
        self.changed.add(address)
        return member

    def _set_balance(self, address: str, delta: int, event: Event) -> None:
        member = self._member(address, event)
        old, new = member["balance"], member["balance"] + delta
        member["balance"] = new
        self.state["circulation"] += max(new, 0) - max(old, 0)
        self.state["credit_in_use"] += max(-new, 0) - max(-old, 0)

    @staticmethod
    def _origin(event: Event) -> dict[str, Any]:
        return {
            "block_number": event.block_number,
            "log_index": event.log_index,
            "tx_hash": event.tx_hash,
            "block_time": event.block_time or 0,
        }

    # The ledger's events -------------------------------------------------------------------------

    def _on_Transferred(self, event: Event, record: bool) -> None:
        a = event.args
        if a["from"] == self.ledger:
            self.state["reserve"] -= a["amount"]
        else:
            self._set_balance(a["from"], -(a["amount"] + a["fee"]), event)
        self._set_balance(a["to"], a["amount"], event)
        self.state["reserve"] += a["fee"]
        self.state["fees_collected"] += a["fee"]
        if record:
            kind = "write_off" if a["from"] == self.ledger else "payment"
            self.rows[Transfer].append(
                {
                    **self._origin(event),
                    "from_address": a["from"],
                    "to_address": a["to"],
                    "amount": a["amount"],
                    "fee": a["fee"],
                    "ref": a["ref"],
                    "kind": kind,
                }
            )

    def _on_MemberAdmitted(self, event: Event, record: bool) -> None:
        a = event.args
        member = self._member(a["account"], event)
        kind = MemberKind.of(a["kind"]).value
        members.admitted(member, kind=kind, region=a["region"], credit_limit=a["creditLimit"], ceiling=a["ceiling"])
        member.update(kyc_hash=a["kycHash"], admitted_block=event.block_number)
        if record:
            self._member_row(
                event,
                "admitted",
                a["account"],
                kind=member["kind"],
                region=a["region"],
                kyc_hash=a["kycHash"],
                credit_limit=a["creditLimit"],
                ceiling=a["ceiling"],
                status="active",
            )

    def _on_MemberStatusChanged(self, event: Event, record: bool) -> None:
        status = MemberStatus.of(event.args["newStatus"]).value
        members.status_changed(self._member(event.args["account"], event), status)
        if record:
            self._member_row(event, "status_changed", event.args["account"], status=status)

    def _on_CreditLineSet(self, event: Event, record: bool) -> None:
        a = event.args
        members.credit_line_set(self._member(a["account"], event), credit_limit=a["creditLimit"], ceiling=a["ceiling"])
        if record:
            self._member_row(
                event, "credit_line_set", a["account"], credit_limit=a["creditLimit"], ceiling=a["ceiling"]
            )

    def _on_AccountMigrated(self, event: Event, record: bool) -> None:
        old, new = self._member(event.args["from"], event), self._member(event.args["to"], event)
        members.migrated(old, new, new["address"], also=("kyc_hash", "admitted_block"))
        if record:
            # The balance moved through the Transferred just before, in the same transaction.
            transfers = self.rows[Transfer]
            if (
                transfers
                and transfers[-1]["tx_hash"] == event.tx_hash
                and transfers[-1]["log_index"] == event.log_index - 1
            ):
                transfers[-1]["kind"] = "migration"
            self._member_row(event, "migrated", old["address"], other=new["address"])

    def _on_DebtWrittenOff(self, event: Event, record: bool) -> None:
        a = event.args
        self.state["debt_covered"] += a["covered"]
        if record:
            self.rows[WriteOff].append(
                {
                    **self._origin(event),
                    "account": a["account"],
                    "debt": a["debt"],
                    "covered": a["covered"],
                    "uncovered": a["uncovered"],
                    "ref": a["ref"],
                }
            )

    def _on_FeeChanged(self, event: Event, record: bool) -> None:
        self.state["fee_bps"] = event.args["newFeeBps"]
        if record:
            self.rows[FeeChange].append(
                {
                    **self._origin(event),
                    "previous_fee_bps": event.args["previousFeeBps"],
                    "new_fee_bps": event.args["newFeeBps"],
                }
            )

    def _on_RoleGranted(self, event: Event, record: bool, granted: bool = True) -> None:
        if record:
            a = event.args
            self.rows[RoleChange].append(
                {
                    **self._origin(event),
                    "role": getattr(Role.from_id(a["role"]), "value", a["role"]),  # an unknown id as its hex
                    "account": a["account"],
                    "sender": a["sender"],
                    "granted": granted,
                }
            )

    def _on_RoleRevoked(self, event: Event, record: bool) -> None:
        self._on_RoleGranted(event, record, granted=False)

    def _on_Paused(self, event: Event, record: bool, paused: bool = True) -> None:
        self.state["paused"] = paused
        if record:
            self.rows[LedgerEvent].append(
                {
                    **self._origin(event),
                    "event": "paused" if paused else "unpaused",
                    "account": event.args["account"],
                }
            )

    def _on_Unpaused(self, event: Event, record: bool) -> None:
        self._on_Paused(event, record, paused=False)

    def _on_DefaultCreditLineSet(self, event: Event, record: bool) -> None:
        if record:
            a = event.args
            self.rows[LedgerEvent].append(
                {
                    **self._origin(event),
                    "event": "default_credit_line_set",
                    "kind": MemberKind.of(a["kind"]).value,
                    "credit_limit": a["creditLimit"],
                    "ceiling": a["ceiling"],
                }
            )

    def _member_row(self, event: Event, name: str, account: str, **fields: Any) -> None:
        self.rows[MemberEvent].append(
            {
                **self._origin(event),
                "event": name,
                "account": account,
                "other": None,
                "kind": None,
                "region": None,
                "kyc_hash": None,
                "credit_limit": None,
                "ceiling": None,
                "status": None,
                **fields,
            }
        )
