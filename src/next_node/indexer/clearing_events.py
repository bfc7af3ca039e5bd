"""The region's clearing handler: relationships, payments across regions, nettings and members
moving, as event rows. Each of its events that follows a Transferred names it (economy.py's
`names_the_transfer_before`): the payer's or payee's side of a payment across regions is of kind
"across", a move between two regions' accounts "clearing", a member's balance carried "move". The
positions themselves are the partners' accounts in the ledger, kept as members are."""

from __future__ import annotations

from next_contracts.vocabulary import TransferKind
from next_node.db.models import ClearingEvent
from next_node.indexer.batch import Batch
from next_node.indexer.decode import Event
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


class ClearingEvents:
    family = "clearing"

    def __init__(self, batch: Batch, address: str) -> None:
        self.batch = batch
        self.address = address

    def apply(self, event: Event, record: bool) -> None:
        kind = KIND_NAMED.get(event.name)
        if kind is not None:
            self.batch.name_previous_transfer(event, kind)
        if not record:  # a replay rebuilds derived state: the transfers' kinds are stored with them
            return
        a = event.args
        if event.name == "RelationshipSet":
            self._row(
                event,
                "relationship_set",
                partner=a["partner"],
                partner_region=a["partnerRegion"],
                credit_limit=a["creditLimit"],
                ceiling=a["ceiling"],
            )
        elif event.name == "PaidAcross":
            self._row(
                event, "paid_across", member=a["from"], other=a["to"], partner=a["destination"], amount=a["amount"],
                ref=a["ref"],
            )  # fmt: skip
        elif event.name == "ReceivedAcross":
            self._row(
                event, "received_across", member=a["to"], other=a["from"], partner=a["via"], amount=a["amount"],
                ref=a["ref"],
            )  # fmt: skip
        elif event.name == "PassedThrough":
            self._row(event, "passed", partner=a["from"], other=a["to"], amount=a["amount"], ref=a["ref"])
        elif event.name == "Netted":
            # This region's moves: its account for the region before paid its account for the first.
            cycle = a["cycle"]
            self._row(event, "netted", partner=cycle[-2], other=cycle[0], amount=a["amount"])  # it has no ref
        elif event.name == "MemberWelcomed":
            self._row(event, "welcomed", member=a["member"], partner=a["from"])
        elif event.name == "MemberMoved":
            self._row(
                event, "moved", member=a["member"], partner=a["to"], partner_region=a["toRegion"], amount=a["balance"]
            )
        elif event.name == "MemberArrived":
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
