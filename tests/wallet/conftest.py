"""The wallet's tests drive its real entry point, `next_wallet.cli.main`, against a real anvil chain
with the ledger deployed, in a wallet home of their own."""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from eth_account import Account
from web3 import Web3

from next_contracts import LEDGER, load_artifact
from next_contracts.constitution import role_id
from next_contracts.transact import calldata, send
from next_contracts.vocabulary import MemberKind
from next_node.db.engine import make_engine
from next_wallet import cli
from tests.node.helpers import index_to_head, running_gateway

PASSWORD = "correct horse battery staple"


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def wallet(tmp_path, monkeypatch, capsys, chain, deployment):
    """Runs `next-wallet ARGS` in a fresh wallet home configured for the test chain."""
    monkeypatch.setenv("NEXT_WALLET_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("WALLET_PASSWORD", PASSWORD)
    outputs: list[str] = []

    def run(*args: str, stdin: str | None = None) -> Run:
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", __import__("io").StringIO(stdin))
        code = cli.main(list(args))
        captured = capsys.readouterr()
        outputs.append(captured.out + captured.err)
        return Run(code, captured.out, captured.err)

    record = tmp_path / "deployment.json"
    deployment.write(record)
    assert run("init", "--rpc", chain.settings.rpc_url, "--deployment", str(record)).code == 0
    run.outputs = outputs  # type: ignore[attr-defined]
    run.home, run.record = tmp_path, record  # type: ignore[attr-defined]
    return run


def ledger_of(w3, deployment):
    return w3.eth.contract(Web3.to_checksum_address(deployment.ledger), abi=load_artifact(LEDGER).abi)


def admit(w3, deployment, operator, address, *, limit=100_000, ceiling=10_000_000, kind=0):
    """Admits `address` (a council by the operator's GOVERNANCE_ROLE, as a vote would) and sets its line."""
    ledger = ledger_of(w3, deployment)
    admission = (
        ledger.functions.admitCouncil(address, 1, b"\x01" * 32)
        if kind == MemberKind.COUNCIL.code
        else ledger.functions.admit(address, kind, 1, b"\x01" * 32)
    )
    for call in (
        admission,
        ledger.functions.setCreditLine(address, limit, ceiling),
    ):
        send(w3, operator, {"to": ledger.address, "data": calldata(call)})


def new_member(w3, deployment, operator, **kwargs):
    account = Account.create()
    admit(w3, deployment, operator, account.address, **kwargs)
    return account


@pytest.fixture
def registrar_key(wallet, w3, deployment, operator):
    """A keystore ("registrar") whose key holds REGISTRAR_ROLE and CREDIT_COMMITTEE_ROLE."""
    created = wallet("--json", "create", "registrar", "--password-env", "WALLET_PASSWORD")
    assert created.code == 0, created.err
    address = json.loads(created.out)["address"]
    ledger = ledger_of(w3, deployment)
    for role in ("REGISTRAR_ROLE", "CREDIT_COMMITTEE_ROLE"):
        send(w3, operator, {"to": ledger.address, "data": calldata(ledger.functions.grantRole(role_id(role), address))})
    return address


@pytest.fixture
def gateway(w3, deployment, tmp_path):
    """A gateway on a free port; `refresh()` brings its index up to the chain's head."""
    engine = make_engine(f"sqlite:///{tmp_path / 'index.db'}")
    with running_gateway(engine, deployment, w3) as url:
        yield SimpleNamespace(url=url, refresh=lambda: index_to_head(engine, w3, deployment))
