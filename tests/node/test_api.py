"""The REST API over a real index (SQLite and PostgreSQL) of a real chain."""

from __future__ import annotations

import pytest
import sqlalchemy
from fastapi.testclient import TestClient
from web3 import Web3

from next_contracts import LEDGER, load_artifact
from next_node import demo
from next_node.api.app import create_app, openapi_schema
from next_node.api.tokens import AuthSettings, issue_token
from next_node.db.engine import make_engine
from next_node.db.models import Transfer
from tests.node.helpers import index_to_head
from tests.support.postgres import create_database

ZERO = "0x" + "00" * 20


@pytest.fixture(scope="module")
def seeded(w3, deployment, operator):
    return demo.seed(w3, deployment, operator, citizens=30, payments=90)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def engine(request, tmp_path_factory, seeded, w3, deployment):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'index.db'}"
    else:
        url = create_database(request.getfixturevalue("postgres"), "api_tests")
    engine = make_engine(url)
    index_to_head(engine, w3, deployment)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def client(engine, deployment, w3, operator):
    """A client signed in as the operator, who holds every staff role on this chain."""
    settings = AuthSettings()
    client = TestClient(create_app(engine, deployment, w3, settings))
    client.headers["Authorization"] = f"Bearer {issue_token(settings, operator, deployment.chain_id).token}"
    return client


def ledger_of(w3, deployment):
    return w3.eth.contract(Web3.to_checksum_address(deployment.ledger), abi=load_artifact(LEDGER).abi)


# accounts ---------------------------------------------------------------------------------------


def test_read_account(client, seeded, w3, deployment):
    shop = next(iter(seeded.businesses.values()))
    body = client.get(f"/accounts/{shop.address.lower()}").json()
    on_chain = ledger_of(w3, deployment).functions.accountOf(shop.address).call()
    assert body["address"] == shop.address
    assert (body["balance"], body["credit_limit"], body["ceiling"]) == (on_chain[0], on_chain[1], on_chain[2])
    assert body["available_credit"] == max(on_chain[0] + on_chain[1], 0)
    assert (body["status"], body["kind"], body["region"]) == ("active", "business", on_chain[5])


def test_read_excluded_account(client, seeded):
    body = client.get(f"/accounts/{seeded.defaulter.address}").json()
    assert body["status"] == "excluded"
    assert body["balance"] == 0  # written off in full


def test_read_unknown_account_is_404(client):
    response = client.get(f"/accounts/{ZERO}")
    assert response.status_code == 404
    assert "no member" in response.json()["detail"]


def test_a_refusal_is_a_code_its_arguments_and_a_sentence_in_the_clients_language(client):
    """The gateway says each refusal from the catalogue: the code and arguments for a client to put
    in its own words, the sentence in the language its Accept-Language asks for (English else)."""
    french = client.get(f"/accounts/{ZERO}", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.8"}).json()
    english = client.get(f"/accounts/{ZERO}", headers={"Accept-Language": "de, en-GB;q=0.5"}).json()
    assert french == {
        "detail": f"aucun membre n'a l'adresse {ZERO}",
        "code": "gateway.no_member",
        "args": {"address": ZERO},
    }
    assert english["detail"] == f"no member with address {ZERO}" and english["code"] == french["code"]
    stranger = TestClient(client.app)  # no token: the 401 is said in French too
    refused = stranger.get("/accounts", headers={"Accept-Language": "fr"})
    assert refused.status_code == 401 and refused.json()["detail"].startswith("connectez-vous d'abord")


@pytest.mark.parametrize("bad", ["0x123", "abc", "0x" + "g" * 40, "0x" + "1" * 41, "1" * 42])
def test_malformed_address_is_422(client, bad):
    assert client.get(f"/accounts/{bad}").status_code == 422
    assert client.get(f"/accounts/{bad}/transfers").status_code == 422


def test_transfers_pages_cover_the_history_newest_first(client, seeded, engine):
    council = seeded.council.address
    seen, cursor = [], None
    for _ in range(100):  # far more pages than there are; a cursor that loops fails instead of hanging
        params = {"limit": 7} | ({"cursor": cursor} if cursor else {})
        page = client.get(f"/accounts/{council}/transfers", params=params).json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    else:
        pytest.fail("the pages never end")
    involved = sqlalchemy.or_(Transfer.from_address == council.lower(), Transfer.to_address == council.lower())
    query = sqlalchemy.select(Transfer.id).where(involved).order_by(sqlalchemy.desc(Transfer.id))
    with engine.connect() as connection:
        expected = connection.execute(query).scalars().all()
    assert [t["id"] for t in seen] == expected
    assert len(seen) > 7
    for transfer in seen:
        assert council in (transfer["from_address"], transfer["to_address"])
        assert transfer["direction"] == ("out" if transfer["from_address"] == council else "in")


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 201},
        {"limit": "x"},
        {"cursor": "abc"},
        {"cursor": "0"},
        {"cursor": "-5"},
        {"cursor": "9" * 19},
    ],
)
def test_bad_pagination_is_422(client, seeded, params):
    assert client.get(f"/accounts/{seeded.council.address}/transfers", params=params).status_code == 422


