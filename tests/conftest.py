"""The fixtures every test folder shares, in one place for the one test session: a real anvil
chain per module with the ledger deployed by the deploy library, and a real
database on each backend, SQLite and PostgreSQL (a throwaway cluster on a free loopback port;
`make test` installs Debian's server). A conftest's fixtures come before a plugin's, so `chain`
here is not ape's: the contract tests use `ape.chain`, and their own fixtures (beside them, in
tests/contracts/conftest.py) have names used nowhere else, as ape's test isolation tracks fixtures
by name (tests/test_one_session.py keeps it so)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from ape.api.providers import SubprocessProvider
from hypothesis import HealthCheck, settings
from web3 import Web3

from next_contracts.deploy import DeployConfig, Deployment, deploy
from next_node.chain.anvil import AnvilChain, AnvilSettings
from tests.paths import SOLC_BIN
from tests.support.ports import free_port
from tests.support.postgres import PostgresMissingError, create_database, drop_database, postgres_server

# ape waits a fixed 20 s for the anvil it starts when a test worker finishes collecting. In a
# clean-clone run one worker finished collecting while the other two were already running tests
# on the machine's two cores, its anvil did not answer within 20 s, and the session ended with an
# internal error. A starved start is slow, not broken: wait up to two minutes.
SubprocessProvider.start.__defaults__ = (120,)

# The Makefile points py-solc-x (and next_contracts.build) at the pinned solcjs; a bare pytest too.
os.environ.setdefault("SOLCX_BINARY_PATH", str(SOLC_BIN))

# Every program the tests start reads its words in English, whatever this machine's locale: a test
# that wants French asks it (LANG or --lang, Accept-Language).
for _name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
    os.environ.pop(_name, None)
os.environ["LANG"] = "C.UTF-8"

settings.register_profile(
    "ci", max_examples=100, stateful_step_count=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
# The stateful tests choose their number of examples themselves (a few in `make test`, many more in
# `make test-deep`, each sized to about a quarter of an hour); the deep profile gives them longer histories.
settings.register_profile(
    "deep", max_examples=150, stateful_step_count=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("quick", max_examples=20, stateful_step_count=25, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """A PostgreSQL server for this test session; yields its base URL."""
    try:
        with postgres_server() as url:
            yield url
    except PostgresMissingError as error:
        pytest.fail(str(error))


# Slow tests run on SQLite in `make test` and on PostgreSQL in `make test-deep`: their PostgreSQL run
# adds minutes, and the backend's own behaviour (locks, types, transactions) has its quicker tests.
DEEP_ON_POSTGRESQL = {
    "test_sigkill_after_each_kth_commit_never_corrupts_the_index",
    "test_validators_die_and_return_and_nothing_is_lost",
}


@pytest.hookimpl(tryfirst=True)  # before the -m selection reads the marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    web = Path(__file__).parent / "web"
    for item in items:
        if item.path.is_relative_to(web):
            item.add_marker(pytest.mark.slow)  # each starts a chain, a gateway and Chromium
        callspec = getattr(item, "callspec", None)
        on_postgresql = callspec is not None and callspec.params.get("database_url") == "postgresql"
        if on_postgresql and getattr(item, "originalname", None) in DEEP_ON_POSTGRESQL:
            item.add_marker(pytest.mark.deep)


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
