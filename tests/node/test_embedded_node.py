"""The embedded node of `make run`, through its real entry point (`next-node up` as a subprocess)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from eth_account import Account

from next_contracts import load_artifact
from next_contracts.deploy import Deployment
from next_contracts.rpc import connect
from next_contracts.transact import calldata, gas_price, send
from next_node.chain.embedded import CHAIN_ID, ChainSettings, EmbeddedChain, dev_operator
from tests.node.node_process import NODE, read_banner, start, stop
from tests.support.polling import wait_until
from tests.support.ports import free_port

pytestmark = pytest.mark.slow  # the demo seeded on geth


def test_up_deploys_then_resumes_the_same_chain(tmp_path):
    port = free_port()
    node = start(tmp_path, port)
    try:
        w3 = connect(f"http://127.0.0.1:{port}", trust_env=False)
        assert w3.eth.chain_id == CHAIN_ID
        # geth's eth_gasPrice still suggests 1 gwei (its price oracle's floor); what every part of
        # this project pays is nothing: the chain has no base fee (no London fork).
        assert "baseFeePerGas" not in w3.eth.get_block("latest") and gas_price(w3) == 0
        deployment = Deployment.read(tmp_path / "deployment.json")
        ledger = w3.eth.contract(deployment.ledger, abi=load_artifact().abi)
        operator = dev_operator(tmp_path)  # the data directory's own key, signing here
        assert operator.address not in w3.eth.accounts
        alice, bob = Account.create(), Account.create()
        for member in (alice, bob):
            call = ledger.functions.admit(member.address, 0, 1, b"\x01" * 32)
            send(w3, operator, {"to": deployment.ledger, "data": calldata(call)})
        call = ledger.functions.setCreditLine(alice.address, 5_000, 5_000)
        send(w3, operator, {"to": deployment.ledger, "data": calldata(call)})
        call = ledger.functions.setCreditLine(bob.address, 5_000, 5_000)
        send(w3, operator, {"to": deployment.ledger, "data": calldata(call)})
        # Alice pays from a fresh key that holds no native coin at all: gas is free.
        # A block more than half full (a burst of payments, or here one loop burning 600M gas) once
        # lifted London's zero base fee to 1 wei for good: zero-price payments never mined again.
        burner = w3.eth.wait_for_transaction_receipt(
            w3.eth.send_raw_transaction(
                alice.sign_transaction(
                    {"data": "0x5b600056", "gas": 600_000_000, "gasPrice": 0, "nonce": 0, "chainId": CHAIN_ID}
                ).raw_transaction
            ),
            timeout=120,
        )  # JUMPDEST PUSH1 0 JUMP: runs out of all its gas
        assert burner["status"] == 0 and w3.eth.get_block(burner["blockNumber"])["gasUsed"] > 500_000_000
        receipt = send(
            w3,
            alice,
            {
                "to": deployment.ledger,
                "data": ledger.encode_abi("pay", args=[bob.address, 1_000, b"\x02" * 32]),
            },
        )
        assert gas_price(w3) == 0
        head_before = w3.eth.block_number
        logs_before = w3.eth.get_logs({"address": deployment.ledger, "fromBlock": 0})
    finally:
        assert "stopping the chain" in stop(node)

    node = start(tmp_path, port)
    try:
        w3 = connect(f"http://127.0.0.1:{port}", trust_env=False)
        ledger = w3.eth.contract(deployment.ledger, abi=load_artifact().abi)
        assert Deployment.read(tmp_path / "deployment.json") == deployment
        assert w3.eth.block_number >= head_before
        assert ledger.functions.balanceOf(bob.address).call() == 1_000
        assert ledger.functions.balanceOf(alice.address).call() == -1_002
        assert w3.eth.get_logs({"address": deployment.ledger, "fromBlock": 0}) == logs_before
        assert w3.eth.get_block(receipt["blockNumber"])["hash"] == receipt["blockHash"]
        # Blocks keep coming, one a second: a new one within a bounded wait.
        wait_until(
            lambda: w3.eth.block_number > head_before, message="no new block: the chain does not mine after a restart"
        )
    finally:
        stop(node)


def test_up_refuses_a_record_for_another_chain(tmp_path):
    port = free_port()
    node = start(tmp_path, port)
    stop(node)
    shutil.rmtree(tmp_path / "chain")  # the chain is lost, the record is not
    process = subprocess.run(
        [*NODE, "up", "--data-dir", str(tmp_path), "--rpc-port", str(port), "--api-port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == 1
    assert "no ledger with the shipped code" in process.stderr
    assert "Traceback" not in process.stderr


def test_help_explains_each_option():
    out = subprocess.run([*NODE, "up", "--help"], capture_output=True, text=True, check=True).stdout
    for option in ("--data-dir", "--rpc-port", "--chain-id", "--block-time", "--deploy-config"):
        assert option in out


def test_up_demo_serves_a_seeded_community(tmp_path):
    """The newcomer's path: `next-node up --demo`, then the API shows the community."""
    import httpx

    port, api_port = free_port(), free_port()
    node = subprocess.Popen(
        [*NODE, "up", "--demo", "--data-dir", str(tmp_path), "--rpc-port", str(port), "--api-port", str(api_port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    banner = read_banner(node)
    assert any(f"http://127.0.0.1:{api_port}/docs" in line for line in banner), banner
    try:
        api = f"http://127.0.0.1:{api_port}"

        def caught_up() -> bool:
            head = httpx.get(f"{api}/blocks/head").json()
            return bool(head["lag"] == 0 and head["indexed_block"] > 0)

        wait_until(caught_up, timeout=60, every=0.5, message="the demo's index did not catch up")
        public = httpx.get(f"{api}/stats").json()
        # One council and one system account (the commons'): hidden from the public, the businesses with them.
        # One individual moved to region 3 (the demo's second ledger), whose account here is a system one.
        assert public["members_by_kind"] == {"business": None, "council": None, "individual": 239, "system": None}
        assert httpx.get(f"{api}/members").status_code == 401
        # The operator (every staff role on a dev chain) signs in with its dev key, as a member would;
        # the node's port is read from its data directory (it is not 8000 here).
        token = subprocess.run(
            [*NODE, "dev-token", "--data-dir", str(tmp_path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        auth = {"Authorization": f"Bearer {token}"}
        stats = httpx.get(f"{api}/stats", headers=auth).json()
        assert stats["members_by_kind"] == {"business": 17, "council": 1, "individual": 239, "system": 2}
        assert stats["reserve"] > 0 and stats["debt_covered"] > 0
        assert stats["circulation"] - stats["credit_in_use"] + stats["reserve"] == 0
        council = httpx.get(f"{api}/members", params={"kind": "council"}, headers=auth).json()["items"][0]["address"]
        history = httpx.get(f"{api}/accounts/{council}/transfers", params={"limit": 200}, headers=auth).json()["items"]
        assert all(t["direction"] == "out" for t in history)
        kinds = Counter(t["kind"] for t in history)
        # The paid bonus run; then the allowances 80 staff spent, a few from both of their runs at once.
        assert kinds["payment"] == 20 and 80 <= kinds["bonus"] <= 80 + 30 and len(kinds) == 2, kinds
        # The commons: three claims attested, one contested, two rewards paid.
        commons = httpx.get(f"{api}/commons").json()
        assert (commons["claims"], commons["by_state"]) == (3, {"pending": 0, "contested": 1, "paid": 2})
        assert any("demo commons: 3 claims" in line for line in banner), banner
        # The demo's assembly: two proposals open, the members' votes carry one and defeat the other.
        proposals = httpx.get(f"{api}/proposals").json()["items"]
        assert [p["state"] for p in proposals] == ["active", "active"]
        fee, relance = proposals  # newest first
        assert relance["description"].startswith("Relance") and relance["votes"]["for"] > relance["votes"]["against"]
        assert fee["votes"]["against"] > fee["votes"]["for"]
        assert any("demo assembly: 2 proposals open" in line for line in banner), banner
        # The second region: its relationship with this one, the payments across, the member who moved.
        [relation] = httpx.get(f"{api}/regions").json()["relationships"]
        assert relation["region"] == 3 and relation["credit_limit"] == relation["ceiling"] == 200_000
        assert relation["position"] != 0
        assert any("demo regions: region 3 (Val-d'Oise)" in line for line in banner), banner
        assert (tmp_path / "deployment-region-3.json").exists()
    finally:
        stop(node)


def test_the_chain_listens_on_loopback_only(tmp_path):
    """geth's RPC and its peer port are reached on 127.0.0.1 and refused on every other address of
    this machine: the embedded node's chain is never public (members reach it through the gateway)."""
    settings = ChainSettings(tmp_path, free_port(), block_time=0)
    with EmbeddedChain(settings) as chain:
        chain.start()
        assert chain.geth is not None
        ports = _listening_ports(chain.geth.pid)
        assert settings.rpc_port in ports and len(ports) >= 2, ports  # the RPC, the peer port (and geth's auth RPC)
        for port in ports:
            with socket.create_connection(("127.0.0.1", port), timeout=5):
                pass
            for address in _non_loopback_addresses():
                with pytest.raises(OSError), socket.create_connection((address, port), timeout=5):
                    pass


def _listening_ports(pid: int) -> set[int]:
    """The TCP ports a process listens on, from /proc (its sockets' inodes in /proc/net/tcp)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except FileNotFoundError:
            continue  # closed since the listing (geth opens and closes files all the time)
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                ports.add(int(fields[1].split(":")[1], 16))
    return ports


def _non_loopback_addresses() -> set[str]:
    """This machine's IPv4 addresses other than loopback: its name's, and the one it would route
    from (a UDP socket's connect sends nothing)."""
    found = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
            found.add(probe.getsockname()[0])
        except OSError:
            pass  # no route off the machine: then only loopback answers anything
    return {address for address in found if not address.startswith("127.") and address != "0.0.0.0"}
