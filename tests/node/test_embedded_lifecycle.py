"""The embedded chain across stops, crashes and restarts: nothing lost, one block 0, no orphan
anvil, no attach to a chain the node did not start, no secret on anvil's command line."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from eth_account import Account

from next_contracts import LEDGER, load_artifact
from next_contracts.deploy import DeployConfig, deploy
from next_contracts.rpc import connect
from next_contracts.transact import send
from next_node.chain.embedded import MNEMONIC_FILE, STATE_FILE, ChainSettings, EmbeddedChain, find_anvil
from scripts._postgres import free_port
from tests.node.node_process import NODE, Community, alive, anvil_pid, start, stop, wait_until

NEXT_AUDIT = str(Path(sys.executable).with_name("next-audit"))


def test_restarts_keep_one_block_0_and_an_honest_audit_passes(tmp_path):
    port = free_port()
    w3 = connect(f"http://127.0.0.1:{port}", trust_env=False)
    node = start(tmp_path, port)
    community = Community(w3, tmp_path)
    community.admit()
    community.pay()
    genesis = w3.eth.get_block(0)["hash"]
    stop(node)
    for _ in range(2):  # the second restart is the one that replaced block 0
        node = start(tmp_path, port)
        community.pay()
        stop(node)
    node = start(tmp_path, port)
    try:
        community.pay()
        head = w3.eth.block_number
        blocks = [w3.eth.get_block(number) for number in range(head + 1)]
        assert blocks[0]["hash"] == genesis
        for parent, block in itertools.pairwise(blocks):
            assert block["parentHash"] == parent["hash"], f"block {block['number']}"
            assert block["timestamp"] >= parent["timestamp"], f"block {block['number']} is older than its parent"
        assert community.ledger.functions.balanceOf(community.bob.address).call() == 4_000
        audit = subprocess.run(
            [NEXT_AUDIT, "--rpc", f"http://127.0.0.1:{port}", "--deployment", str(tmp_path / "deployment.json"),
             "--quiet", "--at", str(head)],
            capture_output=True,
            text=True,
            timeout=300,
        )  # fmt: skip
        assert audit.returncode == 0, audit.stdout + audit.stderr
    finally:
        stop(node)


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGHUP])
def test_a_stop_signal_saves_the_state_and_ends_anvil(tmp_path, how):
    port = free_port()
    w3 = connect(f"http://127.0.0.1:{port}", trust_env=False)
    node = start(tmp_path, port)
    anvil = anvil_pid(tmp_path)
    # No secret on anvil's command line, which any local user reads (ps).
    words = set((tmp_path / MNEMONIC_FILE).read_text().split())
    command_line = Path(f"/proc/{anvil}/cmdline").read_bytes().decode().replace("\0", " ").split()
    assert not words & set(command_line)
    community = Community(w3, tmp_path)
    community.admit()
    community.pay()
    last = w3.eth.get_block("latest")
    stop(node, how)
    assert not alive(anvil)  # stopped by the node before it exited, not left behind
    node = start(tmp_path, port)
    try:
        assert anvil_pid(tmp_path) != anvil
        assert w3.eth.get_block(last["number"])["hash"] == last["hash"]  # every block until the signal
        assert community.ledger.functions.balanceOf(community.bob.address).call() == 1_000
    finally:
        stop(node)


def test_anvil_dies_with_a_killed_node_and_the_deployment_survives(tmp_path):
    port = free_port()
    node = start(tmp_path, port)
    anvil = anvil_pid(tmp_path)
    node.kill()  # SIGKILL: the node runs no code of its own
    node.communicate(timeout=30)
    wait_until(lambda: not alive(anvil), timeout=10)
    # The new deployment was saved at once: the next start resumes it rather than refusing it.
    node = start(tmp_path, port)
    assert node.stdout is not None
    try:
        w3 = connect(f"http://127.0.0.1:{port}", trust_env=False)
        Community(w3, tmp_path).admit()
    finally:
        out = stop(node)
    assert "Traceback" not in out


def test_a_process_on_the_rpc_port_is_refused_not_attached_to(tmp_path):
    """An anvil left running on the port (as SIGTERM used to leave it), on the node's own chain id:
    the node says so and stops, instead of serving that chain as its own."""
    port = free_port()
    stray = subprocess.Popen(
        [find_anvil(), "--port", str(port), "--chain-id", str(0x4E5854)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: _answers(port))
        process = subprocess.run(
            [*NODE, "up", "--data-dir", str(tmp_path), "--rpc-port", str(port), "--api-port", str(free_port())],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert process.returncode != 0
        assert f"the RPC port 127.0.0.1:{port} is already in use" in process.stderr
        assert "Traceback" not in process.stderr
        assert not (tmp_path / "deployment.json").exists()  # nothing deployed on the stray chain
        assert stray.poll() is None
    finally:
        stray.terminate()
        stray.wait()


def test_a_second_node_on_the_same_data_directory_is_refused(tmp_path):
    first = start(tmp_path, free_port())
    try:
        second = subprocess.run(
            [*NODE, "up", "--data-dir", str(tmp_path), "--rpc-port", str(free_port()), "--api-port", str(free_port())],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode != 0
        assert "is in use by another node" in second.stderr
        assert f"anvil pid {anvil_pid(tmp_path)}" in second.stderr
        assert "Traceback" not in second.stderr
        assert first.poll() is None
    finally:
        stop(first)


def test_the_saved_state_stays_small_after_busy_blocks(tmp_path):
    """100 blocks of 20 payments each: the save holds their blocks, receipts and traces, compressed,
    and not the state at every block (which made anvil's own file grow to hundreds of megabytes)."""
    settings = ChainSettings(tmp_path, free_port(), block_time=0)
    with EmbeddedChain(settings) as chain:
        w3 = chain.start()
        operator = w3.eth.accounts[0]
        deployment = deploy(w3, operator, DeployConfig.single_operator(operator))
        ledger = w3.eth.contract(deployment.ledger, abi=load_artifact(LEDGER).abi)

        def call(sender: object, fn: object) -> None:
            send(w3, sender, {"to": ledger.address, "data": fn._encode_transaction_data()})  # type: ignore[arg-type, attr-defined]

        call(operator, ledger.functions.setDefaultCreditLine(0, 0, 10**12))
        call(operator, ledger.functions.setDefaultCreditLine(2, 10**12, 10**12))
        council = Account.create()
        call(operator, ledger.functions.admit(council.address, 2, 1, b"\x01" * 32))
        staff = [Account.create().address for _ in range(20)]
        for member in staff:
            call(operator, ledger.functions.admit(member, 0, 1, b"\x02" * 32))
        for month in range(100):
            call(council, ledger.functions.payBatch(staff, [100 + month] * 20, month.to_bytes(32, "big")))
        head = w3.eth.get_block("latest")
        logs = w3.eth.get_logs({"address": deployment.ledger, "fromBlock": 0})
    size = (tmp_path / STATE_FILE).stat().st_size
    assert size < 1_000_000, f"{size:,} bytes"
    with EmbeddedChain(settings) as chain:
        w3 = chain.start()
        assert w3.eth.get_block(head["number"])["hash"] == head["hash"]
        assert w3.eth.get_logs({"address": deployment.ledger, "fromBlock": 0}) == logs


def _answers(port: int) -> bool:
    try:
        return connect(f"http://127.0.0.1:{port}", trust_env=False, timeout=1).eth.chain_id > 0
    except Exception:
        return False


def test_a_node_whose_chain_dies_stops_with_exit_5_and_resumes_on_the_chains_blocks(tmp_path):
    """anvil killed under a running node: the node does not serve a dead chain's index; it stops
    with exit 5, saying so, for its service manager to start it again. The chain then loads its last
    save, some blocks behind what was indexed: the index goes back to the chain's blocks before it
    serves, and never reports itself ahead of the chain."""
    port = free_port()
    w3 = connect(f"http://127.0.0.1:{port}", trust_env=False)
    node = start(tmp_path, port)
    community = Community(w3, tmp_path)
    community.admit()
    community.pay()
    head = w3.eth.block_number
    with httpx.Client(base_url=node.api_url, timeout=10) as client:
        wait_until(lambda: client.get("/blocks/head").json()["indexed_block"] >= head, timeout=60)
    os.kill(anvil_pid(tmp_path), signal.SIGKILL)  # saved every 10 s: the last blocks are lost with it
    out, _ = node.communicate(timeout=60)
    assert node.returncode == 5, out
    assert "next-node: the chain (anvil) exited with -9 under the node" in out and "Traceback" not in out
    node = start(tmp_path, port)
    try:
        with httpx.Client(base_url=node.api_url, timeout=10) as client:
            report = client.get("/blocks/head").json()
            assert report["indexed_block"] <= report["chain_head"] and report["index"]["state"] == "ok", report
            assert client.get("/health").json()["status"] == "ok"
            wait_until(lambda: w3.eth.block_number > report["chain_head"], timeout=30)  # and it goes on from there
    finally:
        stop(node)


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_signal_right_after_the_banner_stops_the_node(tmp_path, how):
    """The signal lands while uvicorn starts, before its own handler is in place: it must still
    stop the node (a KeyboardInterrupt raised there was once swallowed, and the node ran on)."""
    port = free_port()
    for _ in range(2):
        node = start(tmp_path, port)
        out = stop(node, how)  # at once: no request in between
        assert "stopping: saving the chain state" in out and "Traceback" not in out
