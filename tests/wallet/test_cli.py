"""The wallet CLI, command by command and error by error, through its real entry point."""

from __future__ import annotations

import json
import os
import stat

from eth_account import Account

from next_contracts.transact import send
from next_wallet.errors import ExitStatus
from tests.wallet.conftest import PASSWORD, admit, ledger_of, new_member

PW = ("--password-env", "WALLET_PASSWORD")


def create(wallet, label: str) -> str:
    result = wallet("--json", "create", label, *PW)
    assert result.code == 0, result.err
    return json.loads(result.out)["address"]


# keys -------------------------------------------------------------------------------------------


def test_create_writes_an_encrypted_keystore_readable_only_by_its_owner(wallet, tmp_path):
    address = create(wallet, "alice")
    path = tmp_path / "home" / "keystores" / "alice.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    stored = json.loads(path.read_text())
    assert stored["crypto"]["kdf"] == "scrypt" and stored["version"] == 3
    assert Account.from_key(Account.decrypt(stored, PASSWORD)).address == address
    listed = json.loads(wallet("--json", "list").out)["keystores"]
    assert listed == [{"label": "alice", "address": address}]
    assert wallet("address", "alice").out.strip() == address


def test_create_twice_is_refused(wallet):
    create(wallet, "alice")
    result = wallet("create", "alice", *PW)
    assert result.code == ExitStatus.KEYSTORE and "exists already" in result.err


def test_import_reads_the_key_from_stdin(wallet):
    key = Account.create()
    result = wallet("--json", "import", "bob", *PW, stdin=key.key.hex() + "\n")
    assert result.code == 0, result.err
    assert json.loads(result.out)["address"] == key.address


def test_import_rejects_what_is_not_a_key(wallet):
    result = wallet("import", "bob", *PW, stdin="not a key\n")
    assert result.code == ExitStatus.BAD_INPUT and "64 hexadecimal digits" in result.err


