"""Fixtures of the gateway's tests: a real anvil chain of their own and a real database, SQLite or
PostgreSQL (a throwaway cluster on a free loopback port; `make test` installs Debian's server)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from web3 import Web3

from next_contracts.deploy import DeployConfig, Deployment, deploy
from next_node.chain.anvil import AnvilChain, AnvilSettings
from scripts._postgres import PostgresMissingError, create_database, drop_database, free_port, postgres_server


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """A PostgreSQL server for this test session; yields its base URL."""
    try:
        with postgres_server() as url:
            yield url
    except PostgresMissingError as error:
        pytest.fail(str(error))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'index.db'}"
        return
    server = request.getfixturevalue("postgres")
    name = f"t_{uuid.uuid4().hex[:12]}"
    yield create_database(server, name)
    drop_database(server, name)


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnvilChain]:
    """An anvil chain of the module's own, mining a block per transaction (block time 0)."""
    node = AnvilChain(AnvilSettings(tmp_path_factory.mktemp("chain"), free_port(), block_time=0))
    node.start()
    yield node
    node.stop()


@pytest.fixture(scope="module")
def w3(chain: AnvilChain) -> Web3:
    from next_contracts.rpc import connect

    return connect(chain.settings.rpc_url, trust_env=False)


@pytest.fixture(scope="module")
def operator(w3: Web3) -> str:
    return w3.eth.accounts[0]


@pytest.fixture(scope="module")
def deployment(w3: Web3, operator: str) -> Deployment:
    return deploy(w3, operator, DeployConfig.single_operator(operator))
