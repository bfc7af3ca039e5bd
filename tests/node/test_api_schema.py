"""Schemathesis against the gateway's own OpenAPI schema: whatever it sends, no 5xx comes back."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from next_node import demo
from next_node.api.app import create_app
from next_node.api.tokens import AuthSettings, issue_token
from next_node.db.engine import make_engine
from tests.node.helpers import index_to_head

pytestmark = pytest.mark.slow  # every route fuzzed from the OpenAPI schema

SETTINGS = AuthSettings(login_rate="100000/minute", relay_rate="100000/minute")
TOKEN: dict[str, str] = {}
APP: list[FastAPI] = []


@pytest.fixture(scope="module")
def api_schema(w3, deployment, operator, tmp_path_factory):
    demo.seed(w3, deployment, operator, citizens=10, payments=20)
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('schema') / 'index.db'}")
    index_to_head(engine, w3, deployment)
    # The operator holds every staff role: with its token, every route opens.
    TOKEN["Authorization"] = f"Bearer {issue_token(SETTINGS, operator, deployment.chain_id).token}"
    APP.append(create_app(engine, deployment, w3, SETTINGS))
    return schemathesis.openapi.from_asgi("/openapi.json", APP[0])


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_without_a_token(case):
    response = case.call()
    assert response.status_code < 500, f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text}"
    case.validate_response(response, checks=[schemathesis.checks.response_schema_conformance])


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_with_a_staff_token(case):
    response = case.call(headers=TOKEN)
    assert response.status_code < 500, f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text}"
    case.validate_response(response, checks=[schemathesis.checks.response_schema_conformance])


# Beyond the schema: what a client can put in a body that schemathesis's UTF-8 JSON never holds.
_ANY_CHARACTER = st.characters(codec=None, exclude_categories=())  # lone surrogates included
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(_ANY_CHARACTER, max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(_ANY_CHARACTER, max_size=8), inner, max_size=4),
    max_leaves=12,
)
_BODIES = _JSON_VALUES.map(lambda value: json.dumps(value).encode()) | st.binary(max_size=64)


@pytest.fixture(scope="module")
def api_client(api_schema):
    app = APP[0]
    routes = [
        (method.upper(), path)
        for path, item in app.openapi()["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    ]
    return SimpleNamespace(client=TestClient(app, raise_server_exceptions=False), body_routes=routes)


@given(body=_BODIES, data=st.data())
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_for_any_body(api_client, operator, body, data):
    """Infinity and NaN, lone surrogates, bytes that are not UTF-8: to every route that takes a body."""
    method, path = data.draw(st.sampled_from(api_client.body_routes))
    headers = {"Content-Type": "application/json"} | data.draw(st.sampled_from([{}, TOKEN]))
    response = api_client.client.request(method, path.replace("{address}", operator), content=body, headers=headers)
    assert response.status_code < 500, f"{method} {path} {body!r} -> {response.status_code}: {response.text}"
