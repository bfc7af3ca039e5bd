"""The embedded chain (geth) across stops, crashes and restarts: nothing lost, one block 0, no
orphan geth, no attach to a chain the node did not start, no secret on geth's command line."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from next_contracts.rpc import connect
from next_node.chain.anvil import find_anvil
from next_node.chain.embedded import MNEMONIC_FILE, PASSWORD_FILE
from tests.node.node_process import NODE, Community, alive, chain_pid, start, stop
from tests.support.polling import wait_until
from tests.support.ports import free_port

pytestmark = pytest.mark.slow  # geth started, killed and restarted

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
    for _ in range(2):
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
def test_a_stop_signal_stops_geth_and_keeps_every_block(tmp_path, how):
    port = free_port()
    w3 = connect(f"http://127.0.0.1:{port}", trust_env=False)
    node = start(tmp_path, port)
    geth = chain_pid(tmp_path)
    # No secret on geth's command line, which any local user reads (ps): files, mode 0600.
    secrets = set((tmp_path / MNEMONIC_FILE).read_text().split()) | {(tmp_path / PASSWORD_FILE).read_text()}
    command_line = Path(f"/proc/{geth}/cmdline").read_bytes().decode().replace("\0", " ").split()
    assert not secrets & set(command_line)
    for secret in (MNEMONIC_FILE, PASSWORD_FILE):
        assert (tmp_path / secret).stat().st_mode & 0o777 == 0o600
    # The operator's key is never in geth's keystore (geth would sign for it through eth_sendTransaction).
    assert Community(w3, tmp_path).operator.address not in w3.eth.accounts
    community = Community(w3, tmp_path)
    community.admit()
    community.pay()
    last = w3.eth.get_block("latest")
    stop(node, how)
    assert not alive(geth)  # stopped by the node before it exited, not left behind
    node = start(tmp_path, port)
    try:
        assert chain_pid(tmp_path) != geth
        assert w3.eth.get_block(last["number"])["hash"] == last["hash"]  # every block until the signal
        assert community.ledger.functions.balanceOf(community.bob.address).call() == 1_000
    finally:
        stop(node)


def test_geth_dies_with_a_killed_node_and_the_deployment_survives(tmp_path):
    port = free_port()
    node = start(tmp_path, port)
    geth = chain_pid(tmp_path)
    node.kill()  # SIGKILL: the node runs no code of its own
    node.communicate(timeout=30)
    wait_until(lambda: not alive(geth), timeout=10)
    # geth, killed too, kept the deployment's blocks: the next start resumes it rather than refusing it.
    node = start(tmp_path, port)
    assert node.stdout is not None
    try:
        w3 = connect(f"http://127.0.0.1:{port}", trust_env=False)
        Community(w3, tmp_path).admit()
    finally:
        out = stop(node)
    assert "Traceback" not in out


def test_a_process_on_the_rpc_port_is_refused_not_attached_to(tmp_path):
    """A chain left running on the port (here an anvil), on the node's own chain id:
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
        assert f"chain pid {chain_pid(tmp_path)}" in second.stderr
        assert "Traceback" not in second.stderr
        assert first.poll() is None
    finally:
        stop(first)


def test_a_taken_api_port_is_said_before_the_chain_starts(tmp_path):
    api_port = free_port()
    with socket.create_server(("127.0.0.1", api_port)):
        process = subprocess.run(
            [*NODE, "up", "--data-dir", str(tmp_path), "--rpc-port", str(free_port()), "--api-port", str(api_port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert process.returncode == 1
    assert f"the API port 127.0.0.1:{api_port} is already in use" in process.stderr
    assert "--api-port" in process.stderr and "Traceback" not in process.stderr
    assert not (tmp_path / "chain").exists()  # nothing started, nothing to clean up


def _answers(port: int) -> bool:
    try:
        return connect(f"http://127.0.0.1:{port}", trust_env=False, timeout=1).eth.chain_id > 0
    except Exception:
        return False


def test_a_node_whose_chain_dies_stops_with_exit_5_and_resumes_on_the_chains_blocks(tmp_path):
    """geth killed under a running node: the node does not serve a dead chain's index; it stops
    with exit 5, saying so, for its service manager to start it again. The chain then resumes from
    its database: the index goes back to the chain's blocks if need be before it serves, and never
    reports itself ahead of the chain."""
    port = free_port()
    w3 = connect(f"http://127.0.0.1:{port}", trust_env=False)
    node = start(tmp_path, port)
    community = Community(w3, tmp_path)
    community.admit()
    community.pay()
    head = w3.eth.block_number
    with httpx.Client(base_url=node.api_url, timeout=10) as client:
        wait_until(lambda: client.get("/blocks/head").json()["indexed_block"] >= head, timeout=60)
    os.kill(chain_pid(tmp_path), signal.SIGKILL)
    out, _ = node.communicate(timeout=60)
    assert node.returncode == 5, out
    assert "next-node: the chain (geth) exited with -9 under the node" in out and "Traceback" not in out
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
        assert "stopping the chain" in out and "Traceback" not in out
