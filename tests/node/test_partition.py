"""Three validators on test hosts of their own (network namespaces), split 2 | 1, then healed: the
majority goes on, the minority's block is reorganised away, the indexer rewinds, every payment the
majority accepted is there once, and each payment sent to the minority is in the end either in the
chain once or reported by the gateway's GET /tx as unknown; none is lost silently."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from eth_account import Account

from next_contracts import LEDGER, load_artifact
from next_contracts.deploy import DeployConfig, deploy
from next_contracts.rpc import connect
from next_node.chain import network
from next_node.chain.embedded import CHAIN_ID
from next_node.chain.network import NETWORK_CONFIRMATIONS
from next_node.db.engine import make_engine
from next_node.indexer.supervisor import IndexStatus, Supervisor
from next_node.indexer.sync import Indexer, IndexerSettings
from tests.node.helpers import assert_index_matches_chain, dump, index_to_head, running_gateway
from tests.node.netns import namespaces
from tests.node.test_network import Payer
from tests.support.chain import call
from tests.support.polling import wait_until

NEXT_AUDIT = str(Path(sys.executable).with_name("next-audit"))
SPLIT_SECONDS = 25

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root (CI runs as root)"),
    pytest.mark.deep,  # a minute and a half of partition; the network's failures one at a time run in make test
]


def test_a_partition_of_two_and_one_heals_into_one_chain(tmp_path):
    with namespaces(3) as hosts:
        directory = tmp_path / "net"
        network.init(directory, 3, chain_id=CHAIN_ID, rpc_ports=[8545] * 3, p2p_ports=[30303] * 3,
                     hosts=list(zip(hosts.addresses, hosts.names, strict=True)))  # fmt: skip
        with network.Network(directory) as net:
            net.start()
            net.wait_synced(timeout=60)
            _split_and_heal(net, hosts, tmp_path)


def _split_and_heal(net: network.Network, hosts: object, tmp_path: Path) -> None:
    w3 = net.w3("validator-0", timeout=30)
    lone = net.w3("validator-2", timeout=30)
    operator = Account.create()
    deployment = deploy(w3, operator, DeployConfig.single_operator(operator.address))
    ledger = w3.eth.contract(deployment.ledger, abi=load_artifact(LEDGER).abi)
    alice, bob, carol, dave = (Account.create() for _ in range(4))
    for member in (alice, bob, carol, dave):
        call(w3, operator, ledger.functions.admit(member.address, 0, 1, b"\x01" * 32))
        call(w3, operator, ledger.functions.setCreditLine(member.address, 10**9, 10**9))
    net.wait_synced(timeout=60)

    engine = make_engine(f"sqlite:///{tmp_path / 'index.db'}")
    indexer = Indexer(engine, connect(net.rpc_url("validator-0"), trust_env=False, timeout=5, retries=False),
                      deployment, IndexerSettings(poll_interval=0.2, retry_interval=0.2, retry_max=1))  # fmt: skip
    stop = threading.Event()
    indexing = threading.Thread(target=Supervisor(indexer, IndexStatus()).run, args=(stop.is_set,), daemon=True)
    indexing.start()
    try:
        split_at = w3.eth.block_number
        hosts.split([2])  # type: ignore[attr-defined]
        lone_ledger = lone.eth.contract(deployment.ledger, abi=ledger.abi)
        with (
            Payer(w3, ledger, alice, bob.address) as majority,
            Payer(lone, lone_ledger, carol, dave.address) as minority,
        ):
            time.sleep(SPLIT_SECONDS)
        majority_head, lone_head = w3.eth.get_block("latest"), lone.eth.get_block("latest")
        assert majority_head["number"] >= split_at + SPLIT_SECONDS // 2, "the majority did not go on"
        assert lone_head["number"] <= split_at + 2, "the lone validator kept sealing"
        sides = {
            side: {n: client.eth.get_block(n)["hash"] for n in range(split_at, head["number"] + 1)}
            for side, client, head in (("majority", w3, majority_head), ("lone", lone, lone_head))
        }
        hosts.heal()  # type: ignore[attr-defined]
        height = net.wait_synced(timeout=90)
        clients = [net.w3(name) for name in ("validator-0", "validator-1", "validator-2")]
        # How deep each side's chain was reorganised at the heal: the blocks it held then that the
        # one chain does not. `network up` indexes further behind the head than the deepest.
        depths = {}
        for side, held in sides.items():
            replaced = [n for n, block_hash in held.items() if clients[0].eth.get_block(n)["hash"] != block_hash]
            depths[side] = max(held) - min(replaced) + 1 if replaced else 0
        print(f"reorganisation at the heal: {depths}")
        assert max(depths.values()) < NETWORK_CONFIRMATIONS, depths
        for number in range(height + 1):
            assert len({c.eth.get_block(number)["hash"] for c in clients}) == 1, f"block {number}"
        if lone_head["number"] > split_at:  # what the lone validator sealed alone is gone
            assert w3.eth.get_block(lone_head["number"])["hash"] != lone_head["hash"]
        receipts = [w3.eth.wait_for_transaction_receipt(h, timeout=60) for h in majority.sent]
        assert all(r["status"] == 1 for r in receipts) and len(receipts) > 100
        assert ledger.functions.balanceOf(bob.address).call() == len(majority.sent)
        # Each payment sent to the lone side: in the chain once (the lone node kept it in its pool
        # and passes it on after the heal), or unknown to the gateway; the balance says which.
        included = _wait_settled(net, engine, deployment, minority.sent)
        assert ledger.functions.balanceOf(dave.address).call() == included
        wait_until(
            lambda: indexer.cursor()[0] >= height,
            timeout=60,
            every=0.2,
            message="the indexer did not follow past the heal",
        )
    finally:
        stop.set()
        indexing.join(timeout=30)
    last = indexer.cursor()[0]
    assert assert_index_matches_chain(engine, w3, deployment) == 4
    reference = make_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    index_to_head(reference, w3, deployment, until_block=last)
    assert dump(engine, events_until=last) == dump(reference, events_until=last)
    record = tmp_path / "deployment.json"
    deployment.write(record)
    audit = subprocess.run([NEXT_AUDIT, "--rpc", net.rpc_url("validator-2"), "--deployment", str(record), "--quiet",
                            "--at", str(last)], capture_output=True, text=True, timeout=300)  # fmt: skip
    assert audit.returncode == 0, audit.stdout + audit.stderr


def _wait_settled(net: network.Network, engine: object, deployment: object, sent: list[bytes]) -> int:
    """Asks the gateway (following validator-0) for each transaction until none is pending;
    returns how many are in the chain."""
    with running_gateway(engine, deployment, net.w3("validator-0"), None) as gateway:  # type: ignore[arg-type]
        deadline = time.monotonic() + 90
        while True:
            statuses = [httpx.get(f"{gateway}/tx/0x{h.hex()}").json()["status"] for h in sent]
            if "pending" not in statuses:
                break
            assert time.monotonic() < deadline, f"{statuses.count('pending')} still pending after the heal"
            time.sleep(1)
    assert set(statuses) <= {"success", "unknown"}, statuses
    return statuses.count("success")
