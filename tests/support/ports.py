"""Free ports on 127.0.0.1 for the servers that tests and benchmarks start (chains, gateways,
PostgreSQL)."""

from __future__ import annotations

import os
import random
import socket

# Ports are handed out from 20000-32767, below Linux's ephemeral range (32768-60999): a port the
# kernel hands out for port 0 may be taken, before the server binds it, as the local end of any
# outgoing connection or by a geth's own port-0 listener (seen: a validator's RPC port taken
# under a full test run). Each pytest-xdist worker has its own slice of that range, so two
# workers never pick the same port between one's check and its server's bind; within a process
# the slice is walked in turn, so a port is not handed out again (to a second validator of the
# same test, or while a stopped validator waits to restart on it) before the slice wraps.
_PORTS_LOW, _PORTS_HIGH, _PORT_SLICES = 20_000, 32_768, 8
_next_port: list[int] = []


def _port_slice() -> range:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", ...; unset outside xdist
    index = int(worker[2:]) + 1 if worker[2:].isdigit() else 0
    width = (_PORTS_HIGH - _PORTS_LOW) // _PORT_SLICES
    low = _PORTS_LOW + (index % _PORT_SLICES) * width
    return range(low, low + width)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on, from this process's slice (see above)."""
    ports = _port_slice()
    if not _next_port:
        _next_port.append(random.randrange(ports.start, ports.stop))
    for _ in range(len(ports)):
        port = _next_port[0]
        _next_port[0] = ports.start + (port + 1 - ports.start) % len(ports)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise OSError(f"no free port between {ports.start} and {ports.stop - 1} on 127.0.0.1")
