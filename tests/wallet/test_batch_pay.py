"""A council's bonus run: a whole file checked first, then paid exactly once, even when the run is
interrupted and started again."""

from __future__ import annotations

import json

import pytest

from next_contracts.transact import calldata
from next_wallet.errors import ExitStatus
from tests.support.chain import call
from tests.wallet.conftest import admit, ledger_of, new_member
from tests.wallet.test_cli import PW, create

STAFF = 500


@pytest.fixture(scope="module")
def staff_keys(w3, deployment, operator):
    """500 employees, members of the cooperative."""
    from eth_account import Account

    members = [Account.create().address for _ in range(STAFF)]
    ledger = ledger_of(w3, deployment)
    for kind, line in ((0, 10**10), (2, 10**10)):  # staff may hold their bonuses; councils have a large line
        call = ledger.functions.setDefaultCreditLine(kind, 0 if kind == 0 else line, line)
        w3.eth.wait_for_transaction_receipt(
            w3.eth.send_transaction({"from": operator, "to": ledger.address, "data": calldata(call), "gasPrice": 0})
        )
    nonce = w3.eth.get_transaction_count(operator)
    last = None
    for i, member in enumerate(members):  # submitted together, mined one a block
        data = ledger.encode_abi("admit", args=[member, 0, 1, b"\x02" * 32])
        last = w3.eth.send_transaction(
            {"from": operator, "to": ledger.address, "data": data, "nonce": nonce + i, "gas": 200_000, "gasPrice": 0}
        )
    w3.eth.wait_for_transaction_receipt(last)
    return members


def sheet(tmp_path, rows, name="bonus.csv"):
    path = tmp_path / name
    path.write_text("address,amount,name\n" + "".join(f"{a},{m},agent {i}\n" for i, (a, m) in enumerate(rows)))
    return path


def balances(w3, deployment, members):
    ledger = ledger_of(w3, deployment)
    return [ledger.functions.balanceOf(m).call() for m in members]


def council_key(wallet, w3, deployment, operator):
    address = create(wallet, "council")
    admit(w3, deployment, operator, address, limit=10**10, ceiling=10**10, kind=2)
    return address


def test_every_bad_line_is_reported_and_nothing_is_sent(wallet, w3, deployment, operator, staff_keys, tmp_path):
    council_key(wallet, w3, deployment, operator)
    stranger = "0x" + "55" * 20
    path = tmp_path / "bad.csv"
    path.write_text(
        "address,amount\n"
        f"{staff_keys[0]},10.00\n"  # line 2: fine
        "0x1234,10.00\n"  # line 3: not an address
        f"{staff_keys[1]},1.234\n"  # line 4: three decimals
        f"{staff_keys[0]},5.00\n"  # line 5: twice
        f"{staff_keys[2]},-1\n"
    )  # line 6: negative
    before = balances(w3, deployment, staff_keys[:3])
    result = wallet("batch-pay", "council", str(path), "--yes", *PW)
    assert result.code == ExitStatus.BAD_INPUT
    for line in ("line 3:", "line 4:", "line 5:", "line 6:"):
        assert line in result.err
    assert "line 2:" not in result.err and "nothing was signed or sent" in result.err
    path.write_text(f"address,amount\n{staff_keys[0]},10.00\n{stranger},1.00\n")
    result = wallet("batch-pay", "council", str(path), "--yes", *PW)
    assert result.code == ExitStatus.BAD_INPUT and "line 3:" in result.err and "not a member" in result.err
    assert balances(w3, deployment, staff_keys[:3]) == before


def test_total_beyond_available_credit_is_refused_whole(wallet, w3, deployment, operator, staff_keys, tmp_path):
    poor = create(wallet, "poor")
    admit(w3, deployment, operator, poor, limit=1_000)
    result = wallet(
        "batch-pay", "poor", str(sheet(tmp_path, [(staff_keys[0], "9.00"), (staff_keys[1], "2.00")])), "--yes", *PW
    )
    assert result.code == ExitStatus.INSUFFICIENT_CREDIT and "only 10,00 NXT of credit is available" in result.err


