"""The indexer survives being killed at any instant, and a chain that goes away and comes back."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading

import pytest
from eth_account import Account
from sqlalchemy import select
from sqlalchemy.orm import Session

from next_contracts import LEDGER, load_artifact
from next_contracts.deploy import DeployConfig, deploy
from next_contracts.rpc import connect
from next_node.chain.embedded import ChainSettings, EmbeddedChain
from next_node.db.engine import make_engine
from next_node.db.models import SyncState
from next_node.indexer.supervisor import IndexStatus, Supervisor
from next_node.indexer.sync import Indexer, IndexerSettings
from tests.node.helpers import assert_index_matches_chain, dump, index_to_head
from tests.support.chain import call
from tests.support.polling import wait_until
from tests.support.ports import free_port

pytestmark = pytest.mark.slow  # an indexer killed twenty times

STAFF, BATCHES = 200, 52  # 10,400 payment events, and the admissions and credit lines around them


@pytest.fixture(scope="module")
def busy_ledger(w3, tmp_path_factory):
    """A ledger with more than 10,000 events: a council paying 200 staff, 52 times."""
    operator = w3.eth.accounts[2]
    deployment = deploy(w3, operator, DeployConfig.single_operator(operator))
    ledger = w3.eth.contract(deployment.ledger, abi=load_artifact(LEDGER).abi)
    call(w3, operator, ledger.functions.setDefaultCreditLine(0, 0, 10**12))
    call(w3, operator, ledger.functions.setDefaultCreditLine(2, 10**12, 10**12))
    council = Account.create()
    staff = [Account.create().address for _ in range(STAFF)]
    call(w3, operator, ledger.functions.admitCouncil(council.address, 1, b"\x01" * 32))
    for member in staff:
        call(w3, operator, ledger.functions.admit(member, 0, 1, b"\x02" * 32))
    for month in range(BATCHES):
        amounts = [1_000 + month + i for i in range(STAFF)]
        call(w3, council, ledger.functions.payBatch(staff, amounts, month.to_bytes(32, "big")))
    path = tmp_path_factory.mktemp("busy") / "deployment.json"
    deployment.write(path)
    reference = make_engine(f"sqlite:///{tmp_path_factory.mktemp('reference') / 'index.db'}")
    index_to_head(reference, w3, deployment)
    return deployment, path, reference


def test_sigkill_after_each_kth_commit_never_corrupts_the_index(database_url, chain, w3, busy_ledger):
    """`next-node index` is killed (SIGKILL) over and over during a catch-up, each time once the
    database shows that it committed k more ranges of 3 blocks (k = 1, 2, 3, 1, ...): the kill then
    lands right after a commit or inside the next one. After each kill the index agrees with the
    chain at its cursor and holds exactly what a clean run holds up to there."""
    deployment, record, reference = busy_ledger
    engine = make_engine(database_url)
    batch_blocks = 3
    command = [
        sys.executable,
        "-m",
        "next_node.cli",
        "index",
        "--rpc-url",
        chain.settings.rpc_url,
        "--deployment",
        str(record),
        "--database",
        database_url,
        "--batch-blocks",
        str(batch_blocks),
    ]
    head = w3.eth.block_number
    cursors: list[int] = []
    for run in range(20):
        before = _cursor(engine)
        start = deployment.deploy_block - 1 if before is None else before
        target = min(head, start + batch_blocks * (1 + run % 3))
        indexer = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(
            lambda t=target, p=indexer: (_cursor(engine) or -1) >= t or p.poll() is not None,
            timeout=120,
            every=0.005,
        )
        indexer.send_signal(signal.SIGKILL)
        indexer.wait()
        sync = _sync(engine)
        assert sync is not None
        # Every run committed the ranges it was waited for, and nothing it committed was lost.
        assert sync.last_block >= target
        assert not cursors or sync.last_block > cursors[-1]
        cursors.append(sync.last_block)
        # At its cursor, the index agrees with the chain, account by account, and holds exactly
        # the events of a clean replay up to that block.
        assert_index_matches_chain(engine, w3, deployment)
        assert dump(engine, events_until=sync.last_block) == dump(reference, events_until=sync.last_block)
        if sync.last_block >= head:
            break
    assert len(cursors) >= 10, f"the kills should land all along the catch-up: {cursors}"
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    assert dump(engine) == dump(reference)


def test_indexer_waits_for_a_chain_that_stops_and_continues(database_url, tmp_path):
    settings = ChainSettings(tmp_path / "chain", free_port(), block_time=0)
    chain = EmbeddedChain(settings)  # geth: stopped and started again, it resumes its chain
    w3 = chain.start()
    operator = chain.operator
    deployment = deploy(w3, operator, DeployConfig.single_operator(operator.address))
    ledger = w3.eth.contract(deployment.ledger, abi=load_artifact(LEDGER).abi)
    call(w3, operator, ledger.functions.setDefaultCreditLine(0, 50_000, 50_000))
    alice, bob = Account.create(), Account.create()
    for member in (alice, bob):
        call(w3, operator, ledger.functions.admit(member.address, 0, 1, b"\x01" * 32))

    engine = make_engine(database_url)
    indexer = Indexer(
        engine,
        connect(settings.rpc_url, trust_env=False, timeout=2),
        deployment,
        IndexerSettings(poll_interval=0.1, retry_interval=0.2),
    )
    status = IndexStatus()
    stop = threading.Event()
    thread = threading.Thread(target=Supervisor(indexer, status).run, args=(stop.is_set,), daemon=True)
    thread.start()
    try:
        wait_until(lambda: indexer.cursor()[0] >= w3.eth.block_number)
        chain.stop()
        # The indexer meets a closed port, and fails at least twice in a row: it keeps trying.
        wait_until(lambda: status.snapshot().consecutive_failures >= 2)
        assert thread.is_alive()
        w3 = chain.start()
        call(w3, alice, ledger.functions.pay(bob.address, 4_321, b"\x02" * 32))
        wait_until(lambda: indexer.cursor()[0] >= w3.eth.block_number)
        assert_index_matches_chain(engine, w3, deployment)
        with Session(engine) as session:
            assert session.execute(select(SyncState.last_block)).scalar_one() == w3.eth.block_number
    finally:
        stop.set()
        thread.join(timeout=10)
        chain.stop()


def _sync(engine):
    with Session(engine) as session:
        return session.get(SyncState, 1)


def _cursor(engine) -> int | None:
    sync = _sync(engine) if _has_tables(engine) else None
    return sync.last_block if sync else None


def _has_tables(engine) -> bool:
    from sqlalchemy import inspect

    return inspect(engine).has_table("sync_state")
