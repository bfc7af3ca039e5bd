"""Fixtures of the gateway's tests: a real anvil chain of their own and a real database, SQLite or
PostgreSQL (a throwaway cluster on a free loopback port; `make test` installs Debian's server)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy
from web3 import Web3

from next_contracts.deploy import DeployConfig, Deployment, deploy
from next_node.chain.embedded import ChainSettings, EmbeddedChain


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))), None)
    if found is None:
        pytest.fail(f"PostgreSQL's {name} is not installed: `make test` installs Debian's postgresql")
    return found


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """A PostgreSQL server for this test session; yields its base URL."""
    # Not under pytest's tmp folders: they are private to root, and the server runs as postgres.
    base = Path(tempfile.mkdtemp(prefix="next-postgres-"))
    base.chmod(0o777)
    data, port = base / "data", free_port()
    # The server refuses to run as root: run it as Debian's postgres user then.
    as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run(
        [*as_owner, _pg_tool("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    subprocess.run(
        [
            *as_owner,
            _pg_tool("pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(base / "log"),
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*as_owner, _pg_tool("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'index.db'}"
        return
    server = request.getfixturevalue("postgres")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    yield f"{server}/{name}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedChain]:
    """An anvil chain of the module's own, mining a block per transaction (block time 0)."""
    node = EmbeddedChain(ChainSettings(tmp_path_factory.mktemp("chain"), free_port(), block_time=0))
    node.start()
    yield node
    node.stop()


@pytest.fixture(scope="module")
def w3(chain: EmbeddedChain) -> Web3:
    from next_contracts.rpc import connect

    return connect(chain.settings.rpc_url, trust_env=False)


@pytest.fixture(scope="module")
def operator(w3: Web3) -> str:
    return w3.eth.accounts[0]


@pytest.fixture(scope="module")
def deployment(w3: Web3, operator: str) -> Deployment:
    return deploy(w3, operator, DeployConfig.single_operator(operator))
