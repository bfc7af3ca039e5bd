"""Councils' bonus allowances through the wallet's real entry point on a real chain: a registrar puts
a bookshop in the culture category, a council issues its staff's allowances from a CSV (every bad
line named first, each line issued once across re-runs), a holder sees them and pays with them (the
bookshop takes them, a supermarket does not), and the council sees its run."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from eth_account import Account
from web3 import Web3

from next_contracts.bonuses import bonus_contract
from next_wallet.errors import ExitStatus
from tests.wallet.conftest import admit, ledger_of
from tests.wallet.test_gateway_wallet import gateway_only
from tests.wallet.test_staff import PW, create

BUSINESS, COUNCIL = 1, 2


def expiry(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%d")


def test_a_council_issues_allowances_a_holder_spends_them_at_a_bookshop_only(
    wallet, w3, deployment, operator, registrar_key, gateway, tmp_path
):
    council = create(wallet, "council")
    admit(w3, deployment, operator, council, limit=10**9, ceiling=10**9, kind=COUNCIL)
    holders = [create(wallet, f"agent{i}") for i in range(3)]
    for holder in holders:
        admit(w3, deployment, operator, holder)
    bookshop, supermarket = Account.create().address, Account.create().address
    for shop in (bookshop, supermarket):
        admit(w3, deployment, operator, shop, kind=BUSINESS)
    stranger = Account.create().address

    result = wallet("categories", "registrar", bookshop, "culture,local-shop", "--yes", *PW)
    assert result.code == 0, result.err
    bonuses = bonus_contract(w3, ledger_of(w3, deployment).functions.bonusAllowances().call())
    assert bonuses.functions.categoriesOf(bookshop).call() == [5, 1]
    assert wallet("categories", "registrar", bookshop, "cinema", "--yes", *PW).code == ExitStatus.BAD_INPUT

    # Every bad line is named before anything is signed: a non-member, a holder twice, a bad amount.
    sheet = tmp_path / "year-end.csv"
    rows = [f"{holders[0]};25,00", f"{stranger};10,00", f"{holders[1]};1.234", f"{holders[0]};5,00"]
    sheet.write_text("adresse;montant\n" + "\n".join(rows) + "\n")
    result = wallet("issue-allowances", "council", str(sheet), "--expires", expiry(60), "--categories", "culture")
    assert result.code == ExitStatus.BAD_INPUT, result.err
    assert f"line 3: {stranger} is not a member: it cannot hold an allowance" in result.err
    assert "line 4:" in result.err and "line 5:" in result.err
    assert bonuses.functions.runCount().call() == 0

    sheet.write_text("adresse;montant\n" + "".join(f"{h};{25 + i},00\n" for i, h in enumerate(holders)))
    args = ("issue-allowances", "council", str(sheet), "--expires", expiry(60), "--categories", "culture")
    result = wallet("--json", *args, "--yes", *PW)
    assert result.code == 0, result.err
    issued = json.loads(result.out)
    assert (issued["run_id"], issued["issued"], issued["total"], issued["categories"]) == (1, 3, 7_800, ["culture"])
    assert ledger_of(w3, deployment).functions.balanceOf(council).call() == 0  # no money yet
    # The same file again issues nothing; other terms under the same ref are refused.
    assert json.loads(wallet("--json", *args, "--yes", *PW).out)["issued"] == 0
    result = wallet("issue-allowances", "council", str(sheet), "--expires", expiry(90), "--yes", *PW)
    assert result.code == ExitStatus.BAD_INPUT and "run 1 under ref 'year-end.csv' was opened until" in result.err

    result = wallet("--json", "allowances", "agent0")
    listed = json.loads(result.out)
    assert listed["total"] == 2_500 and listed["allowances"][0]["category_names"] == ["culture"]
    assert not listed["allowances"][0]["lapses_soon"]

    result = wallet("--json", "pay", "agent0", bookshop, "10", "--yes", *PW)
    assert result.code == 0, result.err
    assert json.loads(result.out)["from_allowances"] == 1_000
    ledger = ledger_of(w3, deployment)
    assert ledger.functions.balanceOf(bookshop).call() == 1_000
    assert ledger.functions.balanceOf(holders[0]).call() == 0  # the council paid
    assert ledger.functions.balanceOf(council).call() == -1_002  # and the fee

    result = wallet("pay", "agent0", supermarket, "10", "--bonus-only", "--yes", *PW)
    assert result.code == ExitStatus.REFUSED, result.err
    assert f"{supermarket} takes 0,00 NXT of the allowances of {holders[0]}, not 10,00 NXT" in result.err
    # Without --bonus-only, the supermarket is paid in plain units, the allowance kept.
    result = wallet("--json", "pay", "agent0", supermarket, "10", "--yes", *PW)
    assert result.code == 0 and json.loads(result.out)["from_allowances"] == 0

    report = json.loads(wallet("--json", "allowance-runs", "council").out)
    [run] = report["runs"]
    assert (run["issued"], run["spent"], run["outstanding"], run["holders"]) == (7_800, 1_000, 6_800, 3)
    assert run["by_category"] == {"local-shop": 1_000, "culture": 1_000}
    assert run["by_business"] == {Web3.to_checksum_address(bookshop): 1_000}
    assert run["ref"] == "year-end.csv" and run["state"] == "open"

    # The gateway's index tells the council the same, and names the bookshop's payment a bonus.
    gateway.refresh()
    gateway_only(wallet, tmp_path, gateway.url)
    assert wallet("login", "council", *PW).code == 0
    result = wallet("--json", "allowance-runs", "council")
    assert result.code == 0, result.err
    assert json.loads(result.out) == report
    history = json.loads(wallet("--json", "history", "council").out)["items"]
    [spent] = [t for t in history if t["kind"] == "bonus"]
    assert (spent["to_address"], spent["amount"], spent["fee"]) == (Web3.to_checksum_address(bookshop), 1_000, 2)
    assert "an allowance spent" in wallet("history", "council").out
