"""The index's report against the chain's head: an index past the head is called "ahead" (the chain
went back), unless the indexer read a newer head than the chain watch's last poll (a block sealed
in the second between two polls: the index is then up to date, not ahead)."""

from __future__ import annotations

import time

from next_node.api.index_health import freshest_head, index_report
from next_node.db.models import SyncState
from next_node.indexer.supervisor import IndexHealth


def _health(indexed: int, head: int, at: float) -> IndexHealth:
    return IndexHealth(
        indexed_block=indexed,
        chain_head=head,
        last_success=at,
        last_error=None,
        last_error_at=None,
        consecutive_failures=0,
        confirmations=0,
    )


def _sync(block: int) -> SyncState:
    return SyncState(id=1, last_block=block, last_block_hash="0x" + "ab" * 32)


def test_an_index_past_a_watch_a_second_late_is_up_to_date():
    health = _health(26, 26, at=time.time())  # the indexer read head 26 just now
    head = freshest_head(25, silent_for=1.0, health=health)  # the watch saw 25 a second ago
    assert head == 26
    assert index_report(_sync(26), head, health).state == "ok"


def test_an_index_past_a_chain_that_went_back_is_ahead():
    health = _health(26, 26, at=time.time() - 10)  # the indexer's reading is older than the watch's
    head = freshest_head(25, silent_for=0.5, health=health)
    assert head == 25
    report = index_report(_sync(26), head, health)
    assert report.state == "ahead" and "past the chain's head (25)" in report.detail


def test_without_an_indexer_in_process_the_watch_is_the_head():
    assert freshest_head(25, silent_for=0.5, health=None) == 25
    assert freshest_head(None, silent_for=None, health=_health(3, 3, time.time())) is None
