"""Once a payment has left, the wallet says so with its hash, whatever happens next: Ctrl-C after
the broadcast printed "interrupted" and exited 12 ("aborted") while the payment had been made."""

from __future__ import annotations

from next_wallet.errors import ExitStatus, UnreachableError
from next_wallet.ledger import Ledger
from tests.wallet.conftest import admit, ledger_of, new_member
from tests.wallet.test_cli import PW, create


def test_ctrl_c_after_the_broadcast_says_sent_with_the_hash(wallet, w3, deployment, operator, monkeypatch):
    alice = create(wallet, "alice")
    admit(w3, deployment, operator, alice)
    payee = new_member(w3, deployment, operator).address

    def interrupted(self, tx_hash):
        raise KeyboardInterrupt

    monkeypatch.setattr(Ledger, "wait", interrupted)
    result = wallet("pay", "alice", payee, "4.00", "--yes", *PW)
    assert result.code == ExitStatus.SENT_UNCONFIRMED, result.err
    assert "sent 0x" in result.err and "(not yet confirmed)" in result.err and "aborted" not in result.err
    tx_hash = result.err.split("sent ", 1)[1].split()[0]
    assert w3.eth.wait_for_transaction_receipt(tx_hash)["status"] == 1
    assert ledger_of(w3, deployment).functions.balanceOf(payee).call() == 400


def test_a_node_lost_after_the_broadcast_says_sent_with_the_hash(wallet, w3, deployment, operator, monkeypatch):
    alice = create(wallet, "alice")
    admit(w3, deployment, operator, alice)
    payee = new_member(w3, deployment, operator).address

    def lost(self, tx_hash):
        raise UnreachableError("node", "http://127.0.0.1:1")

    monkeypatch.setattr(Ledger, "wait", lost)
    result = wallet("pay", "alice", payee, "4.00", "--yes", *PW)
    assert result.code == ExitStatus.SENT_UNCONFIRMED and "sent 0x" in result.err and "history alice" in result.err


def test_ctrl_c_while_sending_says_it_may_have_been_sent(wallet, w3, deployment, operator, monkeypatch):
    alice = create(wallet, "alice")
    admit(w3, deployment, operator, alice)
    payee = new_member(w3, deployment, operator).address

    def interrupted(self, raw):
        raise KeyboardInterrupt

    monkeypatch.setattr(Ledger, "send_signed", interrupted)
    result = wallet("pay", "alice", payee, "4.00", "--yes", *PW)
    assert result.code == ExitStatus.SENT_UNCONFIRMED and "may have been sent" in result.err
    assert ledger_of(w3, deployment).functions.balanceOf(payee).call() == 0


def test_ctrl_c_at_the_confirmation_is_aborted(wallet, w3, deployment, operator, monkeypatch):
    alice = create(wallet, "alice")
    admit(w3, deployment, operator, alice)
    payee = new_member(w3, deployment, operator).address
    monkeypatch.setattr(
        "next_wallet.pay_commands.unlock", lambda args, label: (_ for _ in ()).throw(KeyboardInterrupt())
    )
    result = wallet("pay", "alice", payee, "4.00", "--yes", *PW)
    assert result.code == ExitStatus.ABORTED
