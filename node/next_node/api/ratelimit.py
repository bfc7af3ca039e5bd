"""Rate limits of the login endpoints and the relay: by client IP and by address, a moving window
(the `limits` library, in memory: one gateway process serves the API), answering 429 with
Retry-After."""

from __future__ import annotations

import math
import time

from fastapi import HTTPException, Request
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


def new_limiter() -> MovingWindowRateLimiter:
    """A limiter of each app's own, so that two gateways (or two tests) never share counts."""
    return MovingWindowRateLimiter(MemoryStorage())


def limit(request: Request, rate: str, scope: str, address: str | None = None) -> None:
    """Counts this request against `rate` for its IP or, with `address`, for that address."""
    item = parse(rate)
    key = f"address:{address.lower()}" if address else f"ip:{request.client.host if request.client else '-'}"
    limiter: MovingWindowRateLimiter = request.app.state.limiter
    if not limiter.hit(item, scope, key):
        reset, _remaining = limiter.get_window_stats(item, scope, key)
        retry = max(1, math.ceil(reset - time.time()))
        raise HTTPException(429, f"too many requests; retry in {retry} s", headers={"Retry-After": str(retry)})
