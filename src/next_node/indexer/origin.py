"""Where an event row comes from: its block, log index, transaction and time, the first columns
of every event table."""

from __future__ import annotations

from typing import Any

from next_node.indexer.decode import Event


def origin(event: Event) -> dict[str, Any]:
    return {
        "block_number": event.block_number,
        "log_index": event.log_index,
        "tx_hash": event.tx_hash,
        "block_time": event.block_time or 0,
    }
