"""The chain as the API sees it, without ever waiting on a sick chain.

A chain that hangs (a stopped process, a full disk, a partition) answers no request, and every
request sent to it holds one of the API's worker threads for its whole timeout. So:

- a thread of its own polls the chain's head every second with a short timeout: /health and
  /blocks/head answer from what it last saw, at once, whatever the chain does;
- the API's own calls go through `WatchedProvider`: a short timeout and no retries (web3 retries an
  allow-listed call 5 times by default, which made one request of the API take 66 s); while the
  watch has had no answer for `stale_after` seconds they fail at once, and no more than
  `max_calls` of them wait on the chain together (others wait up to 2 s for a slot, then fail): a
  sick chain cannot take every worker thread. A failed call is a ChainUnavailableError, which the
  routes answer with 503.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import aiohttp
import requests
from web3 import Web3

from next_contracts.rpc import JsonRpcProvider, connect
from next_node.errors import ChainUnavailableError

log = logging.getLogger("next_node.chain")

POLL_SECONDS = 1.0
PROBE_TIMEOUT = 2.0  # one poll of the head
CALL_TIMEOUT = 5.0  # one call of the API's (a pre-flight, a relayed transaction, a role read)
STALE_AFTER = 4.0  # no answer for this long: the chain is taken as down
MAX_CALLS = 24  # of the API's 40 worker threads, at most this many wait on the chain together
SLOT_WAIT = 2.0  # how long a call waits for one of them before its request gets 503


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
        self.max_calls = max_calls
        self._calls = threading.BoundedSemaphore(max_calls)
        self._head: int | None = None
        self._answered_at: float | None = None
        self._error: str | None = None
        self._refused = False  # the last poll found nothing listening
        self._timed_out = False  # the last poll waited its whole timeout: down until one answers
        self._probing_since: float | None = None  # when the poll now waiting on the chain began
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.calls = 0  # the API's calls to the chain since the start

    def start(self) -> ChainWatch:
        """Polls once now (so that the first /health already knows), then in a daemon thread."""
        if self._thread is None:
            self.poll()
            self._thread = threading.Thread(target=self._run, name="chain-watch", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """No poll after this returns (one under way ends first, within its probe's timeout)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=PROBE_TIMEOUT + 1)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.poll()

    def poll(self) -> None:
        self._probing_since = time.monotonic()
        try:
            head = int(self._probe.eth.block_number)
        except Exception as error:  # down, hung or refusing: recorded, never raised
            if self._error is None:
                log.warning("the chain at %s does not answer: %s", self.url, error)
            self._error = str(error) or type(error).__name__
            # Nothing listens (a dead chain), as against a slow answer: down at once.
            self._refused = isinstance(error, requests.ConnectionError) and not isinstance(error, requests.Timeout)
            self._timed_out = isinstance(error, requests.Timeout)  # a probe unanswered for its whole timeout
            return
        finally:
            self._probing_since = None
        if self._error is not None:
            log.warning("the chain at %s answers again (head %d)", self.url, head)
        self._head, self._answered_at, self._error, self._refused = head, time.monotonic(), None, False
        self._timed_out = False

    def state(self) -> ChainStatus:
        now = time.monotonic()
        silent_for = None if self._answered_at is None else now - self._answered_at
        # One failed poll is not yet "down" (a slow answer under load); `stale_after` of silence is,
        # and so is a head probe left unanswered for its whole timeout (a hung chain: the API's own
        # calls would wait their timeout on it too), or refused now (a chain that is gone).
        probing = self._probing_since
        hung = self._timed_out or (probing is not None and now - probing >= PROBE_TIMEOUT)
        reachable = silent_for is not None and silent_for <= self.stale_after and not hung and not self._refused
        return ChainStatus(self._head if reachable else None, reachable, silent_for, self._error)

    def require_reachable(self) -> None:
        """ChainUnavailableError at once while the chain has been silent for `stale_after`."""
        state = self.state()
        if not state.reachable:
            since = f" for {state.silent_for:.0f} s" if state.silent_for is not None else ""
            raise ChainUnavailableError(f"the chain has not answered{since}")

    @contextmanager
    def call(self) -> Iterator[None]:
        """Around each of the API's chain calls: refused at once while the chain is down or while
        `max_calls` others already wait on it."""
        self.require_reachable()
        self.calls += 1  # for the operator's metrics (api/metrics.py); a lost increment is no matter
        if not self._calls.acquire(timeout=SLOT_WAIT):  # a busy chain: wait a little, never long
            raise ChainUnavailableError(f"the chain is slow: {self.max_calls} calls already wait on it")
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


class AsyncChainClient:
    """The API's asynchronous JSON-RPC client, for routes that run on the event loop (the relay):
    no worker thread per call, the same bounds as WatchedProvider (refused while the watch sees the
    chain down; at most `max_calls` connections, a call waiting up to SLOT_WAIT for one). aiohttp,
    which web3 itself uses for its async provider: httpx's async pool cost the relay more CPU than
    the rest of its work together.

    One session per event loop: uvicorn runs one loop, while a test client may start a loop per
    request, whose connections cannot serve another loop."""

    def __init__(self, watch: ChainWatch) -> None:
        self.watch = watch
        self._sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession] = (
            weakref.WeakKeyDictionary()
        )

    def _session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        session = self._sessions.get(loop)
        if session is None or session.closed:
            watch = self.watch
            session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=watch.max_calls),
                # `connect` covers the wait for a free connection of the pool, then the connecting.
                timeout=aiohttp.ClientTimeout(total=watch.call_timeout, connect=SLOT_WAIT),
                trust_env=not _loopback(watch.url),
            )
            self._sessions[loop] = session
        return session

    async def _post(self, payload: object) -> Any:
        self.watch.require_reachable()
        try:
            async with self._session().post(self.watch.url, json=payload) as response:
                response.raise_for_status()
                return await response.json(content_type=None)
        except aiohttp.ConnectionTimeoutError as error:
            busy = f"the chain is slow: {self.watch.max_calls} calls already wait on it"
            raise ChainUnavailableError(busy) from error
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise ChainUnavailableError(f"the chain's JSON-RPC failed: {error!r}") from error

    async def request(self, method: str, params: list[object]) -> dict[str, Any]:
        """The JSON-RPC answer ({"result": ...} or {"error": ...})."""
        answer = await self._post({"jsonrpc": "2.0", "id": 0, "method": method, "params": params})
        if not isinstance(answer, dict):
            raise ChainUnavailableError(f"the chain answered {answer!r:.100}")
        return answer

    async def batch(self, calls: list[tuple[str, list[object]]]) -> list[dict[str, Any]]:
        """The answers to `calls`, in their order, from one batch request."""
        payload = [{"jsonrpc": "2.0", "id": n, "method": m, "params": p} for n, (m, p) in enumerate(calls)]
        answers = await self._post(payload)
        try:
            if not isinstance(answers, list) or len(answers) != len(calls):
                raise TypeError("not one answer per call")
            return sorted(answers, key=lambda answer: int(answer["id"]))
        except (KeyError, TypeError, ValueError) as error:
            raise ChainUnavailableError(f"the chain answered the batch with {answers!r:.100}") from error


class WatchedProvider(JsonRpcProvider):
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
