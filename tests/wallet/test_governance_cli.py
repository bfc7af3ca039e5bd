"""A member governs from the wallet, through its real entry point on a real chain: propose a fee in
percent, see the proposal, vote, queue and execute; each refusal in words, with its exit code,
before any password is asked. Time moves with anvil's clock."""

from __future__ import annotations

import json

import pytest
from eth_account import Account
from web3 import Web3

from next_contracts import COMMONS_REWARDS, load_artifact
from next_contracts.constitution import GovernanceConfig
from next_contracts.deploy import DeployConfig, Deployment, deploy
from next_contracts.proposal_kinds import fee_bps
from next_contracts.vocabulary import CommonsKind, Role
from next_wallet.errors import ExitStatus
from tests.support.chain import later
from tests.wallet.conftest import admit, ledger_of

PW = ("--password-env", "WALLET_PASSWORD")
SETTINGS = GovernanceConfig(voting_delay=30, voting_period=600, timelock_delay=120)


@pytest.fixture(scope="module")
def deployment(w3: Web3, operator: str) -> Deployment:
    """A governed ledger: the operator is registrar and committee, the timelock its admin."""
    roles = {Role.REGISTRAR.value: (operator,), Role.CREDIT_COMMITTEE.value: (operator,)}
    return deploy(w3, operator, DeployConfig(roles=roles, governance=SETTINGS))


def member(wallet, w3, deployment, operator, label: str) -> str:
    result = wallet("--json", "create", label, *PW)
    assert result.code == 0, result.err
    address = json.loads(result.out)["address"]
    admit(w3, deployment, operator, address)
    return address


@pytest.mark.parametrize(
    ("text", "bps"), [("0,35", 35), ("0.35 %", 35), ("1", 100), ("5%", 500), ("0", 0), (" 0,2 ", 20)]
)
def test_a_fee_is_read_in_percent(text, bps):
    assert fee_bps(text) == bps


@pytest.mark.parametrize("text", ["0,355", "5,01", "-1", "abc", "", "1e3"])
def test_a_fee_that_is_not_whole_basis_points_within_the_bound_is_refused(text):
    with pytest.raises(Exception, match="fee"):
        fee_bps(text)


def test_a_member_proposes_votes_queues_and_executes_a_fee(wallet, w3, deployment, operator, monkeypatch):
    alice, _bob, _carol = (member(wallet, w3, deployment, operator, name) for name in ("alice", "bob", "carol"))
    later(w3, 1)
    result = wallet("--json", "propose", "alice", "fee", "0,35", "--yes", *PW)
    assert result.code == 0, result.err
    proposal = json.loads(result.out)["proposal"]
    assert "set the payment fee to 0.35% (35 bps)" in json.loads(result.out)["description"]

    listed = json.loads(wallet("--json", "proposals").out)["proposals"]
    assert [(p["proposal"], p["state"], p["proposer"]) for p in listed] == [(proposal, "pending", alice)]
    assert listed[0]["rule"] == {"kinds": ["fee"], "quorum_bps": 1_000, "support_bps": 5_000, "delay": 0}
    (call,) = listed[0]["calls"]  # what members vote on: the call, decoded, not only its description
    assert (call["contract"], call["function"], call["kind"], call["args"]) == (
        "ledger",
        "setFee",
        "fee",
        {"newFeeBps": 35},
    )
    assert call["words"] == "[fee] set the payment fee to 0.35% (the ledger)"
    assert listed[0]["description_matches"] is True and listed[0]["unnamed_kinds"] == []
    text = wallet("proposals").out
    assert proposal in text and "pending" in text and "voting opens" in text
    assert "- [fee] set the payment fee to 0.35% (the ledger)" in text

    early = wallet("vote", "bob", proposal, "for", "--yes", *PW)
    assert early.code == ExitStatus.REFUSED and "is pending: not possible in that state" in early.err

    later(w3, SETTINGS.voting_delay + 1)
    for label, support in (("alice", "for"), ("bob", "for"), ("carol", "against")):
        result = wallet("vote", label, proposal[:6], support, "--yes", *PW)  # a prefix is enough
        assert result.code == 0, result.err
    monkeypatch.delenv("WALLET_PASSWORD")  # the refusals below come before any password
    again = wallet("vote", "alice", proposal, "against", "--yes")
    assert again.code == ExitStatus.REFUSED
    assert again.err.strip().endswith(f"{alice} has already voted on this proposal")
    monkeypatch.setenv("WALLET_PASSWORD", "correct horse battery staple")
    dave = json.loads(wallet("--json", "create", "dave", *PW).out)["address"]  # not a member
    outsider = wallet("vote", "dave", proposal, "for", "--yes")
    assert outsider.code == ExitStatus.NOT_MEMBER
    assert "is not a member: only active members vote" in outsider.err and dave in outsider.err
    votes = json.loads(wallet("--json", "proposals").out)["proposals"][0]["votes"]
    assert votes == {"for": 2, "against": 1, "abstain": 0}

    later(w3, SETTINGS.voting_period + 1)
    assert wallet("queue", "bob", proposal, "--yes", *PW).code == 0
    early = wallet("execute", "bob", proposal, "--yes", *PW)
    assert early.code == ExitStatus.REFUSED and "delay has not passed" in early.err
    later(w3, SETTINGS.timelock_delay + 1)
    assert wallet("execute", "bob", proposal, "--yes", *PW).code == 0
    assert ledger_of(w3, deployment).functions.feeBps().call() == 35
    assert json.loads(wallet("--json", "proposals", "--all").out)["proposals"][0]["state"] == "executed"
    assert json.loads(wallet("--json", "proposals").out)["proposals"] == []


