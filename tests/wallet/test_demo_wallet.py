"""The demo's ready wallet home: a newcomer logs in as the demo's citizen and pays, the council pays
the sample bonus CSV, and staff admit a member, with the documented dev password. On a real chain
seeded by the demo, with a real gateway indexing it."""

from __future__ import annotations

import json
import os
import stat

import pytest
from eth_account import Account

from next_node import demo
from next_wallet import cli
from next_wallet.errors import ExitStatus
from tests.wallet.conftest import ledger_of

PW = ("--password-env", "DEMO_PASSWORD")
LABELS = ["auditor", "business", "citizen", "committee", "council", "registrar"]


@pytest.fixture
def demo_home(w3, deployment, operator, chain, gateway, tmp_path, monkeypatch):
    community = demo.seed(w3, deployment, operator, citizens=8, payments=12)
    home = demo.keep_wallet(
        w3,
        deployment,
        operator,
        community,
        tmp_path / "data-demo" / "wallet",
        rpc_url=chain.settings.rpc_url,
        gateway_url=gateway.url,
    )
    gateway.refresh()
    monkeypatch.setenv("NEXT_WALLET_HOME", str(home))
    monkeypatch.setenv("DEMO_PASSWORD", demo.DEMO_PASSWORD)
    return home, community


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_demo_wallet_home_holds_named_members_and_staff(demo_home, capsys, w3, deployment):
    home, community = demo_home
    code, out, err = run(capsys, "--json", "list")
    assert code == 0, err
    listed = {k["label"]: k["address"] for k in json.loads(out)["keystores"]}
    assert sorted(listed) == LABELS
    assert listed["citizen"] == community.citizens[0].address
    assert listed["council"] == community.council.address
    assert listed["business"] == community.businesses["bakery (1)"].address
    for label in LABELS:
        assert stat.S_IMODE(os.stat(home / "keystores" / f"{label}.json").st_mode) == 0o600
    ledger = ledger_of(w3, deployment)
    for label, role in demo.STAFF_ROLES.items():
        assert ledger.functions.hasRole(getattr(ledger.functions, role)().call(), listed[label]).call()


def test_a_citizen_logs_in_and_pays_and_the_council_pays_the_bonus_csv(demo_home, capsys, w3, deployment, gateway):
    home, community = demo_home
    ledger = ledger_of(w3, deployment)
    bakery = community.businesses["bakery (1)"].address
    code, out, err = run(capsys, "login", "citizen", *PW)
    assert code == 0, err
    code, out, err = run(capsys, "--json", "balance", "citizen")
    assert code == 0, err
    assert json.loads(out)["balance"] == ledger.functions.balanceOf(community.citizens[0].address).call() > 0

    before = ledger.functions.balanceOf(bakery).call()
    code, out, err = run(capsys, "pay", "citizen", bakery, "4.50", "--ref", "bread", "--yes", *PW)
    assert code == 0, err
    assert ledger.functions.balanceOf(bakery).call() == before + 450

    staff = community.citizens[1:4]
    before = [ledger.functions.balanceOf(m.address).call() for m in staff]
    code, out, err = run(capsys, "batch-pay", "council", str(home / "bonus.csv"), "--yes", *PW)
    assert code == 0, err
    after = [ledger.functions.balanceOf(m.address).call() for m in staff]
    assert [a - b for a, b in zip(after, before, strict=True)] == [2550, 5050, 7550]

    # The demo's auditor (AUDITOR_ROLE, not a member) signs in and reads the bakery's history.
    code, _, err = run(capsys, "login", "auditor", *PW)
    assert code == 0, err
    gateway.refresh()
    code, out, err = run(capsys, "--json", "history", "--address", bakery, "--as", "auditor")
    assert code == 0, err
    assert next(t["amount"] for t in json.loads(out)["items"] if t["direction"] == "in") == 450


def test_staff_admit_a_member_and_a_citizen_cannot(demo_home, capsys, w3, deployment):
    newcomer = Account.create().address
    command = ("admit", newcomer, "--kind", "individual", "--region", "1", "--kyc", "demo file 7", "--yes", *PW)
    code, _, err = run(capsys, command[0], "citizen", *command[1:])
    assert code == ExitStatus.NOT_STAFF and "do not hold REGISTRAR_ROLE" in err
    code, _, err = run(capsys, command[0], "registrar", *command[1:])
    assert code == 0, err
    assert ledger_of(w3, deployment).functions.accountOf(newcomer).call()[3] == 1  # active
    code, _out, err = run(capsys, "credit-line", "committee", newcomer, "800", "15000", "--yes", *PW)
    assert code == 0, err
    assert tuple(ledger_of(w3, deployment).functions.accountOf(newcomer).call()[1:3]) == (80_000, 1_500_000)
