"""Staff commands through the real entry point on a real chain: each checks the role and the
ledger's verdict before any password is asked, then confirms, signs and sends."""

from __future__ import annotations

import json

from eth_account import Account
from web3 import Web3

from next_contracts.constitution import role_id
from next_contracts.transact import calldata, send
from next_wallet.errors import ExitStatus
from tests.wallet.conftest import admit, ledger_of

PW = ("--password-env", "WALLET_PASSWORD")
ACTIVE, FROZEN, EXCLUDED, MIGRATED = 1, 2, 3, 4


def create(wallet, label: str) -> str:
    result = wallet("--json", "create", label, *PW)
    assert result.code == 0, result.err
    return json.loads(result.out)["address"]


def grant(w3, deployment, operator, role: str, address: str) -> None:
    ledger = ledger_of(w3, deployment)
    call = ledger.functions.grantRole(role_id(role), address)
    send(w3, operator, {"to": ledger.address, "data": calldata(call)})


def test_a_key_without_the_role_is_told_so_before_any_password(wallet, monkeypatch):
    clerk = create(wallet, "clerk")
    monkeypatch.delenv("WALLET_PASSWORD")  # were a password asked, there would be none to give
    newcomer = Account.create().address
    result = wallet("admit", "clerk", newcomer, "--kind", "individual", "--region", "1", "--kyc", "file 1", "--yes")
    assert result.code == ExitStatus.NOT_STAFF
    assert result.err.strip() == (
        f"next-wallet: you ({clerk}) do not hold REGISTRAR_ROLE: you cannot admit {newcomer} as individual "
        f"in region 1 (KYC hash {Web3.keccak(text='file 1').to_0x_hex()})"
    )
    result = wallet("write-off", "clerk", newcomer, "--yes")
    assert result.code == ExitStatus.NOT_STAFF and "do not hold CREDIT_COMMITTEE_ROLE" in result.err


def test_the_registrar_admits_sets_a_line_freezes_and_recovers(wallet, registrar_key, w3, deployment):
    ledger = ledger_of(w3, deployment)
    member, new_key = Account.create().address, Account.create().address
    result = wallet(
        "--json",
        "admit",
        "registrar",
        member,
        "--kind",
        "business",
        "--region",
        "2",
        "--kyc",
        "siren 123",
        "--yes",
        *PW,
    )
    assert result.code == 0, result.err
    answer = json.loads(result.out)
    assert answer["kyc_hash"] == Web3.keccak(text="siren 123").to_0x_hex() and answer["tx_hash"].startswith("0x")
    assert tuple(ledger.functions.accountOf(member).call()[3:6]) == (ACTIVE, 1, 2)  # active business, region 2
    assert ledger.functions.kycHashOf(member).call() == Web3.keccak(text="siren 123")

    assert wallet("credit-line", "registrar", member, "2 000.00", "30000", "--yes", *PW).code == 0
    assert tuple(ledger.functions.accountOf(member).call()[1:3]) == (200_000, 3_000_000)

    assert wallet("freeze", "registrar", member, "--yes", *PW).code == 0
    assert ledger.functions.accountOf(member).call()[3] == FROZEN
    result = wallet("freeze", "registrar", member, "--yes")  # refused before the password
    assert result.code == ExitStatus.REFUSED
    assert f"the ledger would refuse to freeze {member}: {member} is frozen" in result.err
    assert wallet("unfreeze", "registrar", member, "--yes", *PW).code == 0

    result = wallet("recover", "registrar", member, new_key, "--yes", *PW)
    assert result.code == 0, result.err
    assert ledger.functions.successorOf(member).call() == new_key
    assert ledger.functions.accountOf(new_key).call()[1] == 200_000

    result = wallet("write-off", "registrar", new_key, "--yes")
    assert result.code == ExitStatus.REFUSED and f"{new_key} is active" in result.err
    assert f"write off the debt of {new_key} against the reserve (an excluded member's only)" in result.err
    assert wallet("exclude", "registrar", new_key, "--yes", *PW).code == 0
    result = wallet("write-off", "registrar", new_key, "--yes")
    assert result.code == ExitStatus.REFUSED and f"{new_key} has no debt to write off (balance 0,00 NXT)" in result.err


def test_an_excluded_debtor_is_written_off(wallet, registrar_key, w3, deployment, operator):
    ledger = ledger_of(w3, deployment)
    debtor, shop = Account.create(), Account.create()
    admit(w3, deployment, operator, debtor.address)
    admit(w3, deployment, operator, shop.address)
    pay = ledger.encode_abi("pay", args=[shop.address, 10_000, b"\x00" * 32])
    send(w3, debtor, {"to": ledger.address, "data": pay, "gasPrice": 0})
    assert wallet("exclude", "registrar", debtor.address, "--yes", *PW).code == 0
    reserve = ledger.functions.reserveBalance().call()  # the fees so far: less than the debt
    result = wallet("write-off", "registrar", debtor.address, "--ref", "default 2026", "--yes", *PW)
    assert result.code == 0, result.err
    assert ledger.functions.balanceOf(debtor.address).call() == -10_020 + reserve
    assert ledger.functions.reserveBalance().call() == 0
    # It says what the reserve covered, never a bare "done" for a debt left in part.
    assert "written off in part" in result.out and "uncovered" in result.out, result.out
    assert "done" not in result.out


def test_unconfirmed_staff_command_sends_nothing(wallet, registrar_key, w3, deployment):
    member = Account.create().address
    result = wallet("admit", "registrar", member, "--kind", "individual", "--region", "1", "--kyc", "x", *PW)
    assert result.code == ExitStatus.ABORTED and f"registrar ({registrar_key}) will admit {member}" in result.out
    assert ledger_of(w3, deployment).functions.accountOf(member).call()[3] == 0


def test_staff_commands_need_a_node_and_say_so(wallet, registrar_key, tmp_path, chain):
    config = tmp_path / "home" / "config.toml"
    lines = [line for line in config.read_text().splitlines() if not line.startswith("rpc_url")]
    config.write_text("\n".join([*lines, 'gateway_url = "http://127.0.0.1:9"']) + "\n")
    member = Account.create().address
    result = wallet("freeze", "registrar", member, "--yes", *PW)
    assert result.code == ExitStatus.USAGE
    assert result.err.strip() == (
        "next-wallet: staff commands need a node's JSON-RPC (--rpc URL, or next-wallet init --rpc URL): "
        "the gateway's relay carries active members' transactions only"
    )
    # --rpc names the node for this command alone.
    result = wallet("freeze", "registrar", member, "--rpc", chain.settings.rpc_url, "--yes", *PW)
    assert result.code == ExitStatus.REFUSED and "is not a member" in result.err
