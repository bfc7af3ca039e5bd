"""The indexer under supervision: it runs as long as the node runs, and says how it goes.

Whatever one step of the indexer raises (the chain's JSON-RPC errors or HTTP 5xx, a closed port, a
locked or unreachable database, a chain that keeps moving), the Supervisor logs it in one line,
waits (0.5 s, doubling up to 30 s by default) and tries again; nothing but the node's stop ends the
loop. Its IndexStatus, shared with the API, holds the last success, the last error in words and
the failures in a row: what /health and /blocks/head report.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import requests
from sqlalchemy.exc import SQLAlchemyError

from next_node.errors import NodeError

if TYPE_CHECKING:
    from next_node.indexer.sync import Indexer, Progress

log = logging.getLogger("next_node.indexer")
ERROR_TEXT_MAX = 300


@dataclass(frozen=True)
class IndexHealth:
    """A snapshot of the indexer's state, as its thread last left it."""

    indexed_block: int | None
    chain_head: int | None  # the head the indexer last read (confirmations held back)
    last_success: float | None  # Unix time of the last step that did not fail
    last_error: str | None
    last_error_at: float | None
    consecutive_failures: int
    confirmations: int

    @property
    def failing(self) -> bool:
        return self.consecutive_failures > 0


class IndexStatus:
    """What the indexer's thread tells the API: written by one thread, read by many."""

    def __init__(self, confirmations: int = 0) -> None:
        self._lock = threading.Lock()
        self._health = IndexHealth(None, None, None, None, None, 0, confirmations)

    def succeeded(self, indexed_block: int, chain_head: int | None) -> None:
        with self._lock:
            self._health = replace(
                self._health,
                indexed_block=indexed_block,
                chain_head=chain_head,
                last_success=time.time(),
                consecutive_failures=0,
            )

    def failed(self, error: BaseException) -> int:
        """Records a failure; returns the failures in a row."""
        with self._lock:
            failures = self._health.consecutive_failures + 1
            self._health = replace(
                self._health, last_error=describe(error), last_error_at=time.time(), consecutive_failures=failures
            )
            return failures

    def snapshot(self) -> IndexHealth:
        with self._lock:
            return self._health


def describe(error: BaseException) -> str:
    """An error in one line of words: its kind and the first line of its message."""
    lines = str(error).strip().splitlines()
    text = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    return text if len(text) <= ERROR_TEXT_MAX else text[: ERROR_TEXT_MAX - 3] + "..."


EXPECTED_FAILURES = (NodeError, requests.RequestException, ConnectionError, SQLAlchemyError)


class Supervisor:
    """Runs an indexer's steps until told to stop, backing off exponentially after failures."""

    def __init__(
        self,
        indexer: Indexer,
        status: IndexStatus | None = None,
        wait: Callable[[float], object] = time.sleep,
    ) -> None:
        self.indexer = indexer
        self.status = status or IndexStatus(indexer.settings.confirmations)
        self.wait = wait  # `threading.Event.wait` lets a stop cut a backoff short

    def backoff(self, failures: int) -> float:
        settings = self.indexer.settings
        return float(min(settings.retry_max, settings.retry_interval * 2 ** min(failures - 1, 32)))

    def run(
        self,
        should_stop: Callable[[], bool],
        on_progress: Callable[[Progress], None] | None = None,
        *,
        until_caught_up: bool = False,
    ) -> None:
        """Steps until `should_stop()` (or, with `until_caught_up`, until the index reaches the head)."""
        while not should_stop():
            try:
                progress = self.indexer.step()
                indexed = self.indexer.cursor()[0] if progress is None else progress.last_block
            except Exception as error:  # supervised: any failure is logged and retried, never fatal
                failures = self.status.failed(error)
                delay = self.backoff(failures)
                log.warning(
                    "indexing failed (%d in a row): %s; trying again in %.1f s",
                    failures,
                    describe(error),
                    delay,
                    exc_info=failures == 1 and not isinstance(error, EXPECTED_FAILURES),
                )
                self.wait(delay)
                continue
            if self.status.snapshot().failing:
                log.warning("indexing works again, at block %d", indexed)
            self.status.succeeded(indexed, self.indexer.last_head)
            if progress is None:
                if until_caught_up:
                    return
                self.wait(self.indexer.settings.poll_interval)
            elif on_progress is not None:
                on_progress(progress)
