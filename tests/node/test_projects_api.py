"""Projects funded from the reserve, indexed and served: each project with its instalments paid, its
instalments in the project account's history, and the coverage floor in /stats; and a proposal of
megabytes, served cut. On a real chain
(anvil, whose clock the test moves) and a real index, SQLite and PostgreSQL. The operator holds
GOVERNANCE_ROLE on this developer's deployment: it acts as a passed vote would."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from eth_account import Account
from web3 import Web3

from next_contracts import load_artifact
from next_contracts.deploy import GOVERNOR
from next_contracts.transact import calldata
from tests.node.helpers import indexed_gateway
from tests.node.test_access import bearer
from tests.node.test_api import ledger_of
from tests.support.chain import call, later

DAY = 86_400


@pytest.fixture(scope="module")
def history(w3, deployment, operator):
    """Ann pays Ben (fees fill the reserve); a garden project of 3 x 10,00 a day to Cat, above a floor
    of 0.1 %: two instalments paid, then cancelled; a second project of one instalment, not released."""
    ledger = ledger_of(w3, deployment).functions
    who = SimpleNamespace(**{name: Account.create() for name in ("ann", "ben", "cat")})
    for account in (who.ann, who.ben, who.cat):
        call(w3, operator, ledger.admit(account.address, 0, 1, b"\x07" * 32))
        call(w3, operator, ledger.setCreditLine(account.address, 10_000_000, 100_000_000))
    call(w3, who.ann, ledger.pay(who.ben.address, 5_000_000, b"\x01" * 32))  # 0.2 %: 10 000 to the reserve
    call(w3, operator, ledger.setCoverageFloor(10))
    call(w3, operator, ledger.fundProject(who.cat.address, 1_000, 3, DAY, Web3.keccak(text="garden")))
    call(w3, who.ben, ledger.releaseInstalment(1))
    later(w3, DAY + 1)
    call(w3, who.ben, ledger.releaseInstalment(1))
    call(w3, operator, ledger.cancelProject(1))
    call(w3, operator, ledger.fundProject(who.ben.address, 500, 1, 0, Web3.keccak(text="library")))
    # A member proposes with 200 000 characters of description and a call padded with 50 000 bytes:
    # gas is free here, and the index must not serve pages of megabytes for it.
    governor = w3.eth.contract(deployment.governor, abi=load_artifact(GOVERNOR).abi)
    padded = bytes.fromhex(calldata(ledger.setFee(30))[2:]) + b"\x00" * 50_000
    call(w3, who.ann, governor.functions.propose([deployment.ledger], [0], [padded], "é" * 200_000))
    return who


@pytest.fixture
def client(w3, deployment, history, database_url):
    return indexed_gateway(w3, deployment, database_url)


def test_anyone_sees_the_projects_and_what_each_received(client, history):
    page = client.client.get("/projects").json()
    garden, library = page["items"]
    assert (garden["project_id"], garden["account"], garden["instalment"], garden["instalments"]) == (
        1, history.cat.address, 1_000, 3
    )  # fmt: skip
    assert (garden["paid"], garden["amount_paid"], garden["cancelled"], garden["next_due_at"]) == (2, 2_000, True, None)
    assert garden["ref"] == Web3.keccak(text="garden").to_0x_hex() and garden["interval"] == DAY
    assert (library["paid"], library["cancelled"], library["next_due_at"]) == (0, False, library["starts_at"])
    assert client.client.get("/projects/2").json() == library
    assert client.client.get("/projects", params={"limit": 1}).json()["next_cursor"] == 1
    assert client.client.get("/projects", params={"after": 1}).json()["items"] == [library]


@pytest.mark.parametrize("path", ["/projects/3", "/projects/0", "/projects/abc", "/projects/" + "9" * 30])
def test_an_unknown_or_malformed_project_is_a_4xx(client, path):
    assert client.client.get(path).status_code in (404, 422)


def test_the_floor_is_public_and_instalments_show_in_the_history(client, history, deployment):
    stats = client.client.get("/stats").json()
    assert stats["coverage_floor_bps"] == 10
    assert stats["reserve"] == 10_000 - 2_000
    headers = bearer(client, history.cat, deployment)
    items = client.client.get(f"/accounts/{history.cat.address}/transfers", headers=headers).json()["items"]
    assert [(t["kind"], t["amount"]) for t in items] == [("project", 1_000), ("project", 1_000)]


def test_a_proposal_of_megabytes_is_served_cut_with_a_note(client):
    (proposal,) = client.client.get("/proposals").json()["items"]
    assert proposal["description"].startswith("é" * 16_384)
    assert proposal["description"].endswith("… [183616 characters more on-chain]")
    data = proposal["calls"][0]["data"]
    assert len(data) < 8_300 and data.endswith("characters more on-chain]")
