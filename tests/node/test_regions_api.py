"""A region's gateway over a real chain with two regions (SQLite and PostgreSQL): its relationship
with the other region and the position (public), a payment across regions in both directions in
the member's history with the member on the other side, members moving in and out (their balance
carried, of kind "move", their status "moved"), and the replay of the index giving the same
members."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from eth_account import Account
from sqlalchemy import delete, select
from sqlmodel import Session

from next_contracts import LEDGER, REGIONAL_CLEARING, load_artifact
from next_contracts.deploy import DeployConfig, deploy
from next_node.db.engine import make_engine
from next_node.db.models import DERIVED_TABLES, Member
from next_node.indexer.apply import open_batch
from next_node.indexer.decode import Contracts
from next_node.indexer.replay import stored_events
from tests.node.helpers import indexed_gateway
from tests.node.test_access import bearer
from tests.support.chain import call

LIMIT, CEILING = 300_000, 200_000


def _contracts(w3, deployment):
    ledger = w3.eth.contract(deployment.ledger, abi=load_artifact(LEDGER).abi)
    return ledger, w3.eth.contract(deployment.regional_clearing, abi=load_artifact(REGIONAL_CLEARING).abi)


@pytest.fixture(scope="module")
def two_regions(w3, deployment, operator):
    """Region 1 (the gateway's) and region 2: alice and a leaver in 1, carol and a newcomer in 2;
    alice pays carol 120,00, carol pays alice 20,00, the newcomer moves to 1 with 75,00 and the
    leaver to 2 with a debt."""
    south = deploy(w3, operator, DeployConfig.single_operator(operator, region=2))
    (one, clearing_one), (two, clearing_two) = _contracts(w3, deployment), _contracts(w3, south)
    call(w3, operator, clearing_one.functions.setRelationship(clearing_two.address, LIMIT, CEILING))
    call(w3, operator, clearing_two.functions.setRelationship(clearing_one.address, LIMIT, CEILING))
    who = SimpleNamespace(alice=Account.create(), leaver=Account.create(), carol=Account.create())
    who.newcomer = Account.create()
    for ledger, region, members in ((one, 1, (who.alice, who.leaver)), (two, 2, (who.carol, who.newcomer))):
        call(w3, operator, ledger.functions.setDefaultCreditLine(0, 100_000, 10_000_000))
        for member in members:
            call(w3, operator, ledger.functions.admit(member.address, 0, region, b"\x03" * 32))
    call(
        w3, who.alice, clearing_one.functions.payAcross([clearing_two.address], who.carol.address, 120_00, b"\x01" * 32)
    )
    call(
        w3, who.carol, clearing_two.functions.payAcross([clearing_one.address], who.alice.address, 20_00, b"\x02" * 32)
    )
    call(w3, who.carol, two.functions.pay(who.newcomer.address, 75_00, b"\x03" * 32))
    call(w3, operator, clearing_one.functions.welcome(who.newcomer.address, clearing_two.address))
    call(w3, who.newcomer, clearing_two.functions.moveTo(clearing_one.address))
    call(w3, who.leaver, one.functions.pay(who.alice.address, 30_00, b"\x04" * 32))
    call(w3, operator, clearing_two.functions.welcome(who.leaver.address, clearing_one.address))
    call(w3, who.leaver, clearing_one.functions.moveTo(clearing_two.address))
    who.south, who.partner = south, clearing_two.address
    return who


@pytest.fixture
def gateway(w3, deployment, two_regions, database_url):
    return indexed_gateway(w3, deployment, database_url)


def test_the_relationship_and_its_position_are_public(gateway, deployment, two_regions):
    body = gateway.client.get("/regions").json()
    assert (body["region"], body["clearing"].lower()) == (1, deployment.regional_clearing.lower())
    [relation] = body["relationships"]
    # Region 1's members paid 120,00 out, received 20,00, took in the newcomer's 75,00 and let the
    # leaver's debt (30,06) go: region 1 owes region 2 120 - 20 - 75 - 30,06.
    position = 120_00 - 20_00 - 75_00 - 30_06
    assert relation == {
        "partner": two_regions.partner.lower(),
        "region": 2,
        "credit_limit": LIMIT,
        "ceiling": CEILING,
        "position": position,
        "owes": 0,
        "owed": -position,
        "room_out": CEILING - position,
        "room_in": LIMIT + position,
    }


def test_a_payment_across_regions_names_the_member_on_the_other_side(gateway, deployment, two_regions):
    alice = two_regions.alice
    page = gateway.client.get(f"/accounts/{alice.address}/transfers", headers=bearer(gateway, alice, deployment))
    across = [(t["direction"], t["amount"], t["counterparty"], t["counterparty_region"]) for t in page.json()["items"]]
    carol = two_regions.carol.address
    assert ("out", 120_00, carol, 2) in across and ("in", 20_00, carol, 2) in across
    kinds = {t["amount"]: t["kind"] for t in page.json()["items"]}
    assert kinds[120_00] == kinds[20_00] == "across" and kinds[30_00] == "payment"


def test_members_moving_in_and_out_carry_their_balance(gateway, deployment, two_regions):
    staff = bearer(gateway, SimpleNamespace(address=deployment.deployer), deployment)
    newcomer = gateway.client.get(f"/accounts/{two_regions.newcomer.address}", headers=staff).json()
    leaver = gateway.client.get(f"/accounts/{two_regions.leaver.address}", headers=staff).json()
    assert (newcomer["status"], newcomer["balance"], newcomer["region"]) == ("active", 75_00, 1)
    assert (leaver["status"], leaver["balance"]) == ("moved", 0)
    for member, amount in ((two_regions.leaver, 30_06), (two_regions.newcomer, 75_00)):
        items = gateway.client.get(f"/accounts/{member.address}/transfers", headers=staff).json()["items"]
        # The leaver's debt came off its account here (in), the newcomer's balance came in.
        assert [(t["direction"], t["amount"]) for t in items if t["kind"] == "move"] == [("in", amount)]
    # The leaver still reads its own account and its history here, the move included.
    own = bearer(gateway, two_regions.leaver, deployment)
    history = gateway.client.get(f"/accounts/{two_regions.leaver.address}/transfers", headers=own)
    assert history.status_code == 200 and {t["kind"] for t in history.json()["items"]} == {"payment", "move"}


def test_the_replay_gives_the_same_members(w3, deployment, two_regions, database_url):
    engine = make_engine(database_url)
    indexed_gateway(w3, deployment, database_url)
    with Session(engine) as session:
        before = [tuple(m) for m in session.execute(select(Member.address, Member.balance, Member.status)).all()]
    with Session(engine) as session, session.begin():
        for model in DERIVED_TABLES:
            session.execute(delete(model))
        batch = open_batch(session, Contracts.of(deployment))
        batch.apply(list(stored_events(session)), record=False)
        batch.write()
    with Session(engine) as session:
        after = [tuple(m) for m in session.execute(select(Member.address, Member.balance, Member.status)).all()]
    assert sorted(after) == sorted(before)


def _raw(w3, signer, to, data):
    tx = {"to": to, "data": data, "gas": 400_000, "gasPrice": 0, "chainId": w3.eth.chain_id, "value": 0}
    tx["nonce"] = w3.eth.get_transaction_count(signer.address)
    return signer.sign_transaction(tx).raw_transaction.to_0x_hex()


def test_the_route_to_a_member_of_another_region_goes_through_the_clearing(gateway, deployment, two_regions):
    alice, carol = two_regions.alice, two_regions.carol
    headers = bearer(gateway, alice, deployment)
    away = gateway.client.get("/regions/route", params={"to": carol.address, "amount": 10_00}, headers=headers)
    assert away.status_code == 200, away.text
    assert away.json() == {
        "payee": carol.address,
        "here": False,
        "region": 2,
        "clearing": deployment.regional_clearing,
        "path": [two_regions.partner],
        "regions": [1, 2],
    }
    newcomer = {"to": two_regions.newcomer.address, "amount": 1}
    home = gateway.client.get("/regions/route", params=newcomer, headers=headers)
    assert home.json()["here"] is True and home.json()["path"] == []
    # Region 2 may be owed at most its limit for region 1, less what region 1 owes it now.
    too_much = gateway.client.get("/regions/route", params={"to": carol.address, "amount": 10**9}, headers=headers)
    assert too_much.status_code == 409 and "to region 2 has room for" in too_much.json()["detail"]
    stranger = Account.create().address
    nowhere = gateway.client.get("/regions/route", params={"to": stranger, "amount": 1}, headers=headers)
    assert nowhere.status_code == 404 and stranger in nowhere.json()["detail"]
    anonymous = gateway.client.get("/regions/route", params={"to": carol.address, "amount": 1})
    assert anonymous.status_code == 401
    for bad in ({"to": "0x12", "amount": 1}, {"to": carol.address, "amount": 0}, {"to": carol.address}):
        assert gateway.client.get("/regions/route", params=bad, headers=headers).status_code == 422


def test_the_relay_carries_a_payment_across_regions_and_says_why_one_is_refused(w3, gateway, deployment, two_regions):
    alice, carol = two_regions.alice, two_regions.carol
    (_, clearing), (south, _) = _contracts(w3, deployment), _contracts(w3, two_regions.south)
    before = south.functions.balanceOf(carol.address).call()
    data = clearing.encode_abi("payAcross", args=[[two_regions.partner], carol.address, 5_00, b"\x06" * 32])
    preflight = gateway.client.post(
        f"/accounts/{alice.address}/preflight",
        json={"data": data, "to": deployment.regional_clearing},
        headers=bearer(gateway, alice, deployment),
    )
    assert preflight.status_code == 200, preflight.text
    sent = gateway.client.post("/tx", json={"raw": _raw(w3, alice, clearing.address, data)})
    assert sent.status_code == 202, sent.text
    assert w3.eth.wait_for_transaction_receipt(sent.json()["tx_hash"])["status"] == 1
    assert south.functions.balanceOf(carol.address).call() == before + 5_00
    # Past the bilateral limit: the relay answers the clearing's typed error, in words, and sends nothing.
    too_much = clearing.encode_abi("payAcross", args=[[two_regions.partner], carol.address, 9_000_00, b"\x07" * 32])
    refused = gateway.client.post("/tx", json={"raw": _raw(w3, alice, clearing.address, too_much)})
    assert refused.status_code == 409, refused.text
    assert refused.json()["error_data"] is not None and "limit" in refused.json()["words"].lower()
    info = gateway.client.get("/ledger").json()
    assert (info["regional_clearing"], info["region"]) == (deployment.regional_clearing, 1)
