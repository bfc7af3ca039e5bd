"""A bonus run pays each line exactly once on-chain, whatever stops it and however it is re-run:
a kill at each stage, a lost journal, a corrected file, a reverted chunk, a Ctrl-C after the
broadcast. The chain, not the journal, says what is paid (the sender's payments under the ref)."""

from __future__ import annotations

import json

import pytest

from next_contracts.transact import calldata, send
from next_wallet import batch
from next_wallet.errors import ExitStatus
from next_wallet.ledger import Ledger
from tests.wallet.conftest import admit, ledger_of, new_member
from tests.wallet.test_cli import PW, create


class Killed(BaseException):
    """The power goes: nothing in the wallet catches it, as nothing runs after a SIGKILL."""


def balances(w3, deployment, members):
    ledger = ledger_of(w3, deployment)
    return [ledger.functions.balanceOf(m).call() for m in members]


def operate(w3, deployment, operator, fn):
    send(w3, operator, {"to": ledger_of(w3, deployment).address, "data": calldata(fn)})


@pytest.fixture
def run(wallet, w3, deployment, operator, tmp_path):
    """A council, six payees, and a three-chunk file (two lines a chunk)."""
    council = create(wallet, "council")
    admit(w3, deployment, operator, council, limit=10**10, ceiling=10**10, kind=2)
    staff = [new_member(w3, deployment, operator).address for _ in range(6)]
    amounts = [1_000 + i for i in range(6)]
    path = tmp_path / "bonus.csv"

    def write(rows):
        path.write_text("address;amount\n" + "".join(f"{a};{m / 100:.2f}\n".replace(".", ",") for a, m in rows))

    write(zip(staff, amounts, strict=True))

    def pay(*extra):
        return wallet("batch-pay", "council", str(path), "--chunk", "2", "--yes", *PW, *extra)

    def journal():
        return json.loads((tmp_path / "bonus.csv.journal.json").read_text())["runs"]

    return type(
        "Run",
        (),
        {
            "staff": staff,
            "amounts": amounts,
            "path": path,
            "write": staticmethod(write),
            "pay": staticmethod(pay),
            "journal": staticmethod(journal),
        },
    )


def kill_at(monkeypatch, stage, nth=2):
    """Kills the run at `stage` of its `nth` chunk."""
    calls = {"n": 0}

    def hit():
        calls["n"] += 1
        if calls["n"] == nth:
            raise Killed

    sign, sent, wait = batch._sign, Ledger.send_signed, Ledger.wait
    if stage == "before_sign":
        monkeypatch.setattr(batch, "_sign", lambda account, tx: hit() or sign(account, tx))
    elif stage == "before_broadcast":  # signed and journaled, not sent
        monkeypatch.setattr(Ledger, "send_signed", lambda self, raw: hit() or sent(self, raw))
    else:  # after_broadcast: sent, its receipt not seen
        monkeypatch.setattr(Ledger, "wait", lambda self, tx_hash: hit() or wait(self, tx_hash))


@pytest.mark.parametrize(
    ("stage", "statuses", "already"),
    [
        ("before_sign", ["confirmed"], 2),
        ("before_broadcast", ["confirmed", "signed"], 2),
        ("after_broadcast", ["confirmed", "sent"], 4),
    ],
)
@pytest.mark.parametrize("journal_lost", [False, True])
def test_a_kill_at_each_stage_then_a_rerun_pays_each_line_once(
    run, w3, deployment, monkeypatch, stage, statuses, already, journal_lost
):
    with monkeypatch.context() as patch:
        kill_at(patch, stage)
        with pytest.raises(Killed):
            run.pay()
    [chunks] = [r["chunks"] for r in run.journal().values()]
    assert [c["status"] for c in chunks] == statuses
    if journal_lost:
        (run.path.parent / "bonus.csv.journal.json").unlink()

    result = run.pay()
    assert result.code == 0, result.err
    assert f"{already} line(s) already paid under ref 'bonus.csv', {6 - already} to pay" in result.out
    assert balances(w3, deployment, run.staff) == run.amounts  # each line exactly once
    if stage == "before_broadcast" and not journal_lost:
        [chunks] = [r["chunks"] for r in run.journal().values()]
        assert chunks[1]["status"] == "never sent"  # its nonce went to the chunk signed after it
        assert chunks[2]["nonce"] == chunks[1]["nonce"]

    again = run.pay()
    assert again.code == 0 and "6 line(s) already paid under ref 'bonus.csv', 0 to pay" in again.out
    assert balances(w3, deployment, run.staff) == run.amounts


