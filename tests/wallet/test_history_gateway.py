"""`history` from a real gateway (uvicorn serving the API over an index of the same chain)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from next_node.db.engine import make_engine
from next_wallet.errors import ExitStatus
from tests.node.helpers import index_to_head, running_gateway
from tests.wallet.conftest import admit, new_member
from tests.wallet.test_cli import PW, create


@pytest.fixture
def gateway(w3, deployment, tmp_path):
    """A gateway on a free port; `refresh()` brings its index up to the chain's head."""
    engine = make_engine(f"sqlite:///{tmp_path / 'index.db'}")
    with running_gateway(engine, deployment, w3) as url:
        yield SimpleNamespace(url=url, refresh=lambda: index_to_head(engine, w3, deployment))


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
