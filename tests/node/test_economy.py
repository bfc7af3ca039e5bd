"""The economics, on a history built by hand whose every figure is worked out below: the indexer's
own batches apply its events to a real SQLite and a real PostgreSQL, then the replay that a rewind
runs builds the same tables again from the stored events.

The history (amounts in units; members all of region 1 but D, of region 2; credit limits 100):
  January   A pays B 100 (the 2nd), B pays C 60 (5th), C pays A 60 (6th), A pays S 40 (10th).
            A cycle A -> B -> C -> A of 60 runs through 260 of volume: 180 of it in cycles.
            Receipts 260; re-spent within 30 days: B 60, C 60, A 40 of its 60 = 160.
  February  B pays D 40 (the 20th): from B's receipt of 2 January, 49 days old: not re-spent. A
            vote sets two stimuli (the 25th): 50 more for region 2's individuals, 20 for all.
  March     council K's bonus run 7 pays S 100 (1st); S pays A 50 (3rd): the run's money, as S's
            January receipt is past 30 days; A pays B 30 (4th): the run's again. D, at +40, pays
            C 150 (5th): 40 from its receipt, 100 of its own credit, 10 below its limit of 100,
            which only stimulus credit allows: region 2's, the larger of D's two. C pays A 30
            (6th): 10 of it the stimulus's, taken first. A's key is recovered to A2 (10th), with
            its receipts; A2 pays B 20 (11th): the last of the run's 50 that reached A. D is
            excluded (20th).
  So run 7 turned over 100 + 50 + 30 + 20 = 200 (multiplier 2), the stimulus 10 + 10 (2).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from next_contracts import LEDGER as LEDGER_ARTIFACT
from next_contracts import load_artifact
from next_contracts.transact import calldata
from next_contracts.vocabulary import MemberStatus
from next_node.api.app import create_app
from next_node.api.tokens import AuthSettings, issue_token
from next_node.db.economy_tables import AccountFlow, EconomyCell, Injection
from next_node.db.engine import make_engine
from next_node.db.models import DERIVED_TABLES, Member
from next_node.indexer import cycles
from next_node.indexer.apply import open_batch
from next_node.indexer.decode import Contracts, Event
from next_node.indexer.replay import stored_events

UNIT = 100
LEDGER, BONUSES = "0x" + "1e" * 20, "0x" + "b0" * 20
A, B, C, D, S, K, A2 = (f"0x{n:040x}" for n in range(0xA, 0xA + 7))
INDIVIDUAL, BUSINESS, COUNCIL = 0, 1, 2
ACTIVE = 1


class History:
    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.contracts = Contracts({"ledger": LEDGER, "bonuses": BONUSES})
        self.block = 0

    def at(self, month: int, day: int, *events: tuple[str, str, dict[str, Any]]) -> None:
        """Applies `events` (contract family, name, args) in one block and one batch, on that day."""
        self.block += 1
        time = int(datetime(2026, month, day, 12, tzinfo=UTC).timestamp())
        decoded = [
            Event(family, name, args, self.block, "0x", time, f"0x{self.block:064x}", index)
            for index, (family, name, args) in enumerate(events)
        ]
        with Session(self.engine) as session, session.begin():
            batch = open_batch(session, self.contracts)
            batch.apply(decoded)
            batch.write()

    def admit(self, account: str, kind: int, region: int = 1) -> tuple[str, str, dict[str, Any]]:
        return (
            "ledger",
            "MemberAdmitted",
            {
                "account": account,
                "kind": kind,
                "region": region,
                "kycHash": b"\x01" * 32,
                "creditLimit": 100 * UNIT,
                "ceiling": 10_000 * UNIT,
            },
        )


def pay(payer: str, payee: str, units: int) -> tuple[str, str, dict[str, Any]]:
    return ("ledger", "Transferred", {"from": payer, "to": payee, "amount": units * UNIT, "fee": 0, "ref": b"\0" * 32})


def stimulus(region: int | None, kind: int | None, units: int, end: tuple[int, int]) -> tuple[str, str, dict[str, Any]]:
    ends_at = int(datetime(2026, *end, tzinfo=UTC).timestamp())
    args = {"scope": b"\x05" * 32, "allRegions": region is None, "region": region or 0, "allKinds": kind is None}
    return ("ledger", "StimulusSet", args | {"kind": kind or 0, "extraCredit": units * UNIT, "endsAt": ends_at})


def build(engine: Any) -> None:
    history = History(engine)
    history.at(1, 1, *(history.admit(a, INDIVIDUAL) for a in (A, B, C)), history.admit(S, BUSINESS))
    history.at(1, 1, history.admit(D, INDIVIDUAL, region=2), history.admit(K, COUNCIL))
    history.at(1, 2, pay(A, B, 100))
    history.at(1, 5, pay(B, C, 60))
    history.at(1, 6, pay(C, A, 60))
    history.at(1, 10, pay(A, S, 40))
    history.at(2, 20, pay(B, D, 40))
    history.at(2, 25, stimulus(2, INDIVIDUAL, 50, (4, 30)), stimulus(None, None, 20, (4, 30)))
    spent = {"runId": 7, "holder": A, "payee": S, "amount": 100 * UNIT, "ref": b"\0" * 32}
    history.at(3, 1, ("bonuses", "AllowanceSpent", spent), pay(K, S, 100))
    history.at(3, 3, pay(S, A, 50))
    history.at(3, 4, pay(A, B, 30))
    history.at(3, 5, pay(D, C, 150))
    history.at(3, 6, pay(C, A, 30))
    # A's debt (-30) moves as a payment from the new key to the old, then the migration names it.
    history.at(3, 10, pay(A2, A, 30), ("ledger", "AccountMigrated", {"from": A, "to": A2}))
    history.at(3, 11, pay(A2, B, 20))
    excluded = {"account": D, "newStatus": MemberStatus.EXCLUDED.code}
    history.at(3, 20, ("ledger", "MemberStatusChanged", excluded))  # D, after paying in March


def cells(engine: Any) -> dict[str, dict[str, Any]]:
    with Session(engine) as session:
        return {c.cell: c.model_dump() for c in session.execute(select(EconomyCell)).scalars()}


def injections(engine: Any) -> dict[str, dict[str, Any]]:
    with Session(engine) as session:
        return {i.tag: i.model_dump() for i in session.execute(select(Injection)).scalars()}


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    build(engine)
    yield engine
    engine.dispose()


def test_each_figure_of_a_history_worked_out_by_hand(engine):
    figures = cells(engine)
    people, shop, far = figures["2026-01/1/individual"], figures["2026-01/1/business"], figures["2026-01/2/individual"]
    # January: volume and receipts, 160 of the 260 re-spent within 30 days, all members of region 1 active.
    assert (people["payments"], people["volume"], people["payers"]) == (4, 260 * UNIT, 3)
    assert (people["received"], people["respent"], shop["received"], shop["respent"]) == (
        220 * UNIT, 160 * UNIT, 40 * UNIT, 0,
    )  # fmt: skip
    assert (people["members"], people["active"], shop["members"], shop["active"]) == (3, 3, 1, 1)
    assert (far["members"], far["active"]) == (1, 0)  # D, dormant
    # Circulation at the month's end: B +40 (A -80, C 0), S +40.
    assert (people["circulation"], shop["circulation"]) == (40 * UNIT, 40 * UNIT)
    # February: B's payment from a receipt 49 days old is not re-spending; A, C and S are dormant.
    february = figures["2026-02/1/individual"]
    assert (february["volume"], february["active"], february["members"]) == (40 * UNIT, 1, 3)
    assert figures["2026-02/1/individual"]["respent"] == 0
    assert figures["2026-02/2/individual"]["received"] == 40 * UNIT
    assert figures["2026-02/1/business"]["active"] == 0
    # March: D's 150 used its 40 received within 30 days; A2 counts as A, once, and A is no more.
    march = figures["2026-03/1/individual"]
    assert figures["2026-03/2/individual"]["respent"] == 0  # the 40 were received in February ...
    assert figures["2026-02/2/individual"]["respent"] == 40 * UNIT  # ... and counted there
    assert (march["members"], march["payers"], march["active"]) == (3, 2, 3)  # A (and A2), C; and B
    assert march["volume"] == (30 + 30 + 20) * UNIT  # A 30, C 30, A2 20 (the migration is no trade)
    assert figures["2026-03/1/council"]["volume"] == 100 * UNIT
    # D, excluded on the 20th after paying: no longer a member, nor an active one, its payment counted.
    far = figures["2026-03/2/individual"]
    assert (far["members"], far["active"], far["volume"]) == (0, 0, 150 * UNIT)

    runs = injections(engine)
    run, stimulus = runs["bonus/7"], runs["stimulus/8.0"]
    assert (run["injected"], run["turnover"]) == (100 * UNIT, 200 * UNIT)
    assert (stimulus["injected"], stimulus["turnover"], stimulus["spenders"]) == (10 * UNIT, 20 * UNIT, 1)
    assert stimulus["label"] == "2|individual|2026-04-30" and "stimulus/8.1" not in runs  # the smaller: not drawn
    with Session(engine) as session:
        a2 = session.get(AccountFlow, A2)
        march_6 = int(datetime(2026, 3, 6, tzinfo=UTC).timestamp()) // 86_400
        # The run's 20 went on to B; what C paid A on 6 March is A2's: the stimulus's 10 first.
        assert a2 is not None and json.loads(a2.receipts) == [
            [march_6, 10 * UNIT, "stimulus/8.0"],
            [march_6, 20 * UNIT, ""],
        ]
        assert session.get(Member, A2) is not None


def test_cycles_of_each_month(engine):
    with Session(engine) as session, session.begin():
        assert cycles.refresh(session, 14) == "2026-01"
    with Session(engine) as session, session.begin():
        assert cycles.refresh(session, 14) == "2026-02"
        assert cycles.refresh(session, 14) == "2026-03"
        assert cycles.refresh(session, 14) is None  # each month is current
    figures = cells(engine)
    assert figures["2026-01/1/individual"]["cycles"] == 180 * UNIT  # A -> B -> C -> A, 60 each
    assert figures["2026-01/1/business"]["cycles"] == 0
    assert figures["2026-02/1/individual"]["cycles"] == 0
    # March: S -> A -> B? No edge comes back to S; C -> A -> ... -> C? A pays B, B pays nobody: none.
    assert sum(c["cycles"] for c in figures.values() if c["period"] == "2026-03") == 0


def test_max_circulation_takes_the_largest_not_the_first_cycle_found():
    # Two cycles share the edge A -> B (capacity 10): A B C A (10 each way) and A B D A (5): the
    # circulation is 10 through B, split between C and D as their returns allow, 20 + 10 at most.
    edges = [("a", "b", 10), ("b", "c", 10), ("c", "a", 6), ("b", "d", 10), ("d", "a", 5), ("a", "e", 7)]
    flows = cycles.max_circulation(edges)
    assert sum(flows) == 10 * 3 and flows[-1] == 0
    assert cycles.max_circulation([]) == [] and cycles.max_circulation([("a", "b", 5)]) == [0]


def test_the_replay_of_a_rewind_builds_the_same_figures(engine):
    with Session(engine) as session, session.begin():
        cycles.refresh(session, 14)
    before_cells, before_runs = cells(engine), injections(engine)
    with Session(engine) as session, session.begin():
        for model in DERIVED_TABLES:
            session.execute(delete(model))
        contracts = Contracts({"ledger": LEDGER, "bonuses": BONUSES})
        events = list(stored_events(session))
        batch = open_batch(session, contracts)
        batch.apply(events, record=False)
        batch.write()
    after = cells(engine)
    for cell in before_cells.values():
        cell["cycles"] = 0  # computed by the indexer after the replay, between batches
    assert after == before_cells
    assert injections(engine) == before_runs


@pytest.fixture
def api(engine, w3, deployment, operator):
    settings = AuthSettings(domain="gateway.test")
    client = TestClient(create_app(engine, deployment, w3, settings))
    token = issue_token(settings, operator, deployment.chain_id).token
    return SimpleNamespace(client=client, staff={"Authorization": f"Bearer {token}"})


def test_the_figures_as_the_api_serves_them(api, engine):
    with Session(engine) as session, session.begin():
        while cycles.refresh(session, 14):
            pass
    staff = api.client.get("/economy", headers=api.staff).json()
    (whole,) = staff["series"]
    assert [m["period"] for m in whole["months"]] == ["2026-01", "2026-02", "2026-03"]
    january = whole["months"][0]
    assert (january["volume"], january["circulation"], january["velocity"]) == (260 * UNIT, 80 * UNIT, 3.25)
    assert (january["received"], january["respent"]) == (260 * UNIT, 160 * UNIT)
    assert january["respent_share"] == pytest.approx(160 / 260) and january["cycles_share"] == pytest.approx(180 / 260)
    assert (january["members"], january["active"], january["dormant"]) == (6, 4, 2)  # D and council K
    assert january["respent_final"] is False  # the index's last block is no later than March
    by_region = api.client.get("/economy", params={"by": "region"}, headers=api.staff).json()["series"]
    assert [(s["region"], s["months"][1]["volume"]) for s in by_region] == [(1, 40 * UNIT), (2, 0)]
    shops = api.client.get("/economy", params={"kind": "business"}, headers=api.staff).json()["series"]
    assert [m["received"] for m in shops[0]["months"]] == [40 * UNIT, 0, 100 * UNIT]
    last = api.client.get("/economy", params={"months": 1}, headers=api.staff).json()["series"][0]["months"]
    assert [m["period"] for m in last] == ["2026-03"]

    runs = api.client.get("/economy/multipliers", headers=api.staff).json()
    assert {i["tag"]: i["multiplier"] for i in runs["injections"]} == {"bonus/7": 2.0, "stimulus/8.0": 2.0}


def test_the_public_sees_no_group_of_fewer_than_five(api):
    public = api.client.get("/economy").json()
    # Every group here is of fewer than 5 members: the public sees the months, and no figure.
    assert public["hidden_cells"] > 0 and public["series"] == []
    runs = api.client.get("/economy/multipliers").json()
    assert runs["injections"] == [] and runs["hidden"] == 2  # run 7 issued to no 5 holders; 1 drew stimulus


@pytest.mark.parametrize(
    "query", ["by=member", "months=0", "months=121", "kind=alien", "region=-1", "region=70000", "months=1e999999"]
)
def test_bad_questions_get_a_4xx(api, query):
    assert api.client.get(f"/economy?{query}").status_code == 422


def test_a_small_group_is_not_the_difference_of_public_figures(database_url, w3, deployment, operator):
    """One council (a group of 1) pays: hidden; the businesses (5, all paying) would be shown, but then
    /stats's public totals less the individuals' would be the council's own figures: they are
    hidden with it. Every filter sees the same cells."""
    engine = make_engine(database_url)
    people = [f"0x{0x100 + n:040x}" for n in range(6)]
    shops = [f"0x{0x200 + n:040x}" for n in range(5)]
    council = f"0x{0x300:040x}"
    history = History(engine)
    history.at(
        1,
        1,
        *(history.admit(a, INDIVIDUAL) for a in people),
        *(history.admit(a, BUSINESS) for a in shops),
        history.admit(council, COUNCIL),
    )
    history.at(1, 2, *(pay(a, b, 10) for a, b in zip(people, people[1:] + people[:1], strict=True)))
    history.at(1, 3, *(pay(shop, people[0], 5) for shop in shops), pay(council, people[1], 7))
    settings = AuthSettings(domain="gateway.test")
    client = TestClient(create_app(engine, deployment, w3, settings))
    staff = {"Authorization": f"Bearer {issue_token(settings, operator, deployment.chain_id).token}"}

    def volumes(headers: dict[str, str] | None = None, **params: str) -> dict[str | None, int]:
        body = client.get("/economy", params={"by": "kind", **params}, headers=headers or {}).json()
        return {s["kind"]: s["months"][0]["volume"] for s in body["series"]}

    assert volumes(staff) == {"business": 25 * UNIT, "council": 7 * UNIT, "individual": 60 * UNIT}
    assert volumes() == {"individual": 60 * UNIT}
    assert volumes(kind="business") == {} and volumes(region="1") == {"individual": 60 * UNIT}
    engine.dispose()


def test_stimulus_credit_drawn_on_a_real_chain_is_followed(database_url, w3, deployment, operator):
    """A stimulus set on the ledger (the operator holds the vote's role here), a member who pays 40,00
    with a limit of 10,00, its payee who pays 12,00 of it on: the index names the stimulus by where it
    was set, with its scope and end, and what was drawn and turned over."""
    from next_contracts.transact import send
    from tests.node.helpers import index_to_head
    from tests.support.chain import call

    ledger = w3.eth.contract(deployment.ledger, abi=load_artifact(LEDGER_ARTIFACT).abi).functions
    payer, payee, other = Account.create(), Account.create(), Account.create()
    region = 100 + w3.eth.block_number % 1_000  # a region of its own: the chain is the module's
    for member in (payer, payee, other):
        call(w3, operator, ledger.admit(member.address, INDIVIDUAL, region, b"\x01" * 32))
        call(w3, operator, ledger.setCreditLine(member.address, 1_000, 10_000_000))
    ends = w3.eth.get_block("latest")["timestamp"] + 86_400
    scope = (False, region, True, 0)
    set_at = call(w3, operator, ledger.setStimulus(scope, 5_000, ends))
    try:
        send(w3, payer, {"to": deployment.ledger, "data": calldata(ledger.pay(payee.address, 4_000, b"\x00" * 32))})
        send(w3, payee, {"to": deployment.ledger, "data": calldata(ledger.pay(other.address, 1_200, b"\x00" * 32))})
    finally:
        call(w3, operator, ledger.setStimulus(scope, 0, ends))  # ended early, for the tests after
    engine = make_engine(database_url)
    index_to_head(engine, w3, deployment)
    with Session(engine) as session:
        drawn = [i for i in session.execute(select(Injection)).scalars() if i.label.startswith(f"{region}|")]
    assert [i.tag.split(".")[0] for i in drawn] == [f"stimulus/{set_at['blockNumber']}"]
    (stimulus,) = drawn
    day = datetime.fromtimestamp(ends, UTC).date().isoformat()
    # 40,00 and its fee of 0,08 paid from a balance of 0 and a limit of 10,00: 30,08 drawn, and
    # 12,00 of it paid on.
    assert stimulus.label == f"{region}|*|{day}" and stimulus.injected == 3_008 and stimulus.turnover == 3_008 + 1_200
    engine.dispose()
