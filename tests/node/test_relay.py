"""The relay on a chain that does not mine at once: a retry of a pending transaction, then of the
mined one, answers as the first did; and the ledger's refusals say a role by its name."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from web3 import Web3

from next_contracts.transact import send
from next_node.api.app import create_app
from next_node.api.tokens import AuthSettings, issue_token
from next_node.db.engine import make_engine
from tests.node.test_api import ledger_of, signed_payment


@pytest.fixture(scope="module")
def members(w3, deployment, operator):
    ledger = ledger_of(w3, deployment)
    send(w3, operator, {"to": ledger.address, "data": ledger.encode_abi("setDefaultCreditLine", [0, 100_000, 10**9])})
    alice, bob = Account.create(), Account.create()
    for member in (alice, bob):
        admit = ledger.encode_abi("admit", [member.address, 0, 1, b"\x07" * 32])
        send(w3, operator, {"to": ledger.address, "data": admit})
    return alice, bob


@pytest.fixture(scope="module")
def gateway(w3, deployment, members, tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('relay') / 'index.db'}")
    settings = AuthSettings(domain="gateway.test")
    return TestClient(create_app(engine, deployment, w3, settings)), settings


@pytest.fixture
def manual_mining(w3) -> Iterator[None]:
    w3.provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type]
    try:
        yield
    finally:
        w3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]


def test_a_retry_of_a_pending_then_mined_transaction_answers_202_with_its_hash(
    gateway, w3, deployment, members, manual_mining
):
    client, _ = gateway
    alice, bob = members
    raw = signed_payment(w3, deployment, alice, bob.address, 250)
    first = client.post("/tx", json={"raw": raw})
    assert first.status_code == 202, first.text
    assert first.json()["tx_hash"] == Web3.keccak(hexstr=raw).to_0x_hex()
    pending = client.post("/tx", json={"raw": raw})
    assert (pending.status_code, pending.json()) == (202, first.json())
    assert client.get(f"/tx/{first.json()['tx_hash']}").json()["status"] == "pending"
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    assert client.get(f"/tx/{first.json()['tx_hash']}").json()["status"] == "success"
    mined = client.post("/tx", json={"raw": raw})
    assert (mined.status_code, mined.json()) == (202, first.json())
    assert ledger_of(w3, deployment).functions.balanceOf(bob.address).call() == 250  # paid once


def test_the_preflight_gives_the_fee_the_ledger_charges(gateway, w3, deployment, members):
    """What a client shows before its member signs: the ledger's own quote, line by line for a batch."""
    client, settings = gateway
    alice, bob = members
    headers = {"Authorization": f"Bearer {issue_token(settings, alice.address, deployment.chain_id).token}"}
    ledger = ledger_of(w3, deployment)
    path = f"/accounts/{alice.address}/preflight"

    def fee(data: str) -> int | None:
        response = client.post(path, json={"data": data}, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()["fee"]

    quote = ledger.functions.quoteFee
    assert fee(ledger.encode_abi("pay", [bob.address, 12_345, b"\x00" * 32])) == quote(12_345).call()
    lines = [1, 99, 12_345]
    batch = ledger.encode_abi("payBatch", [[bob.address] * 3, lines, b"\x00" * 32])
    assert fee(batch) == sum(quote(amount).call() for amount in lines) > 0
    assert fee(ledger.encode_abi("delegates", [bob.address])) is None  # a call that pays nobody


def test_a_refusal_names_the_role_the_sender_lacks(gateway, w3, deployment, members):
    client, settings = gateway
    alice, _ = members
    token = issue_token(settings, alice.address, deployment.chain_id).token
    data = ledger_of(w3, deployment).encode_abi("admit", [Account.create().address, 0, 1, b"\x01" * 32])
    response = client.post(
        f"/accounts/{alice.address}/preflight", json={"data": data}, headers={"Authorization": f"Bearer {token}"}
    )
    detail = response.json()["detail"]
    assert response.status_code == 409 and "REGISTRAR_ROLE" in detail, detail
    assert "b'" not in detail and "\\x" not in detail
    assert response.json()["error_data"].startswith("0x")


def test_a_refusal_is_said_in_the_language_the_client_reads(gateway, w3, deployment, members):
    client, settings = gateway
    alice, bob = members
    token = issue_token(settings, alice.address, deployment.chain_id).token
    too_much = ledger_of(w3, deployment).encode_abi("pay", [bob.address, 10**12, b"\x00" * 32])

    def refused(language: str | None) -> str:
        headers = {"Authorization": f"Bearer {token}"} | ({"Accept-Language": language} if language else {})
        response = client.post(f"/accounts/{alice.address}/preflight", json={"data": too_much}, headers=headers)
        assert response.status_code == 409
        return response.json()["words"]

    assert "below its limit of" in refused(None)  # English unless asked otherwise
    french = refused("fr-FR,fr;q=0.9,en;q=0.8")
    assert "sous sa limite de" in french and " NXT" in french and "," in french.split("aurait ")[1]
    assert "below its limit" in refused("de-DE, en;q=0.5, fr;q=0.4")  # English preferred to French
    assert "sous sa limite" in refused("de, fr;q=0.7, en;q=0.2")
    assert "below its limit" in refused("fr;q=banana, en")  # a weight that is no number counts for none
    # The relay says it the same way, to a signed transaction it would not carry.
    raw = signed_payment(w3, deployment, alice, bob.address, 10**12)
    relayed = client.post("/tx", json={"raw": raw}, headers={"Accept-Language": "fr"})
    assert relayed.status_code == 409 and "sous sa limite de" in relayed.json()["words"]


@pytest.mark.parametrize("data", ["0x", "0x00", "0x12345678", "0x8456cb59"])
def test_a_call_that_reverts_without_its_data_is_a_refusal_not_a_server_error(gateway, deployment, members, data):
    """A pre-flight whose call reverts with nothing to decode answered 500 (binascii.Error)."""
    client, settings = gateway
    alice, _ = members
    token = issue_token(settings, alice.address, deployment.chain_id).token
    response = client.post(
        f"/accounts/{alice.address}/preflight", json={"data": data}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 409, response.text
    assert response.json()["detail"].startswith("the ledger would refuse it")


def test_a_payment_near_a_payees_ceiling_gets_one_answer_whether_it_passes_or_not(
    gateway, w3, deployment, operator, members
):
    """No balance oracle: near a payee's ceiling (what it receives passes its room rounded down to
    a sixteenth of the ceiling) the pre-flight answers the same whether the ledger would take the
    payment or refuse it, with no figure; the relay carries both, and the ledger decides on chain,
    in a transaction the payer signed. Far from the ceiling the pre-flight is exact as before."""
    client, settings = gateway
    alice, _bob = members
    ledger = ledger_of(w3, deployment)
    carol = Account.create()
    send(w3, operator, {"to": ledger.address, "data": ledger.encode_abi("admit", [carol.address, 0, 1, b"\x08" * 32])})
    send(w3, operator, {"to": ledger.address, "data": ledger.encode_abi("setCreditLine", [carol.address, 0, 49_994])})
    token = issue_token(settings, alice.address, deployment.chain_id).token
    headers = {"Authorization": f"Bearer {token}"}

    def preflight(amount: int, language: str = "en"):
        data = ledger.encode_abi("pay", [carol.address, amount, b"\x00" * 32])
        path = f"/accounts/{alice.address}/preflight"
        return client.post(path, json={"data": data}, headers={**headers, "Accept-Language": language})

    # The room is 499.94; a sixteenth of the ceiling is 31.24, so the coarse room is 499.84.
    passes, refused = preflight(49_990), preflight(60_000)
    assert passes.status_code == refused.status_code == 200, refused.text
    # One answer but for the fee, which is the payer's own amount's (it says nothing of the payee).
    unlike = {"fee": None}
    assert passes.json() | unlike == refused.json() | unlike
    assert "may pass its payee's ceiling" in refused.json()["warning"]
    quote = ledger.functions.quoteFee
    assert (passes.json()["fee"], refused.json()["fee"]) == (quote(49_990).call(), quote(60_000).call())
    assert "plafond" in preflight(60_000, "fr").json()["warning"]
    far = preflight(49_984)
    assert far.status_code == 200 and far.json()["warning"] is None and far.json()["gas"] < refused.json()["gas"]
    for figure in ("499", "600", "49994", "60000"):
        assert figure not in refused.text.replace(",", ""), refused.text
    # The relay carries both; the ledger refuses the one over the ceiling on chain.
    over = client.post("/tx", json={"raw": signed_payment(w3, deployment, alice, carol.address, 60_000)})
    assert over.status_code == 202, over.text
    assert w3.eth.wait_for_transaction_receipt(over.json()["tx_hash"])["status"] == 0
    assert client.get(f"/tx/{over.json()['tx_hash']}").json()["status"] == "reverted"
    within = client.post("/tx", json={"raw": signed_payment(w3, deployment, alice, carol.address, 49_990)})
    assert w3.eth.wait_for_transaction_receipt(within.json()["tx_hash"])["status"] == 1
    assert ledger.functions.accountOf(carol.address).call()[0] == 49_990
    # A batch near a ceiling is judged line by line by the gateway, not by the ledger, whose first
    # failing line would tell whether an earlier one passed: a stranger's line is named, no figure.
    stranger = Account.create().address
    batch = ledger.encode_abi("payBatch", [[carol.address, stranger], [10, 10], b"\x00" * 32])
    named = client.post(f"/accounts/{alice.address}/preflight", json={"data": batch}, headers=headers)
    assert named.status_code == 409 and stranger in named.json()["words"] and carol.address not in named.json()["words"]
    near_only = ledger.encode_abi("payBatch", [[carol.address], [10], b"\x00" * 32])
    answer = client.post(f"/accounts/{alice.address}/preflight", json={"data": near_only}, headers=headers)
    assert answer.status_code == 200 and answer.json()["warning"], answer.text
    # The payer's own figures are its own to read.
    too_much = ledger.encode_abi("pay", [carol.address, 10**12, b"\x00" * 32])
    own = client.post(f"/accounts/{alice.address}/preflight", json={"data": too_much}, headers=headers)
    assert own.status_code == 409 and "below its limit of" in own.json()["words"] and own.json()["error_data"]
