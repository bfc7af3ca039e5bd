"""A council's bonus run: a whole file checked first, then paid exactly once, even when the run is
interrupted and started again."""

from __future__ import annotations

import json

import pytest

from next_wallet import batch
from next_wallet.errors import ExitStatus
from tests.wallet.conftest import admit, ledger_of, new_member
from tests.wallet.test_cli import PW, create

STAFF = 500


@pytest.fixture(scope="module")
def staff(w3, deployment, operator):
    """500 employees, members of the cooperative."""
    from eth_account import Account

    members = [Account.create().address for _ in range(STAFF)]
    ledger = ledger_of(w3, deployment)
    for kind, line in ((0, 10**10), (2, 10**10)):  # staff may hold their bonuses; councils have a large line
        call = ledger.functions.setDefaultCreditLine(kind, 0 if kind == 0 else line, line)
        w3.eth.wait_for_transaction_receipt(
            w3.eth.send_transaction(
                {"from": operator, "to": ledger.address, "data": call._encode_transaction_data(), "gasPrice": 0}
            )
        )
    nonce = w3.eth.get_transaction_count(operator)
    last = None
    for i, member in enumerate(members):  # submitted together, mined one a block
        data = ledger.functions.admit(member, 0, 1, b"\x02" * 32)._encode_transaction_data()
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


def council(wallet, w3, deployment, operator):
    address = create(wallet, "council")
    admit(w3, deployment, operator, address, limit=10**10, ceiling=10**10, kind=2)
    return address


def test_every_bad_line_is_reported_and_nothing_is_sent(wallet, w3, deployment, operator, staff, tmp_path):
    council(wallet, w3, deployment, operator)
    stranger = "0x" + "55" * 20
    path = tmp_path / "bad.csv"
    path.write_text(
        "address,amount\n"
        f"{staff[0]},10.00\n"  # line 2: fine
        "0x1234,10.00\n"  # line 3: not an address
        f"{staff[1]},1.234\n"  # line 4: three decimals
        f"{staff[0]},5.00\n"  # line 5: twice
        f"{staff[2]},-1\n"
    )  # line 6: negative
    before = balances(w3, deployment, staff[:3])
    result = wallet("batch-pay", "council", str(path), "--yes", *PW)
    assert result.code == ExitStatus.BAD_INPUT
    for line in ("line 3:", "line 4:", "line 5:", "line 6:"):
        assert line in result.err
    assert "line 2:" not in result.err and "nothing was sent" in result.err
    path.write_text(f"address,amount\n{staff[0]},10.00\n{stranger},1.00\n")
    result = wallet("batch-pay", "council", str(path), "--yes", *PW)
    assert result.code == ExitStatus.BAD_INPUT and "line 3:" in result.err and "not a member" in result.err
    assert balances(w3, deployment, staff[:3]) == before


def test_total_beyond_available_credit_is_refused_whole(wallet, w3, deployment, operator, staff, tmp_path):
    poor = create(wallet, "poor")
    admit(w3, deployment, operator, poor, limit=1_000)
    result = wallet("batch-pay", "poor", str(sheet(tmp_path, [(staff[0], "9.00"), (staff[1], "2.00")])), "--yes", *PW)
    assert result.code == ExitStatus.INSUFFICIENT_CREDIT and "only 10,00 NXT of credit is available" in result.err


def test_500_lines_paid_in_chunks(wallet, w3, deployment, operator, staff, tmp_path):
    council(wallet, w3, deployment, operator)
    amounts = [100 + i for i in range(STAFF)]
    before = balances(w3, deployment, staff)
    path = sheet(tmp_path, [(a, f"{m / 100:.2f}") for a, m in zip(staff, amounts, strict=True)])
    result = wallet("--json", "batch-pay", "council", str(path), "--yes", *PW)
    assert result.code == 0, result.err
    assert len(json.loads(result.out)["transactions"]) == 3  # 200 + 200 + 100
    after = balances(w3, deployment, staff)
    assert [b - a for a, b in zip(before, after, strict=True)] == amounts


@pytest.mark.parametrize("crash", ["before_broadcast", "after_broadcast"])
def test_interrupted_run_pays_each_line_exactly_once(
    wallet, w3, deployment, operator, staff, tmp_path, monkeypatch, crash
):
    council(wallet, w3, deployment, operator)
    amounts = [200 + i for i in range(STAFF)]
    before = balances(w3, deployment, staff)
    path = sheet(tmp_path, [(a, f"{m / 100:.2f}") for a, m in zip(staff, amounts, strict=True)])

    settle, calls = batch._settle, {"n": 0}

    def interrupted(ledger, chunk):
        calls["n"] += 1
        if calls["n"] == 2:  # the second chunk: signed and journaled, then the power goes
            if crash == "after_broadcast":
                ledger.send_signed(bytes.fromhex(chunk["raw"][2:]))
            raise KeyboardInterrupt
        settle(ledger, chunk)

    monkeypatch.setattr(batch, "_settle", interrupted)
    result = wallet("batch-pay", "council", str(path), "--yes", *PW)
    assert result.code == ExitStatus.ABORTED
    journal = json.loads((tmp_path / "bonus.csv.journal.json").read_text())
    assert [c["status"] for c in journal["chunks"]] == ["confirmed", "signed"]

    monkeypatch.setattr(batch, "_settle", settle)
    result = wallet("batch-pay", "council", str(path), "--yes", *PW)
    assert result.code == 0, result.err
    after = balances(w3, deployment, staff)
    assert [b - a for a, b in zip(before, after, strict=True)] == amounts  # each line exactly once

    # A third run finds everything done and pays nothing more.
    assert wallet("batch-pay", "council", str(path), "--yes", *PW).code == 0
    assert balances(w3, deployment, staff) == after


def test_journal_of_another_file_is_refused(wallet, w3, deployment, operator, staff, tmp_path):
    council(wallet, w3, deployment, operator)
    path = sheet(tmp_path, [(staff[0], "1.00")])
    journal = tmp_path / "other.json"
    journal.write_text(json.dumps({"file_sha256": "00", "sender": "x", "chunks": []}))
    result = wallet("batch-pay", "council", str(path), "--journal", str(journal), "--yes", *PW)
    assert result.code == ExitStatus.ERROR and "another file" in result.err


def test_payee_unknown_gets_line_number(wallet, w3, deployment, operator, tmp_path):
    council(wallet, w3, deployment, operator)
    member = new_member(w3, deployment, operator)
    result = wallet(
        "batch-pay", "council", str(sheet(tmp_path, [(member.address, "1.00"), ("0x" + "66" * 20, "2")])), "--yes", *PW
    )
    assert result.code == ExitStatus.BAD_INPUT and "line 3:" in result.err
