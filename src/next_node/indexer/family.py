"""One style for every contract family's handler: a method `_on_EventName(event, record)` for each
event the family follows, found by its name when the family is made for a batch; an event without
one is ignored.

`record` is False when stored events are replayed to rebuild the derived state after a rewind (the
members, the ledger's totals, the economics): a handler then keeps that state and writes no row,
since the event rows are kept.
"""

from __future__ import annotations

from collections.abc import Callable

from next_node.indexer.batch import Batch
from next_node.indexer.decode import Event


class Family:
    family: str  # the name of the contract family it handles ("ledger", "bonuses", ...)

    def __init__(self, batch: Batch, address: str) -> None:
        self.batch = batch
        self.address = address  # the family's contract
        self._handlers: dict[str, Callable[[Event, bool], None]] = {
            name.removeprefix("_on_"): getattr(self, name) for name in dir(type(self)) if name.startswith("_on_")
        }

    def apply(self, event: Event, record: bool) -> None:
        handler = self._handlers.get(event.name)
        if handler is not None:
            handler(event, record)
