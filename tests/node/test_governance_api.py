"""Proposals and votes, indexed from the governor's events and served: the proposals and their
totals to anyone, how each member voted to auditors only, and a member's own votes to itself. On a
real chain (anvil, whose clock the test moves) and a real index, SQLite and PostgreSQL."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from eth_abi import encode
from eth_account import Account
from web3 import Web3

from next_contracts import load_artifact
from next_contracts.constitution import GovernanceConfig
from next_contracts.deploy import GOVERNOR
from next_contracts.transact import calldata, send
from tests.node.helpers import indexed_gateway
from tests.node.test_access import bearer
from tests.node.test_api import ledger_of
from tests.support.chain import call, later

DAY = GovernanceConfig().voting_delay


@pytest.fixture(scope="module")
def voters(w3, deployment, operator):
    """Three members who vote, an auditor, and a proposal to set the fee: two for, one against
    (with a reason that is not UTF-8, as anyone may send)."""
    ledger = ledger_of(w3, deployment)
    governor = w3.eth.contract(deployment.governor, abi=load_artifact(GOVERNOR).abi)
    who = SimpleNamespace(**{name: Account.create() for name in ("ann", "ben", "cat", "auditor")})
    for account in (who.ann, who.ben, who.cat):
        call(w3, operator, ledger.functions.admit(account.address, 0, 1, b"\x07" * 32))
    call(w3, operator, ledger.functions.grantRole(Web3.keccak(text="AUDITOR_ROLE"), who.auditor.address))
    later(w3, 1)
    fee = bytes.fromhex(calldata(ledger.functions.setFee(30))[2:])
    description = "Fee to 0.30 %\u00a0: pour la réserve"
    call(w3, who.ann, governor.functions.propose([ledger.address], [0], [fee], description))
    who.proposal_id = governor.functions.hashProposal(
        [ledger.address], [0], [fee], Web3.keccak(text=description)
    ).call()
    who.description = description
    later(w3, DAY + 1)
    call(w3, who.ann, governor.functions.castVote(who.proposal_id, 1))
    call(w3, who.ben, governor.functions.castVoteWithReason(who.proposal_id, 1, "oui"))
    # A reason that is not UTF-8 and holds a NUL (a string and bytes encode alike): the index takes it.
    selector = governor.encode_abi("castVoteWithReason", [0, 0, ""])[:10]
    hostile = selector + encode(["uint256", "uint8", "bytes"], [who.proposal_id, 0, b"\xff\x00bad"]).hex()
    send(w3, who.cat, {"to": governor.address, "data": hostile})
    return who


@pytest.fixture
def gateway(w3, deployment, voters, database_url):
    """The gateway over a fresh index of the chain, on SQLite and on PostgreSQL (which refuses a NUL)."""
    return indexed_gateway(w3, deployment, database_url)


def test_anyone_sees_the_proposals_with_their_totals_rule_and_state(gateway, voters, deployment):
    page = gateway.client.get("/proposals").json()
    assert len(page["items"]) == 1 and page["next_cursor"] is None
    proposal = page["items"][0]
    assert proposal["proposal_id"] == str(voters.proposal_id)
    assert proposal["short_id"] == f"{voters.proposal_id:064x}"[:10]
    assert proposal["description"] == voters.description
    assert proposal["proposer"] == voters.ann.address
    assert proposal["state"] == "active"
    assert proposal["votes"] == {"for": 2, "against": 1, "abstain": 0}
    assert proposal["rule"] == {
        "kinds": ["fee"],
        "quorum_bps": 1_000,
        "support_bps": 5_000,
        "delay": 0,  # the timelock's own
        "quorum_votes": 1,
    }
    assert proposal["calls"][0]["target"] == deployment.ledger.lower()
    # The call members vote on, in words, in the reader's language; the title names its kind.
    assert proposal["calls"][0]["words"] == "[fee] set the payment fee to 0.3% (the ledger)"
    assert proposal["calls"][0]["kind"] == "fee" and proposal["calls"][0]["args"] == {"newFeeBps": 30}
    assert proposal["description_matches"] is True and proposal["unnamed_kinds"] == []
    one = gateway.client.get(f"/proposals/{voters.proposal_id}").json()
    assert one == proposal
    french = gateway.client.get(f"/proposals/{voters.proposal_id}", headers={"Accept-Language": "fr"}).json()
    assert (
        french["calls"][0]["words"]
        == "[cotisation] fixer la cotisation sur les paiements à 0,3\u202f% (le registre des comptes)"
    )


@pytest.mark.parametrize("path", ["/proposals/12345", "/proposals/abc", "/proposals/" + "9" * 79])
def test_an_unknown_or_malformed_proposal_is_a_4xx(gateway, path):
    assert gateway.client.get(path).status_code in (404, 422)


def test_how_each_member_voted_is_for_auditors_only(gateway, voters, deployment):
    path = f"/proposals/{voters.proposal_id}/votes"
    assert gateway.client.get(path).status_code == 401
    assert gateway.client.get(path, headers=bearer(gateway, voters.ann, deployment)).status_code == 403
    votes = gateway.client.get(path, headers=bearer(gateway, voters.auditor, deployment)).json()
    assert [(v["voter"], v["support"], v["weight"]) for v in votes] == [
        (voters.ann.address, "for", 1),
        (voters.ben.address, "for", 1),
        (voters.cat.address, "against", 1),
    ]
    assert votes[1]["reason"] == "oui"
    assert votes[2]["reason"] == "\ufffd\ufffdbad"  # not UTF-8, and a NUL: replaced, never a stuck index


def test_a_member_sees_its_own_votes_and_no_one_elses(gateway, voters, deployment):
    mine = gateway.client.get(f"/accounts/{voters.ben.address}/votes", headers=bearer(gateway, voters.ben, deployment))
    assert [(v["proposal_id"], v["support"]) for v in mine.json()] == [(str(voters.proposal_id), "for")]
    other = gateway.client.get(f"/accounts/{voters.ann.address}/votes", headers=bearer(gateway, voters.ben, deployment))
    assert other.status_code == 403
    audited = gateway.client.get(
        f"/accounts/{voters.ann.address}/votes", headers=bearer(gateway, voters.auditor, deployment)
    )
    assert audited.status_code == 200 and len(audited.json()) == 1


def test_a_proposal_is_drafted_by_the_cli_rules_for_the_web_app(w3, deployment):
    """What the page proposes with: the kinds and their values, then the calls and the id the governor
    gives them; a kind or a value the rules refuse is a 422 in words. No chain state is needed."""
    from fastapi.testclient import TestClient

    from next_node.api.app import create_app
    from next_node.db.engine import make_engine

    client = TestClient(create_app(make_engine("sqlite://"), deployment, w3))
    kinds = client.get("/proposal-kinds").json()
    assert kinds["fee"] == ["RATE"] and kinds["stimulus"] == ["REGION", "MEMBER_KIND", "EXTRA", "END"]
    drafted = client.post("/proposal-drafts", json={"kind": "fee", "values": ["0,4"], "description": "0,4 %"})
    assert drafted.status_code == 200, drafted.text
    body = drafted.json()
    fee = ledger_of(w3, deployment).encode_abi("setFee", [40])
    assert body["calls"] == [{"target": deployment.ledger, "value": 0, "data": fee}]
    assert body["summary"].startswith("set the payment fee to 0.4% (40 bps)") and body["description"] == "0,4 %"
    governor = w3.eth.contract(deployment.governor, abi=load_artifact(GOVERNOR).abi)
    expected = governor.functions.hashProposal(
        [deployment.ledger], [0], [bytes.fromhex(fee[2:])], Web3.keccak(text="0,4 %")
    ).call()
    assert body["proposal_id"] == str(expected)
    stimulus = {"kind": "stimulus", "values": ["2", "business", "200", "2027-03-31"]}
    undated = client.post("/proposal-drafts", json=stimulus)
    assert undated.status_code == 200 and "(proposed 20" in undated.json()["description"]
    for bad in (
        {"kind": "dictatorship", "values": []},
        {"kind": "fee", "values": ["beaucoup"]},
        {"kind": "fee", "values": ["0,4", "0,5"]},
        {"kind": "fee", "values": ["1"] * 9},
        {"kind": "fee", "values": ["x" * 201]},
        {"kind": "credit-line", "values": ["dragon", "1", "2"]},
    ):
        refused = client.post("/proposal-drafts", json=bad)
        assert refused.status_code == 422, (bad, refused.text)
    assert "not a kind of proposal" in client.post("/proposal-drafts", json={"kind": "x", "values": []}).text
    # In French for a French client: the summary, the default description (whose words name the kind,
    # as the check of descriptions wants), and a refusal with its code and arguments.
    french = {"Accept-Language": "fr-FR,fr;q=0.9"}
    drafted = client.post("/proposal-drafts", json={"kind": "fee", "values": ["0,4"]}, headers=french).json()
    assert drafted["summary"] == "fixer la cotisation sur les paiements à 0,4\u202f% (40 points de base)"
    assert "(proposé le 20" in drafted["description"]
    refused = client.post("/proposal-drafts", json={"kind": "fee", "values": ["beaucoup"]}, headers=french)
    assert refused.status_code == 422 and refused.json()["code"] == "wallet.propose.not_percent"
    assert refused.json()["detail"] == "pas une valeur de cotisation : 'beaucoup' (un pourcentage comme 0,35)"


def test_no_value_makes_a_draft_fail_with_a_5xx(w3, deployment):
    """Every kind, with values an attacker or a hurried member would type: a draft or a 422, never a 500
    (a fee of 1e999999 was one: the CLI's rule let decimal's Overflow through)."""
    import itertools
    import json

    from fastapi.testclient import TestClient

    from next_node.api.app import create_app
    from next_node.db.engine import make_engine

    client = TestClient(create_app(make_engine("sqlite://"), deployment, w3))
    nasty = ["", "0", "-1", "1e999999", "9" * 60, "0,001", "1 234,50", "all", "*", "business", "registrar",
             "0x" + "ab" * 20, "0xZZ", "9999-12-31", "0001-01-01", "2027-02-30", "\u0000", "\ud800", "é" * 50,
             "environment", "65536", "49711", "100000000000000000000"]  # fmt: skip
    rng = __import__("random").Random(7)
    for kind, names in client.get("/proposal-kinds").json().items():
        combos = [list(c) for c in itertools.product(nasty, repeat=len(names))]
        for values in rng.sample(combos, min(len(combos), 60)):
            body = json.dumps({"kind": kind, "values": values})  # a lone surrogate as \ud800, as JSON allows
            answer = client.post("/proposal-drafts", content=body, headers={"Content-Type": "application/json"})
            assert answer.status_code in (200, 422), (kind, values, answer.text)
    too_big = client.post("/proposal-drafts", json={"kind": "fee", "values": ["1e999999"]})
    assert too_big.status_code == 422 and "a percentage" in too_big.text
