"""One JSON-RPC address in front of several validators: what the node's gateway and indexer follow
under `network up`, so that the validator they prefer may die without taking the API down.

Each call goes to the preferred validator while it answers; when it refuses the connection or does
not connect within a second, the call goes to the next one that answers, and the preferred one is
asked again a few seconds later. A call that reached a validator is never sent twice: only a
connection that failed moves on (a transaction sent twice would be answered "already known"
anyway). Everything stays on loopback.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Sequence

import aiohttp
from aiohttp import web

from next_node.errors import ChainUnavailableError

log = logging.getLogger("next_node.chain")
CONNECT_TIMEOUT = 1.0  # a validator that does not connect within this is down for now
CALL_TIMEOUT = 120.0  # a call that connected: as long as the chain takes (a large batch, an estimate)
RETRY_AFTER = 3.0  # seconds before a validator found down is asked first again
MAX_BODY = 16 * 1024 * 1024


class RpcFailover:
    """A loopback HTTP server forwarding each JSON-RPC request to the first upstream that answers."""

    def __init__(self, upstreams: Sequence[str], names: Sequence[str] | None = None) -> None:
        if not upstreams:
            raise ValueError("a failover needs at least one upstream")
        self.upstreams = list(upstreams)
        self.names = list(names or upstreams)
        self._down_until = [0.0] * len(self.upstreams)
        self._current = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    @property
    def following(self) -> str:
        """The name of the upstream the last call went to."""
        return self.names[self._current]

    def start(self) -> str:
        """Serves on a free loopback port, in a daemon thread; returns its URL."""
        ready = threading.Event()
        failed: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._serve())
            except BaseException as error:  # reported to start(), which raises it
                failed.append(error)
                ready.set()
                return
            ready.set()
            loop.run_forever()

        self._thread = threading.Thread(target=run, name="rpc-failover", daemon=True)
        self._thread.start()
        ready.wait(30)
        if failed or not self.url:
            raise ChainUnavailableError(f"the JSON-RPC failover did not start: {failed[0] if failed else 'timeout'}")
        return self.url

    async def _serve(self) -> None:
        timeout = aiohttp.ClientTimeout(total=CALL_TIMEOUT, sock_connect=CONNECT_TIMEOUT)
        self._session = aiohttp.ClientSession(timeout=timeout, trust_env=False)
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post("/", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    def _order(self) -> list[int]:
        """The upstreams to try, in order: those not found down lately first, in their own order."""
        now = time.monotonic()
        indices = range(len(self.upstreams))
        return sorted(indices, key=lambda i: (self._down_until[i] > now, i))

    async def _forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        assert self._session is not None
        for index in self._order():
            try:
                async with self._session.post(
                    self.upstreams[index], data=body, headers={"Content-Type": "application/json"}
                ) as answer:
                    payload = await answer.read()
                    if index != self._current:
                        log.warning("the node now follows %s (%s)", self.names[index], self.upstreams[index])
                        self._current = index
                    return web.Response(body=payload, status=answer.status, content_type="application/json")
            except (aiohttp.ClientConnectorError, aiohttp.ServerTimeoutError, ConnectionError) as error:
                if isinstance(error, aiohttp.ServerTimeoutError) and not isinstance(
                    error, aiohttp.ConnectionTimeoutError
                ):
                    return web.Response(status=504, text="the validator did not answer in time")
                self._down_until[index] = time.monotonic() + RETRY_AFTER
        return web.Response(status=503, text="no validator answers")

    def stop(self) -> None:
        loop = self._loop
        if loop is None:
            return

        async def close() -> None:
            if self._runner is not None:
                await self._runner.cleanup()
            if self._session is not None:
                await self._session.close()

        asyncio.run_coroutine_threadsafe(close(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._loop = None
