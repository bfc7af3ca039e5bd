"""A throwaway PostgreSQL server on a free loopback port, for the tests and the benchmarks.

Debian's server (installed by `make test` when missing) runs as the postgres user when we are
root, since it refuses to run as root, in a folder of its own under /tmp.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy

from tests.support.ports import free_port


class PostgresMissingError(RuntimeError):
    pass


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