def test_500_lines_paid_in_chunks(wallet, w3, deployment, operator, staff_keys, tmp_path):
    council_key(wallet, w3, deployment, operator)
    amounts = [100 + i for i in range(STAFF)]
    before = balances(w3, deployment, staff_keys)
    path = sheet(tmp_path, [(a, f"{m / 100:.2f}") for a, m in zip(staff_keys, amounts, strict=True)])
    result = wallet("--json", "batch-pay", "council", str(path), "--yes", *PW)
    assert result.code == 0, result.err
    assert len(json.loads(result.out)["transactions"]) == 3  # 200 + 200 + 100
    after = balances(w3, deployment, staff_keys)
    assert [b - a for a, b in zip(before, after, strict=True)] == amounts


def test_every_bad_line_against_the_chain_is_named_in_one_run(wallet, w3, deployment, operator, staff_keys, tmp_path):
    """Format errors, a non-member, a frozen payee and one past its ceiling on line 501: all in one
    run, each with its number, and nothing signed (400 lines were paid before line 501 failed)."""
    council_key(wallet, w3, deployment, operator)
    frozen = new_member(w3, deployment, operator).address
    near_ceiling = new_member(w3, deployment, operator, ceiling=1_000).address
    call(w3, operator, ledger_of(w3, deployment).functions.freeze(frozen))
    rows = [(a, "1.00") for a in staff_keys[:497]] + [
        ("0x" + "77" * 20, "1.00"),
        (frozen, "1.00"),
        (near_ceiling, "10.01"),
    ]
    path = sheet(tmp_path, rows)
    with path.open("a") as file:
        file.write(f"{staff_keys[497]},1.234,agent\n")  # line 502: ambiguous
    before = balances(w3, deployment, staff_keys[:497])
    result = wallet("batch-pay", "council", str(path), "--yes", *PW)
    assert result.code == ExitStatus.BAD_INPUT, result.err
    assert "line 499: 0x7777777777777777777777777777777777777777 cannot be paid: it is not a member" in result.err
    assert f"line 500: {frozen} cannot be paid: it is frozen" in result.err
    assert f"line 501: {near_ceiling} cannot be paid: it would pass its ceiling" in result.err
    assert "line 502: ambiguous amount" in result.err
    assert "4 bad line(s)" in result.err
    assert balances(w3, deployment, staff_keys[:497]) == before


def test_an_over_ceiling_line_is_refused_before_the_file_is_paid(wallet, w3, deployment, operator, tmp_path):
    council_key(wallet, w3, deployment, operator)
    payees = [new_member(w3, deployment, operator, ceiling=5_000).address for _ in range(3)]
    path = sheet(tmp_path, [(payees[0], "10.00"), (payees[1], "20.00"), (payees[2], "50.01")])
    result = wallet("batch-pay", "council", str(path), "--chunk", "1", "--yes", *PW)
    assert result.code == ExitStatus.BAD_INPUT and "line 4:" in result.err and "ceiling" in result.err
    assert balances(w3, deployment, payees) == [0, 0, 0]


def test_a_sender_that_is_not_a_member_is_refused_before_signing(wallet, w3, deployment, operator, tmp_path):
    create(wallet, "nobody")
    payee = new_member(w3, deployment, operator).address
    result = wallet("batch-pay", "nobody", str(sheet(tmp_path, [(payee, "1.00")])), "--yes", *PW)
    assert result.code == ExitStatus.NOT_MEMBER and "not a member" in result.err


def test_a_10000_line_file_is_checked_whole_against_the_chain(wallet, w3, deployment, operator, staff_keys, tmp_path):
    """10,000 payees read in JSON-RPC batches of eth_calls: the 9,500 that are not members are all
    named, each with its line, in one run, and nothing is signed."""
    from eth_account import Account

    council_key(wallet, w3, deployment, operator)
    strangers = [Account.create().address for _ in range(10_000 - STAFF)]
    path = sheet(tmp_path, [(a, "1.00") for a in staff_keys + strangers])
    before = balances(w3, deployment, staff_keys)
    result = wallet("batch-pay", "council", str(path), "--yes", *PW)
    assert result.code == ExitStatus.BAD_INPUT
    assert "9500 bad line(s)" in result.err
    assert f"line 502: {strangers[0]} cannot be paid: it is not a member" in result.err
    assert f"line 10001: {strangers[-1]} cannot be paid: it is not a member" in result.err
    assert "line 501:" not in result.err
    assert balances(w3, deployment, staff_keys) == before
