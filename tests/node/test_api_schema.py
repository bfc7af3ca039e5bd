"""Schemathesis against the gateway's own OpenAPI schema: whatever it sends, no 5xx comes back."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from next_node import demo
from next_node.api.app import create_app
from next_node.api.auth import AuthSettings, issue_token
from next_node.db.engine import make_engine
from tests.node.helpers import index_to_head

SETTINGS = AuthSettings(login_rate="100000/minute", relay_rate="100000/minute")
TOKEN: dict[str, str] = {}


@pytest.fixture(scope="module")
def api_schema(w3, deployment, operator, tmp_path_factory):
    demo.seed(w3, deployment, operator, citizens=10, payments=20)
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('schema') / 'index.db'}")
    index_to_head(engine, w3, deployment)
    # The operator holds every staff role: with its token, every route opens.
    TOKEN["Authorization"] = f"Bearer {issue_token(SETTINGS, operator, deployment.chain_id).token}"
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(engine, deployment, w3, SETTINGS))


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
