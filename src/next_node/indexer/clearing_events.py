"""The region's clearing handler: relationships, payments across regions, nettings and members
moving, as event rows. Each of its events that follows a Transferred names it (economy.py's
`names_the_transfer_before`): the payer's or payee's side of a payment across regions is of kind
"across", a move between two regions' accounts "clearing", a member's balance carried "move". The
positions themselves are the partners' accounts in the ledger, kept as members are."""

from __future__ import annotations

from next_contracts.vocabulary import TransferKind
from next_node.db.models import ClearingEvent
from next_node.indexer.decode import Event
from next_node.indexer.family import Family
from next_node.indexer.origin import origin

EMPTY = dict.fromkeys(("member", "other", "partner", "partner_region", "amount", "credit_limit", "ceiling", "ref"))
# The kind each event gives the Transferred just before it, in the same transaction.
KIND_NAMED = {
    "PaidAcross": TransferKind.ACROSS,
    "ReceivedAcross": TransferKind.ACROSS,
    "PassedThrough": TransferKind.CLEARING,
    "Netted": TransferKind.CLEARING,
    "MemberArrived": TransferKind.MOVE,
}


class ClearingEvents(Family):
    family = "clearing"

    def _named(self, event: Event) -> None:
        """The Transferred just before `event` is of the kind the event gives it, replayed too (the
        economics retypes it); the row, written once, keeps it."""
        self.batch.name_previous_transfer(event, KIND_NAMED[event.name])

    def _on_RelationshipSet(self, event: Event, record: bool) -> None:
        if record:
            a = event.args
            self._row(
                event,
                "relationship_set",
                partner=a["partner"],
                partner_region=a["partnerRegion"],
                credit_limit=a["creditLimit"],
                ceiling=a["ceiling"],
            )

    def _on_PaidAcross(self, event: Event, record: bool) -> None:
        self._named(event)
        if record:
            a = event.args
            self._row(
                event, "paid_across", member=a["from"], other=a["to"], partner=a["destination"], amount=a["amount"],
                ref=a["ref"],
            )  # fmt: skip

    def _on_ReceivedAcross(self, event: Event, record: bool) -> None:
        self._named(event)
        if record:
            a = event.args
            self._row(
                event, "received_across", member=a["to"], other=a["from"], partner=a["via"], amount=a["amount"],
                ref=a["ref"],
            )  # fmt: skip

    def _on_PassedThrough(self, event: Event, record: bool) -> None:
        self._named(event)
        if record:
            a = event.args
            self._row(event, "passed", partner=a["from"], other=a["to"], amount=a["amount"], ref=a["ref"])

    def _on_Netted(self, event: Event, record: bool) -> None:
        self._named(event)
        if record:
            # This region's moves: its account for the region before paid its account for the first.
            cycle = event.args["cycle"]
            self._row(event, "netted", partner=cycle[-2], other=cycle[0], amount=event.args["amount"])  # no ref

    def _on_MemberWelcomed(self, event: Event, record: bool) -> None:
        if record:
            self._row(event, "welcomed", member=event.args["member"], partner=event.args["from"])

    def _on_MemberMoved(self, event: Event, record: bool) -> None:
        if record:
            a = event.args
            self._row(
                event, "moved", member=a["member"], partner=a["to"], partner_region=a["toRegion"], amount=a["balance"]
            )

    def _on_MemberArrived(self, event: Event, record: bool) -> None:
        self._named(event)
        if record:
            a = event.args
            self._row(
                event,
                "arrived",
                member=a["member"],
                partner=a["from"],
                partner_region=a["fromRegion"],
                amount=a["balance"],
            )

    def _row(self, event: Event, name: str, **fields: object) -> None:
        self.batch.rows[ClearingEvent].append({**origin(event), "event": name, **EMPTY, **fields})
