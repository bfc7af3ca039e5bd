"""The chain as the API sees it, without ever waiting on a sick chain.

A chain that hangs (a stopped process, a full disk, a partition) answers no request, and every
request sent to it holds one of the API's worker threads for its whole timeout. So:

- a thread of its own polls the chain's head every second with a short timeout: /health and
  /blocks/head answer from what it last saw, at once, whatever the chain does;
- the API's own calls go through `WatchedProvider`: a short timeout and no retries (web3 retries an
  allow-listed call 5 times by default, which made one request of the API take 66 s); while the
  watch has had no answer for `stale_after` seconds they fail at once, and no more than
  `max_calls` of them wait on the chain together (the rest fail at once): a sick chain cannot take
  every worker thread. A failed call is a ChainUnavailableError, which the routes answer with 503.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from web3 import HTTPProvider, Web3

from next_contracts.rpc import connect
from next_node.errors import ChainUnavailableError

log = logging.getLogger("next_node.chain")

POLL_SECONDS = 1.0
PROBE_TIMEOUT = 2.0  # one poll of the head
CALL_TIMEOUT = 5.0  # one call of the API's (a pre-flight, a relayed transaction, a role read)
STALE_AFTER = 4.0  # no answer for this long: the chain is taken as down
MAX_CALLS = 16  # of the API's 40 worker threads, at most this many wait on the chain together


@dataclass(frozen=True)
class ChainStatus:
    head: int | None  # the last head seen, None while the chain is down (or not yet seen)
    reachable: bool
    silent_for: float | None  # seconds since the last answer; None if it never answered
    last_error: str | None


class ChainWatch:
    def __init__(
        self,
        url: str,
        *,
        interval: float = POLL_SECONDS,
        stale_after: float = STALE_AFTER,
        max_calls: int = MAX_CALLS,
        call_timeout: float = CALL_TIMEOUT,
    ) -> None:
        self.url = url
        self.interval = interval
        self.stale_after = stale_after
        self.call_timeout = call_timeout
        self._probe = connect(url, timeout=PROBE_TIMEOUT, trust_env=not _loopback(url), retries=False)
        self._calls = threading.BoundedSemaphore(max_calls)
        self._head: int | None = None
        self._answered_at: float | None = None
        self._error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> ChainWatch:
        """Polls once now (so that the first /health already knows), then in a daemon thread."""
        if self._thread is None:
            self.poll()
            self._thread = threading.Thread(target=self._run, name="chain-watch", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.poll()

    def poll(self) -> None:
        try:
            head = int(self._probe.eth.block_number)
        except Exception as error:  # down, hung or refusing: recorded, never raised
            if self._error is None:
                log.warning("the chain at %s does not answer: %s", self.url, error)
            self._error = str(error) or type(error).__name__
            return
        if self._error is not None:
            log.warning("the chain at %s answers again (head %d)", self.url, head)
        self._head, self._answered_at, self._error = head, time.monotonic(), None

    def state(self) -> ChainStatus:
        silent_for = None if self._answered_at is None else time.monotonic() - self._answered_at
        # One failed poll is not yet "down" (a slow answer under load); `stale_after` of silence is.
        reachable = silent_for is not None and silent_for <= self.stale_after
        return ChainStatus(self._head if reachable else None, reachable, silent_for, self._error)

    @contextmanager
    def call(self) -> Iterator[None]:
        """Around each of the API's chain calls: refused at once while the chain is down or while
        `max_calls` others already wait on it."""
        state = self.state()
        if not state.reachable:
            since = f" for {state.silent_for:.0f} s" if state.silent_for is not None else ""
            raise ChainUnavailableError(f"the chain has not answered{since}")
        if not self._calls.acquire(blocking=False):
            raise ChainUnavailableError("too many requests are waiting on the chain")
        try:
            yield
        finally:
            self._calls.release()

    def client(self) -> Web3:
        """A web3 client for the API: its calls bounded by this watch."""
        return connect(
            self.url,
            timeout=self.call_timeout,
            trust_env=not _loopback(self.url),
            retries=False,
            provider_class=WatchedProvider,
            watch=self,
        )


class WatchedProvider(HTTPProvider):
    """An HTTP provider whose every request (single or batched) goes through `ChainWatch.call`."""

    def __init__(self, endpoint_uri: str, *, watch: ChainWatch, **kwargs: Any) -> None:
        super().__init__(endpoint_uri, **kwargs)
        self.watch = watch

    def make_request(self, method: Any, params: Any) -> Any:
        with self.watch.call():
            return super().make_request(method, params)

    def make_batch_request(self, requests: Any) -> Any:
        with self.watch.call():
            return super().make_batch_request(requests)


def _loopback(url: str) -> bool:
    """No proxy settings for a node on this machine (a proxy would answer for it, or not at all)."""
    return urlparse(url).hostname in ("127.0.0.1", "localhost", "::1")
