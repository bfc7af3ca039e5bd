"""Applying decoded events to the index, a batch at a time.

One code path for both directions: new events from the chain, and stored events replayed to
rebuild the derived tables (`members`, `ledger_state`) after a rewind. The batch (batch.py) is
applied in memory, in (block, log index) order, each event by its contract family's handler, then
written with a handful of bulk statements; the caller owns the transaction, so the batch and the
cursor commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from next_node.indexer.batch import Batch, Handler
from next_node.indexer.bonus_events import BonusEvents
from next_node.indexer.clearing_events import ClearingEvents
from next_node.indexer.commons_events import CommonsEvents
from next_node.indexer.decode import Contracts
from next_node.indexer.governor_events import GovernorEvents
from next_node.indexer.ledger_events import LedgerEvents

# A family's handler, made for each batch: the one place a new contract family is plugged in.
HANDLERS: dict[str, Callable[[Batch, str], Handler]] = {
    "ledger": LedgerEvents,
    "governor": GovernorEvents,
    "bonuses": BonusEvents,
    "commons": CommonsEvents,
    "clearing": ClearingEvents,
}


def open_batch(session: Session, contracts: Contracts) -> Batch:
    batch = Batch(session, contracts)
    batch.handlers = {family: HANDLERS[family](batch, address) for family, address in contracts.by_family.items()}
    return batch