def test_transfers_of_unknown_account_is_404(client):
    assert client.get(f"/accounts/{ZERO}/transfers").status_code == 404


# members and stats ------------------------------------------------------------------------------


def test_members_filtered_by_kind_and_region(client, seeded):
    councils = client.get("/members", params={"kind": "council"}).json()
    assert [m["address"] for m in councils["items"]] == [seeded.council.address]
    region_2 = client.get("/members", params={"region": 2, "kind": "business", "limit": 200}).json()["items"]
    assert len(region_2) == 9  # eight shops and the failing one
    assert all(m["region"] == 2 and m["kind"] == "business" for m in region_2)


def test_members_pagination(client):
    everyone, cursor = [], None
    for _ in range(100):  # far more pages than there are; a cursor that loops fails instead of hanging
        page = client.get("/members", params={"limit": 10} | ({"cursor": cursor} if cursor else {})).json()
        everyone += [m["address"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    else:
        pytest.fail("the pages never end")
    assert len(everyone) == len(set(everyone)) == 30 + 16 + 1 + 1 + 1  # and the key recovery's new key
    assert [a.lower() for a in everyone] == sorted(a.lower() for a in everyone)


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "king"},
        {"region": 70_000},
        {"region": -1},
        {"status": "x"},
        {"cursor": "0x12"},
        {"limit": 1000},
    ],
)
def test_bad_member_filters_are_422(client, params):
    assert client.get("/members", params=params).status_code == 422


def test_stats(client, w3, deployment, seeded):
    stats = client.get("/stats").json()
    ledger = ledger_of(w3, deployment)
    assert stats["reserve"] == ledger.functions.reserveBalance().call() > 0
    assert stats["circulation"] - stats["credit_in_use"] + stats["reserve"] == 0  # zero sum
    assert stats["coverage_ratio"] == pytest.approx(stats["reserve"] / stats["credit_in_use"])
    assert stats["members_by_kind"] == {"business": 17, "council": 1, "individual": 30}
    assert stats["members_by_status"] == {"active": 47, "excluded": 1, "migrated": 1}
    assert stats["fee_bps"] == 20 and stats["paused"] is False
    assert stats["debt_covered"] > 0 and stats["debt_uncovered"] == 0
    assert sum(d["transfers"] for d in stats["daily"]) >= 90
    assert stats["velocity_30d"] == pytest.approx(sum(d["volume"] for d in stats["daily"]) / stats["circulation"])


def test_head_and_health(client, w3):
    head = client.get("/blocks/head").json()
    assert head["chain_head"] == w3.eth.block_number
    assert head["lag"] == head["chain_head"] - head["indexed_block"] >= 0
    health = client.get("/health").json()
    assert (health["status"], health["database"], health["chain"]) == ("ok", "ok", "ok")
    assert health["index"]["state"] == "ok" and health["index"]["supervised"] is False


def test_openapi_and_docs(client):
    served = client.get("/openapi.json").json()
    # What the web app's types are generated from (scripts/webapp_types.py) is what is served.
    assert served == openapi_schema()
    paths = served["paths"]
    assert {
        "/accounts/{address}",
        "/accounts/{address}/transfers",
        "/members",
        "/stats",
        "/blocks/head",
        "/health",
        "/tx",
    } <= set(paths)
    assert client.get("/docs").status_code == 200


# relay ------------------------------------------------------------------------------------------


def signed_payment(w3, deployment, payer, payee, amount, *, chain_id=None, to=None, nonce=None):
    ledger = ledger_of(w3, deployment)
    tx = {
        "to": to or ledger.address,
        "data": ledger.encode_abi("pay", args=[payee, amount, b"\x05" * 32]),
        "gas": 200_000,
        "gasPrice": 0,
        "chainId": chain_id or w3.eth.chain_id,
        "nonce": w3.eth.get_transaction_count(payer.address) if nonce is None else nonce,
        "value": 0,
    }
    return payer.sign_transaction(tx).raw_transaction.to_0x_hex()


def test_relay_sends_a_members_payment(client, engine, w3, deployment, seeded):
    payer, payee = seeded.citizens[10], seeded.citizens[11]
    before = ledger_of(w3, deployment).functions.balanceOf(payee.address).call()
    response = client.post("/tx", json={"raw": signed_payment(w3, deployment, payer, payee.address, 777)})
    assert response.status_code == 202, response.text
    assert response.json()["sender"] == payer.address
    receipt = w3.eth.wait_for_transaction_receipt(response.json()["tx_hash"])
    assert receipt["status"] == 1
    assert ledger_of(w3, deployment).functions.balanceOf(payee.address).call() == before + 777
    index_to_head(engine, w3, deployment)
    page = client.get(f"/accounts/{payee.address}/transfers", params={"limit": 1}).json()
    assert page["items"][0]["tx_hash"] == response.json()["tx_hash"]
    assert page["items"][0]["amount"] == 777


