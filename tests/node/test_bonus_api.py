"""A council's bonus runs, indexed and served: what each run issued, to how many holders, what was
spent at which business and in which category, what is left and what lapsed; the spendings in the
council's history as transfers of kind "bonus". On a real chain (anvil, whose clock the test moves
past one run's expiry) and a real index, SQLite and PostgreSQL."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from eth_account import Account

from next_contracts.bonuses import bonus_contract
from tests.node.helpers import indexed_gateway
from tests.node.test_access import bearer
from tests.node.test_api import ledger_of
from tests.support.chain import call, later

DAY = 86_400
BUSINESS = 1
CULTURE, LOCAL_SHOP = 4, 1


@pytest.fixture(scope="module")
def runs(w3, deployment, operator):
    return festival_and_year_end(w3, deployment, operator)


def festival_and_year_end(w3, deployment, operator):
    """A festival run (culture, lapsing in a day) of 3 x 10,00 and a year-end run (any category, 30
    days) of 5,00; 9,00 of the festival spent at a bookshop; then two days pass."""
    ledger = ledger_of(w3, deployment).functions
    bonuses = bonus_contract(w3, ledger.bonusAllowances().call())
    who = SimpleNamespace(
        council=Account.create(), bookshop=Account.create(), holders=[Account.create() for _ in range(3)]
    )
    call(w3, operator, ledger.admitCouncil(who.council.address, 1, b"\x07" * 32))  # as a vote would
    call(w3, operator, ledger.setCreditLine(who.council.address, 10_000_000, 100_000_000))
    call(w3, operator, ledger.admit(who.bookshop.address, BUSINESS, 1, b"\x07" * 32))
    call(w3, operator, ledger.setCreditLine(who.bookshop.address, 0, 100_000_000))
    for holder in who.holders:
        call(w3, operator, ledger.admit(holder.address, 0, 1, b"\x07" * 32))
    call(w3, operator, bonuses.functions.setCategories(who.bookshop.address, CULTURE | LOCAL_SHOP))
    now = int(w3.eth.get_block("latest")["timestamp"])
    who.festival, who.year_end = b"festival".ljust(32, b"\x00"), b"year-end".ljust(32, b"\x00")
    call(w3, who.council, bonuses.functions.openRun(now + DAY, CULTURE, [], who.festival))
    call(w3, who.council, bonuses.functions.openRun(now + 30 * DAY, 0, [], who.year_end))
    who.festival_id, who.year_end_id = bonuses.functions.runCount().call() - 1, bonuses.functions.runCount().call()
    holders = [h.address for h in who.holders]
    call(w3, who.council, bonuses.functions.issue(who.festival_id, holders, [1_000] * 3))
    call(w3, who.council, bonuses.functions.issue(who.year_end_id, holders[:1], [500]))
    call(w3, who.holders[0], bonuses.functions.spend(who.bookshop.address, 600, 0, b"\x01" * 32))
    call(w3, who.holders[1], bonuses.functions.spend(who.bookshop.address, 300, 0, b"\x02" * 32))
    later(w3, 2 * DAY)
    call(w3, who.council, ledger.pay(who.bookshop.address, 1, b"\x03" * 32))  # an indexed block after the expiry
    return who


@pytest.fixture
def client(w3, deployment, runs, database_url):
    return indexed_gateway(w3, deployment, database_url)


def test_the_council_sees_each_run_issued_spent_and_lapsed(client, runs, deployment):
    headers = bearer(client, runs.council, deployment)
    body = client.client.get(f"/accounts/{runs.council.address}/allowance-runs", headers=headers).json()
    assert body["council"] == runs.council.address
    festival, year_end = body["runs"]
    bookshop = runs.bookshop.address
    assert (festival["run_id"], festival["ref"], festival["categories"], festival["state"]) == (
        runs.festival_id, "festival", ["culture"], "expired"
    )  # fmt: skip
    assert (festival["holders"], festival["issued"], festival["spent"]) == (3, 3_000, 900)
    assert (festival["outstanding"], festival["lapsed"]) == (0, 2_100)
    assert festival["by_business"] == {bookshop: 900}
    assert festival["by_category"] == {"local-shop": 900, "culture": 900}  # a bookshop in both counts in each
    assert festival["issued_lines"] is None
    assert (year_end["state"], year_end["issued"], year_end["outstanding"], year_end["lapsed"]) == ("open", 500, 500, 0)
    assert year_end["categories"] == [] and year_end["by_business"] == {}

    # By reference: that run only, with its issued lines (what a wallet resumes an issue from).
    ref = "0x" + runs.festival.hex()
    [only] = client.client.get(
        f"/accounts/{runs.council.address}/allowance-runs", params={"ref": ref}, headers=headers
    ).json()["runs"]
    assert only["ref_hash"] == ref
    assert sorted(line["holder"] for line in only["issued_lines"]) == sorted(h.address for h in runs.holders)
    assert {line["amount"] for line in only["issued_lines"]} == {1_000}


def test_the_spendings_are_bonus_transfers_in_the_councils_history(client, runs, deployment):
    headers = bearer(client, runs.council, deployment)
    items = client.client.get(f"/accounts/{runs.council.address}/transfers", headers=headers).json()["items"]
    kinds = sorted((t["kind"], t["amount"]) for t in items)
    assert kinds == [("bonus", 300), ("bonus", 600), ("payment", 1)]
    assert all(t["to_address"] == runs.bookshop.address for t in items)


def test_a_holders_spendings_are_in_its_own_history(client, runs, deployment):
    """The council's account pays them, but they are the holder's spendings: its history shows each
    as paid out by it, to the business, with the council whose allowance paid."""
    holder = runs.holders[0]
    headers = bearer(client, holder, deployment)
    items = client.client.get(f"/accounts/{holder.address}/transfers", headers=headers).json()["items"]
    assert [(t["kind"], t["direction"], t["amount"], t["allowance_of"]) for t in items] == [
        ("bonus", "out", 600, runs.council.address)
    ]
    assert items[0]["to_address"] == runs.bookshop.address
    other = runs.holders[2]  # issued, never spent: nothing of the others' spendings
    assert (
        client.client.get(f"/accounts/{other.address}/transfers", headers=bearer(client, other, deployment)).json()[
            "items"
        ]
        == []
    )
    # The bookshop received them as ever; the council's own rows are unchanged (above).
    shop = bearer(client, runs.bookshop, deployment)
    received = client.client.get(f"/accounts/{runs.bookshop.address}/transfers", headers=shop).json()["items"]
    assert {(t["direction"], t["allowance_of"]) for t in received if t["kind"] == "bonus"} == {("in", None)}


def test_a_holder_cannot_read_the_councils_runs_and_bad_input_is_a_4xx(client, runs, deployment):
    path = f"/accounts/{runs.council.address}/allowance-runs"
    holder = bearer(client, runs.holders[0], deployment)
    assert client.client.get(path, headers=holder).status_code == 403
    assert client.client.get(path).status_code == 401
    council = bearer(client, runs.council, deployment)
    assert client.client.get(path, params={"ref": "festival"}, headers=council).status_code == 422
    empty = client.client.get(
        f"/accounts/{runs.bookshop.address}/allowance-runs", headers=bearer(client, runs.bookshop, deployment)
    )
    assert empty.status_code == 200 and empty.json()["runs"] == []
