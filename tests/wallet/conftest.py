"""The wallet's tests drive its real entry point, `next_wallet.cli.main`, against a real anvil chain
with the ledger deployed, in a wallet home of their own."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from eth_account import Account
from web3 import Web3

from next_contracts import LEDGER, load_artifact
from next_contracts.transact import send
from next_wallet import cli
from tests.node.conftest import chain, deployment, operator, w3  # noqa: F401  (the same real chain)

PASSWORD = "correct horse battery staple"


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def wallet(tmp_path, monkeypatch, capsys, chain, deployment):  # noqa: F811
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
    return run


def ledger_of(w3, deployment):  # noqa: F811
    return w3.eth.contract(Web3.to_checksum_address(deployment.ledger), abi=load_artifact(LEDGER).abi)


def admit(w3, deployment, operator, address, *, limit=100_000, ceiling=10_000_000, kind=0):  # noqa: F811
    ledger = ledger_of(w3, deployment)
    for call in (
        ledger.functions.admit(address, kind, 1, b"\x01" * 32),
        ledger.functions.setCreditLine(address, limit, ceiling),
    ):
        send(w3, operator, {"to": ledger.address, "data": call._encode_transaction_data()})


def new_member(w3, deployment, operator, **kwargs):  # noqa: F811
    account = Account.create()
    admit(w3, deployment, operator, account.address, **kwargs)
    return account