def test_password_from_a_file(wallet, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text(PASSWORD + "\n")
    assert wallet("create", "carol", "--password-file", str(secret)).code == 0


# errors -----------------------------------------------------------------------------------------


def test_wrong_password(wallet, w3, deployment, operator, monkeypatch):
    address = create(wallet, "alice")
    admit(w3, deployment, operator, address)
    payee = new_member(w3, deployment, operator)
    monkeypatch.setenv("WALLET_PASSWORD", "not the password")
    result = wallet("pay", "alice", payee.address, "1.00", "--yes", *PW)
    assert result.code == ExitStatus.WRONG_PASSWORD
    assert result.err.strip() == "next-wallet: wrong password for keystore 'alice'"


def test_missing_and_corrupted_keystores(wallet, tmp_path):
    assert wallet("address", "nobody").code == ExitStatus.KEYSTORE
    create(wallet, "alice")
    (tmp_path / "home" / "keystores" / "alice.json").write_text("{ not json")
    result = wallet("address", "alice")
    assert result.code == ExitStatus.KEYSTORE and "corrupted" in result.err


def test_node_unreachable(wallet, tmp_path):
    config = tmp_path / "home" / "config.toml"
    lines = [line for line in config.read_text().splitlines() if not line.startswith("rpc_url")]
    config.write_text("\n".join([*lines, 'rpc_url = "http://127.0.0.1:9"']) + "\n")  # nothing listens there
    result = wallet("balance", "--address", "0x" + "11" * 20)
    assert result.code == ExitStatus.UNREACHABLE and "does not answer" in result.err


def test_wrong_chain_refuses_to_sign(wallet, tmp_path, w3, deployment, operator):
    address = create(wallet, "alice")
    admit(w3, deployment, operator, address)
    config = tmp_path / "home" / "config.toml"
    config.write_text(config.read_text().replace(f"chain_id = {w3.eth.chain_id}", "chain_id = 1"))
    result = wallet("pay", "alice", "0x" + "22" * 20, "1.00", "--yes", *PW)
    assert result.code == ExitStatus.WRONG_CHAIN and "nothing was signed" in result.err


def test_sender_not_member_and_frozen(wallet, w3, deployment, operator):
    create(wallet, "stranger")
    payee = new_member(w3, deployment, operator)
    result = wallet("pay", "stranger", payee.address, "1.00", "--yes", *PW)
    assert result.code == ExitStatus.NOT_MEMBER and "not a member" in result.err
    address = create(wallet, "alice")
    admit(w3, deployment, operator, address)
    ledger = ledger_of(w3, deployment)
    send(w3, operator, {"to": ledger.address, "data": ledger.encode_abi("freeze", args=[address])})
    result = wallet("pay", "alice", payee.address, "1.00", "--yes", *PW)
    assert result.code == ExitStatus.NOT_MEMBER and "it is frozen" in result.err


def test_payee_not_member(wallet, w3, deployment, operator):
    admit(w3, deployment, operator, create(wallet, "alice"))
    result = wallet("pay", "alice", "0x" + "33" * 20, "1.00", "--yes", *PW)
    assert result.code == ExitStatus.PAYEE_NOT_MEMBER and "cannot be paid: it is not a member" in result.err


def test_insufficient_credit_in_words(wallet, w3, deployment, operator):
    admit(w3, deployment, operator, create(wallet, "alice"), limit=100_000)
    payee = new_member(w3, deployment, operator)
    result = wallet("pay", "alice", payee.address, "1010.48", "--yes", *PW)  # + 2,03 fee: -1 012,51
    assert result.code == ExitStatus.INSUFFICIENT_CREDIT
    assert "your balance after this payment would be -1\u202f012,51 NXT, your limit is 1\u202f000,00 NXT" in result.err


def test_payee_over_ceiling(wallet, w3, deployment, operator):
    admit(w3, deployment, operator, create(wallet, "alice"))
    payee = new_member(w3, deployment, operator, ceiling=500)
    result = wallet("pay", "alice", payee.address, "5.01", "--yes", *PW)
    assert result.code == ExitStatus.OVER_CEILING and "above its ceiling of 5,00 NXT" in result.err


def test_malformed_amounts_and_addresses(wallet, w3, deployment, operator):
    admit(w3, deployment, operator, create(wallet, "alice"))
    payee = new_member(w3, deployment, operator)
    for amount, words in (
        ("12.345", "at most 2 decimals"),  # ambiguous: thousands or decimals?
        ("12.3456", "more than 2 decimals"),
        ("-3", "not an amount"),
        ("0", "more than 0"),
        ("abc", "not an amount"),
    ):
        result = wallet("pay", "alice", payee.address, amount, "--yes", *PW)
        assert result.code == ExitStatus.BAD_INPUT and words in result.err, result.err
    # One letter in the wrong case: EIP-55's checksum always catches that.
    i = next(i for i, c in enumerate(payee.address) if i > 1 and c.isalpha())
    mistyped = payee.address[:i] + payee.address[i].swapcase() + payee.address[i + 1 :]
    for address in ("0x1234", "hello", mistyped):
        result = wallet("pay", "alice", address, "1.00", "--yes", *PW)
        assert result.code == ExitStatus.BAD_INPUT, (address, result.err)


def test_unconfirmed_payment_sends_nothing(wallet, w3, deployment, operator):
    admit(w3, deployment, operator, create(wallet, "alice"))
    payee = new_member(w3, deployment, operator)
    result = wallet("pay", "alice", payee.address, "1.00", *PW)  # no --yes, no terminal to ask on
    assert result.code == ExitStatus.ABORTED
    assert ledger_of(w3, deployment).functions.balanceOf(payee.address).call() == 0


def test_traceback_only_when_asked(wallet):
    assert "Traceback" not in wallet("address", "nobody").err
    assert "Traceback" in wallet("--traceback", "address", "nobody").err


# paying -----------------------------------------------------------------------------------------


def test_pay_balance_and_history(wallet, w3, deployment, operator):
    address = create(wallet, "alice")
    admit(w3, deployment, operator, address)
    payee = new_member(w3, deployment, operator)
    result = wallet("pay", "alice", payee.address, "12.50", "--ref", "bread", "--yes", *PW)
    assert result.code == 0, result.err
    assert "fee 0,03 NXT, total 12,53 NXT" in result.out
    assert "new balance -12,53 NXT" in result.out
    balance = json.loads(wallet("--json", "balance", "alice").out)
    assert (balance["balance"], balance["available_credit"], balance["status"]) == (-1253, 100_000 - 1253, "active")
    assert "balance           -12.53 NXT" in wallet("--style", "plain", "balance", "alice").out
    history = json.loads(wallet("--json", "history", "alice").out)["items"]
    assert [(t["direction"], t["amount"], t["fee"]) for t in history] == [("out", 1250, 3)]
    assert ledger_of(w3, deployment).functions.balanceOf(payee.address).call() == 1250


def test_sign_offline_then_broadcast(wallet, w3, deployment, operator, tmp_path):
    address = create(wallet, "alice")
    admit(w3, deployment, operator, address)
    payee = new_member(w3, deployment, operator)
    signed = tmp_path / "payment.tx"
    nonce = str(w3.eth.get_transaction_count(address))
    assert wallet("sign", "alice", payee.address, "3.00", "--nonce", nonce, "--out", str(signed), *PW).code == 0
    result = wallet("--json", "broadcast", str(signed))
    assert result.code == 0, result.err
    assert json.loads(result.out)["sender"] == address
    assert ledger_of(w3, deployment).functions.balanceOf(payee.address).call() == 300
    # The same file broadcast again (mined already): its hash, not a traceback, and no second payment.
    again = wallet("--json", "broadcast", str(signed))
    assert again.code == 0, again.err
    assert json.loads(again.out)["tx_hash"] == json.loads(result.out)["tx_hash"]
    assert ledger_of(w3, deployment).functions.balanceOf(payee.address).call() == 300
    # Another payment signed with the spent nonce: the node's refusal in one line.
    assert wallet("sign", "alice", payee.address, "4.00", "--nonce", nonce, "--out", str(signed), *PW).code == 0
    stale = wallet("broadcast", str(signed))
    assert stale.code == ExitStatus.REFUSED, stale.err
    assert "nonce" in stale.err and "Traceback" not in stale.err and len(stale.err.strip().splitlines()) == 1
    signed.write_text("0xdeadbeef")
    assert wallet("broadcast", str(signed)).code == ExitStatus.BAD_INPUT


def test_no_secret_ever_shows(wallet, w3, deployment, operator):
    key = Account.create()
    wallet("import", "alice", *PW, stdin=key.key.hex())
    admit(w3, deployment, operator, key.address)
    payee = new_member(w3, deployment, operator)
    ledger = ledger_of(w3, deployment)
    # A payment that goes through, and two the ledger refuses (one with a whole traceback): the
    # outputs checked below are those of real payments and refusals.
    assert wallet("pay", "alice", payee.address, "1.00", "--yes", *PW).code == 0
    assert ledger.functions.balanceOf(payee.address).call() == 100
    assert wallet("pay", "alice", payee.address, "99999.00", "--yes", *PW).code == ExitStatus.INSUFFICIENT_CREDIT
    stranger = "0x" + "44" * 20
    assert wallet("--traceback", "pay", "alice", stranger, "1.00", "--yes", *PW).code == ExitStatus.PAYEE_NOT_MEMBER
    assert ledger.functions.balanceOf(payee.address).call() == 100
    assert ledger.functions.balanceOf(stranger).call() == 0  # digits only: already checksummed
    everything = "".join(wallet.outputs)
    assert key.key.hex() not in everything and key.key.hex()[2:] not in everything
    assert PASSWORD not in everything
