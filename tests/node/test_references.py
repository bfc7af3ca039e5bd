"""A reference's words: the chain keeps a reference of more than 32 bytes as its hash; a member who
used it gives its words, and the history, the receipt and the batch runs say them. On SQLite and
PostgreSQL."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from eth_account import Account

from next_contracts.vocabulary import reference
from tests.node.helpers import gateway_on_either_database
from tests.support.chain import call
from tests.wallet.conftest import admit, ledger_of

LONG = "primes de décembre 2026, service jeunesse et sports"  # 52 bytes: the chain holds its hash


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, w3, deployment, operator, tmp_path_factory):
    council, alice, bob, stranger = (Account.create() for _ in range(4))
    admit(w3, deployment, operator, council.address, kind=2, limit=10**7, ceiling=10**7)
    for member in (alice, bob, stranger):
        admit(w3, deployment, operator, member.address)
    ledger = ledger_of(w3, deployment)
    paid = call(w3, council, ledger.functions.payBatch([alice.address, bob.address], [1_000, 2_000], reference(LONG)))
    call(w3, alice, ledger.functions.pay(bob.address, 150, reference("facture 7")))
    gateway = gateway_on_either_database(request, tmp_path_factory, "references", w3, deployment)
    yield SimpleNamespace(
        client=gateway.client,
        as_=gateway.as_,
        council=council,
        alice=alice,
        bob=bob,
        stranger=stranger,
        tx=paid["transactionHash"],
    )
    gateway.engine.dispose()


def _history(world, who):
    answer = world.client.get(f"/accounts/{who.address}/transfers", headers=world.as_(who.address))
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def test_a_long_reference_is_said_in_words_once_a_member_gave_them(world):
    hashed = "0x" + reference(LONG).hex()
    before = [t for t in _history(world, world.alice) if t["ref"] == hashed]
    assert len(before) == 1 and before[0]["ref_words"] is None  # only the hash, until someone gives words
    kept = world.client.post("/references", json={"text": LONG}, headers=world.as_(world.council.address))
    assert kept.status_code == 200 and kept.json() == {"ref": hashed, "text": LONG, "kept": True}
    again = world.client.post("/references", json={"text": LONG}, headers=world.as_(world.bob.address))
    assert again.status_code == 200 and again.json()["kept"]  # the same words again change nothing
    (line,) = [t for t in _history(world, world.alice) if t["ref"] == hashed]
    assert line["ref_words"] == LONG
    runs = world.client.get(f"/accounts/{world.council.address}/bonus-runs", headers=world.as_(world.council.address))
    (run,) = [r for r in runs.json()["items"] if r["ref"] == hashed]
    assert run["ref_words"] == LONG and run["lines"] == 2
    tx = world.tx.to_0x_hex()
    receipt = world.client.get(f"/receipts/{tx}", headers=world.as_(world.bob.address)).json()
    assert [line["ref_words"] for line in receipt["lines"]] == [LONG]  # bob sees his own line, in words
    short = [t for t in _history(world, world.bob) if t["amount"] == 150]
    assert short[0]["ref_words"] is None  # a short reference is readable on-chain by itself


def test_only_a_texts_own_hash_takes_its_words_and_only_from_a_signed_in_member(world):
    assert world.client.post("/references", json={"text": LONG}).status_code == 401
    short = world.client.post("/references", json={"text": "facture 7"}, headers=world.as_(world.alice.address))
    assert short.json() == {"ref": "0x" + reference("facture 7").hex(), "text": "facture 7", "kept": False}
    for bad in ("line\nbreak" * 5, " leading space, and more than thirty-two bytes", "x" * 201, ""):
        refused = world.client.post("/references", json={"text": bad}, headers=world.as_(world.alice.address))
        assert refused.status_code == 422, bad
    french = world.client.post(
        "/references",
        json={"text": "tab\there, and more than thirty-two bytes long"},
        headers={**world.as_(world.alice.address), "Accept-Language": "fr"},
    )
    assert french.json()["code"] == "gateway.reference_unprintable" and "imprimable" in french.json()["detail"]
    # A stranger to the payments reads nothing of them by giving words: the rows stay its parties'.
    kept = world.client.post("/references", json={"text": LONG}, headers=world.as_(world.stranger.address))
    assert kept.status_code == 200
    assert all(t["ref"] != "0x" + reference(LONG).hex() for t in _history(world, world.stranger))


def test_a_member_gives_words_at_the_relays_rate_not_a_flood(world):
    """Each request keeps a row: a member (and its IP) is held to the relay's rate, 120 a minute."""
    member = world.stranger.address
    codes = [
        world.client.post("/references", json={"text": f"{LONG} {n}"}, headers=world.as_(member)).status_code
        for n in range(121)
    ]
    assert 429 in codes, codes
    refused = codes.index(429)
    assert refused > 100 and codes[:refused] == [200] * refused and set(codes[refused:]) == {429}
