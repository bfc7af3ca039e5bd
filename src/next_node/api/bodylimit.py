"""A bound on every request body, before anything parses it: an ASGI middleware that refuses a
declared Content-Length over the route's limit at once, and counts the bytes of a streamed
(chunked) body as they come, so that no body larger than its limit is ever held in memory.
Either way the answer is 413."""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

KIB = 1024
DEFAULT_BODY_LIMIT = 64 * KIB
# Routes that take more than the default: a signed transaction or calldata (at most 128 KiB, so
# 256 KiB of hex), and a batch check (up to 10,000 lines of address and amount).
ROUTE_BODY_LIMITS: tuple[tuple[str, int], ...] = (
    (r"/tx", 300 * KIB),
    (r"/rpc", 300 * KIB),  # a signed transaction, in a JSON-RPC call
    (r"/accounts/[^/]+/preflight", 300 * KIB),
    (r"/accounts/[^/]+/batch-check", 2048 * KIB),
    (r"/accounts/[^/]+/batch-file", 8192 * KIB),  # up to 2,000,000 characters, JSON-escaped
)


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than this route's limit of {limit // KIB} KiB")


class BodyLimit:
    """Bounds request bodies: `default` bytes, or the limit of the first pattern of `routes` that
    matches the whole path."""

    def __init__(
        self, app: ASGIApp, default: int = DEFAULT_BODY_LIMIT, routes: Sequence[tuple[str, int]] = ROUTE_BODY_LIMITS
    ) -> None:
        self.app = app
        self.default = default
        self.routes = [(re.compile(pattern), limit) for pattern, limit in routes]

    def limit_of(self, path: str) -> int:
        return next((limit for pattern, limit in self.routes if pattern.fullmatch(path)), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_of(scope["path"])
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and not declared.isdigit():
            await JSONResponse({"detail": "Content-Length is not a number"}, status_code=400)(scope, receive, send)
            return
        if declared is not None and int(declared) > limit:
            await JSONResponse({"detail": BodyTooLarge(limit).detail}, status_code=413)(scope, receive, send)
            return
        received = 0
        started = False

        async def bounded_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, bounded_receive, watched_send)
        except BodyTooLarge as error:  # read outside FastAPI's body parsing, which answers it itself
            if started:
                raise
            await JSONResponse({"detail": error.detail}, status_code=413)(scope, receive, send)