def test_typed_proposals_of_credit_lines_and_roles_and_their_refusals(wallet, w3, deployment, operator):
    member(wallet, w3, deployment, operator, "erin")
    later(w3, 1)
    line = wallet("--json", "propose", "erin", "credit-line", "business", "2 000,00", "50 000,00", "--yes", *PW)
    assert line.code == 0, line.err
    assert "give new business members a credit limit of" in json.loads(line.out)["description"]
    stranger = Account.create().address
    grant = wallet("--json", "propose", "erin", "grant", "registrar", stranger, "--yes", *PW)
    assert grant.code == 0, grant.err
    assert f"grant REGISTRAR_ROLE to {stranger}" in json.loads(grant.out)["description"]
    # A grant under a title that hides it: the calls say what it does, and the title is flagged.
    hidden = wallet("--json", "propose", "erin", "grant", "registrar", stranger, "--description", "Fee to 0.30 %",
                    "--yes", *PW)  # fmt: skip
    assert hidden.code == 0, hidden.err
    listed = {p["proposal"]: p for p in json.loads(wallet("--json", "proposals").out)["proposals"]}
    flagged = listed[json.loads(hidden.out)["proposal"]]
    assert flagged["description_matches"] is False and flagged["unnamed_kinds"] == ["credit lines"]
    assert flagged["calls"][0]["words"] == f"[credit lines] grant REGISTRAR_ROLE to {stranger} (the ledger)"
    text = wallet("proposals").out
    assert "! its description does not say it is of the kind credit lines" in text

    relance = wallet("--json", "propose", "erin", "stimulus", "2", "business", "2 000,00", "2027-03-31", "--yes", *PW)
    assert relance.code == 0, relance.err
    assert (
        "let business members of region 2 go 2\u202f000,00 NXT further below zero until 2027-03-31"
        in (json.loads(relance.out)["description"])
    )
    for values in (
        ("x", "business", "1", "2027-01-01"),
        ("all", "king", "1", "2027-01-01"),
        ("all", "all", "1", "soon"),
    ):
        assert wallet("propose", "erin", "stimulus", *values, "--yes", *PW).code == ExitStatus.BAD_INPUT
    too_long = wallet("propose", "erin", "stimulus", "all", "all", "1", "2030-01-01", "--yes", *PW)
    assert too_long.code == ExitStatus.REFUSED and "passes the constitution's bounds" in too_long.err
    assert wallet("propose", "erin", "fee", "0,355", "--yes", *PW).code == ExitStatus.BAD_INPUT
    assert wallet("propose", "erin", "grant", "king", stranger, "--yes", *PW).code == ExitStatus.BAD_INPUT
    with pytest.raises(SystemExit) as usage:
        wallet("propose", "erin", "vote", "1", "--yes", *PW)
    assert usage.value.code == ExitStatus.USAGE
    assert wallet("propose", "erin", "fee", "1", "2", "--yes", *PW).code == ExitStatus.BAD_INPUT
    assert wallet("vote", "erin", "zz", "for", "--yes", *PW).code == ExitStatus.BAD_INPUT
    assert wallet("vote", "erin", "0" * 10, "for", "--yes", *PW).code == ExitStatus.BAD_INPUT
    nobody = json.loads(wallet("--json", "create", "nobody", *PW).out)["address"]
    refused = wallet("propose", "nobody", "fee", "1", "--yes", *PW)
    assert refused.code == ExitStatus.NOT_MEMBER and f"{nobody} has no vote" in refused.err


