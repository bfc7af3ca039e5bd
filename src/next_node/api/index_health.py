"""How the index keeps up with the chain, in words: what /health and /blocks/head report.

With an indexer in the same process (`next-node up`), its IndexStatus says whether it is failing
and why. Without one (`next-node serve`, the indexer in another process), the index's cursor
(`sync_state`) against the chain's head says whether it is behind.
"""

from __future__ import annotations

import time

from next_node.api.schemas import IndexReport
from next_node.db.models import SyncState
from next_node.indexer.supervisor import IndexHealth

# Blocks the index may trail the chain by (on top of the confirmations it holds back on purpose)
# before it is reported as behind: a few polls' worth at one block a second.
LAG_THRESHOLD = 10


def freshest_head(watched: int | None, silent_for: float | None, health: IndexHealth | None) -> int | None:
    """The chain's head as last seen: the chain watch polls it every second, but the indexer may
    have read it since (and indexed a block sealed meanwhile); then the indexer's reading is the
    newer one, and an index one block past a watch a second late is not "ahead" of the chain."""
    if watched is None or silent_for is None or health is None:
        return watched
    if health.chain_head is None or health.last_success is None:
        return watched
    if health.last_success > time.time() - silent_for:
        return health.chain_head + health.confirmations
    return watched


def index_report(sync: SyncState | None, chain_head: int | None, health: IndexHealth | None) -> IndexReport:
    indexed = sync.last_block if sync is not None else None
    threshold = LAG_THRESHOLD + (health.confirmations if health is not None else 0)
    lag = max(chain_head - indexed, 0) if chain_head is not None and indexed is not None else None
    age = time.time() - health.last_success if health is not None and health.last_success is not None else None
    state, detail = _judge(indexed, lag, threshold, health, age)
    if state == "ok" and chain_head is not None and indexed is not None and indexed > chain_head:
        # The chain went back (restarted from an older save, or reorganised): what the index holds
        # past its head is no longer on it. The indexer rewinds at its next step; until then the
        # index must not be called up to date.
        state, detail = (
            "ahead",
            (
                f"the index (block {indexed}) is past the chain's head ({chain_head}): the chain went "
                "back, and the indexer is going back to their common block"
            ),
        )
    return IndexReport(
        state=state,
        detail=detail,
        indexed_block=indexed,
        chain_head=chain_head,
        lag=lag,
        lag_threshold=threshold,
        supervised=health is not None,
        last_success_age=round(age, 1) if age is not None else None,
        last_error=health.last_error if health is not None else None,
        consecutive_failures=health.consecutive_failures if health is not None else 0,
    )


def _judge(
    indexed: int | None, lag: int | None, threshold: int, health: IndexHealth | None, age: float | None
) -> tuple[str, str]:
    if health is not None and health.failing:
        since = f"; its last success was {age:.0f} s ago" if age is not None else "; it has not succeeded yet"
        return "failing", (
            f"the indexer failed {health.consecutive_failures} time(s) in a row and keeps trying "
            f"(last error: {health.last_error}){since}"
        )
    if indexed is None:
        return "behind", "nothing is indexed yet"
    if lag is None:
        return "unknown", f"the chain does not answer: the index is at block {indexed}, the lag is unknown"
    if lag > threshold:
        return "behind", f"the index is {lag} blocks behind the chain (more than {threshold})"
    return "ok", f"the index is up to date ({lag} blocks behind the chain)"
