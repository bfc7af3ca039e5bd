"""Who sees what, on a real chain and index: every route against every kind of caller, then every
refusal of the sign-in, each a clear 401, 403 or 429, never a 5xx."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from fastapi.testclient import TestClient
from siwe import SiweMessage

from next_contracts.constitution import role_id
from next_node.api.app import create_app
from next_node.api.tokens import AuthSettings, issue_token
from next_node.db.engine import make_engine
from tests.node.helpers import indexed_gateway
from tests.node.test_api import ledger_of, signed_payment
from tests.support.chain import call


@pytest.fixture(scope="module")
def people(w3, deployment, operator):
    """Two members, a frozen one, a registrar, an auditor and a stranger, made on the chain."""
    ledger = ledger_of(w3, deployment)

    call(w3, operator, ledger.functions.setDefaultCreditLine(0, 100_000, 10_000_000))
    who = SimpleNamespace(**{name: Account.create() for name in ("member", "other", "frozen", "registrar", "auditor")})
    who.stranger = Account.create()
    for account in (who.member, who.other, who.frozen):
        call(w3, operator, ledger.functions.admit(account.address, 0, 1, b"\x07" * 32))
    call(w3, operator, ledger.functions.freeze(who.frozen.address))
    call(w3, operator, ledger.functions.grantRole(role_id("REGISTRAR_ROLE"), who.registrar.address))
    call(w3, operator, ledger.functions.grantRole(role_id("AUDITOR_ROLE"), who.auditor.address))
    return who


@pytest.fixture(scope="module")
def gateway(w3, deployment, people, tmp_path_factory):
    return indexed_gateway(w3, deployment, f"sqlite:///{tmp_path_factory.mktemp('access') / 'index.db'}")


def bearer(gateway, account, deployment) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(gateway.settings, account.address, deployment.chain_id).token}"}


ALLOW, DENY_401, DENY_403 = 200, 401, 403
CALLERS = ("public", "member", "other", "frozen", "registrar", "auditor")
# route -> the answer each caller gets, in the order of CALLERS; {me} is the member's address.
MATRIX = {
    "/health": (200, 200, 200, 200, 200, 200),
    "/blocks/head": (200, 200, 200, 200, 200, 200),
    "/stats": (200, 200, 200, 200, 200, 200),
    "/accounts": (401, 403, 403, 403, 200, 200),
    "/accounts/{me}": (401, 200, 403, 403, 200, 200),
    "/accounts/{me}/transfers": (401, 200, 403, 403, 200, 200),
    "/accounts/{me}/bonus-runs": (401, 200, 403, 403, 200, 200),
    "/accounts/{me}/claims": (401, 200, 403, 403, 200, 200),
    "/commons": (200, 200, 200, 200, 200, 200),
    "/members": (401, 403, 403, 403, 200, 200),
    "/projects": (200, 200, 200, 200, 200, 200),
    "/regions": (200, 200, 200, 200, 200, 200),
    "/regions/route?to={me}&amount=100": (401, 200, 200, 200, 200, 200),
}


@pytest.mark.parametrize("route", MATRIX)
@pytest.mark.parametrize("caller", CALLERS)
def test_access_matrix(gateway, people, deployment, route, caller):
    headers = {} if caller == "public" else bearer(gateway, getattr(people, caller), deployment)
    response = gateway.client.get(route.format(me=people.member.address), headers=headers)
    assert response.status_code == MATRIX[route][CALLERS.index(caller)], response.text


PREFLIGHT = (401, 200, 403, 403, 403, 403)  # the account's own key only: staff cannot pay for a member


@pytest.mark.parametrize("caller", CALLERS)
def test_a_preflight_is_for_the_owner_only(gateway, people, deployment, w3, caller):
    headers = {} if caller == "public" else bearer(gateway, getattr(people, caller), deployment)
    data = ledger_of(w3, deployment).encode_abi("pay", [people.other.address, 100, b"\x00" * 32])
    response = gateway.client.post(f"/accounts/{people.member.address}/preflight", json={"data": data}, headers=headers)
    assert response.status_code == PREFLIGHT[CALLERS.index(caller)], response.text


def test_the_ledger_and_a_transactions_fate_are_public(gateway, deployment):
    info = gateway.client.get("/ledger").json()
    assert info["chain_id"] == deployment.chain_id and info["ledger"] == deployment.ledger
    assert info["governor"] == deployment.governor and info["timelock"] == deployment.timelock  # for wallets
    unknown = gateway.client.get("/tx/0x" + "ab" * 32).json()
    assert unknown["status"] == "unknown" and unknown["block_number"] is None


def test_the_frozen_member_still_sees_its_own_account(gateway, people, deployment):
    response = gateway.client.get(
        f"/accounts/{people.frozen.address}", headers=bearer(gateway, people.frozen, deployment)
    )
    assert response.status_code == 200 and response.json()["status"] == "frozen"


def test_the_relay_says_why_it_carries_no_frozen_members_payment_in_its_language(w3, gateway, people, deployment):
    raw = signed_payment(w3, deployment, people.frozen, people.member.address, 100)
    english = gateway.client.post("/tx", json={"raw": raw})
    french = gateway.client.post("/tx", json={"raw": raw}, headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert english.status_code == french.status_code == 403
    assert f"{people.frozen.address} is frozen" in english.json()["detail"]
    said = french.json()["detail"]
    assert f"{people.frozen.address} est gelé" in said and "membres actifs" in said


def test_the_public_sees_small_groups_suppressed_and_staff_sees_them(gateway, people, deployment):
    public = gateway.client.get("/stats").json()
    assert None in public["members_by_status"].values()  # one frozen member: never shown alone
    assert all(v is None or v >= 5 for v in public["members_by_status"].values())
    full = gateway.client.get("/stats", headers=bearer(gateway, people.auditor, deployment)).json()
    assert full["members_by_status"]["frozen"] == 1


# the sign-in ----------------------------------------------------------------------------------


def siwe_message(gateway, account, *, nonce=None, domain=None, chain_id=None, uri=None) -> str:
    offer = gateway.client.get("/auth/nonce").json()
    return SiweMessage(
        domain=domain or offer["domain"],
        address=account.address,
        uri=uri or offer["uri"],
        version="1",
        chain_id=chain_id or offer["chain_id"],
        nonce=nonce or offer["nonce"],
        issued_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    ).prepare_message()


def sign_in(gateway, account, message):
    signature = account.sign_message(encode_defunct(text=message)).signature.to_0x_hex()
    return gateway.client.post("/auth/login", json={"message": message, "signature": signature})


def test_a_member_signs_in_and_its_token_opens_its_account(gateway, people):
    response = sign_in(gateway, people.member, siwe_message(gateway, people.member))
    assert response.status_code == 200, response.text
    token = response.json()["token"]
    mine = gateway.client.get(f"/accounts/{people.member.address}", headers={"Authorization": f"Bearer {token}"})
    assert mine.status_code == 200


def test_a_nonce_used_twice_is_refused(gateway, people):
    message = siwe_message(gateway, people.member)
    assert sign_in(gateway, people.member, message).status_code == 200
    again = sign_in(gateway, people.member, message)
    assert again.status_code == 401 and "nonce" in again.json()["detail"]


def test_a_nonce_never_issued_is_refused(gateway, people):
    response = sign_in(gateway, people.member, siwe_message(gateway, people.member, nonce="a1b2c3d4e5f6a7b8"))
    assert response.status_code == 401


def test_a_message_for_another_domain_or_chain_is_refused(gateway, people):
    other_domain = sign_in(gateway, people.member, siwe_message(gateway, people.member, domain="evil.example"))
    assert other_domain.status_code == 401 and "DomainMismatch" in other_domain.json()["detail"]
    other_chain = sign_in(gateway, people.member, siwe_message(gateway, people.member, chain_id=1))
    assert other_chain.status_code == 401 and "chain 1" in other_chain.json()["detail"]


@pytest.mark.parametrize(
    "uri",
    ["http://evil.example/", "https://127.0.0.1:8000/", "http://127.0.0.1:8001/", "http://127.0.0.1.evil.example/"],
)
def test_a_message_for_another_uri_is_refused(gateway, people, uri):
    assert gateway.client.get("/auth/nonce").json()["uri"] == "https://gateway.test"
    response = sign_in(gateway, people.member, siwe_message(gateway, people.member, uri=uri))
    assert response.status_code == 401 and "is not this gateway's" in response.json()["detail"]


@pytest.mark.parametrize("path", ["", "/", "/login?next=/accounts"])
def test_a_message_for_a_page_of_this_gateway_is_accepted(gateway, people, path):
    uri = "HTTPS://Gateway.Test:443" + path  # scheme and host in any case, the default port named
    response = sign_in(gateway, people.member, siwe_message(gateway, people.member, uri=uri))
    assert response.status_code == 200, response.text


def test_a_signature_by_another_key_is_refused(gateway, people):
    message = siwe_message(gateway, people.member)
    forged = people.stranger.sign_message(encode_defunct(text=message)).signature.to_0x_hex()
    response = gateway.client.post("/auth/login", json={"message": message, "signature": forged})
    assert response.status_code == 401


def test_a_non_member_cannot_sign_in(gateway, people):
    response = sign_in(gateway, people.stranger, siwe_message(gateway, people.stranger))
    assert response.status_code == 403 and "not a member" in response.json()["detail"]


def test_a_malformed_message_is_a_400(gateway):
    response = gateway.client.post("/auth/login", json={"message": "let me in", "signature": "0x00"})
    assert response.status_code == 400


def test_expired_and_foreign_tokens_are_refused(gateway, people, deployment):
    address, chain_id = people.member.address, deployment.chain_id
    expired = issue_token(gateway.settings, address, chain_id, now=datetime.now(UTC) - timedelta(hours=1)).token
    other_chain = issue_token(gateway.settings, address, 1).token
    other_domain = issue_token(AuthSettings(domain="evil.example", secret=gateway.settings.secret), address, chain_id)
    forged = issue_token(AuthSettings(domain=gateway.settings.domain), address, chain_id).token  # another key
    cases = {
        "expired": (expired, "expired"),
        "other chain": (other_chain, "chain 1"),
        "other domain": (other_domain.token, "another gateway"),
        "forged": (forged, "not valid"),
    }
    for name, (token, words) in cases.items():
        response = gateway.client.get(f"/accounts/{address}", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401 and words in response.json()["detail"], name


def test_the_relay_carries_only_active_members_transactions(gateway, people, w3, deployment):
    for account, words in ((people.stranger, "not a member"), (people.frozen, "frozen")):
        raw = signed_payment(w3, deployment, account, people.member.address, 100)
        response = gateway.client.post("/tx", json={"raw": raw})
        assert response.status_code == 403 and words in response.json()["detail"]


def test_login_and_relay_are_rate_limited(w3, deployment, people, tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'index.db'}")
    settings = AuthSettings(domain="gateway.test", login_rate="3/minute", relay_rate="2/minute")
    client = TestClient(create_app(engine, deployment, w3, settings))
    answers = [client.get("/auth/nonce").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    limited = client.get("/auth/nonce")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    raw = signed_payment(w3, deployment, people.stranger, people.member.address, 100)
    relayed = [client.post("/tx", json={"raw": raw}).status_code for _ in range(3)]
    assert relayed == [403, 403, 429]
