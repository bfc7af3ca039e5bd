"""Rate limits of the login endpoints and the relay: by client IP and by address, a fixed window
(the `limits` library, its counters in the database: every gateway process on one database counts
against the same limits, db/shared.py), answering 429 with Retry-After.

The client IP is the TCP peer's, unless that peer is one of the trusted proxies
(NEXT_TRUSTED_PROXIES, none by default): then it is the right-most hop of X-Forwarded-For that is
not itself a trusted proxy, since each proxy appends the address it received from and only the
hops left of the last trusted one can be forged by the client."""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Iterable

from fastapi import Request
from limits import parse
from limits.strategies import FixedWindowRateLimiter, RateLimiter
from sqlalchemy.engine import Engine

from next_node.api.errors import TooManyRequests
from next_node.db.shared import SqlStorage

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def new_limiter(engine: Engine) -> RateLimiter:
    """The limiter of the gateway processes on this database."""
    return FixedWindowRateLimiter(SqlStorage(engine))


def parse_rate(spec: str) -> None:
    """Refuses a rate that `limits` cannot read, or one that lets nothing through."""
    if parse(spec).amount < 1:
        raise ValueError(f"{spec!r} lets no request through")


def parse_networks(spec: str) -> tuple[Network, ...]:
    """Comma-separated IPs and CIDRs (`10.0.0.1, 192.168.0.0/24`); ValueError names a bad one."""
    networks = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as error:
            raise ValueError(f"{item!r} is not an IP address or network") from error
    return tuple(networks)


def _trusted(host: str, proxies: Iterable[Network]) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in proxies)


def client_ip(request: Request, proxies: tuple[Network, ...]) -> str:
    """The client's address: the peer's, or behind trusted proxies the right-most untrusted hop."""
    peer = request.client.host if request.client else "-"
    if not proxies or not _trusted(peer, proxies):
        return peer
    hops = [hop.strip() for value in request.headers.getlist("x-forwarded-for") for hop in value.split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        if not _trusted(hop, proxies):
            return hop[:64]
    return peer  # every hop is one of our proxies: the request came from inside


def limit(request: Request, rate: str, scope: str, address: str | None = None) -> None:
    """Counts this request against `rate` for its client IP or, with `address`, for that address."""
    item = parse(rate)
    proxies = request.app.state.context.auth.trusted_proxies
    key = f"address:{address.lower()}" if address else f"ip:{client_ip(request, proxies)}"
    limiter: RateLimiter = request.app.state.limiter
    if not limiter.hit(item, scope, key):
        reset, _remaining = limiter.get_window_stats(item, scope, key)
        retry = max(1, math.ceil(reset - time.time()))
        raise TooManyRequests(retry)
