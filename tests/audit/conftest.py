"""The auditor's tests run `next-audit`, the installed console script, against real anvil chains:
a clean demo chain shared by a module, and fresh small chains for each tampering scenario."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from web3 import Web3

from next_contracts.deploy import DeployConfig, Deployment, deploy
from next_contracts.rpc import connect
from next_node import demo
from next_node.chain.embedded import ChainSettings, EmbeddedChain
from scripts._postgres import free_port

NEXT_AUDIT = str(Path(sys.executable).with_name("next-audit"))


@dataclass
class Audit:
    code: int
    report: dict[str, Any]
    out: str
    err: str

    def findings(self, check: str) -> list[dict[str, str]]:
        (found,) = [c for c in self.report["checks"] if c["name"] == check]
        findings: list[dict[str, str]] = found["findings"]
        return findings

    def failed(self) -> set[str]:
        return {c["name"] for c in self.report["checks"] if c["status"] != "pass"}


def run_audit(rpc_url: str, deployment_file: Path, *args: str) -> Audit:
    completed = subprocess.run(
        [NEXT_AUDIT, "--rpc", rpc_url, "--deployment", str(deployment_file), "--json", "-", "--quiet", *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = json.loads(completed.stdout) if completed.stdout.startswith("{") else {}
    return Audit(completed.returncode, report, completed.stdout, completed.stderr)


@dataclass
class AuditedChain:
    chain: EmbeddedChain
    w3: Web3
    operator: str
    deployment: Deployment
    deployment_file: Path
    community: demo.Community

    def audit(self, *args: str) -> Audit:
        return run_audit(self.chain.settings.rpc_url, self.deployment_file, *args)


@pytest.fixture
def small_chain(tmp_path: Path) -> Iterator[AuditedChain]:
    """A fresh chain with a small seeded community, for a test that tampers with it."""
    yield from _seeded_chain(tmp_path, citizens=10, payments=40)


@pytest.fixture(scope="module")
def demo_chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuditedChain]:
    """The demo community with thousands of payments, a write-off and a key recovery."""
    yield from _seeded_chain(tmp_path_factory.mktemp("demo"), citizens=60, payments=2_400)


def _seeded_chain(data: Path, *, citizens: int, payments: int) -> Iterator[AuditedChain]:
    with EmbeddedChain(ChainSettings(data / "chain", free_port(), block_time=0, persist=False)) as chain:
        chain.start()
        w3 = connect(chain.settings.rpc_url, trust_env=False)
        operator = w3.eth.accounts[0]
        deployment = deploy(w3, operator, DeployConfig.single_operator(operator))
        deployment.write(data / "deployment.json")
        community = demo.seed(w3, deployment, operator, citizens=citizens, payments=payments)
        yield AuditedChain(chain, w3, operator, deployment, data / "deployment.json", community)
