"""Three geth clique validators on loopback, with payments flowing, an indexer following one of
them, validators killed and restarted: nothing lost, nothing twice, one chain in the end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from next_contracts import LEDGER, load_artifact
from next_contracts.deploy import DeployConfig, Deployment, deploy
from next_contracts.rpc import connect
from next_node.chain import network
from next_node.chain.embedded import CHAIN_ID, dev_operator
from next_node.db.engine import make_engine
from next_node.indexer.supervisor import IndexStatus, Supervisor
from next_node.indexer.sync import Indexer, IndexerSettings
from tests.node.helpers import assert_index_matches_chain, dump, index_to_head
from tests.node.node_process import NODE, alive, chain_pid, read_banner, stop
from tests.support.chain import call
from tests.support.polling import wait_until
from tests.support.ports import free_port

pytestmark = pytest.mark.slow  # networks of geth validators

NEXT_AUDIT = str(Path(sys.executable).with_name("next-audit"))


@pytest.fixture
def three(tmp_path: Path):
    network.init(
        tmp_path / "net",
        3,
        chain_id=CHAIN_ID,
        rpc_ports=[free_port() for _ in range(3)],
        p2p_ports=[free_port() for _ in range(3)],
    )
    with network.Network(tmp_path / "net") as net:
        net.start()
        yield net


class Payer:
    """Alice pays Bob 1 unit at a time from a thread, through one validator, without waiting for
    each receipt (nonces counted here): payments keep arriving while validators die and return."""

    def __init__(self, w3: Web3, ledger: object, alice: LocalAccount, bob: str) -> None:
        self.w3, self.ledger, self.alice, self.bob = w3, ledger, alice, bob
        self.sent: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        nonce = self.w3.eth.get_transaction_count(self.alice.address)
        while not self.stop.is_set():
            data = self.ledger.encode_abi("pay", args=[self.bob, 1, os.urandom(32)])  # type: ignore[attr-defined]
            tx = {"to": self.ledger.address, "data": data, "gas": 200_000, "gasPrice": 0,  # type: ignore[attr-defined]
                  "nonce": nonce, "chainId": CHAIN_ID}  # fmt: skip
            self.w3.eth.send_raw_transaction(self.alice.sign_transaction(tx).raw_transaction)
            self.sent.append(self.alice.sign_transaction(tx).hash)
            nonce += 1
            time.sleep(0.05)

    def __enter__(self) -> Payer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def _height_when_still(w3: Web3, seconds: float) -> tuple[int, int]:
    before = w3.eth.block_number
    time.sleep(seconds)
    return before, w3.eth.block_number


def test_validators_die_and_return_and_nothing_is_lost(three, database_url, tmp_path):
    net = three
    w3 = net.w3("validator-0", timeout=30)
    operator = Account.create()
    deployment = deploy(w3, operator, DeployConfig.single_operator(operator.address))
    ledger = w3.eth.contract(deployment.ledger, abi=load_artifact(LEDGER).abi)
    alice, bob = Account.create(), Account.create()
    for member in (alice, bob):
        call(w3, operator, ledger.functions.admit(member.address, 0, 1, b"\x01" * 32))
        call(w3, operator, ledger.functions.setCreditLine(member.address, 10**9, 10**9))

    engine = make_engine(database_url)
    indexer = Indexer(
        engine,
        connect(net.rpc_url("validator-0"), trust_env=False, timeout=5, retries=False),
        deployment,
        IndexerSettings(poll_interval=0.2, retry_interval=0.2, retry_max=1),
    )
    stop_indexing = threading.Event()
    status = IndexStatus()
    indexing = threading.Thread(target=Supervisor(indexer, status).run, args=(stop_indexing.is_set,), daemon=True)
    indexing.start()
    try:
        with Payer(w3, ledger, alice, bob.address) as payer:
            time.sleep(3)
            net.kill("validator-2")  # one of three gone: the other two seal in turn
            before, after = _height_when_still(w3, 6)
            assert after >= before + 3, "the chain stopped with one validator of three down"
            net.kill("validator-1")  # two of three gone: clique allows validator-0 one block in two
            time.sleep(3)
            before, after = _height_when_still(w3, 5)
            assert after == before, "a lone validator of three kept sealing"
            net.start(["validator-1", "validator-2"])
            time.sleep(4)
        # Every payment sent, while the chain went on and while it stood still, is in it once.
        receipts = [w3.eth.wait_for_transaction_receipt(h, timeout=120) for h in payer.sent]
        assert all(r["status"] == 1 for r in receipts)
        assert len(payer.sent) > 100
        assert ledger.functions.balanceOf(bob.address).call() == len(payer.sent)
        height = net.wait_synced(timeout=60)
        clients = [net.w3(name) for name in ("validator-0", "validator-1", "validator-2")]
        for number in range(height + 1):  # one chain: every node has the same block at every height
            assert len({c.eth.get_block(number)["hash"] for c in clients}) == 1, f"block {number}"
        wait_until(lambda: indexer.cursor()[0] >= height, timeout=60, every=0.2, message=str(status.snapshot()))
    finally:
        stop_indexing.set()
        indexing.join(timeout=30)
    # The index equals the chain at its cursor, and a clean replay of the same blocks.
    assert assert_index_matches_chain(engine, w3, deployment) == 2
    last = indexer.cursor()[0]
    reference = make_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    index_to_head(reference, w3, deployment, until_block=last)
    assert dump(engine, events_until=last) == dump(reference, events_until=last)
    record = tmp_path / "deployment.json"
    deployment.write(record)
    audit = subprocess.run(
        [NEXT_AUDIT, "--rpc", net.rpc_url("validator-1"), "--deployment", str(record), "--quiet", "--at", str(last)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr


def test_a_validator_is_voted_in_and_out(three, tmp_path):
    """A fourth node follows the chain; once the signers vote it in, it seals in turn; voted out,
    it seals no more. The auditor, replaying clique's votes from block 0, agrees with every seal."""
    net = three
    operator = Account.create()
    deployment = deploy(net.w3("validator-0", timeout=30), operator, DeployConfig.single_operator(operator.address))
    fourth = network.add_validator(net.directory, free_port(), free_port())
    net.layout = network.Layout.read(net.directory)
    net.start([fourth.name])
    net.wait_synced(timeout=60)
    assert fourth.address not in net.signers("validator-0")
    net.propose(fourth.address, True)
    wait_until(
        lambda: fourth.address in net.signers("validator-0"),
        timeout=60,
        every=0.5,
        message="the vote did not add the fourth validator",
    )
    w3 = net.w3(fourth.name)
    wait_until(
        # On the chain the auditor reads below, deep enough to stay there.
        lambda: _sealed_by(net.w3("validator-1"), fourth.address, 12, depth=3),
        timeout=60,
        every=0.5,
        message="the fourth validator did not seal once voted in",
    )
    net.propose(fourth.address, False)
    wait_until(
        lambda: fourth.address not in net.signers("validator-0"),
        timeout=60,
        every=0.5,
        message="the vote did not remove it",
    )
    removed_at = w3.eth.block_number
    time.sleep(6)
    recent = [w3.eth.get_block(n)["miner"] for n in range(removed_at + 1, w3.eth.block_number + 1)]
    assert recent and fourth.address not in [_signer(w3, n) for n in range(removed_at + 1, w3.eth.block_number + 1)]
    record = tmp_path / "deployment.json"
    deployment.write(record)
    audit = subprocess.run(
        [NEXT_AUDIT, "--rpc", net.rpc_url("validator-1"), "--deployment", str(record), "--json", "-"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr
    report = json.loads(audit.stdout)
    consensus = next(c for c in report["checks"] if c["name"] == "chain.consensus")
    assert consensus["status"] == "pass" and consensus["checked"] == report["to_block"]
    assert report["figures"]["blocks_sealed"][fourth.address] >= 1
    assert fourth.address not in report["figures"]["signers"]


def _signer(w3: Web3, number: int) -> str:
    from next_audit.consensus import clique_signer

    return clique_signer(dict(w3.provider.make_request("eth_getBlockByNumber", [hex(number), False])["result"]))  # type: ignore[arg-type]


def _sealed_by(w3: Web3, address: str, last_blocks: int, depth: int = 0) -> bool:
    """Whether `address` sealed one of the last blocks at least `depth` blocks under the head (clique
    reorganises the head's block now and then: a seal there may not stay on the chain)."""
    head = w3.eth.block_number
    return address in {_signer(w3, n) for n in range(max(1, head - last_blocks), head - depth + 1)}


def test_the_network_commands_run_a_network_and_leave_no_process(tmp_path):
    """`next-node network init`, `up` (validators and the node), `add` and `vote`, as an operator
    types them; Ctrl-C stops every validator."""
    directory, rpc, p2p, api = tmp_path / "net", free_port(), free_port(), free_port()
    rpcs = [rpc, free_port(), free_port()]
    init = subprocess.run(
        [*NODE, "network", "init", "--data-dir", str(directory), "--validators", "1", "--rpc-port", str(rpc),
         "--p2p-port", str(p2p), "--metrics-port", str(free_port())],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "validator-0" in init.stdout
    again = subprocess.run([*NODE, "network", "init", "--data-dir", str(directory)], capture_output=True, text=True)
    assert again.returncode == 1 and "already holds a network" in again.stderr
    node = subprocess.Popen(
        [*NODE, "network", "up", "--data-dir", str(directory), "--api-port", str(api)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    read_banner(node)
    try:
        geth = chain_pid(directory)
        w3 = connect(f"http://127.0.0.1:{rpc}", trust_env=False)
        assert (directory / "deployment.json").exists() and w3.eth.block_number > 0
        added = subprocess.run(
            [*NODE, "network", "add", "--data-dir", str(directory), "--rpc-port", str(rpcs[1]),
             "--p2p-port", str(free_port())],
            capture_output=True, text=True,
        )  # fmt: skip
        assert added.returncode == 0, added.stdout + added.stderr
        newcomer = added.stdout.split()[1]
        voted = subprocess.run(
            [*NODE, "network", "vote", "--data-dir", str(directory), "--add", newcomer],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert "proposed by validator-0" in voted.stdout
        # One signer: its vote is the majority; the newcomer is a signer from the next block.
        wait_until(
            lambda: newcomer in _signers_at_head(w3),
            timeout=60,
            every=0.5,
            message="the lone signer's vote did not add the newcomer",
        )
    finally:
        stop(node)
    assert not alive(geth)
    stopped = subprocess.run([*NODE, "network", "vote", "--data-dir", str(directory), "--remove", newcomer],
                             capture_output=True, text=True)  # fmt: skip
    assert stopped.returncode == 4 and "no validator of" in stopped.stderr


def _signers_at_head(w3: Web3) -> set[str]:
    """Who sealed the last blocks and who was voted in, from the headers alone: the auditor's
    replay of block 0 onwards."""
    from next_audit.consensus import CliqueVerifier
    from next_audit.report import Check, Failure

    verifier = CliqueVerifier(
        dict(w3.provider.make_request("eth_getBlockByNumber", ["0x0", False])["result"]),  # type: ignore[arg-type]
        Check("consensus", Failure.CONSENSUS),
    )
    for number in range(1, w3.eth.block_number + 1):
        verifier.apply(number, dict(w3.provider.make_request("eth_getBlockByNumber", [hex(number), False])["result"]))  # type: ignore[arg-type]
    assert verifier.check.findings == []
    return set(verifier.signers)


def test_a_long_ipc_path_is_the_same_from_every_process(tmp_path):
    """`network vote` runs in another process than `network up`: a validator's IPC socket, moved to
    /tmp when its path is too long for a Unix socket, must be named alike in both."""
    home = tmp_path / ("deep" * 40)
    script = (
        "import sys; from pathlib import Path; from next_node.chain.geth import GethNode; "
        "print(GethNode(home=Path(sys.argv[1]), chain_id=1, rpc_port=1, log_file=Path('l')).ipc_path)"
    )
    paths = {subprocess.run([sys.executable, "-c", script, str(home)], capture_output=True, text=True,
                            check=True).stdout for _ in range(2)}  # fmt: skip
    (path,) = paths
    assert path.startswith("/tmp/next-geth-") and len(path.strip()) < 100


@pytest.mark.deep  # two minutes and a half; the validators' deaths and returns run in make test above
def test_validators_fail_restart_and_join_one_at_a_time_under_network_up(tmp_path):
    """What an operator meets: the followed validator killed (the API goes on through another, the
    node restarts it), one stopped and started alone, one added while the network runs (started,
    synced, then voted in); payments sent through the kill are each paid once, the audit (the
    gateway's index against the chain included) passes after each of the three, and Ctrl-C stops
    every validator."""
    directory, api = tmp_path / "net", free_port()
    rpcs = [free_port() for _ in range(3)]
    network.init(directory, 3, chain_id=CHAIN_ID, rpc_ports=rpcs, p2p_ports=[free_port() for _ in range(3)])
    node = subprocess.Popen(
        [*NODE, "network", "up", "--data-dir", str(directory), "--api-port", str(api)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    read_banner(node)
    gateway = f"http://127.0.0.1:{api}"

    def status() -> dict:
        return json.loads((directory / network.STATUS_FILE).read_text())["validators"]

    def indexed() -> int:
        return int(requests.get(f"{gateway}/health", timeout=10).json()["index"]["indexed_block"] or 0)

    def operator_command(*words: str) -> str:
        done = subprocess.run([*NODE, "network", *words, "--data-dir", str(directory)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def audit_passes(after: str) -> None:
        """The auditor, from another validator than the one that was killed: the chain, its seals
        and the ledger, and the gateway's index, once the index has reached the head."""
        head = w1.eth.block_number
        wait_until(lambda: indexed() >= head, timeout=60, every=0.5, message=f"the index did not catch up {after}")
        token = subprocess.run([*NODE, "dev-token", "--data-dir", str(directory)], capture_output=True, text=True)
        assert token.returncode == 0, token.stderr
        audit = subprocess.run(
            [NEXT_AUDIT, "--rpc", f"http://127.0.0.1:{rpcs[1]}", "--deployment", str(directory / "deployment.json"),
             "--gateway", gateway, "--token", token.stdout.strip(), "--quiet"],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert audit.returncode == 0, f"{after}: " + audit.stdout[-3000:] + audit.stderr[-3000:]

    pids: list[int] = []
    try:
        w1 = connect(f"http://127.0.0.1:{rpcs[1]}", trust_env=False)
        deployment = Deployment.read(directory / "deployment.json")
        ledger = w1.eth.contract(deployment.ledger, abi=load_artifact(LEDGER).abi)
        alice, bob = Account.create(), Account.create()
        operator = dev_operator(directory)
        for member in (alice, bob):
            call(w1, operator, ledger.functions.admit(member.address, 0, 1, b"\x01" * 32))
            call(w1, operator, ledger.functions.setCreditLine(member.address, 10**9, 10**9))
        first = status()["validator-0"]["pid"]
        with Payer(w1, ledger, alice, bob.address) as payer:  # payments go on through the kill
            os.kill(first, 9)  # the validator the node follows, as a crash would stop it
            at_kill = w1.eth.block_number
            wait_until(lambda: indexed() > at_kill + 3, timeout=60, every=0.5,
                       message="the index stopped with the followed validator")  # fmt: skip
            assert requests.get(f"{gateway}/ledger", timeout=10).status_code == 200
            wait_until(lambda: status()["validator-0"]["running"] and status()["validator-0"]["pid"] != first,
                       timeout=60, every=0.5, message="the node did not restart the validator")  # fmt: skip
        receipts = [w1.eth.wait_for_transaction_receipt(h, timeout=60) for h in payer.sent]
        assert len(receipts) > 20 and all(r["status"] == 1 for r in receipts)  # each paid once
        assert ledger.functions.balanceOf(bob.address).call() == len(payer.sent)
        audit_passes("after the followed validator was killed and restarted")
        # One validator stopped alone, the chain going on with the two others, then started again.
        assert "validator-2: stopped" in operator_command("stop", "2")
        assert not status()["validator-2"]["running"] and status()["validator-0"]["running"]
        before = w1.eth.block_number
        wait_until(lambda: w1.eth.block_number > before + 2, timeout=60, every=0.5, message="the chain stopped")
        assert "validator-2: running" in operator_command("start", "validator-2")
        audit_passes("after a validator was stopped and started alone")
        # A fourth: written, started by the running node, synced, and only then voted in.
        added = operator_command("add", "--rpc-port", str(free_port()), "--p2p-port", str(free_port()))
        newcomer = added.split()[1]
        assert "has caught up with the chain" in added and "proposed by validator-0, validator-1, validator-2" in added
        wait_until(lambda: newcomer in _signers_at_head(w1), timeout=90, every=1,
                   message="the newcomer was not voted in")  # fmt: skip
        pids = [v["pid"] for v in status().values()]
        audit_passes("after a fourth validator was added")  # the newcomer's seals among the checked
    finally:
        out = stop(node)
    assert pids and not any(alive(pid) for pid in pids), out
    assert "validator-0: exited with -9; restarting in" in out and "validator-3: running" in out
