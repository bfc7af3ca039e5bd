"""What an attacker tried on the gateway, each now refused cleanly: huge bodies and sign-in messages,
locking a member out with bogus logins, forging X-Forwarded-For, tokens naming no account; and
/docs, which must work on a machine without internet. The body and proxy tests go through uvicorn,
as `next-node serve` runs it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import httpx
import jwt
import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from fastapi.testclient import TestClient
from siwe import SiweMessage

from next_contracts.transact import send
from next_node.api.app import create_app
from next_node.api.bodylimit import BodyLimit
from next_node.api.ratelimit import parse_networks
from next_node.api.tokens import ALGORITHM, AuthSettings, issue_token
from next_node.db.engine import make_engine
from tests.node.helpers import index_to_head, running_gateway
from tests.node.test_api import ledger_of

MB = 1024 * 1024
# The server may answer 413 and close before the client has sent it all (never a timeout).
CLOSED = (httpx.WriteError, httpx.ReadError, httpx.RemoteProtocolError)


@pytest.fixture(scope="module")
def member_key(w3, deployment, operator):
    ledger = ledger_of(w3, deployment)
    member_key = Account.create()
    send(
        w3,
        operator,
        {"to": ledger.address, "data": ledger.encode_abi("admit", [member_key.address, 0, 1, b"\x07" * 32])},
    )
    return member_key


@pytest.fixture(scope="module")
def engine(w3, deployment, member_key, tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('hardening') / 'index.db'}")
    index_to_head(engine, w3, deployment)
    return engine


def app_with(engine, deployment, w3, **settings):
    auth = AuthSettings(domain="gateway.test", **settings)
    return SimpleNamespace(app=create_app(engine, deployment, w3, auth), settings=auth)


def siwe_message(client, address: str) -> str:
    offer = client.get("/auth/nonce").json()
    return SiweMessage(
        domain=offer["domain"],
        address=address,
        uri=offer["uri"],
        version="1",
        chain_id=offer["chain_id"],
        nonce=offer["nonce"],
        issued_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    ).prepare_message()


def login(client, signer, message: str) -> httpx.Response:
    signature = signer.sign_message(encode_defunct(text=message)).signature.to_0x_hex()
    return client.post("/auth/login", json={"message": message, "signature": signature})


# bodies ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(engine, deployment, w3) -> Iterator[str]:
    with running_gateway(engine, deployment, w3) as url:
        yield url


@pytest.mark.parametrize("size", [100 * 1024, 10 * MB])
def test_a_huge_login_body_is_refused_at_once_and_the_server_stays_fine(served, size):
    body = b'{"message": "' + b"x" * size + b'", "signature": "0x00"}'
    with httpx.Client(base_url=served, timeout=10) as client:
        try:
            response = client.post("/auth/login", content=body, headers={"Content-Type": "application/json"})
        except CLOSED:  # the server answered 413 and closed before taking it all: fine too
            response = None
        if response is not None:
            assert response.status_code == 413 and "64 KiB" in response.json()["detail"]
        assert client.get("/auth/nonce").status_code == 200


def test_a_huge_streamed_body_without_length_is_counted_and_refused(served):
    def chunks() -> Iterator[bytes]:
        yield b'{"message": "'
        for _ in range(10 * 16):  # 10 MiB in 64 KiB pieces, no Content-Length
            yield b"x" * 65536
        yield b'", "signature": "0x00"}'

    with httpx.Client(base_url=served, timeout=10) as client:
        try:
            response = client.post("/auth/login", content=chunks(), headers={"Content-Type": "application/json"})
            assert response.status_code == 413
        except CLOSED:
            pass  # answered and closed mid-upload
        assert client.get("/auth/nonce").status_code == 200


def test_the_relay_takes_a_larger_body_than_the_default(served):
    raw = "0x" + "ab" * (100 * 1024)  # 200 KiB of hex: over the default, within the relay's bound
    response = httpx.post(f"{served}/tx", json={"raw": raw}, timeout=10)
    assert response.status_code == 400 and "cannot decode" in response.json()["detail"]


def test_each_route_has_its_body_limit():
    limits = BodyLimit(app=None)  # type: ignore[arg-type]
    address = "0x" + "ab" * 20
    assert limits.limit_of("/auth/login") == limits.limit_of("/stats") == 64 * 1024
    assert limits.limit_of("/tx") == limits.limit_of(f"/accounts/{address}/preflight") == 300 * 1024
    assert limits.limit_of(f"/accounts/{address}/batch-check") == 2 * MB  # 10,000 lines fit
    assert limits.limit_of(f"/accounts/{address}/batch-check/x") == 64 * 1024


# the sign-in message --------------------------------------------------------------------------


def test_a_login_message_over_2_kib_is_refused_before_parsing(engine, deployment, w3):
    client = TestClient(app_with(engine, deployment, w3).app)
    response = client.post("/auth/login", json={"message": "a" * 3000, "signature": "0x00"})
    assert response.status_code == 422


def test_a_login_message_with_long_fields_is_refused_fast(engine, deployment, w3, member_key):
    """A 2 KiB statement took siwe's ABNF parser seconds; it is refused by its line length."""
    client = TestClient(app_with(engine, deployment, w3).app)
    message = siwe_message(client, member_key.address).replace("\nURI:", "\n" + "x " * 600 + "\n\nURI:", 1)
    response = login(client, member_key, message)
    assert response.status_code == 400 and "line over" in response.json()["detail"]


