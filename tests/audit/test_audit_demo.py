"""The README's own audit of the demo, on the default chain (geth, without a debug namespace: the
auditor reads what each transaction did from its input and its events): `make demo`'s node seeded,
then `next-audit --gateway` passes; then the README's steps (a payment, a bonus run from the CSV, an
admission, the assembly's relance queued and executed) and it passes again; and at earlier blocks
of the demo's history, with the gateway's figures as they were then. A delivery once passed every
test while this very audit failed on geth."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from next_contracts.deploy import Deployment
from next_contracts.rpc import connect
from tests.node.node_process import NODE, read_banner, start, stop
from tests.support.ports import free_port

pytestmark = pytest.mark.slow  # the demo seeded on geth, audited three times

BIN = Path(sys.executable).parent
DEMO_SECONDS = 900  # seeding on a loaded two-core machine: minutes, and the watchdog's bound


def run(command: list[str], env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)


def test_the_readme_audit_of_the_demo_passes_on_geth_before_and_after_its_steps(tmp_path: Path) -> None:
    data, rpc_port = tmp_path / "demo", free_port()
    node = start(data, rpc_port, "--demo", banner_seconds=DEMO_SECONDS)
    try:
        rpc, gateway = f"http://127.0.0.1:{rpc_port}", node.api_url  # type: ignore[attr-defined]
        env = {**os.environ, "NEXT_WALLET_HOME": str(data / "wallet"), "NEXT_AUDIT_PASSWORD": "demo", "PW": "demo"}
        env.pop("SOLCX_BINARY_PATH", None)  # the installed next-audit finds the pinned compiler by itself
        wallet = [str(BIN / "next-wallet")]
        audit = [str(BIN / "next-audit"), "--rpc", rpc, "--deployment", str(data / "deployment.json"),
                 "--gateway", gateway, "--keystore", str(data / "wallet" / "keystores" / "auditor.json")]  # fmt: skip

        def audited(*extra: str) -> dict[str, object]:
            report = tmp_path / f"report-{time.monotonic_ns()}.json"
            result = run([*audit, *extra, "--json", str(report)], env)
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
            found: dict[str, object] = json.loads(report.read_text())
            return found

        first = audited()
        assert all(check["status"] == "pass" for check in first["checks"])  # type: ignore[attr-defined]

        # The README's steps, as a member, a council, a registrar and anyone type them.
        business = run([*wallet, "address", "business"], env).stdout.strip()
        steps = [
            ["pay", "citizen", business, "4.50", "--ref", "bread"],
            ["batch-pay", "council", str(data / "wallet" / "bonus.csv")],
            ["admit", "registrar", "0x" + "5e" * 20, "--kind", "individual", "--region", "1", "--kyc", "file 7"],
        ]
        for step in steps:
            done = run([*wallet, *step, "--yes", "--password-env", "PW"], env)
            assert done.returncode == 0, (step, done.stdout, done.stderr)
        relance = _succeeded_relance(wallet, env)
        for step in ("queue", "execute"):
            for _ in range(60):  # the execution waits for the timelock's 30 s
                done = run([*wallet, step, "citizen", relance, "--yes", "--password-env", "PW"], env)
                if done.returncode == 0:
                    break
                time.sleep(2)
            assert done.returncode == 0, (step, done.stdout, done.stderr)
        # The README's move to Val-d'Oise, with the demo wallet alone, its words in French.
        citizen = run([*wallet, "address", "citizen"], env).stdout.strip()
        french = {**env, "LANG": "fr_FR.UTF-8"}
        for step in (
            ["welcome", "registrar", citizen, "--from-region", "1", "--region", "3"],
            ["move", "citizen", "--to-region", "3"],
        ):
            done = run([*wallet, *step, "--yes", "--password-env", "PW"], french)
            assert done.returncode == 0, (step, done.stdout, done.stderr)
        assert "passer dans la région 3" in done.stdout
        after = audited()
        assert after["to_block"] > first["to_block"]  # type: ignore[operator]

        # At earlier blocks of the demo's history, the gateway's accounts, rows and figures then.
        deployment = Deployment.read(data / "deployment.json")
        head = connect(rpc, trust_env=False).eth.block_number
        step = max((head - deployment.deploy_block) // 5, 1)
        for block in range(deployment.deploy_block, head, step):
            at = audited("--at", str(block))
            assert at["to_block"] == block
            assert {c["name"]: c["status"] for c in at["checks"]}["gateway.stats"] == "pass"  # type: ignore[attr-defined]
    finally:
        stop(node)


def _succeeded_relance(wallet: list[str], env: dict[str, str]) -> str:
    """The assembly's relance, once its two minutes of voting are over and the members carried it."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        listed = run([*wallet, "--json", "proposals", "--all"], env)
        proposals = json.loads(listed.stdout)["proposals"] if listed.returncode == 0 else []
        carried = [p for p in proposals if p["state"] == "succeeded" and "Relance" in p["description"]]
        if carried:
            assert carried[0]["calls"][0]["kind"] == "stimulus" and carried[0]["description_matches"]
            return str(carried[0]["proposal"])
        time.sleep(3)
    raise AssertionError("the demo's relance never succeeded")


@pytest.mark.deep  # the same audit as above, on three validators: two minutes
def test_the_readme_audit_passes_on_a_network_of_validators_seeded_with_the_demo(tmp_path: Path) -> None:
    """`network up --demo` on three geth validators: the same audit at the end of seeding, the seals
    of three signers too (about a minute and a half)."""
    directory = tmp_path / "net"
    # Each validator takes the next port after the first of each kind: three apart, not one.
    rpc_port, p2p_port, api = (_three_free() for _ in range(3))
    init = [*NODE, "network", "init", "--data-dir", str(directory), "--validators", "3",
            "--rpc-port", str(rpc_port), "--p2p-port", str(p2p_port)]  # fmt: skip
    subprocess.run(init, capture_output=True, text=True, check=True, timeout=300)
    node = subprocess.Popen(
        [*NODE, "network", "up", "--data-dir", str(directory), "--api-port", str(api), "--demo"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    read_banner(node, DEMO_SECONDS)
    try:
        env = {**os.environ, "NEXT_AUDIT_PASSWORD": "demo"}
        keystore = directory / "wallet" / "keystores" / "auditor.json"
        result = run(
            [str(BIN / "next-audit"), "--rpc", f"http://127.0.0.1:{rpc_port}", "--deployment",
             str(directory / "deployment.json"), "--gateway", f"http://127.0.0.1:{api}", "--keystore", str(keystore),
             "--json", str(tmp_path / "report.json")],
            env,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        report = json.loads((tmp_path / "report.json").read_text())
        assert len(report["figures"]["signers"]) == 3
    finally:
        stop(node)


def _three_free() -> int:
    """The first of three ports in a row that nothing listens on (free_port walks them in turn)."""
    while True:
        first = free_port()
        if free_port() == first + 1 and free_port() == first + 2:
            return first