def test_a_corrected_file_pays_only_what_the_chain_shows_unpaid(run, w3, deployment, operator, monkeypatch):
    """The old wallet refused the journal of a corrected file and advised to move it away, which
    paid 400 lines twice. Now a corrected file finds its paid lines on the chain."""
    with monkeypatch.context() as patch:
        kill_at(patch, "before_sign", nth=3)  # lines 2-5 paid, 6-7 not
        with pytest.raises(Killed):
            run.pay()
    newcomer = new_member(w3, deployment, operator).address
    staff, amounts = run.staff, run.amounts

    # A corrected line among the paid ones is refused with its number, and nothing is signed.
    run.write([(staff[0], 1_000), (staff[1], 9_999), (staff[2], 1_002), (staff[3], 1_003), (staff[4], 1_004)])
    refused = run.pay()
    assert refused.code == ExitStatus.BAD_INPUT
    assert f"line 3: {staff[1]} was already paid 10,01 NXT under ref 'bonus.csv'" in refused.err
    assert "not 99,99 NXT" in refused.err
    plain = run.pay("--style", "plain")  # every amount of the run in the style asked for
    assert f"{staff[1]} was already paid 10.01 NXT under ref" in plain.err and "not 99.99 NXT:" in plain.err
    assert balances(w3, deployment, staff) == [*amounts[:4], 0, 0]

    # The corrected file: line 6 (unpaid) corrected, line 7 gone, a newcomer added.
    run.write([*zip(staff[:4], amounts[:4], strict=True), (staff[4], 2_000), (newcomer, 3_000)])
    result = run.pay()
    assert result.code == 0, result.err
    assert "4 line(s) already paid under ref 'bonus.csv', 2 to pay" in result.out
    assert balances(w3, deployment, [*staff, newcomer]) == [*amounts[:4], 2_000, 0, 3_000]


def test_a_reverted_chunk_is_marked_and_its_lines_paid_once(run, w3, deployment, operator, monkeypatch):
    ledger = ledger_of(w3, deployment)
    frozen = run.staff[3]  # in the second chunk
    sent, calls = Ledger.send_signed, {"n": 0}

    def freeze_then_send(self, raw):  # frozen between signing and broadcast: the chunk reverts
        calls["n"] += 1
        if calls["n"] == 2:
            operate(w3, deployment, operator, ledger.functions.freeze(frozen))
        return sent(self, raw)

    with monkeypatch.context() as patch:
        patch.setattr(Ledger, "send_signed", freeze_then_send)
        result = run.pay()
    assert result.code == ExitStatus.REFUSED and "was mined but reverted" in result.err and "lines 4-5" in result.err
    [chunks] = [r["chunks"] for r in run.journal().values()]
    assert [c["status"] for c in chunks] == ["confirmed", "reverted"]
    assert balances(w3, deployment, run.staff) == [*run.amounts[:2], 0, 0, 0, 0]

    still = run.pay()  # the payee is still frozen: named, nothing signed
    assert still.code == ExitStatus.BAD_INPUT and f"line 5: {frozen} cannot be paid: it is frozen" in still.err

    operate(w3, deployment, operator, ledger.functions.unfreeze(frozen))
    result = run.pay()
    assert result.code == 0, result.err
    assert "2 line(s) already paid under ref 'bonus.csv', 4 to pay" in result.out
    assert balances(w3, deployment, run.staff) == run.amounts


def test_ctrl_c_after_the_broadcast_says_sent_with_its_hash(run, w3, deployment, monkeypatch):
    wait = Ledger.wait

    def interrupted(self, tx_hash):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(Ledger, "wait", interrupted)
        result = run.pay()
    [chunks] = [r["chunks"] for r in run.journal().values()]
    assert result.code == ExitStatus.SENT_UNCONFIRMED, result.err
    assert f"sent {chunks[0]['tx_hash']} (not yet confirmed)" in result.err and "aborted" not in result.err
    assert wait  # the real one is back
    result = run.pay()
    assert result.code == 0 and "2 line(s) already paid" in result.out
    assert balances(w3, deployment, run.staff) == run.amounts


def test_ctrl_c_between_chunks_says_what_was_paid(run, w3, deployment, monkeypatch):
    sign, calls = batch._sign, {"n": 0}

    def interrupted(account, tx):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return sign(account, tx)

    with monkeypatch.context() as patch:
        patch.setattr(batch, "_sign", interrupted)
        result = run.pay()
    [chunks] = [r["chunks"] for r in run.journal().values()]
    assert result.code == ExitStatus.SENT_UNCONFIRMED, result.err
    assert f"stopped (interrupted) after 2 of 6 line(s) paid and confirmed ({chunks[0]['tx_hash']})" in result.err
    result = run.pay()
    assert result.code == 0 and "2 line(s) already paid" in result.out
    assert balances(w3, deployment, run.staff) == run.amounts


def test_a_journal_of_an_older_wallet_or_another_file_is_no_obstacle(run, w3, deployment):
    journal = run.path.parent / "bonus.csv.journal.json"
    journal.write_text(json.dumps({"file_sha256": "00", "sender": "x", "chunks": []}))
    result = run.pay()
    assert result.code == 0, result.err
    assert balances(w3, deployment, run.staff) == run.amounts
