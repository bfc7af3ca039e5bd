"""A member's wallet with no node at all: configured with the gateway only, it signs in, pays,
pays a bonus run and reads its balance, all through the gateway (a production node's RPC is never
public)."""

from __future__ import annotations

import json

import requests

from next_wallet.errors import ExitStatus
from tests.wallet.conftest import admit, ledger_of, new_member
from tests.wallet.test_cli import PW, create


def gateway_only(wallet, tmp_path, url: str) -> None:
    """Re-initialises the wallet's home with the gateway alone: chain and ledger come from it."""
    (tmp_path / "home" / "config.toml").unlink()
    result = wallet("init", "--gateway", url)
    assert result.code == 0, result.err
    assert "rpc_url" not in (tmp_path / "home" / "config.toml").read_text()


def test_pay_through_the_gateway_alone(wallet, w3, deployment, operator, gateway, tmp_path):
    alice = create(wallet, "alice")
    admit(w3, deployment, operator, alice, limit=100_000)
    payee = new_member(w3, deployment, operator)
    gateway.refresh()
    gateway_only(wallet, tmp_path, gateway.url)

    unsigned = wallet("pay", "alice", payee.address, "1.00", "--yes", *PW)
    assert unsigned.code == ExitStatus.NOT_SIGNED_IN and "login" in unsigned.err
    assert wallet("login", "alice", *PW).code == 0
    paid = wallet("--json", "pay", "alice", payee.address, "12.50", "--yes", *PW)
    assert paid.code == 0, paid.err
    ledger = ledger_of(w3, deployment)
    assert ledger.functions.balanceOf(payee.address).call() == 1_250
    fee = json.loads(paid.out)["fee"]
    assert fee == ledger.functions.quoteFee(1_250).call()
    assert ledger.functions.balanceOf(alice).call() == -1_250 - fee

    # The ledger's refusal comes back in words, with its exit code, before anything is signed.
    refused = wallet("pay", "alice", payee.address, "5000.00", "--yes", *PW)
    assert refused.code == ExitStatus.INSUFFICIENT_CREDIT and "insufficient credit" in refused.err

    gateway.refresh()
    balance = json.loads(wallet("--json", "balance", "alice").out)
    assert balance["balance"] == -1_250 - fee


def test_a_bonus_run_through_the_gateway_alone(wallet, w3, deployment, operator, gateway, tmp_path):
    council = create(wallet, "council")
    admit(w3, deployment, operator, council, kind=2, limit=10_000_000)
    staff = [new_member(w3, deployment, operator).address for _ in range(5)]
    sheet = tmp_path / "bonus.csv"
    sheet.write_text("address,amount\n" + "".join(f"{a},2{i}.00\n" for i, a in enumerate(staff)))
    gateway.refresh()
    gateway_only(wallet, tmp_path, gateway.url)
    assert wallet("login", "council", *PW).code == 0
    result = wallet("--json", "batch-pay", "council", str(sheet), "--chunk", "2", "--yes", *PW)
    assert result.code == 0, result.err
    assert len(json.loads(result.out)["transactions"]) == 3
    ledger = ledger_of(w3, deployment)
    assert [ledger.functions.balanceOf(a).call() for a in staff] == [2_000, 2_100, 2_200, 2_300, 2_400]
    gateway.refresh()
    runs = json.loads(wallet("--json", "bonus-runs", "council").out)["items"]
    assert [r["lines"] for r in runs] == [2, 2]  # the last chunk paid one line: a payment, not a run


def test_a_member_cannot_preflight_from_another_account(wallet, w3, deployment, operator, gateway, tmp_path):
    alice = create(wallet, "alice")
    admit(w3, deployment, operator, alice)
    bob = new_member(w3, deployment, operator)
    gateway.refresh()
    gateway_only(wallet, tmp_path, gateway.url)
    assert wallet("login", "alice", *PW).code == 0
    token = json.loads((tmp_path / "home" / "tokens" / f"{alice.lower()}.json").read_text())["token"]
    response = requests.post(
        f"{gateway.url}/accounts/{bob.address}/preflight",
        json={"data": "0x00"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 403
