"""`history` from a real gateway (uvicorn serving the API over an index of the same chain)."""

from __future__ import annotations

import json
from pathlib import Path

from next_contracts.constitution import role_id
from next_contracts.transact import send
from next_wallet.errors import ExitStatus
from tests.wallet.conftest import admit, ledger_of, new_member
from tests.wallet.test_cli import PW, create


def use_gateway(tmp_path, url: str) -> None:
    config = tmp_path / "home" / "config.toml"
    lines = [line for line in config.read_text().splitlines() if not line.startswith("gateway_url")]
    config.write_text("\n".join([*lines, f'gateway_url = "{url}"']) + "\n")


def test_history_pages_through_the_gateway(wallet, w3, deployment, operator, gateway, tmp_path):
    address = create(wallet, "alice")
    admit(w3, deployment, operator, address)
    payee = new_member(w3, deployment, operator)
    for amount in ("1.00", "2.00", "3.00"):
        assert wallet("pay", "alice", payee.address, amount, "--yes", *PW).code == 0
    gateway.refresh()
    use_gateway(tmp_path, gateway.url)
    refused = wallet("history", "alice")
    assert refused.code == ExitStatus.NOT_SIGNED_IN and "next-wallet login alice" in refused.err
    signed_in = wallet("--json", "login", "alice", *PW)
    assert signed_in.code == 0, signed_in.err
    token_file = Path(json.loads(signed_in.out)["token_file"])
    assert token_file.stat().st_mode & 0o777 == 0o600
    first = json.loads(wallet("--json", "history", "alice", "--limit", "2").out)
    assert [t["amount"] for t in first["items"]] == [300, 200]
    second = json.loads(wallet("--json", "history", "alice", "--limit", "2", "--cursor", first["next_cursor"]).out)
    assert [t["amount"] for t in second["items"]] == [100] and second["next_cursor"] is None
    assert "more: --cursor" in wallet("history", "alice", "--limit", "2").out


def test_history_in_words_says_when_the_fee_and_the_reference(wallet, w3, deployment, operator, gateway, tmp_path):
    address = create(wallet, "alice")
    admit(w3, deployment, operator, address)
    payee = new_member(w3, deployment, operator)
    assert wallet("pay", "alice", payee.address, "12.50", "--ref", "facture 7", "--yes", *PW).code == 0
    from_node = wallet("--style", "plain", "history", "alice").out.splitlines()
    assert len(from_node) == 1  # without a gateway: from the node's logs, with the block number
    assert from_node[0].startswith("block ") and "-12.50 NXT (fee 0.03 NXT)" in from_node[0]
    assert from_node[0].endswith(f'to {payee.address}\t"facture 7"')
    gateway.refresh()
    use_gateway(tmp_path, gateway.url)
    assert wallet("login", "alice", *PW).code == 0
    [line] = wallet("--style", "plain", "history", "alice").out.splitlines()
    when, amount, other, ref = line.split("\t")
    assert when.endswith(" UTC") and amount == "-12.50 NXT (fee 0.03 NXT)"
    assert other == f"to {payee.address}" and ref == '"facture 7"'


def test_gateway_unreachable(wallet, tmp_path):
    create(wallet, "alice")
    use_gateway(tmp_path, "http://127.0.0.1:9")  # nothing listens there
    result = wallet("history", "alice")
    assert result.code == ExitStatus.UNREACHABLE and "the gateway does not answer" in result.err


def test_login_refuses_a_non_member_and_history_of_another_member(wallet, w3, deployment, operator, gateway, tmp_path):
    create(wallet, "stranger")
    use_gateway(tmp_path, gateway.url)
    refused = wallet("login", "stranger", *PW)
    assert refused.code == ExitStatus.NOT_SIGNED_IN and "is not a member" in refused.err
    address = create(wallet, "bob")
    admit(w3, deployment, operator, address)
    other = new_member(w3, deployment, operator)
    gateway.refresh()
    assert wallet("login", "bob", *PW).code == 0
    assert wallet("history", "--address", other.address).code == ExitStatus.NOT_SIGNED_IN


def test_balance_and_bonus_runs_through_the_gateway(wallet, w3, deployment, operator, gateway, tmp_path):
    council = create(wallet, "council")
    admit(w3, deployment, operator, council, kind=2, limit=10_000_000)
    staff = [new_member(w3, deployment, operator).address for _ in range(3)]
    csv = tmp_path / "bonus.csv"
    csv.write_text("address,amount\n" + "".join(f"{a},1{i}.00\n" for i, a in enumerate(staff)))
    assert wallet("batch-pay", "council", str(csv), "--yes", *PW).code == 0
    gateway.refresh()
    use_gateway(tmp_path, gateway.url)
    assert wallet("balance", "council").code == ExitStatus.NOT_SIGNED_IN
    assert wallet("login", "council", *PW).code == 0
    balance = json.loads(wallet("--json", "balance", "council").out)
    assert balance["balance"] == ledger_of(w3, deployment).functions.balanceOf(council).call() < 0
    runs = json.loads(wallet("--json", "bonus-runs", "council").out)
    [run] = runs["items"]
    assert run["lines"] == 3 and run["total"] == 1_000 + 1_100 + 1_200 and run["fees"] > 0

    # The council sees its own runs; a registrar signed in with its own key sees them; a member does not.
    assert wallet("bonus-runs", "--address", council, "--as", "council").code == 0
    create(wallet, "registrar")
    registrar = json.loads(wallet("--json", "address", "registrar").out)["address"]
    ledger = ledger_of(w3, deployment)
    grant = ledger.encode_abi("grantRole", [role_id("REGISTRAR_ROLE"), registrar])
    send(w3, operator, {"to": ledger.address, "data": grant})
    assert wallet("login", "registrar", *PW).code == 0
    seen = json.loads(wallet("--json", "bonus-runs", "--address", council, "--as", "registrar").out)
    assert seen["items"] == runs["items"]
    shown = json.loads(wallet("--json", "balance", "--address", council, "--as", "registrar").out)
    assert shown["balance"] == balance["balance"]
    worker = create(wallet, "worker")
    admit(w3, deployment, operator, worker)
    assert wallet("login", "worker", *PW).code == 0
    assert wallet("bonus-runs", "--address", council, "--as", "worker").code == ExitStatus.NOT_SIGNED_IN


def test_a_history_line_names_the_member_across_regions_and_the_allowance_spent():
    """The CLI showed a payment across regions as one to the clearing's account, and a holder's
    allowance spending not at all: the gateway's row says who, where and whose allowance."""
    from next_wallet.output import Output
    from next_wallet.read_commands import _history_line

    out = Output(as_json=False, style="fr")
    clearing, carol, council, shop = ("0x" + c * 40 for c in "abcd")
    row = {"block_time": 1_765_000_000, "block_number": 7, "direction": "out", "fee": 0, "ref": None}
    across = {**row, "amount": 1_250, "kind": "across", "from_address": "0x" + "e" * 40, "to_address": clearing}
    across |= {"counterparty": carol, "counterparty_region": 2}
    assert f"to {carol} in region 2" in _history_line(across, out) and clearing not in _history_line(across, out)
    spent = {**row, "amount": 600, "kind": "bonus", "from_address": council, "to_address": shop}
    spent["allowance_of"] = council
    assert f"to {shop} (from an allowance of {council})" in _history_line(spent, out)
    moved = {**across, "kind": "move", "counterparty": None}
    assert "moved to another region with the balance" in _history_line(moved, out)
