"""Commons claims, indexed and served: a member's claims as beneficiary or attestor with their state
(pending, contested, reinstated then paid), the public totals, and a reward in the beneficiary's
history as a transfer of kind "reward". On a real chain (anvil, whose clock the test moves past the
challenge window) and a real index, SQLite and PostgreSQL."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from eth_account import Account
from web3 import Web3

from next_contracts.commons import Claim, evidence_hash, period_of, sign_claim
from next_contracts.constitution import role_id
from next_contracts.vocabulary import CommonsKind, MemberKind
from next_node.demo.commons import commons_of
from tests.node.helpers import indexed_gateway
from tests.node.test_access import bearer
from tests.node.test_api import ledger_of
from tests.support.chain import call, later

DAY = 86_400
REWARD = 4_000


@pytest.fixture(scope="module")
def claims(w3, deployment, operator):
    """An attestor's three claims: one paid to alice, one to bob contested then reinstated and paid,
    one to bob contested for good."""
    ledger = ledger_of(w3, deployment).functions
    commons = commons_of(w3, deployment)
    who = SimpleNamespace(attestor=Account.create(), alice=Account.create(), bob=Account.create())
    for member in (who.alice, who.bob):
        call(w3, operator, ledger.admit(member.address, 0, 1, b"\x07" * 32))
        call(w3, operator, ledger.setCreditLine(member.address, 0, 100_000_000))
    call(w3, operator, ledger.admit(commons.address, MemberKind.SYSTEM.code, 0, b"\x07" * 32))
    call(w3, operator, ledger.setCreditLine(commons.address, 1_000_000, 0))
    call(w3, operator, commons.functions.setBudget(100_000, 50_000, 50_000))
    call(w3, operator, commons.functions.setSchedule(CommonsKind.ENVIRONMENT.code, REWARD))
    call(w3, operator, commons.functions.grantRole(role_id("ATTESTOR_ROLE"), who.attestor.address))
    period = period_of(int(w3.eth.get_block("latest")["timestamp"]))
    who.ids = []
    for beneficiary, evidence in ((who.alice, b"trees"), (who.bob, b"repair"), (who.bob, b"again")):
        claim = Claim(beneficiary.address, CommonsKind.ENVIRONMENT.code, evidence_hash(evidence), REWARD, period)
        signed = sign_claim(who.attestor.key, claim, w3.eth.chain_id, commons.address)
        call(w3, beneficiary, commons.functions.submit(claim.as_tuple(), signed.signature))
        who.ids.append(signed.id)
    call(w3, operator, commons.functions.contest(who.ids[1], b"\x01" * 32))  # the operator is on the committee
    call(w3, operator, commons.functions.contest(who.ids[2], b"\x02" * 32))
    call(w3, operator, commons.functions.reinstate(who.ids[1]))
    later(w3, 7 * DAY)
    call(w3, who.alice, commons.functions.pay(who.ids[0]))
    call(w3, who.bob, commons.functions.pay(who.ids[1]))
    return who


@pytest.fixture
def client(w3, deployment, claims, database_url):
    return indexed_gateway(w3, deployment, database_url)


def test_a_member_sees_its_claims_and_where_each_stands(client, claims, deployment):
    body = client.client.get(f"/accounts/{claims.bob.address}/claims", headers=bearer(client, claims.bob, deployment))
    assert body.status_code == 200, body.text
    again, repair = body.json()["claims"]  # newest first
    assert (again["id"], again["state"], again["contested_by"]) == (
        "0x" + claims.ids[2].hex(), "contested", Web3.to_checksum_address(deployment.deployer)
    )  # fmt: skip
    assert (repair["state"], repair["amount"], repair["kind"]) == ("paid", REWARD, "environment")
    assert repair["attestor"] == claims.attestor.address and repair["evidence"] == "0x" + evidence_hash(b"repair").hex()
    # The attestor's claims, read by staff (the attestor holds no account to sign in with).
    staff = bearer(client, SimpleNamespace(address=deployment.deployer), deployment)
    attested = client.client.get(f"/accounts/{claims.attestor.address}/claims", headers=staff).json()["claims"]
    assert [c["state"] for c in attested] == ["contested", "paid", "paid"]


def test_the_totals_are_public_and_a_reward_is_a_transfer_of_kind_reward(client, claims, deployment):
    totals = client.client.get("/commons").json()
    assert (totals["claims"], totals["by_state"], totals["rewards_paid"]) == (
        3, {"pending": 0, "contested": 1, "paid": 2}, 2 * REWARD
    )  # fmt: skip
    items = client.client.get(
        f"/accounts/{claims.alice.address}/transfers", headers=bearer(client, claims.alice, deployment)
    ).json()["items"]
    [reward] = items
    assert (reward["kind"], reward["amount"], reward["ref"]) == ("reward", REWARD, "0x" + claims.ids[0].hex())
    assert client.client.get(f"/accounts/{claims.alice.address}/claims").status_code == 401
    other = bearer(client, claims.alice, deployment)
    assert client.client.get(f"/accounts/{claims.bob.address}/claims", headers=other).status_code == 403
    bob = bearer(client, claims.bob, deployment)
    assert client.client.get(f"/accounts/{claims.bob.address}/claims?limit=0", headers=bob).status_code == 422
