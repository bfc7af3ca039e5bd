"""The indexer under supervision: real faults (a JSON-RPC proxy that answers errors and HTTP 500s,
a locked SQLite file, a PostgreSQL database that refuses connections, a head replaced between two
requests) never end it, /health and /blocks/head say what goes on meanwhile, and it recovers."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import sqlalchemy
import uvicorn
from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy.engine import Engine
from web3 import Web3

from next_contracts import LEDGER, load_artifact
from next_contracts.deploy import DeployConfig, Deployment, deploy
from next_contracts.rpc import connect
from next_contracts.transact import calldata, send
from next_node.api.app import create_app
from next_node.api.tokens import AuthSettings
from next_node.db.engine import make_engine
from next_node.indexer.supervisor import IndexStatus, Supervisor
from next_node.indexer.sync import Indexer, IndexerSettings
from tests.node.helpers import assert_index_matches_chain, dump, index_to_head
from tests.node.rpc_proxy import rpc_proxy
from tests.support.polling import wait_until
from tests.support.ports import free_port
from tests.support.postgres import create_database, drop_database

FAST = IndexerSettings(poll_interval=0.05, retry_interval=0.05, retry_max=0.4)


class Community:
    """A ledger of its own with two members who pay each other."""

    def __init__(self, w3: Web3, operator: str) -> None:
        self.w3 = w3
        self.deployment = deploy(w3, operator, DeployConfig.single_operator(operator))
        self.ledger = w3.eth.contract(self.deployment.ledger, abi=load_artifact(LEDGER).abi)
        self.operator = operator
        self._call(operator, self.ledger.functions.setDefaultCreditLine(0, 1_000_000, 1_000_000))
        self.alice: LocalAccount = Account.create()
        self.bob: LocalAccount = Account.create()
        for member in (self.alice, self.bob):
            self._call(operator, self.ledger.functions.admit(member.address, 0, 1, b"\x01" * 32))

    def _call(self, sender: Any, fn: Any) -> None:
        send(self.w3, sender, {"to": self.ledger.address, "data": calldata(fn)})

    def pay(self, amount: int = 100, ref: bytes = b"\x02" * 32) -> None:
        self._call(self.alice, self.ledger.functions.pay(self.bob.address, amount, ref))


@pytest.fixture
def seeded(w3: Web3) -> Community:
    return Community(w3, w3.eth.accounts[3])


@contextmanager
def supervised(indexer: Indexer) -> Iterator[tuple[IndexStatus, threading.Thread]]:
    """The indexer in a thread under a Supervisor, as `next-node up` runs it."""
    status, stop = IndexStatus(), threading.Event()
    thread = threading.Thread(target=Supervisor(indexer, status, wait=stop.wait).run, args=(stop.is_set,), daemon=True)
    thread.start()
    try:
        yield status, thread
    finally:
        stop.set()
        thread.join(timeout=10)


@contextmanager
def gateway(engine: Engine, deployment: Deployment, w3: Web3, status: IndexStatus | None) -> Iterator[str]:
    port = free_port()
    app = create_app(engine, deployment, w3, AuthSettings(domain=f"127.0.0.1:{port}"), index_status=status)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def health_is(api: str, code: int, state: str, error: str | None = None) -> Callable[[], dict[str, Any] | None]:
    """A poll of /health: its body when it answers `code` with the index in `state` (and `error`
    in the last error), else None."""

    def check() -> dict[str, Any] | None:
        response = httpx.get(f"{api}/health", timeout=5)
        body: dict[str, Any] = response.json()
        index = body["index"]
        if response.status_code != code or index["state"] != state:
            return None
        if error is not None and error not in (index["last_error"] or ""):
            return None
        return body

    return check


def caught_up(engine_indexer: Indexer, w3: Web3) -> Callable[[], bool]:
    return lambda: engine_indexer.cursor()[0] >= w3.eth.block_number


def test_supervisor_outlives_rpc_errors_and_http_500_and_health_says_so(w3, chain, seeded, tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'index.db'}")
    with rpc_proxy(chain.settings.rpc_url) as proxy:
        indexer = Indexer(engine, connect(proxy.url, trust_env=False, timeout=2), seeded.deployment, FAST)
        with supervised(indexer) as (status, thread), gateway(engine, seeded.deployment, w3, status) as api:
            wait_until(caught_up(indexer, w3))
            wait_until(health_is(api, 200, "ok"))

            proxy.mode = "rpc-error"
            seeded.pay()
            body = wait_until(health_is(api, 503, "failing", "injected fault"))
            assert body["status"] == "failing" and body["chain"] == "ok" and body["database"] == "ok"
            assert "keeps trying" in body["index"]["detail"]
            head = httpx.get(f"{api}/blocks/head").json()
            assert head["index"]["state"] == "failing" and head["index"]["consecutive_failures"] >= 1

            proxy.mode = "http-500"
            wait_until(health_is(api, 503, "failing", "500"))
            assert thread.is_alive()

            proxy.mode = "pass"
            wait_until(caught_up(indexer, w3))
            body = wait_until(health_is(api, 200, "ok"))
            assert body["status"] == "ok" and body["index"]["consecutive_failures"] == 0
    assert_index_matches_chain(engine, w3, seeded.deployment)


def test_supervisor_outlives_a_locked_sqlite_database(w3, chain, seeded, tmp_path):
    path = tmp_path / "index.db"
    engine = make_engine(f"sqlite:///{path}", sqlite_busy_timeout=0.2)
    indexer = Indexer(engine, connect(chain.settings.rpc_url, trust_env=False), seeded.deployment, FAST)
    with supervised(indexer) as (status, thread), gateway(engine, seeded.deployment, w3, status) as api:
        wait_until(caught_up(indexer, w3))
        locker = sqlite3.connect(path, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
        try:
            seeded.pay()
            body = wait_until(health_is(api, 503, "failing", "database is locked"))
            assert body["database"] == "ok"  # readers still read (WAL): only the indexer is stuck
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        wait_until(caught_up(indexer, w3))
        wait_until(health_is(api, 200, "ok"))
        assert thread.is_alive()
    assert_index_matches_chain(engine, w3, seeded.deployment)


def test_supervisor_outlives_a_postgresql_database_that_refuses_connections(w3, chain, seeded, postgres):
    name = f"t_{uuid.uuid4().hex[:12]}"
    engine = make_engine(create_database(postgres, name))
    admin = sqlalchemy.create_engine(f"{postgres}/postgres", isolation_level="AUTOCOMMIT")
    indexer = Indexer(engine, connect(chain.settings.rpc_url, trust_env=False), seeded.deployment, FAST)
    try:
        with supervised(indexer) as (status, thread), gateway(engine, seeded.deployment, w3, status) as api:
            wait_until(caught_up(indexer, w3))
            with admin.connect() as connection:
                connection.exec_driver_sql(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
                connection.exec_driver_sql(
                    f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
                )
            seeded.pay()
            body = wait_until(health_is(api, 503, "failing", "OperationalError"))
            assert body["database"] == "unavailable"
            with admin.connect() as connection:
                connection.exec_driver_sql(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
            wait_until(caught_up(indexer, w3))
            wait_until(health_is(api, 200, "ok"))
            assert thread.is_alive()
        assert_index_matches_chain(engine, w3, seeded.deployment)
    finally:
        engine.dispose()
        admin.dispose()
        drop_database(postgres, name)


def test_step_reads_again_when_the_head_is_replaced_between_two_requests(w3, chain, seeded, tmp_path):
    """A geth network's head was replaced between eth_blockNumber and eth_getBlockByNumber:
    `block N is not on the chain (yet)` ended the indexer. Here anvil rewinds right after it
    answered eth_blockNumber, and a new block takes the old number with another hash."""
    engine = make_engine(f"sqlite:///{tmp_path / 'index.db'}")
    with rpc_proxy(chain.settings.rpc_url) as proxy:
        index_to_head(engine, connect(proxy.url, trust_env=False), seeded.deployment)
        snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
        seeded.pay(100, b"\x03" * 32)
        seeded.pay(200, b"\x04" * 32)

        def replace_the_head() -> None:
            assert w3.provider.make_request("evm_revert", [snapshot])["result"] is True
            seeded.pay(300, b"\x05" * 32)

        proxy.before_answer["eth_blockNumber"] = replace_the_head
        indexer = index_to_head(engine, connect(proxy.url, trust_env=False), seeded.deployment)
        assert not proxy.before_answer  # the head was replaced under the indexer
    assert indexer.cursor()[0] == w3.eth.block_number
    assert_index_matches_chain(engine, w3, seeded.deployment)
    reference = make_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    index_to_head(reference, w3, seeded.deployment)
    assert dump(engine) == dump(reference)


def test_step_rewinds_when_the_indexed_head_is_replaced_by_a_shorter_chain(w3, chain, seeded, tmp_path):
    """The chain rewinds below the indexed block and grows back less than it was: the index
    must not wait for the chain to pass its old head to notice."""
    engine = make_engine(f"sqlite:///{tmp_path / 'index.db'}")
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    seeded.pay(100, b"\x03" * 32)
    seeded.pay(200, b"\x04" * 32)
    index_to_head(engine, w3, seeded.deployment)
    w3.provider.make_request("evm_revert", [snapshot])
    seeded.pay(300, b"\x05" * 32)  # one block where there were two
    indexer = index_to_head(engine, w3, seeded.deployment)
    assert indexer.cursor()[0] == w3.eth.block_number
    assert_index_matches_chain(engine, w3, seeded.deployment)
    reference = make_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    index_to_head(reference, w3, seeded.deployment)
    assert dump(engine) == dump(reference)


def test_serve_without_an_indexer_says_the_index_is_behind(w3, chain, seeded, tmp_path):
    """`next-node serve` has no indexer in its process: the cursor against the head tells."""
    engine = make_engine(f"sqlite:///{tmp_path / 'index.db'}")
    index_to_head(engine, w3, seeded.deployment, until_block=seeded.deployment.deploy_block)
    with gateway(engine, seeded.deployment, w3, None) as api:
        for _ in range(11):
            seeded.pay()
        body = wait_until(health_is(api, 200, "behind"))
        assert body["status"] == "degraded" and body["index"]["supervised"] is False
        assert "blocks behind the chain" in body["index"]["detail"]
        index_to_head(engine, w3, seeded.deployment)
        wait_until(health_is(api, 200, "ok"))


def test_backoff_doubles_up_to_its_cap(w3, seeded, tmp_path):
    indexer = Indexer(make_engine(f"sqlite:///{tmp_path / 'index.db'}"), w3, seeded.deployment, IndexerSettings())
    supervisor = Supervisor(indexer)
    assert [supervisor.backoff(n) for n in (1, 2, 3, 7, 8, 100)] == [0.5, 1.0, 2.0, 30.0, 30.0, 30.0]
