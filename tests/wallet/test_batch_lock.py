"""Two `batch-pay` runs on one file at the same moment: the second is refused in one line (exit 12,
naming the first's pid) and sends nothing; once the first has ended, a run goes ahead. The first
run is played by this test process holding the journal's lock, as a running batch-pay holds it."""

from __future__ import annotations

import fcntl
import os

from next_wallet.errors import ExitStatus
from tests.wallet.conftest import admit, ledger_of, new_member
from tests.wallet.test_cli import PW, create


def test_batch_pay_while_another_run_holds_the_journal_is_refused(wallet, w3, deployment, operator, tmp_path):
    payer = create(wallet, "council")
    admit(w3, deployment, operator, payer, limit=10**8, ceiling=10**8, kind=2)
    payee = new_member(w3, deployment, operator).address
    sheet = tmp_path / "bonus.csv"
    sheet.write_text(f"address,amount\n{payee},12.50\n")
    lock = tmp_path / "bonus.csv.journal.json.lock"

    with open(lock, "w") as held:  # the other run: its lock, with its pid in the file
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write(f"{os.getpid()}\n")
        held.flush()
        refused = wallet("batch-pay", "council", str(sheet), "--yes", *PW)

    assert refused.code == ExitStatus.ABORTED
    assert refused.err.strip().splitlines() == [
        f"next-wallet: another batch-pay is running on this file (pid {os.getpid()}): this one sent nothing; "
        "run it again once the other has ended"
    ]
    assert not (tmp_path / "bonus.csv.journal.json").exists()
    assert ledger_of(w3, deployment).functions.balanceOf(payee).call() == 0

    paid = wallet("batch-pay", "council", str(sheet), "--yes", *PW)  # the other run has ended
    assert paid.code == ExitStatus.OK, paid.err
    assert ledger_of(w3, deployment).functions.balanceOf(payee).call() == 1_250