def test_relay_refuses_another_chain(client, w3, deployment, seeded):
    raw = signed_payment(w3, deployment, seeded.citizens[0], seeded.citizens[1].address, 1, chain_id=1)
    response = client.post("/tx", json={"raw": raw})
    assert response.status_code == 400
    assert "chain 1" in response.json()["detail"]


def test_relay_refuses_another_contract(client, w3, deployment, seeded):
    raw = signed_payment(w3, deployment, seeded.citizens[0], seeded.citizens[1].address, 1, to="0x" + "12" * 20)
    response = client.post("/tx", json={"raw": raw})
    assert response.status_code == 400
    assert "not for this system's ledger" in response.json()["detail"]


@pytest.mark.parametrize("raw", ["", "0x", "0xzz", "1234", "0x123", "0x" + "00" * 40, "0xc0"])
def test_relay_refuses_what_it_cannot_decode(client, raw):
    response = client.post("/tx", json={"raw": raw})
    assert response.status_code == 400, response.text


def test_relay_refuses_bad_bodies(client):
    assert client.post("/tx", json={}).status_code == 422
    assert client.post("/tx", content=b"not json", headers={"content-type": "application/json"}).status_code == 422


def test_relay_says_why_the_ledger_would_refuse(client, w3, deployment, seeded):
    payer = seeded.citizens[2]
    raw = signed_payment(w3, deployment, payer, seeded.citizens[3].address, 10**12)
    response = client.post("/tx", json={"raw": raw})
    assert response.status_code == 409
    assert "LedgerInsufficientCredit" in response.json()["detail"]


def test_relay_answers_a_retry_as_the_first_time_and_refuses_a_used_nonce(client, w3, deployment, seeded):
    payer = seeded.citizens[12]
    raw = signed_payment(w3, deployment, payer, seeded.citizens[13].address, 5)
    first = client.post("/tx", json={"raw": raw})
    assert first.status_code == 202
    w3.eth.wait_for_transaction_receipt(Web3.keccak(hexstr=raw))  # mined; now the same bytes again
    again = client.post("/tx", json={"raw": raw})
    assert again.status_code == 202 and again.json() == first.json(), again.text
    used = w3.eth.get_transaction_count(payer.address) - 1
    other = signed_payment(w3, deployment, payer, seeded.citizens[13].address, 6, nonce=used)
    refused = client.post("/tx", json={"raw": other})
    detail = refused.json()["detail"]
    assert refused.status_code == 400 and "nonce" in detail and "{" not in detail and "'" not in detail, detail


def test_a_receipt_is_for_the_parties_of_a_payment_and_staff_only(client, engine, w3, deployment, seeded, operator):
    """The receipt a member shows after paying: its parties and staff read it, once indexed; a
    stranger holding the hash gets the same 404 as for no transaction at all."""
    payer, payee, stranger = seeded.citizens[12], seeded.citizens[13], seeded.citizens[14]
    settings = AuthSettings()
    app = TestClient(create_app(engine, deployment, w3, settings))

    def as_(who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(settings, who, deployment.chain_id).token}"}

    raw = signed_payment(w3, deployment, payer, payee.address, 1_234)
    tx_hash = app.post("/tx", json={"raw": raw}).json()["tx_hash"]
    block = w3.eth.wait_for_transaction_receipt(tx_hash)["blockNumber"]
    assert app.get(f"/receipts/{tx_hash}", headers=as_(payer.address)).status_code == 404  # not indexed yet
    index_to_head(engine, w3, deployment)
    for party in (payer.address, payee.address, operator):
        answer = app.get(f"/receipts/{tx_hash}", headers=as_(party))
        assert answer.status_code == 200, answer.text
        receipt = answer.json()
        assert (receipt["block_number"], receipt["tx_hash"]) == (block, tx_hash.lower())
        (line,) = receipt["lines"]
        assert (line["from_address"], line["to_address"], line["amount"]) == (payer.address, payee.address, 1_234)
        assert line["fee"] == -(-1_234 * 20 // 10_000) and line["ref"] == "0x" + "05" * 32 and line["kind"] == "payment"
    assert app.get(f"/receipts/{tx_hash}", headers=as_(stranger.address)).status_code == 404
    assert app.get(f"/receipts/0x{'ab' * 32}", headers=as_(payer.address)).status_code == 404
    assert app.get(f"/receipts/{tx_hash}").status_code == 401
    assert app.get("/receipts/0x1234", headers=as_(payer.address)).status_code == 422
