"""People have names: profiles written and signed by their members, kept by the gateway apart
from the index, shown by the rules of privacy, hidden by a registrar; on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from sqlalchemy import select
from sqlmodel import SQLModel

from next_node.api.profiles import ProfileFields, message
from next_node.db.kept import PROFILES
from tests.node.helpers import gateway_on_either_database
from tests.support.chain import call
from tests.wallet.conftest import admit, ledger_of


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, w3, deployment, operator, tmp_path_factory):
    bakery, alice, bob, carol = (Account.create() for _ in range(4))
    admit(w3, deployment, operator, bakery.address, kind=1)
    for member in (alice, bob, carol):
        admit(w3, deployment, operator, member.address)
    call(w3, alice, ledger_of(w3, deployment).functions.pay(bob.address, 100, b"\x00" * 32))
    gateway = gateway_on_either_database(request, tmp_path_factory, "profiles", w3, deployment)
    yield SimpleNamespace(
        client=gateway.client,
        engine=gateway.engine,
        as_=gateway.as_,
        bakery=bakery,
        alice=alice,
        bob=bob,
        carol=carol,
        operator=operator,
    )
    gateway.engine.dispose()


def signed(deployment, account, signer=None, signed_at=None, **fields):
    """A profile's body as the web app sends it: its fields, signed by `signer` (the account)."""
    when = int(time.time()) if signed_at is None else signed_at
    lines = message(account.address, deployment.chain_id, ProfileFields(**fields), when)
    signature = Account.sign_message(encode_defunct(text=lines), (signer or account).key).signature.to_0x_hex()
    return {**fields, "signed_at": when, "signature": signature}


BAKERY = {
    "name": "Boulangerie du Levain",
    "town": "Lyon",
    "categories": ["Boulangerie", "local-shop"],
    "description": "Pain au levain, viennoiseries",
    "hours": "mar-sam 7h-19h",
}


def test_a_business_profile_is_public_and_in_the_directory(world, deployment):
    c, bakery = world.client, world.bakery
    written = c.put(
        f"/accounts/{bakery.address}/profile",
        json=signed(deployment, bakery, **BAKERY),
        headers=world.as_(bakery.address),
    )
    assert written.status_code == 200, written.text
    assert written.json()["categories"] == ["boulangerie", "local-shop"] and written.json()["signature"]
    shown = c.get(f"/accounts/{bakery.address}/profile").json()  # no token: a shop's sign is public
    assert (shown["name"], shown["town"], shown["kind"]) == ("Boulangerie du Levain", "Lyon", "business")
    assert shown["message"] is None and shown["signature"] is None  # the proof is for its member and staff
    found = c.get("/directory", params={"category": "boulangerie", "town": "lyon"}).json()["items"]
    assert [p["address"] for p in found] == [bakery.address]
    assert [p["name"] for p in c.get("/directory", params={"q": "levain"}).json()["items"]] == [BAKERY["name"]]
    assert c.get("/directory", params={"category": "boulang"}).json()["items"] == []  # a category is a word
    assert c.get("/directory", params={"q": "%"}).json()["items"] == []  # a wildcard is a character
    for bad in ({"q": "a\x00b"}, {"town": "\x00"}, {"category": "x\ny"}):  # PostgreSQL refuses NUL: a 422
        assert c.get("/directory", params=bad).status_code == 422, bad
    assert c.post("/names", json={"addresses": [bakery.address]}).json()["names"] == {bakery.address: BAKERY["name"]}


def test_an_individuals_name_is_for_those_it_paid_or_was_paid_by(world, deployment):
    c, alice, bob, carol = world.client, world.alice, world.bob, world.carol
    body = signed(deployment, alice, name="Alice Martin")
    assert c.put(f"/accounts/{alice.address}/profile", json=body, headers=world.as_(alice.address)).status_code == 200
    assert c.get(f"/accounts/{alice.address}/profile", headers=world.as_(bob.address)).json()["name"] == "Alice Martin"
    assert c.post("/names", json={"addresses": [alice.address]}, headers=world.as_(bob.address)).json()["names"] == {
        alice.address: "Alice Martin"
    }
    for stranger in ({}, world.as_(carol.address)):  # never paid: the same 404 as no profile
        assert c.get(f"/accounts/{alice.address}/profile", headers=stranger).status_code == 404
        assert c.post("/names", json={"addresses": [alice.address]}, headers=stranger).json()["names"] == {}
    staff = c.get(f"/accounts/{alice.address}/profile", headers=world.as_(world.operator)).json()
    assert staff["name"] == "Alice Martin" and staff["message"].startswith("NExT profile\nAddress: ")
    # Chosen public: named to everyone.
    body = signed(deployment, alice, signed_at=int(time.time()) + 1, name="Alice Martin", public=True)
    assert c.put(f"/accounts/{alice.address}/profile", json=body, headers=world.as_(alice.address)).status_code == 200
    assert c.get(f"/accounts/{alice.address}/profile").json()["public"] is True


