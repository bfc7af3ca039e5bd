"""A bonus file uploaded to the gateway (from the web app) is read by the CLI's own rules: every bad
line named with its number, a good file's lines returned for the batch check; the owner only; a
huge file refused before it is parsed."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from eth_account import Account

from tests.node.helpers import indexed_gateway
from tests.node.test_access import bearer
from tests.node.test_api import ledger_of
from tests.support.chain import call


@pytest.fixture(scope="module")
def file_owner(w3, deployment, operator):
    who = SimpleNamespace(council=Account.create(), other=Account.create())
    for account in (who.council, who.other):
        call(w3, operator, ledger_of(w3, deployment).functions.admit(account.address, 0, 1, b"\x07" * 32))
    return who


@pytest.fixture
def client(w3, deployment, file_owner, tmp_path):
    return indexed_gateway(w3, deployment, f"sqlite:///{tmp_path / 'index.db'}")


def test_every_bad_line_is_named_and_good_lines_are_read(client, file_owner, deployment):
    a, b = Account.create().address, Account.create().address
    path = f"/accounts/{file_owner.council.address}/batch-file"
    headers = bearer(client, file_owner.council, deployment)
    text = f'adresse,montant,nom\n{a},"12,50",Ana\n{b},12,50\n{a},3.00,again\n0x12,1,short\n'
    reading = client.client.post(path, json={"name": "prime.csv", "text": text}, headers=headers).json()
    assert [line["line"] for line in reading["lines"]] == [2]
    assert reading["lines"][0] == {"line": 2, "to": a, "amount": 1_250}
    problems = "\n".join(reading["problems"])
    assert "line 3:" in problems and "line 4:" in problems and "line 5:" in problems
    assert "is already on line 2" in problems

    good = "\ufeffaddress;amount\n" + f"{a};1 234,50\n{b};7\n"  # Excel's BOM, a French amount
    reading = client.client.post(path, json={"text": good}, headers=headers).json()
    assert reading == {
        "lines": [{"line": 2, "to": a, "amount": 123_450}, {"line": 3, "to": b, "amount": 700}],
        "problems": [],
    }


def test_the_owner_only_and_a_huge_file_is_refused_unread(client, file_owner, deployment):
    path = f"/accounts/{file_owner.council.address}/batch-file"
    assert client.client.post(path, json={"text": "address;amount\n"}).status_code == 401
    other = bearer(client, file_owner.other, deployment)
    assert client.client.post(path, json={"text": "address;amount\n"}, headers=other).status_code == 403
    mine = bearer(client, file_owner.council, deployment)
    assert client.client.post(path, json={"text": "x" * 2_000_001}, headers=mine).status_code == 422
    huge = client.client.post(
        path, content=b"x" * (9 * 1024 * 1024), headers={**mine, "Content-Type": "application/json"}
    )
    assert huge.status_code == 413
    empty = client.client.post(path, json={"text": ""}, headers=mine).json()
    assert empty["lines"] == [] and empty["problems"]
