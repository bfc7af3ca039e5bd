"""The commons rewards' handler: claims submitted, contested, reinstated and paid, as event rows (a
claim's state is its last event's). A reward paid names the ledger's Transferred that follows it in
the same transaction, which is then of kind "reward". The roles and settings the contract also
emits derive nothing here: the auditor replays them."""

from __future__ import annotations

from hexbytes import HexBytes

from next_contracts.vocabulary import TransferKind
from next_node.db.models import CommonsEvent
from next_node.indexer.decode import Event
from next_node.indexer.family import Family
from next_node.indexer.origin import origin

EMPTY = dict.fromkeys(
    ("attestor", "beneficiary", "by_address", "kind", "evidence", "amount", "period", "payable_at", "reason")
)


def _hex(value: bytes) -> str:
    return HexBytes(value).to_0x_hex()


class CommonsEvents(Family):
    family = "commons"  # its rows derive nothing: a replay writes none

    def _on_ClaimSubmitted(self, event: Event, record: bool) -> None:
        if record:
            a = event.args
            self._row(
                event,
                "submitted",
                a["id"],
                attestor=a["attestor"],
                beneficiary=a["beneficiary"],
                kind=a["kind"],
                evidence=_hex(a["evidence"]),
                amount=a["amount"],
                period=a["period"],
                payable_at=a["payableAt"],
            )

    def _on_ClaimContested(self, event: Event, record: bool) -> None:
        if record:
            a = event.args
            self._row(event, "contested", a["id"], by_address=a["by"], reason=_hex(a["reason"]))

    def _on_ClaimReinstated(self, event: Event, record: bool) -> None:
        if record:
            a = event.args
            self._row(event, "reinstated", a["id"], by_address=a["by"], payable_at=a["payableAt"])

    def _on_RewardPaid(self, event: Event, record: bool) -> None:
        if record:
            a = event.args
            self._row(event, "paid", a["id"], beneficiary=a["beneficiary"], amount=a["amount"])
            self.batch.transfer_kinds[event.tx_hash] = TransferKind.REWARD

    def _row(self, event: Event, name: str, claim_id: bytes, **fields: object) -> None:
        row = {**origin(event), "event": name, "claim_id": _hex(claim_id), **EMPTY, **fields}
        self.batch.rows[CommonsEvent].append(row)