def test_a_council_a_project_and_the_floor_are_proposed_in_words_and_released_by_anyone(
    wallet, w3, deployment, operator
):
    fay = member(wallet, w3, deployment, operator, "fay")
    later(w3, 1)
    council = Account.create().address
    admitted = wallet("--json", "propose", "fay", "council", council, "2", "deliberation 2026-14", "--yes", *PW)
    assert admitted.code == 0, admitted.err
    assert f"admit {council} as the council of region 2" in json.loads(admitted.out)["description"]
    funded = wallet("--json", "propose", "fay", "project", fay, "500,00", "12", "30", "repair café", "--yes", *PW)
    assert funded.code == 0, funded.err
    assert (
        f"fund 'repair café' from the reserve: 500,00 NXT to {fay} 12 times, every 30 day(s), 6\u202f000,00 NXT in all"
        in json.loads(funded.out)["description"]
    )
    policy = wallet("--json", "propose", "fay", "credit-policy", "business", "500,00", "10", "20 000,00", "--yes", *PW)
    assert policy.code == 0, policy.err
    assert (
        "raise the credit limit of business members by 500,00 NXT a year of membership and 10% of the turnover "
        "they receive, up to 20\u202f000,00 NXT" in json.loads(policy.out)["description"]
    )
    pinned = wallet("apply-policy", "fay", fay, "--yes")  # before any password
    assert pinned.code == ExitStatus.REFUSED and "set the credit line of" in pinned.err  # admit() set it by hand
    assert "by hand: the policy leaves it" in pinned.err
    floor = wallet("--json", "propose", "fay", "coverage-floor", "50", "--yes", *PW)
    assert floor.code == 0 and "keep the reserve at 50% of the credit in use" in json.loads(floor.out)["description"]
    listed = {p["proposal"]: p for p in json.loads(wallet("--json", "proposals").out)["proposals"]}
    rule = listed[json.loads(funded.out)["proposal"]]["rule"]
    assert rule == {"kinds": ["reserve"], "quorum_bps": 2_000, "support_bps": 6_000, "delay": 7 * 86_400}
    assert "acting 7 day(s) after passing" in wallet("proposals").out
    for values in (
        ("project", fay, "0", "1", "0", "x"),  # nothing paid
        ("project", fay, "1,00", "0", "1", "x"),  # no instalment
        ("project", fay, "1,00", "2", "0", "x"),  # two at once
        ("project", "0x12", "1,00", "1", "0", "x"),
        ("council", council, "70000", "x"),
        ("coverage-floor", "1001"),
        ("coverage-floor", "nan"),
        ("credit-policy", "king", "1", "1", "1"),
        ("credit-policy", "business", "1", "101", "1"),
        ("cancel-project", "0"),
    ):
        assert wallet("propose", "fay", *values, "--yes", *PW).code == ExitStatus.BAD_INPUT, values
    # Releasing an instalment: anyone may, and the ledger's refusal comes in words before any password.
    unknown = wallet("release", "fay", "1", "--yes")
    assert unknown.code == ExitStatus.REFUSED and "there is no project 1" in unknown.err
    assert wallet("release", "fay", "one", "--yes").code == ExitStatus.BAD_INPUT


def test_the_commons_budget_reward_and_attestors_are_voted(wallet, w3, deployment, operator):
    """The commons rewards' admin is the timelock alone: their budget, a kind's reward and an
    attestor are set by the members' votes, each typed by the constitution."""
    for name in ("gina", "hugo"):
        member(wallet, w3, deployment, operator, name)
    association = Account.create().address
    later(w3, 1)
    proposals = {}
    for kind, values in (
        ("commons-budget", ("5000,00", "200,00", "2000,00")),
        ("commons-reward", ("environment", "40,00")),
        ("attestor", (association,)),
    ):
        result = wallet("--json", "propose", "gina", kind, *values, "--yes", *PW)
        assert result.code == 0, result.err
        proposals[kind] = json.loads(result.out)["proposal"]
    listed = {p["proposal"]: p for p in json.loads(wallet("--json", "proposals").out)["proposals"]}
    assert listed[proposals["commons-budget"]]["rule"]["kinds"] == ["credit lines"]
    # An attestor's attestations are paid from the budget: its grant is a credit-lines vote.
    assert listed[proposals["attestor"]]["rule"]["kinds"] == ["credit lines"]
    assert "make " + association + " an attestor of commons" in listed[proposals["attestor"]]["description"]
    later(w3, SETTINGS.voting_delay + 1)
    for proposal in proposals.values():
        for label in ("gina", "hugo"):
            assert wallet("vote", label, proposal, "for", "--yes", *PW).code == 0
    later(w3, SETTINGS.voting_period + 1)
    for proposal in proposals.values():
        assert wallet("queue", "hugo", proposal, "--yes", *PW).code == 0
    later(w3, SETTINGS.timelock_delay + 1)
    for proposal in proposals.values():
        result = wallet("execute", "hugo", proposal, "--yes", *PW)
        assert result.code == 0, result.err
    commons = w3.eth.contract(deployment.commons_rewards, abi=load_artifact(COMMONS_REWARDS).abi).functions
    assert commons.budget().call() == [500_000, 20_000, 200_000]
    assert commons.scheduled(CommonsKind.ENVIRONMENT.code).call() == 4_000
    assert commons.hasRole(Web3.keccak(text="ATTESTOR_ROLE"), association).call()
    bad = wallet("propose", "gina", "commons-reward", "rainbows", "1,00", "--yes", *PW)
    assert bad.code == ExitStatus.BAD_INPUT and "not a kind of commons" in bad.err
