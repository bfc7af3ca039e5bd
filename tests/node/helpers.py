"""Helpers of the gateway tests: indexing to the head, comparing an index with the chain and with
another index."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from sqlalchemy import select
from sqlalchemy.engine import Engine
from web3 import Web3

from next_contracts import LEDGER, load_artifact
from next_contracts.deploy import Deployment
from next_contracts.vocabulary import MemberKind, MemberStatus
from next_node.api.app import create_app
from next_node.api.tokens import AuthSettings
from next_node.db.models import EVENT_TABLES, Block, LedgerState, Member, SyncState
from next_node.indexer.sync import Indexer, IndexerSettings
from tests.support.ports import free_port

TABLES = (Member, *EVENT_TABLES, Block, LedgerState, SyncState)


def indexed_gateway(w3: Web3, deployment: Deployment, database_url: str) -> Any:
    """A gateway (a TestClient and its auth settings) over a fresh index of the chain up to its head."""
    from types import SimpleNamespace

    from fastapi.testclient import TestClient

    from next_node.db.engine import make_engine

    engine = make_engine(database_url)
    index_to_head(engine, w3, deployment)
    settings = AuthSettings(domain="gateway.test", login_rate="1000/minute")
    return SimpleNamespace(client=TestClient(create_app(engine, deployment, w3, settings)), settings=settings)


def gateway_on_either_database(request: Any, tmp_path_factory: Any, name: str, w3: Web3, deployment: Deployment) -> Any:
    """A gateway over an index of the chain up to its head, in SQLite or PostgreSQL as the fixture's
    `request.param` says: its TestClient, its engine, and `as_(address)`, a signed-in member's headers."""
    from types import SimpleNamespace

    from fastapi.testclient import TestClient

    from next_node.api.tokens import issue_token
    from next_node.db.engine import make_engine
    from tests.support.postgres import create_database

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp(name) / 'index.db'}"
    else:
        url = create_database(request.getfixturevalue("postgres"), f"{name}_tests")
    engine = make_engine(url)
    index_to_head(engine, w3, deployment)
    settings = AuthSettings()
    client = TestClient(create_app(engine, deployment, w3, settings))

    def as_(who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(settings, who, deployment.chain_id).token}"}

    return SimpleNamespace(client=client, engine=engine, as_=as_)


def index_to_head(engine: Engine, w3: Web3, deployment: Deployment, **settings: Any) -> Indexer:
    indexer = Indexer(engine, w3, deployment, IndexerSettings(**settings))
    while indexer.step() is not None:
        pass
    return indexer


def dump(engine: Engine, *, events_until: int | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, surrogate ids left out (a PostgreSQL sequence is not rolled back
    with a transaction), in a stable order. With `events_until`, only the event tables and blocks,
    up to that block."""
    out = {}
    with engine.connect() as connection:
        for model in TABLES:
            table = model.__table__  # type: ignore[attr-defined]
            block = table.c.get("block_number", table.c.get("number"))
            if events_until is not None and (block is None or model in (Member, SyncState, LedgerState)):
                continue
            columns = [c for c in table.columns if not (c.name == "id" and model not in (LedgerState, SyncState))]
            query = select(*columns)
            if events_until is not None:
                query = query.where(block <= events_until)
            out[table.name] = sorted((tuple(row) for row in connection.execute(query)), key=repr)
    return out


def assert_index_matches_chain(engine: Engine, w3: Web3, deployment: Deployment) -> int:
    """Every indexed account equals the contract's own state; the totals hold. Returns the count."""
    ledger = w3.eth.contract(Web3.to_checksum_address(deployment.ledger), abi=load_artifact(LEDGER).abi)
    with engine.connect() as connection:
        members = connection.execute(select(Member.__table__)).mappings().all()  # type: ignore[attr-defined]
        state = connection.execute(select(LedgerState.__table__)).mappings().one()  # type: ignore[attr-defined]
        sync = connection.execute(select(SyncState.__table__)).mappings().one()  # type: ignore[attr-defined]
    block = sync["last_block"]
    for m in members:
        on_chain = ledger.functions.accountOf(Web3.to_checksum_address(m["address"])).call(block_identifier=block)
        assert (m["balance"], m["credit_limit"], m["ceiling"], m["status"], m["kind"], m["region"]) == (
            on_chain[0],
            on_chain[1],
            on_chain[2],
            MemberStatus.of(on_chain[3]).value,
            MemberKind.of(on_chain[4]).value,
            on_chain[5],
        ), m["address"]
    assert state["reserve"] == ledger.functions.reserveBalance().call(block_identifier=block)
    assert state["fee_bps"] == ledger.functions.feeBps().call(block_identifier=block)
    assert sum(m["balance"] for m in members) + state["reserve"] == 0
    assert state["circulation"] == sum(m["balance"] for m in members if m["balance"] > 0)
    assert state["credit_in_use"] == -sum(m["balance"] for m in members if m["balance"] < 0)
    assert len(members) == ledger.functions.memberCount().call(block_identifier=block) + sum(
        1 for m in members if m["status"] == "migrated"
    )
    return len(members)


@contextmanager
def running_gateway(
    engine: Engine, deployment: Deployment, w3: Web3, auth: AuthSettings | None = None, token_seconds: int = 15 * 60
) -> Iterator[str]:
    """The gateway's app served by uvicorn on a free loopback port; yields its URL. Without `auth`,
    its sign-in is for that port, its tokens last `token_seconds`."""
    port = free_port()
    auth = auth or AuthSettings(domain=f"127.0.0.1:{port}", token_seconds=token_seconds)
    app = create_app(engine, deployment, w3, auth)
    # as next-node serves it: X-Forwarded-For is the app's to judge (NEXT_TRUSTED_PROXIES), not uvicorn's
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", proxy_headers=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the gateway did not start on port {port} within 30 s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
