"""A throwaway PostgreSQL server on a free loopback port, for the tests and the benchmarks.

Debian's server (installed by `make test` when missing) runs as the postgres user when we are
root, since it refuses to run as root, in a folder of its own under /tmp.
"""

from __future__ import annotations

import glob
import os
import random
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy


class PostgresMissingError(RuntimeError):
    pass


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


def _tool(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))), None)
    if found is None:
        raise PostgresMissingError(f"PostgreSQL's {name} is not installed: `make test` installs Debian's postgresql")
    return found


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yields the base URL (postgresql+psycopg://postgres@127.0.0.1:PORT) of a new server."""
    base = Path(tempfile.mkdtemp(prefix="next-postgres-"))
    base.chmod(0o777)
    data, port = base / "data", free_port()
    as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    pg_ctl = _tool("pg_ctl")
    try:
        subprocess.run(
            [*as_owner, _tool("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
            check=True,
            capture_output=True,
        )
        options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        subprocess.run(
            [*as_owner, pg_ctl, "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start"],
            check=True,
            capture_output=True,
        )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*as_owner, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def create_database(server: str, name: str, template: str | None = None) -> str:
    """A new database `name` on `server`, empty or a copy of the database `template`."""
    admin = sqlalchemy.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    admin.dispose()
    return f"{server}/{name}"


def drop_database(server: str, name: str) -> None:
    admin = sqlalchemy.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()
