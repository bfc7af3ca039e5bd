"""The indexer on a real chain, into real SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy
from eth_account import Account
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from web3 import Web3

from next_contracts import LEDGER, load_artifact
from next_contracts.deploy import DeployConfig, deploy
from next_contracts.rpc import JsonRpcProvider
from next_contracts.vocabulary import TransferKind
from next_node import demo
from next_node.db.engine import make_engine
from next_node.db.models import LedgerState, Member, SyncState, Transfer
from next_node.errors import DeploymentMismatchError
from next_node.indexer import sync
from next_node.indexer.decode import Contracts
from next_node.indexer.sync import Indexer, IndexerSettings
from tests.node.helpers import assert_index_matches_chain, dump, index_to_head
from tests.support.chain import call
from tests.support.postgres import create_database


@pytest.fixture(scope="module")
def seeded(w3, deployment, operator):
    """The demo community, then a key recovery, a fee change, a freeze and a role grant."""
    seeded = demo.seed(w3, deployment, operator, citizens=24, payments=60)
    ledger = w3.eth.contract(Web3.to_checksum_address(deployment.ledger), abi=load_artifact(LEDGER).abi)
    lost_key, new_key = seeded.citizens[3], Account.create()
    call(w3, operator, ledger.functions.migrate(lost_key.address, new_key.address))
    call(w3, operator, ledger.functions.setFee(35))
    call(w3, operator, ledger.functions.freeze(seeded.citizens[5].address))
    call(w3, operator, ledger.functions.grantRole(Web3.keccak(text="AUDITOR_ROLE"), new_key.address))
    call(w3, seeded.citizens[6], ledger.functions.pay(new_key.address, 1_234, demo.ref("after recovery")))
    return seeded


def test_index_matches_chain(database_url, w3, deployment, seeded):
    engine = make_engine(database_url)
    index_to_head(engine, w3, deployment)
    members = assert_index_matches_chain(engine, w3, deployment)
    # citizens, shops, council, defaulter, and the new keys of the demo's and this test's recoveries
    assert members == 24 + 16 + 1 + 1 + 1 + 1
    logs = w3.eth.get_logs({"address": deployment.ledger, "fromBlock": 0})
    with Session(engine) as session:
        kinds = {
            k: n
            for k, n in session.execute(
                __import__("sqlalchemy")
                .select(Transfer.kind, __import__("sqlalchemy").func.count())
                .group_by(Transfer.kind)
            )
        }
        state = session.get(LedgerState, 1)
        assert state is not None and state.fee_bps == 35 and state.debt_covered > 0
        migrated = session.get(Member, seeded.citizens[3].address.lower())
        assert migrated is not None and migrated.status == "migrated" and migrated.successor is not None
    topic = Web3.keccak(text="Transferred(address,address,uint256,uint256,bytes32)")
    assert sum(kinds.values()) == sum(1 for log in logs if log["topics"][0] == topic)
    assert kinds["write_off"] == 1 and kinds["migration"] == 2  # the demo's recovery and this test's
    # Each Transferred log of the chain is one transfer row, at its own (tx_hash, log_index).
    with Session(engine) as session:
        rows = {(t.tx_hash, t.log_index) for t in session.execute(select(Transfer)).scalars()}
    assert rows == {(log["transactionHash"].to_0x_hex(), log["logIndex"]) for log in logs if log["topics"][0] == topic}


def test_small_batches_give_the_same_index(database_url, w3, deployment, seeded, tmp_path):
    one = make_engine(database_url)
    index_to_head(one, w3, deployment, batch_blocks=1)
    many = make_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    index_to_head(many, w3, deployment, batch_blocks=100_000)
    assert dump(one) == dump(many)


def test_a_range_ends_before_its_gas_passes_the_bound(database_url, w3, deployment, seeded, tmp_path, monkeypatch):
    """However many blocks a range may span, it stops before its gas used passes RANGE_GAS (so that
    the next range is fetched while one is written); the index is the same."""
    bound = 1_000_000  # a few of the demo's blocks
    monkeypatch.setattr(sync, "RANGE_GAS", bound)
    engine = make_engine(database_url)
    indexer = Indexer(engine, w3, deployment, IndexerSettings(batch_blocks=100_000))
    ranges = []
    while (progress := indexer.step()) is not None:
        ranges.append((progress.first_block, progress.last_block))
    gas = {n: w3.eth.get_block(n)["gasUsed"] for n in range(deployment.deploy_block, w3.eth.block_number + 1)}
    assert len(ranges) > 3 and ranges[-1][1] == w3.eth.block_number
    for (first, last), (following, _) in zip(ranges, [*ranges[1:], (None, None)], strict=True):
        used = sum(gas[n] for n in range(first, last + 1))
        assert first == last or used <= bound, (first, last, used)
        if following is not None:
            assert following == last + 1 and used + gas[following] > bound  # no shorter than it must be
    reference = make_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    index_to_head(reference, w3, deployment, batch_blocks=100_000)
    assert dump(engine) == dump(reference)

    # A node that does not answer eth_feeHistory: no bound, the whole range at once.
    answer = Indexer._rpc

    def no_fee_history(self, method, params):  # type: ignore[no-untyped-def]
        if method == "eth_feeHistory":
            raise sync.RpcError("eth_feeHistory: the method does not exist")
        return answer(self, method, params)

    monkeypatch.setattr(Indexer, "_rpc", no_fee_history)
    unbounded = make_engine(f"sqlite:///{tmp_path / 'unbounded.db'}")
    indexer = Indexer(unbounded, w3, deployment, IndexerSettings(batch_blocks=100_000))
    progress = indexer.step()
    assert progress is not None and progress.last_block == w3.eth.block_number and indexer.step() is None


def test_resume_after_a_stop_continues_exactly(database_url, w3, deployment, seeded, tmp_path):
    engine = make_engine(database_url)
    middle = (deployment.deploy_block + w3.eth.block_number) // 2
    index_to_head(engine, w3, deployment, until_block=middle)
    with Session(engine) as session:
        sync = session.get(SyncState, 1)
        assert sync is not None and sync.last_block == middle
    index_to_head(engine, w3, deployment)
    reference = make_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    index_to_head(reference, w3, deployment)
    assert dump(engine) == dump(reference)


def test_postgres_takes_the_rows_by_copy_and_holds_the_same_index(postgres, w3, deployment, seeded, tmp_path):
    """On PostgreSQL the event rows and the members go in by COPY (db/bulk.py), not by one INSERT or
    UPDATE per row; the index is row for row the one SQLite gets by plain INSERTs. The rewind's
    replay, which updates members twice in one transaction, is covered by the rewind test."""
    engine = make_engine(create_database(postgres, f"t_copy_{uuid.uuid4().hex[:8]}"))
    statements: list[tuple[str, int]] = []

    @sqlalchemy.event.listens_for(engine, "before_cursor_execute")
    def record(connection, cursor, statement, parameters, context, executemany):
        statements.append((statement, len(parameters) if executemany else 1))

    index_to_head(engine, w3, deployment)
    per_row = [
        (statement.split("(")[0].strip(), rows)
        for statement, rows in statements
        if rows > 1 and statement.lstrip().upper().startswith(("INSERT INTO", "UPDATE"))
    ]
    table_rows = [statement for statement, _ in per_row if "members" in statement or "transfers" in statement]
    assert not table_rows, f"statements run once per row: {per_row}"
    reference = make_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    index_to_head(reference, w3, deployment)
    assert dump(engine) == dump(reference)
    # Each transfer's kind is the vocabulary's word (psycopg would write an enum by its name).
    with engine.connect() as connection:
        kinds = set(connection.execute(select(Transfer.kind).distinct()).scalars())  # type: ignore[call-overload]
    assert {"payment", "migration"} <= kinds <= {kind.value for kind in TransferKind}, kinds


def test_events_are_unique(database_url, w3, deployment, seeded):
    engine = make_engine(database_url)
    index_to_head(engine, w3, deployment)
    with Session(engine) as session:
        first = session.query(Transfer).first()
        assert first is not None
        duplicate = first.model_dump(exclude={"id"})
    with pytest.raises(IntegrityError), Session(engine) as session, session.begin():
        session.add(Transfer(**duplicate))


def test_index_of_another_ledger_is_refused(database_url, w3, deployment, operator, seeded):
    engine = make_engine(database_url)
    index_to_head(engine, w3, deployment, until_block=deployment.deploy_block + 2)
    other = deploy(w3, operator, DeployConfig.single_operator(operator))
    with pytest.raises(DeploymentMismatchError, match="indexes ledger"):
        Indexer(engine, w3, other)


def test_decoder_agrees_with_web3(w3, deployment, seeded):
    ledger = w3.eth.contract(Web3.to_checksum_address(deployment.ledger), abi=load_artifact(LEDGER).abi)
    events = {e.topic: e for e in (getattr(ledger.events, a["name"])() for a in ledger.abi if a["type"] == "event")}
    raw = w3.provider.make_request(
        "eth_getLogs", [{"address": deployment.ledger, "fromBlock": "0x0", "toBlock": "latest"}]
    )["result"]
    typed = w3.eth.get_logs({"address": deployment.ledger, "fromBlock": 0})
    assert len(raw) == len(typed) > 100
    contracts = Contracts.of(deployment)
    for raw_log, log in zip(raw, typed, strict=True):
        ours = contracts.decode(raw_log)
        theirs = events[log["topics"][0].to_0x_hex()].process_log(log)
        assert ours is not None and ours.name == theirs.event and ours.contract == "ledger"
        normalized = {
            k: (
                v.lower()
                if isinstance(v, str) and v.startswith("0x") and len(v) == 42
                else "0x" + v.hex()
                if isinstance(v, bytes)
                else v
            )
            for k, v in theirs.args.items()
        }
        assert ours.args == normalized
        assert (ours.block_number, ours.log_index) == (theirs.blockNumber, theirs.logIndex)


def test_a_lookalike_log_of_another_contract_is_not_decoded(w3, deployment, seeded):
    """Logs are decoded by (address, topic): the ledger's Transferred topic from any other emitter
    (a token that copies its event) is not the ledger's, and never moves a balance."""
    raw = w3.provider.make_request(
        "eth_getLogs", [{"address": deployment.ledger, "fromBlock": "0x0", "toBlock": "latest"}]
    )["result"]
    contracts = Contracts.of(deployment)
    followed = (
        deployment.ledger,
        deployment.governor,
        deployment.bonus_allowances,
        deployment.commons_rewards,
        deployment.regional_clearing,
    )
    assert contracts.addresses == sorted(a.lower() for a in followed)
    for log in raw:
        assert contracts.decode({**log, "address": deployment.ledger.upper().replace("0X", "0x")}) is not None
        assert contracts.decode({**log, "address": "0x" + "ab" * 20}) is None
    with pytest.raises(ValueError, match="no contract family"):
        Contracts({"ledger": deployment.ledger, "lottery": "0x" + "cd" * 20})


