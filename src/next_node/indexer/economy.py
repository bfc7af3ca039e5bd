"""The economics, kept as the indexer applies each transfer (economy_tables.py says what each figure
means): a batch's months of each group, the accounts it touches, and the injections it follows.

Following money. Each account keeps its receipts of the last 30 days not yet paid on, by day and
by tag, oldest first. A payment uses them up first in, first out: what it takes from a receipt
younger than 30 days is re-spent (counted on the receipt's month), and what it takes of a tagged
receipt (a bonus run's, a stimulus's) is onward turnover of that injection and arrives at the payee
with the same tag. A receipt not paid on within 30 days is dropped: money that sits that long has
left the circulation this follows. What a payment takes beyond its payer's receipts is the payer's
own money or credit, untagged, except the part that went below the payer's own credit limit: that
can only be stimulus credit, and is a stimulus's injection.

Fees are the reserve's, not trade: a payment takes its amount from the receipts, not its fee.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from next_contracts.vocabulary import MemberStatus, TransferKind
from next_node.db.bulk import insert_rows, update_rows
from next_node.db.economy_tables import SPENT, AccountFlow, EconomyCell, Injection, Stimulus
from next_node.indexer.decode import Event

DAY = 86_400
RESPEND_DAYS = 30
RECEIVED = SPENT | {TransferKind.PROJECT.value}  # what a member receives and may pay on
# Events that say what the Transferred just before them was (a migration, a project's instalment,
# the clearing's: see clearing_events.py), and the status a member moving away gets.
NAMES_THE_TRANSFER_BEFORE = frozenset(
    {"AccountMigrated", "InstalmentReleased"}
    | {"PaidAcross", "ReceivedAcross", "PassedThrough", "Netted", "MemberArrived"}
)
MOVED = MemberStatus.MOVED.code  # a member leaving the region, whose balance moved just before


def names_the_transfer_before(event: Event) -> bool:
    """Whether `event` says what the Transferred just before it was: the economy waits for it."""
    if event.name == "MemberStatusChanged":
        return bool(event.args["newStatus"] == MOVED)
    return event.name in NAMES_THE_TRANSFER_BEFORE


COUNTED = frozenset({"active", "frozen"})  # the statuses counted as members of their group

CELLS = EconomyCell.__table__  # type: ignore[attr-defined]
FLOWS = AccountFlow.__table__  # type: ignore[attr-defined]
INJECTIONS = Injection.__table__  # type: ignore[attr-defined]
STIMULI = Stimulus.__table__  # type: ignore[attr-defined]
CELL_FIELDS = tuple(c.name for c in CELLS.columns)
COUNTERS = tuple(f for f in CELL_FIELDS if f not in ("cell", "period", "region", "kind"))


def period_of(timestamp: int) -> str:
    return _month_of_day(timestamp // DAY)


@cache
def _month_of_day(day: int) -> str:
    return datetime.fromtimestamp(day * DAY, UTC).strftime("%Y-%m")


def next_period(period: str) -> str:
    year, month = int(period[:4]), int(period[5:])
    return f"{year + month // 12}-{month % 12 + 1:02d}"


def cell_key(period: str, region: int, kind: str) -> str:
    return f"{period}/{region}/{kind}"


def group(member: dict[str, Any]) -> tuple[int, str]:
    return int(member["region"]), str(member["kind"])


@dataclass
class PendingTransfer:
    """A transfer waiting for the event after it, which may name its kind (`Economy.transfer`)."""

    event: Event
    kind: str
    payer: dict[str, Any] | None
    payee: dict[str, Any]
    amount: int
    tag: str | None
    below: int  # how far the payment took its payer below its own credit limit


class Economy:
    """One batch's share of the economics: loaded as the batch loads its members, changed by the
    ledger's handler at each transfer and membership change, written with the batch."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.cells: dict[str, dict[str, Any]] = {}
        self.stored_cells: set[str] = set()
        self.flows: dict[str, dict[str, Any]] = {}
        self.stored_flows: set[str] = set()
        self.injections: dict[str, dict[str, Any]] = {}
        self.stored_injections: set[str] = set()
        self.pending: PendingTransfer | None = None
        self.stimuli = {row["scope"]: dict(row) for row in session.execute(select(STIMULI)).mappings()}
        self.stored_stimuli = set(self.stimuli)
        latest = session.execute(select(CELLS.c.period).order_by(CELLS.c.period.desc()).limit(1)).scalar()
        self.period: str | None = latest
        if latest is not None:
            self._load_cells(latest)

    # -- loading ----------------------------------------------------------------------------------

    def _load_cells(self, period: str) -> None:
        for row in self.session.execute(select(CELLS).where(CELLS.c.period == period)).mappings():
            self.cells[row["cell"]] = dict(row)
            self.stored_cells.add(row["cell"])

    def load(self, addresses: list[str]) -> None:
        """The flows of the accounts a batch touches."""
        wanted = [a for a in addresses if a not in self.flows]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            for row in self.session.execute(select(FLOWS).where(FLOWS.c.address.in_(chunk))).mappings():
                flow = dict(row)
                flow["receipts"] = json.loads(flow["receipts"])
                self.flows[row["address"]] = flow
                self.stored_flows.add(row["address"])
        for address in wanted:
            self.flows.setdefault(
                address, {"address": address, "last_paid": "", "last_received": "", "last_stimulus": "", "receipts": []}
            )

    def _cell(self, period: str, member: dict[str, Any]) -> dict[str, Any]:
        region, kind = group(member)
        key = cell_key(period, region, kind)
        cell = self.cells.get(key)
        if cell is None:
            row = self.session.execute(select(CELLS).where(CELLS.c.cell == key)).mappings().first()
            if row is not None:
                self.stored_cells.add(key)
                cell = dict(row)
            else:
                cell = {f: 0 for f in CELL_FIELDS} | {"cell": key, "period": period, "region": region, "kind": kind}
            self.cells[key] = cell
        return cell

    def _stored_injection(self, tag: str) -> dict[str, Any] | None:
        injection = self.injections.get(tag)
        if injection is None:
            row = self.session.execute(select(INJECTIONS).where(INJECTIONS.c.tag == tag)).mappings().first()
            if row is not None:
                self.stored_injections.add(tag)
                injection = self.injections[tag] = dict(row)
        return injection

    def _injection(self, tag: str, source: str, label: str, event: Event) -> dict[str, Any]:
        injection = self._stored_injection(tag)
        if injection is None:
            injection = self.injections[tag] = {
                "tag": tag,
                "source": source,
                "label": label,
                "first_time": event.block_time or 0,
                "injected": 0,
                "turnover": 0,
                "spenders": 0,
            }
        return injection

    # -- the month ------------------------------------------------------------------------------

    def at(self, event: Event) -> str:
        """The month of `event`; on the first event of a new month, every group's members and
        circulation are carried into it (and into any month with no event between)."""
        period = period_of(event.block_time or 0)
        if self.period is None:
            self.period = period
        while self.period < period:
            previous = [c for c in self.cells.values() if c["period"] == self.period]
            self.period = next_period(self.period)
            for cell in previous:
                key = cell_key(self.period, cell["region"], cell["kind"])
                self.cells[key] = {f: 0 for f in CELL_FIELDS} | {
                    "cell": key,
                    "period": self.period,
                    "region": cell["region"],
                    "kind": cell["kind"],
                    "members": cell["members"],
                    "circulation": cell["circulation"],
                }
        return period

    # -- what the ledger's handler reports --------------------------------------------------------

    def balance_moved(self, member: dict[str, Any], old: int, new: int, event: Event) -> None:
        self._cell(self.at(event), member)["circulation"] += max(new, 0) - max(old, 0)

    def regroup(self, member: dict[str, Any], before: tuple[str, int, str], event: Event) -> None:
        """A member's status, region or kind changed from `before` (status, region, kind): its
        count and its money move to the group it is in now."""
        period = self.at(event)
        status, region, kind = before
        was = self._cell(period, {"region": region, "kind": kind})
        now = self._cell(period, member)
        counted, counts = status in COUNTED, member["status"] in COUNTED
        was["members"] -= counted
        now["members"] += counts
        # Active this month: counted among the members it is counted in (a member excluded after
        # paying is no longer one of them; a new key counts as its old one, see `migrated`).
        flow = self.flows.get(member["address"])
        if flow is not None and period in (flow["last_paid"], flow["last_received"]):
            was["active"] -= counted
            now["active"] += counts
        if was is not now:
            held = max(member["balance"], 0)
            was["circulation"] -= held
            now["circulation"] += held

    def stimulus_set(self, event: Event, region: int | None, kind: str | None, extra: int, ends_at: int) -> None:
        """A vote set (or ended, with `extra` 0) the stimulus of a scope: the credit drawn from it
        from now on is followed under a tag of its own."""
        scope = f"{'*' if region is None else region}/{kind or '*'}"
        self.stimuli[scope] = {
            "scope": scope,
            "region": region,
            "kind": kind,
            "extra_credit": extra,
            "ends_at": ends_at,
            "tag": f"stimulus/{event.block_number}.{event.log_index}",
        }

    def _stimulus_of(self, payer: dict[str, Any], time: int) -> dict[str, Any] | None:
        """The stimulus a payer draws now: the largest of its scopes', as the ledger takes it."""
        region, kind = group(payer)
        live = [
            s
            for s in self.stimuli.values()
            if s["region"] in (None, region) and s["kind"] in (None, kind) and s["extra_credit"] and s["ends_at"] > time
        ]
        return max(live, key=lambda s: s["extra_credit"], default=None)

    def migrated(self, old: str, new: str) -> None:
        """A member's new key takes its old key's receipts, and counts as it in the month."""
        was, now = self.flows[old], self.flows[new]
        now["receipts"] = was["receipts"] + now["receipts"]
        was["receipts"] = []
        for field in ("last_paid", "last_received", "last_stimulus"):
            now[field] = max(now[field], was[field])

    def transfer(
        self,
        event: Event,
        kind: str,
        payer: dict[str, Any] | None,
        payee: dict[str, Any],
        amount: int,
        tag: str | None = None,
    ) -> None:
        """A Transferred of `kind`, after the balances moved; `payer` None when the reserve pays;
        `tag` names the injection a bonus spending belongs to. It is taken into the figures at
        the next event (`settle`): a key's migration names its transfer a migration only after it."""
        self.settle()
        below = -payer["balance"] - payer["credit_limit"] if payer is not None else 0
        self.pending = PendingTransfer(event, kind, payer, payee, amount, tag, below)

    def retype(self, kind: str) -> None:
        """The pending transfer is of `kind` after all (a migration's)."""
        if self.pending is not None:
            self.pending.kind = kind

    def settle(self) -> None:
        if self.pending is not None:
            pending, self.pending = self.pending, None
            self._transfer(pending)

    def _transfer(self, pending: PendingTransfer) -> None:
        event, kind, payer, payee, amount, tag = (
            pending.event, pending.kind, pending.payer, pending.payee, pending.amount, pending.tag,
        )  # fmt: skip
        period = self.at(event)
        day = (event.block_time or 0) // DAY
        if kind not in RECEIVED:  # a migration's move is no trade: its receipts move in `migrated`
            return
        passed: list[tuple[str, int]] = []  # what arrives at the payee, by tag
        if payer is not None and kind in SPENT:
            paying = self.flows[payer["address"]]
            cell = self._cell(period, payer)
            cell["payments"] += 1
            cell["volume"] += amount
            if paying["last_paid"] != period:
                cell["payers"] += 1
                self._active(paying, cell, period)
                paying["last_paid"] = period
            if kind == TransferKind.PAYMENT:
                passed = self._pay_on(paying, payer, amount, day)
                unfunded = amount - sum(a for _, a in passed)
                passed += self._stimulus(paying, payer, pending.below, unfunded, event, period)
            elif kind == TransferKind.BONUS and tag is not None:
                injection = self._injection(tag, "bonus", tag.split("/", 1)[1], event)
                injection["injected"] += amount
                injection["turnover"] += amount
                passed = [(tag, amount)]
        receiving = self.flows[payee["address"]]
        cell = self._cell(period, payee)
        cell["received"] += amount
        if receiving["last_received"] != period:
            cell["receivers"] += 1
            self._active(receiving, cell, period)
            receiving["last_received"] = period
        untagged = amount - sum(a for t, a in passed if t)
        for t, a in [*((t, a) for t, a in passed if t), ("", untagged)]:
            if a > 0:
                self._receive(receiving, day, a, t)

    # -- following the money ----------------------------------------------------------------------

    @staticmethod
    def _active(flow: dict[str, Any], cell: dict[str, Any], period: str) -> None:
        if flow["last_paid"] != period and flow["last_received"] != period:
            cell["active"] += 1

    @staticmethod
    def _receive(flow: dict[str, Any], day: int, amount: int, tag: str) -> None:
        receipts = flow["receipts"]
        for receipt in reversed(receipts):  # merged with a receipt of the same day and tag
            if receipt[0] != day:
                break
            if receipt[2] == tag:
                receipt[1] += amount
                return
        receipts.append([day, amount, tag])

    def _pay_on(self, flow: dict[str, Any], payer: dict[str, Any], amount: int, day: int) -> list[tuple[str, int]]:
        """Takes `amount` from the payer's receipts, oldest first: their re-spending, and what of
        each tag goes on."""
        receipts = [r for r in flow["receipts"] if day - r[0] <= RESPEND_DAYS]
        passed: dict[str, int] = {}
        left = amount
        while receipts and left > 0:
            receipt_day, held, tag = receipts[0]
            taken = min(held, left)
            left -= taken
            self._cell(period_of(receipt_day * DAY), payer)["respent"] += taken
            if tag:
                passed[tag] = passed.get(tag, 0) + taken
                self._turnover(tag, taken)
            else:
                passed[""] = passed.get("", 0) + taken
            if taken == held:
                receipts.pop(0)
            else:
                receipts[0][1] = held - taken
        flow["receipts"] = receipts
        return list(passed.items())

    def _turnover(self, tag: str, amount: int) -> None:
        injection = self._stored_injection(tag)
        if injection is not None:  # always: a tag is only given by its injection
            injection["turnover"] += amount

    def _stimulus(
        self, flow: dict[str, Any], payer: dict[str, Any], below: int, unfunded: int, event: Event, period: str
    ) -> list[tuple[str, int]]:
        """The part of a payment that went `below` the payer's own credit limit: stimulus credit."""
        drawn = min(max(below, 0), max(unfunded, 0))
        if drawn == 0:
            return []
        stimulus = self._stimulus_of(payer, event.block_time or 0)
        if stimulus is None:  # cannot happen on the ledger: say it all the same, by its month
            tag, label = f"stimulus/{period}", period
        else:
            end = datetime.fromtimestamp(stimulus["ends_at"], UTC).date().isoformat()
            tag, label = stimulus["tag"], f"{stimulus['scope'].replace('/', '|')}|{end}"
        injection = self._injection(tag, "stimulus", label, event)
        injection["injected"] += drawn
        injection["turnover"] += drawn
        if flow["last_stimulus"] != tag:
            injection["spenders"] += 1
            flow["last_stimulus"] = tag
        return [(tag, drawn)]

    # -- writing --------------------------------------------------------------------------------

    def write(self) -> None:
        self.settle()
        cells = list(self.cells.values())
        # A cell of nothing is not written: a new key's, say, before its migration names its group.
        new = [c for c in cells if c["cell"] not in self.stored_cells and any(c[f] for f in COUNTERS)]
        insert_rows(self.session, CELLS, new)
        update_rows(self.session, CELLS, "cell", [c for c in cells if c["cell"] in self.stored_cells])
        flows = [{**f, "receipts": json.dumps(f["receipts"], separators=(",", ":"))} for f in self.flows.values()]
        flows = [
            f
            for f in flows
            if f["address"] in self.stored_flows or f["receipts"] != "[]" or f["last_paid"] or f["last_received"]
        ]
        insert_rows(self.session, FLOWS, [f for f in flows if f["address"] not in self.stored_flows])
        update_rows(self.session, FLOWS, "address", [f for f in flows if f["address"] in self.stored_flows])
        stimuli = list(self.stimuli.values())
        insert_rows(self.session, STIMULI, [x for x in stimuli if x["scope"] not in self.stored_stimuli])
        update_rows(self.session, STIMULI, "scope", [x for x in stimuli if x["scope"] in self.stored_stimuli])
        injections = list(self.injections.values())
        insert_rows(self.session, INJECTIONS, [i for i in injections if i["tag"] not in self.stored_injections])
        update_rows(self.session, INJECTIONS, "tag", [i for i in injections if i["tag"] in self.stored_injections])
