"""The bonus allowances' handler: categories set, runs opened, allowances issued and spent, and a key
recovery carrying them over (`carried`: the old key as holder, the new one as account), as event
rows (what a run issued, spent and lost to lapsing is summed from them when asked). A spending names
the ledger's Transferred that follows it in the same transaction, which is then of kind "bonus", and
its money the run's."""

from __future__ import annotations

from next_contracts.vocabulary import TransferKind
from next_node.db.models import BonusEvent
from next_node.indexer.decode import Event
from next_node.indexer.family import Family
from next_node.indexer.origin import origin

EMPTY = dict.fromkeys(
    ("run_id", "council", "holder", "account", "amount", "categories", "regions", "region", "expires_at", "ref")
)


class BonusEvents(Family):
    family = "bonuses"

    def _on_CategoriesSet(self, event: Event, record: bool) -> None:
        if record:
            a = event.args
            self._row(event, "categories", account=a["account"], categories=a["categories"], region=a["region"])

    def _on_BonusRunOpened(self, event: Event, record: bool) -> None:
        if record:
            a = event.args
            self._row(
                event,
                "opened",
                run_id=a["runId"],
                council=a["council"],
                expires_at=a["expiresAt"],
                categories=a["categories"],
                regions=",".join(str(r) for r in a["regions"] if r),
                ref=a["ref"],
            )

    def _on_AllowancesCarried(self, event: Event, record: bool) -> None:
        """A key recovery: allowances, runs and categories follow the member to its new key."""
        if record:
            self._row(event, "carried", holder=event.args["from"], account=event.args["to"])

    def _on_AllowanceIssued(self, event: Event, record: bool) -> None:
        if record:
            a = event.args
            self._row(event, "issued", run_id=a["runId"], holder=a["holder"], amount=a["amount"])

    def _on_AllowanceSpent(self, event: Event, record: bool) -> None:
        a = event.args
        # The economics follows a run's money (economy.py), replayed too: the one state it derives.
        self.batch.transfer_tags[event.tx_hash] = f"bonus/{a['runId']}"
        if record:
            self._row(
                event,
                "spent",
                run_id=a["runId"],
                holder=a["holder"],
                account=a["payee"],
                amount=a["amount"],
                ref=a["ref"],
            )
            self.batch.transfer_kinds[event.tx_hash] = TransferKind.BONUS

    def _row(self, event: Event, name: str, **fields: object) -> None:
        self.batch.rows[BonusEvent].append({**origin(event), "event": name, **EMPTY, **fields})
