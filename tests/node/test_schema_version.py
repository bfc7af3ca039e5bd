"""The index carries its schema version; an index of an older or unknown version is rebuilt from
the chain on start, through the real `next-node index`, and a kill during the rebuild ends, after a
restart, in a correct index."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from eth_account import Account
from sqlalchemy import text
from sqlalchemy.engine import Engine

from next_contracts import LEDGER, load_artifact
from next_contracts.deploy import DeployConfig, deploy
from next_node.db.engine import make_engine
from next_node.db.models import SCHEMA_VERSION
from next_node.db.schema import ensure_schema, schema_version
from next_node.errors import DeploymentMismatchError
from tests.node.helpers import assert_index_matches_chain, dump, index_to_head
from tests.node.rpc_proxy import rpc_proxy
from tests.support.chain import call
from tests.support.polling import wait_until

MEMBERS, PAYMENTS = 30, 90  # some 125 blocks: a rebuild one block per batch takes a few seconds
PART_WAY = 40  # ranges of one block the killed rebuild indexes


@pytest.fixture(scope="module")
def indexed_ledger(w3, tmp_path_factory):
    """A ledger with members and payments, its deployment record, and a reference index of it."""
    operator = w3.eth.accounts[4]
    deployment = deploy(w3, operator, DeployConfig.single_operator(operator))
    ledger = w3.eth.contract(deployment.ledger, abi=load_artifact(LEDGER).abi)
    call(w3, operator, ledger.functions.setDefaultCreditLine(0, 10**9, 10**9))
    members = [Account.create() for _ in range(MEMBERS)]
    for member in members:
        call(w3, operator, ledger.functions.admit(member.address, 0, 1, b"\x01" * 32))
    for i in range(PAYMENTS):
        payer, payee = members[i % MEMBERS], members[(i * 7 + 1) % MEMBERS]
        call(w3, payer, ledger.functions.pay(payee.address, 100 + i, i.to_bytes(32, "big")))
    record = tmp_path_factory.mktemp("record") / "deployment.json"
    deployment.write(record)
    reference = make_engine(f"sqlite:///{tmp_path_factory.mktemp('reference') / 'index.db'}")
    index_to_head(reference, w3, deployment)
    return deployment, record, reference


def age(engine: Engine, version: int | None) -> None:
    """Makes a current index look written by another version: the version row changed (or gone)
    and a derived row that the old version computed differently."""
    with engine.begin() as connection:
        if version is None:
            connection.execute(text("DELETE FROM schema_version"))
        else:
            connection.execute(text("UPDATE schema_version SET version = :v"), {"v": version})
        connection.execute(text("UPDATE members SET balance = balance + 1"))
        connection.execute(text("UPDATE ledger_state SET circulation = 0"))


def index_command(chain, record: Path, database: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "next_node.cli",
        "index",
        "--rpc-url",
        chain.settings.rpc_url,
        "--deployment",
        str(record),
        "--database",
        database,
        "--batch-blocks",
        "1",
    ]


@pytest.mark.parametrize("version", [SCHEMA_VERSION - 1, None], ids=["previous", "none"])
def test_index_of_another_version_is_rebuilt_from_the_chain(database_url, chain, w3, indexed_ledger, version):
    deployment, record, reference = indexed_ledger
    engine = make_engine(database_url)
    index_to_head(engine, w3, deployment)
    age(engine, version)
    assert dump(engine) != dump(reference)

    done = subprocess.run(index_command(chain, record, database_url), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "rebuilding it from the chain" in done.stderr
    assert schema_version(engine) == SCHEMA_VERSION
    assert dump(engine) == dump(reference)
    assert_index_matches_chain(engine, w3, deployment)

    again = subprocess.run(index_command(chain, record, database_url), capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "rebuilding" not in again.stderr  # current now: resumed, not rebuilt


def test_an_index_that_follows_fewer_contracts_is_rebuilt(database_url, chain, w3, indexed_ledger):
    """An index written before the deployment gained a contract has none of that contract's past
    events behind its cursor: it is indexed again from the chain, not resumed."""
    deployment, record, reference = indexed_ledger
    engine = make_engine(database_url)
    index_to_head(engine, w3, deployment)
    with engine.begin() as connection:
        connection.execute(text("UPDATE sync_state SET contracts = ''"))  # as if it followed nothing yet
        connection.execute(text("UPDATE ledger_state SET circulation = 0"))
    done = subprocess.run(index_command(chain, record, database_url), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    followed = ",".join(
        f"{family}={address.lower()}"
        for family, address in (
            ("bonuses", deployment.bonus_allowances),
            ("clearing", deployment.regional_clearing),
            ("commons", deployment.commons_rewards),
            ("governor", deployment.governor),
            ("ledger", deployment.ledger),
        )
    )
    assert f"the deployment has {followed}: rebuilding it from the chain" in done.stderr
    assert dump(engine) == dump(reference)


def test_a_kill_during_the_rebuild_then_a_restart_ends_in_a_correct_index(database_url, chain, w3, indexed_ledger):
    deployment, record, reference = indexed_ledger
    engine = make_engine(database_url)
    index_to_head(engine, w3, deployment)
    age(engine, SCHEMA_VERSION - 1)
    head = w3.eth.block_number

    # The chain, behind a proxy, stops answering eth_getLogs after PART_WAY ranges of one block: the
    # rebuild is then part-way for as long as it takes to kill it, whatever the machine's speed.
    with rpc_proxy(chain.settings.rpc_url) as proxy:
        proxy.pass_only["eth_getLogs"] = PART_WAY
        command = index_command(chain, record, database_url)
        command[command.index("--rpc-url") + 1] = proxy.url
        rebuild = subprocess.Popen(command, stderr=subprocess.DEVNULL)
        try:
            # Killed once the old index is gone and the new one is stuck part-way.
            wait_until(lambda: proxy.refused > 0 or rebuild.poll() is not None, timeout=120)
            assert rebuild.poll() is None, "the rebuild ended before it could be killed"
            rebuild.send_signal(signal.SIGKILL)
        finally:
            rebuild.wait(timeout=30)
    assert schema_version(engine) == SCHEMA_VERSION  # the old index is gone, the new one carries its version
    # Half-rebuilt: the cursor resumes it. The indexer fetches the next range while it writes one, so
    # the kill (at the first refused eth_getLogs) finds the last range passed written, or being written.
    assert (
        deployment.deploy_block - 1 + PART_WAY - 1 <= _cursor(engine) <= deployment.deploy_block - 1 + PART_WAY < head
    )

    done = subprocess.run(index_command(chain, record, database_url), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert dump(engine) == dump(reference)
    assert_index_matches_chain(engine, w3, deployment)


def test_an_old_index_of_another_ledger_is_refused_not_dropped(database_url, w3, indexed_ledger):
    deployment, _, _ = indexed_ledger
    engine = make_engine(database_url)
    index_to_head(engine, w3, deployment, until_block=deployment.deploy_block + 5)
    age(engine, SCHEMA_VERSION - 1)
    with pytest.raises(DeploymentMismatchError):
        ensure_schema(engine, chain_id=deployment.chain_id, ledger="0x" + "11" * 20, contracts="ledger=0x" + "11" * 20)
    assert schema_version(engine) == SCHEMA_VERSION - 1  # untouched


def _cursor(engine: Engine) -> int:
    with engine.connect() as connection:
        value = connection.execute(text("SELECT last_block FROM sync_state WHERE id = 1")).scalar_one_or_none()
    return -1 if value is None else int(value)