def test_a_profile_must_be_signed_by_its_member_recently_and_well_formed(world, deployment):
    c, alice, bob = world.client, world.alice, world.bob
    path, mine = f"/accounts/{bob.address}/profile", world.as_(bob.address)
    forged = c.put(path, json=signed(deployment, bob, signer=alice, name="Bob"), headers=mine)
    assert forged.status_code == 400 and f"signed by {alice.address}" in forged.json()["detail"]
    stale = c.put(path, json=signed(deployment, bob, signed_at=int(time.time()) - 3600, name="Bob"), headers=mine)
    assert stale.status_code == 400 and "sign the profile again" in stale.json()["detail"]
    assert c.put(path, json=signed(deployment, bob, name="Bob"), headers=world.as_(alice.address)).status_code == 403
    assert c.put(path, json=signed(deployment, bob, name="Bob")).status_code == 401
    for bad in (
        {"name": "Bob\nAdmin"},
        {"name": ""},
        {"name": "x" * 81},
        {"name": "Bob", "categories": list("abcdef")},
    ):
        body = {**bad, "signed_at": int(time.time()), "signature": "0x" + "11" * 65}
        assert c.put(path, json=body, headers=mine).status_code == 422, bad
    when = int(time.time())
    assert c.put(path, json=signed(deployment, bob, signed_at=when, name="Bob"), headers=mine).status_code == 200
    replayed = c.put(path, json=signed(deployment, bob, signed_at=when - 5, name="Robert"), headers=mine)
    assert replayed.status_code == 400 and "newer profile" in replayed.json()["detail"]


def test_a_registrar_hides_an_abusive_profile_and_it_stays_hidden(world, deployment):
    c, bakery = world.client, world.bakery
    path = f"/accounts/{bakery.address}/profile"
    body = signed(deployment, bakery, signed_at=int(time.time()) + 2, **{**BAKERY, "name": "Insulte"})
    assert c.put(path, json=body, headers=world.as_(bakery.address)).status_code == 200
    refused = c.post(f"{path}/moderation", json={"hidden": True}, headers=world.as_(world.alice.address))
    assert refused.status_code == 403
    hidden = c.post(
        f"{path}/moderation", json={"hidden": True, "reason": "injurieux"}, headers=world.as_(world.operator)
    )
    assert hidden.status_code == 200 and hidden.json()["hidden"] is True
    assert c.get(path).status_code == 404 and c.get("/directory", params={"q": "Insulte"}).json()["items"] == []
    own = c.get(path, headers=world.as_(bakery.address)).json()
    assert own["hidden"] is True and own["hidden_reason"] == "injurieux"
    again = signed(deployment, bakery, signed_at=int(time.time()) + 3, **BAKERY)
    assert c.put(path, json=again, headers=world.as_(bakery.address)).json()["hidden"] is True  # still hidden
    assert c.post(f"{path}/moderation", json={"hidden": False}, headers=world.as_(world.operator)).status_code == 200
    assert c.get(path).json()["name"] == BAKERY["name"]


def test_profiles_outlive_an_index_rebuilt_from_the_chain(world, deployment):
    """The index is dropped and rebuilt whenever its schema changes: profiles are not in it."""
    carol = world.carol
    body = signed(deployment, carol, name="Carol")
    path = f"/accounts/{carol.address}/profile"
    assert world.client.put(path, json=body, headers=world.as_(carol.address)).is_success
    SQLModel.metadata.drop_all(world.engine)
    SQLModel.metadata.create_all(world.engine)
    with world.engine.connect() as connection:
        kept = connection.execute(select(PROFILES.c.address, PROFILES.c.name)).all()
    assert (carol.address.lower(), "Carol") in kept