def test_a_malformed_message_says_why_without_python_text(engine, deployment, w3, member_key):
    client = TestClient(app_with(engine, deployment, w3).app)
    message = siwe_message(client, member_key.address).replace(
        member_key.address, "0x" + member_key.address[2:].swapcase()
    )
    response = login(client, member_key, message)
    detail = response.json()["detail"]
    assert response.status_code == 400 and "address" in detail and "{" not in detail and "input_value" not in detail


# lock-out and proxies -------------------------------------------------------------------------


def test_bogus_logins_naming_a_member_do_not_lock_it_out(engine, deployment, w3, member_key):
    gateway = app_with(engine, deployment, w3, login_rate="5/minute")
    stranger, answers = Account.create(), []
    for n in range(3):  # from three IPs, fifteen messages naming alice, signed by another key
        attacker = TestClient(gateway.app, client=(f"203.0.113.{n}", 40000))
        offer = siwe_message(attacker, member_key.address)
        for _ in range(5):
            answers.append(login(attacker, stranger, offer).status_code)
    assert set(answers) == {401, 429}  # refused, then each attacker's own IP is limited ...
    member = TestClient(gateway.app, client=("198.51.100.7", 40000))
    response = login(member, member_key, siwe_message(member, member_key.address))
    assert response.status_code == 200, response.text  # ... and alice, from elsewhere, is not


def nonce_answers(url: str, forwarded: list[str]) -> list[int]:
    return [httpx.get(f"{url}/auth/nonce", headers={"X-Forwarded-For": f}).status_code for f in forwarded]


def test_x_forwarded_for_is_ignored_from_an_untrusted_peer(engine, deployment, w3):
    settings = AuthSettings(domain="gateway.test", login_rate="3/minute")
    with running_gateway(engine, deployment, w3, settings) as url:
        answers = nonce_answers(url, [f"192.0.2.{n}" for n in range(5)])
    assert answers == [200, 200, 200, 429, 429]  # every "client" is the one peer it really is


def test_x_forwarded_for_names_the_client_behind_a_trusted_proxy(engine, deployment, w3):
    proxies = parse_networks("10.0.0.0/8, 127.0.0.1")
    settings = AuthSettings(domain="gateway.test", login_rate="3/minute", trusted_proxies=proxies)
    with running_gateway(engine, deployment, w3, settings) as url:
        distinct = nonce_answers(url, [f"192.0.2.{n}" for n in range(5)])
        # The client forges a left-most hop; our proxies (10.1.1.1 then this one) append the real one.
        forged = nonce_answers(url, [f"198.51.100.{n}, 203.0.113.5, 10.1.1.1" for n in range(5)])
    assert distinct == [200] * 5
    assert forged == [200, 200, 200, 429, 429]


def test_a_bad_trusted_proxy_setting_is_refused():
    with pytest.raises(ValueError, match="not-an-ip"):
        parse_networks("10.0.0.1, not-an-ip")


# tokens ---------------------------------------------------------------------------------------


def test_a_token_naming_no_account_is_a_401(engine, deployment, w3, member_key):
    gateway = app_with(engine, deployment, w3)
    now = datetime.now(UTC)
    for subject in ("alice", "0x" + "zz" * 20, 42):
        claims = {"sub": subject, "chain_id": deployment.chain_id, "aud": "gateway.test", "iat": now}
        token = jwt.encode(claims | {"exp": now + timedelta(minutes=5)}, gateway.settings.secret, algorithm=ALGORITHM)
        response = TestClient(gateway.app).get(
            f"/accounts/{member_key.address}", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401, (subject, response.text)


# /docs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_need_nothing_but_the_gateway(engine, deployment, w3, page):
    client = TestClient(app_with(engine, deployment, w3).app)
    html = client.get(page)
    assert html.status_code == 200
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']|url: ?["']([^"']+)["']""", html.text)
    urls = [a or b for a, b in urls]
    assert urls and not re.search(r"https?://", html.text), html.text
    for url in urls:
        assert url.startswith("/") and client.get(url).status_code == 200, url


# malformed bodies -----------------------------------------------------------------------------

MALFORMED_BODIES = {
    "a number too large for a float": b"1e999999",
    "one inside an object": b'{"message": 1e999999, "signature": 1e999999, "raw": 1e999999}',
    "bytes that are not UTF-8": b"\xff\xfe\xfa\x00{",
    "a lone surrogate": b'"\\ud800"',
    "a lone surrogate as a key": b'{"\\udfff": 1}',
    "lone surrogates in every field": b'{"message": "\\ud800", "signature": "\\ud800", "raw": "\\ud800", '
    b'"data": "\\ud800", "to": "\\ud800", "lines": [{"address": "\\ud800", "amount": "\\ud800"}]}',
    "not JSON": b"{'message': ",
    "nothing": b"",
}


@pytest.mark.parametrize("body", MALFORMED_BODIES.values(), ids=MALFORMED_BODIES.keys())
def test_every_route_answers_a_malformed_body_with_a_4xx(engine, deployment, w3, operator, body):
    gateway = app_with(engine, deployment, w3)
    client = TestClient(gateway.app, raise_server_exceptions=False)
    staff = {"Authorization": f"Bearer {issue_token(gateway.settings, operator, deployment.chain_id).token}"}
    routes = [
        (method.upper(), path.replace("{address}", operator))
        for path, item in gateway.app.openapi()["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    ]
    assert {"/tx", "/auth/login", f"/accounts/{operator}/preflight", f"/accounts/{operator}/batch-check"} <= {
        path for _, path in routes
    }
    for method, path in routes:
        for headers in ({}, staff):
            response = client.request(
                method, path, content=body, headers={"Content-Type": "application/json"} | headers
            )
            assert 400 <= response.status_code < 500, f"{method} {path} -> {response.status_code}: {response.text}"
            assert isinstance(response.json()["detail"], str | list)