def test_rewound_chain_is_detected_and_reindexed(database_url, chain, tmp_path):
    """anvil's evm_revert rewinds the chain; new blocks then take the old numbers with other hashes."""
    from next_contracts.rpc import connect

    w3 = connect(chain.settings.rpc_url, trust_env=False)
    operator = w3.eth.accounts[1]
    deployment = deploy(w3, operator, DeployConfig.single_operator(operator))
    ledger = w3.eth.contract(deployment.ledger, abi=load_artifact(LEDGER).abi)
    call(w3, operator, ledger.functions.setDefaultCreditLine(0, 100_000, 1_000_000))
    alice, bob, carol = Account.create(), Account.create(), Account.create()
    for member in (alice, bob, carol):
        call(w3, operator, ledger.functions.admit(member.address, 0, 1, b"\x01" * 32))
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    call(w3, alice, ledger.functions.pay(bob.address, 5_000, b"\x02" * 32))
    call(w3, bob, ledger.functions.pay(carol.address, 1_000, b"\x03" * 32))

    engine = make_engine(database_url)
    index_to_head(engine, w3, deployment)
    with Session(engine) as session:
        assert session.get(Member, bob.address.lower()).balance == 3_998  # type: ignore[union-attr]

    w3.provider.make_request("evm_revert", [snapshot])
    call(w3, carol, ledger.functions.pay(alice.address, 7_000, b"\x04" * 32))
    call(w3, operator, ledger.functions.exclude(bob.address))
    call(w3, operator, ledger.functions.setFee(0))  # the new fork is longer than the old one

    indexer = Indexer(engine, w3, deployment, IndexerSettings())
    while indexer.step() is not None:
        pass
    assert_index_matches_chain(engine, w3, deployment)
    reference = make_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    index_to_head(reference, w3, deployment)
    assert dump(engine) == dump(reference)
    with Session(engine) as session:
        assert session.get(Member, bob.address.lower()).status == "excluded"  # type: ignore[union-attr]
        assert session.get(Member, bob.address.lower()).balance == 0  # type: ignore[union-attr]


def test_the_provider_parses_a_nodes_answer_as_the_standard_library_does(w3, deployment, seeded):
    """JsonRpcProvider parses with msgspec (twice as fast on a large eth_getLogs): the same values
    as json.loads on the node's real answer, and a ValueError, as web3's own, on what is not JSON."""
    import json

    import requests

    query = {"jsonrpc": "2.0", "id": 1, "method": "eth_getLogs", "params": [{"fromBlock": "0x0"}]}
    raw = requests.post(w3.provider.endpoint_uri, json=query, timeout=30).content
    parsed = JsonRpcProvider.decode_rpc_response(raw)
    assert parsed == json.loads(raw) and len(parsed["result"]) > 100
    for garbage in (b"<html>502 Bad Gateway</html>", b'{"result": "\xff"}', b""):
        with pytest.raises(ValueError, match="not JSON"):
            JsonRpcProvider.decode_rpc_response(garbage)
