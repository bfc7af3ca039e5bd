"""The auditor's tests run `next-audit`, the installed console script, against real chains: a clean
demo chain shared by a module on geth (the node's engine, so the consensus check runs too), and
fresh small anvil chains for each tampering scenario (rewriting storage, rewinding the chain and
tracing a contract's call need a simulator's cheats or debug namespace, which geth's RPC keeps
closed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3

from next_contracts import LEDGER, load_artifact
from next_contracts.constitution import GovernanceConfig, role_id
from next_contracts.deploy import DeployConfig, Deployment, deploy
from next_contracts.rpc import connect
from next_contracts.transact import Sender, send, sender_address
from next_node import demo
from next_node.chain.anvil import AnvilChain, AnvilSettings
from next_node.chain.embedded import ChainSettings, EmbeddedChain
from next_node.demo.bonuses import BonusDemo, seed_bonuses
from next_node.demo.commons import finish_commons, seed_commons
from tests.support.ports import free_port

NEXT_AUDIT = str(Path(sys.executable).with_name("next-audit"))
AUDITOR_PASSWORD = "audit pass"


@dataclass
class Audit:
    code: int
    report: dict[str, Any]
    out: str
    err: str

    def check(self, name: str) -> dict[str, Any]:
        (found,) = [c for c in self.report["checks"] if c["name"] == name]
        return found  # type: ignore[no-any-return]

    def findings(self, check: str) -> list[dict[str, str]]:
        findings: list[dict[str, str]] = self.check(check)["findings"]
        return findings

    def failed(self) -> set[str]:
        return {c["name"] for c in self.report["checks"] if c["status"] != "pass"}


def run_audit(rpc_url: str, deployment_file: Path, *args: str, env: dict[str, str] | None = None) -> Audit:
    completed = subprocess.run(
        [NEXT_AUDIT, "--rpc", rpc_url, "--deployment", str(deployment_file), "--json", "-", "--quiet", *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )
    report = json.loads(completed.stdout) if completed.stdout.startswith("{") else {}
    return Audit(completed.returncode, report, completed.stdout, completed.stderr)


@dataclass
class AuditedChain:
    chain: AnvilChain | EmbeddedChain
    w3: Web3
    operator: Sender
    deployment: Deployment
    deployment_file: Path
    community: demo.Community
    bonuses: BonusDemo

    def audit(self, *args: str, env: dict[str, str] | None = None) -> Audit:
        return run_audit(self.chain.settings.rpc_url, self.deployment_file, *args, env=env)

    def ledger(self) -> Any:
        return self.w3.eth.contract(self.deployment.ledger, abi=load_artifact(LEDGER).abi)

    def auditor_keystore(self, folder: Path) -> Path:
        """An auditor of its own: a key in a keystore (password in NEXT_AUDIT_PASSWORD, set by the
        caller), granted AUDITOR_ROLE on the chain by the admin."""
        auditor = Account.create()
        grant = self.ledger().encode_abi("grantRole", [role_id("AUDITOR_ROLE"), auditor.address])
        send(self.w3, self.operator, {"to": self.deployment.ledger, "data": grant})
        keystore = folder / "auditor.json"
        keystore.write_text(json.dumps(Account.encrypt(auditor.key, AUDITOR_PASSWORD)))
        return keystore


@pytest.fixture
def small_chain(tmp_path: Path) -> Iterator[AuditedChain]:
    """A fresh chain with a small seeded community, for a test that tampers with it."""
    yield from _seeded_chain(tmp_path, citizens=10, payments=40)


@pytest.fixture(scope="module")
def demo_chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuditedChain]:
    """The demo community with thousands of payments, a write-off and a key recovery."""
    data = tmp_path_factory.mktemp("demo")
    with EmbeddedChain(ChainSettings(data / "chain", free_port(), block_time=0)) as chain:
        chain.start()
        yield from _seeded(chain, chain.operator, data, citizens=60, payments=2_400)


def _seeded_chain(data: Path, *, citizens: int, payments: int) -> Iterator[AuditedChain]:
    with AnvilChain(AnvilSettings(data / "chain", free_port(), block_time=0)) as chain:
        w3 = chain.start()
        yield from _seeded(chain, w3.eth.accounts[0], data, citizens=citizens, payments=payments)


def _advance(w3: Web3, chain: AnvilChain | EmbeddedChain, seconds: float) -> None:
    """The chain's clock moved on (anvil's), or the time waited (geth's cannot be moved)."""
    if isinstance(chain, AnvilChain):
        w3.provider.make_request("evm_increaseTime", [int(seconds) + 1])  # type: ignore[arg-type]
    else:
        time.sleep(seconds)


def _seeded(
    chain: AnvilChain | EmbeddedChain, operator: Sender, data: Path, *, citizens: int, payments: int
) -> Iterator[AuditedChain]:
    w3 = connect(chain.settings.rpc_url, trust_env=False)
    # A commons claim is payable 5 s after it is submitted, as in the demo, not a day.
    config = DeployConfig.single_operator(sender_address(operator), governance=GovernanceConfig(commons_min_window=5))
    deployment = deploy(w3, operator, config)
    deployment.write(data / "deployment.json")
    community = demo.seed(w3, deployment, operator, citizens=citizens, payments=payments)
    commons = seed_commons(w3, deployment, operator, community)  # three claims, one contested
    bonuses = seed_bonuses(w3, deployment, operator, community, staff=40)  # allowances issued, spent, refused
    finish_commons(w3, deployment, community, commons, wait=lambda s: _advance(w3, chain, s))  # two rewards paid
    yield AuditedChain(chain, w3, operator, deployment, data / "deployment.json", community, bonuses)
