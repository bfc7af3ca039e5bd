"""Rewards for commons, on attestations: a claim signed by an attestor (EIP-712) is submitted by
anyone, counted against the period's budget and the caps, contested in its window by the committee
or another attestor, and paid after it by anyone, from the commons' own ledger account. On a real
chain (anvil, whose clock the test moves)."""

from __future__ import annotations

import ape
import pytest
from eth_account import Account

from next_contracts import COMMONS_REWARDS, load_artifact
from next_contracts.commons import Claim, SignedClaim, evidence_hash, period_of, sign_claim
from next_contracts.vocabulary import ClaimState, CommonsKind
from tests.contracts.conftest import SYSTEM
from tests.contracts.helpers import fee_of, kyc, only_event, ref, role

DAY = 86_400
REWARD = 5_000  # 50,00 for an environmental action
BUDGET, PER_MEMBER, PER_ATTESTOR = 18_000, 10_000, 12_000
ENVIRONMENT, SOLIDARITY = CommonsKind.ENVIRONMENT.code, CommonsKind.SOLIDARITY.code


def now() -> int:
    return ape.chain.blocks.head.timestamp


def later(seconds: int) -> None:
    ape.chain.mine(1, timestamp=now() + seconds)


@pytest.fixture
def commons(community, ledger_deployment, admin, registrar, committee):
    """The commons rewards, admitted as a system account with a credit line, a budget voted (the
    admin key stands for the timelock here), and two attestors."""
    contract = ape.Contract(ledger_deployment.commons_rewards, abi=load_artifact(COMMONS_REWARDS).abi)
    community.admit(contract.address, SYSTEM, 0, kyc("commons"), sender=registrar)
    community.setCreditLine(contract.address, 1_000_000, 0, sender=committee)
    contract.setBudget(BUDGET, PER_MEMBER, PER_ATTESTOR, sender=admin)
    contract.setSchedule(ENVIRONMENT, REWARD, sender=admin)
    contract.setSchedule(SOLIDARITY, 3_000, sender=admin)
    return contract


@pytest.fixture
def attestors(commons, admin, accounts):
    """Two attestors with keys (an association and the council's services) who can send: test
    accounts that hold no role of the ledger's committee (the pauser's and the auditor's)."""
    first, second = accounts[4], accounts[5]
    for attestor in (first, second):
        commons.grantRole(role("ATTESTOR_ROLE"), attestor, sender=admin)
    return first, second


def attest(commons, attestor, beneficiary, *, kind=ENVIRONMENT, amount=REWARD, evidence=b"report", period=None):
    claim = Claim(beneficiary, kind, evidence_hash(evidence), amount, period_of(now()) if period is None else period)
    return sign_claim(attestor.private_key, claim, ape.chain.chain_id, commons.address)


def submit(commons, signed: SignedClaim, sender):
    receipt = commons.submit(signed.claim.as_tuple(), signed.signature, sender=sender)
    return only_event(receipt, commons.ClaimSubmitted)


def test_a_claim_is_submitted_by_anyone_then_paid_after_its_window(commons, community, attestors, alice, bob):
    association, _ = attestors
    signed = attest(commons, association, alice.address)
    assert commons.claimId(signed.claim.as_tuple()) == signed.id  # the wallet's digest is the contract's
    event = submit(commons, signed, bob)  # a neighbour submits it: the signature is what counts
    assert (event.id, event.attestor, event.beneficiary) == (signed.id, association.address, alice.address)
    assert event.payableAt == now() + 7 * DAY
    assert commons.committedIn(signed.claim.period) == (REWARD, BUDGET)
    with ape.reverts(commons.CommonsChallengeOpen, id=signed.id, payableAt=event.payableAt):
        commons.pay(signed.id, sender=bob)

    later(7 * DAY)
    before, reserve = community.balanceOf(alice), community.reserveBalance()
    receipt = commons.pay(signed.id, sender=bob)
    assert only_event(receipt, commons.RewardPaid).amount == REWARD
    transferred = only_event(receipt, community.Transferred)
    assert (transferred["from"], transferred.to, transferred.ref) == (commons.address, alice.address, signed.id)
    assert community.balanceOf(alice) == before + REWARD
    assert community.balanceOf(commons.address) == -(REWARD + fee_of(REWARD, 20))  # the commons' own line
    assert community.reserveBalance() == reserve + fee_of(REWARD, 20)
    assert commons.claimOf(signed.id).state == ClaimState.PAID.code
    with ape.reverts(commons.CommonsWrongState, id=signed.id, state=ClaimState.PAID.code):
        commons.pay(signed.id, sender=bob)


def test_a_claim_is_refused_unless_signed_by_an_attestor_for_the_schedule_and_a_member(
    commons, attestors, admin, alice, bob, stranger
):
    association, _ = attestors
    outsider = Account.create()
    claim = attest(commons, association, alice.address).claim
    forged = sign_claim(outsider.key, claim, ape.chain.chain_id, commons.address)
    with ape.reverts(commons.CommonsNotAttestor, signer=outsider.address):
        submit(commons, forged, bob)
    other_chain = sign_claim(association.private_key, forged.claim, ape.chain.chain_id + 1, commons.address)
    with ape.reverts(commons.CommonsNotAttestor):  # signed for another chain: recovers to someone else
        submit(commons, SignedClaim(forged.claim, ape.chain.chain_id, commons.address, other_chain.signature), bob)
    with ape.reverts(commons.CommonsAmountNotScheduled, kind=ENVIRONMENT, amount=REWARD + 1, scheduled=REWARD):
        submit(commons, attest(commons, association, alice.address, amount=REWARD + 1), bob)
    with ape.reverts(commons.CommonsAmountNotScheduled, kind=7, amount=REWARD, scheduled=0):
        submit(commons, attest(commons, association, alice.address, kind=7), bob)
    period = period_of(now())
    with ape.reverts(commons.CommonsPeriodClosed, period=period - 2, current=period):
        submit(commons, attest(commons, association, alice.address, period=period - 2), bob)
    with ape.reverts(commons.CommonsPeriodClosed, period=period + 1, current=period):
        submit(commons, attest(commons, association, alice.address, period=period + 1), bob)
    with ape.reverts(commons.CommonsPeriodClosed, period=2**32 - 1, current=period):
        submit(commons, attest(commons, association, alice.address, period=2**32 - 1), bob)
    with ape.reverts(commons.CommonsSelfAttestation, attestor=association.address):
        submit(commons, attest(commons, association, association.address), bob)
    with ape.reverts(commons.CommonsInvalidBeneficiary, beneficiary=stranger.address, status=0):
        submit(commons, attest(commons, association, stranger.address), bob)
    signed = attest(commons, association, alice.address)
    submit(commons, signed, bob)
    with ape.reverts(commons.CommonsClaimExists, id=signed.id):
        submit(commons, signed, alice)
    # The role is checked when a claim is submitted: revoked, the attestor's signatures count no more.
    commons.revokeRole(role("ATTESTOR_ROLE"), association, sender=admin)
    with ape.reverts(commons.CommonsNotAttestor, signer=association.address):
        submit(commons, attest(commons, association, bob.address), alice)


def test_the_budget_and_the_caps_bound_each_period(commons, attestors, community, registrar, alice, bob, council):
    association, services = attestors
    period = period_of(now())
    submit(commons, attest(commons, association, alice.address, evidence=b"1"), bob)
    submit(commons, attest(commons, association, alice.address, evidence=b"2"), bob)
    with ape.reverts(commons.CommonsBeneficiaryCap, beneficiary=alice.address, period=period, received=10_000):
        submit(commons, attest(commons, services, alice.address, evidence=b"3"), bob)
    with ape.reverts(commons.CommonsAttestorCap, attestor=association.address, period=period, attested=10_000):
        submit(commons, attest(commons, association, bob.address, evidence=b"4"), bob)
    submit(commons, attest(commons, services, bob.address, evidence=b"5"), alice)
    with ape.reverts(commons.CommonsBudgetExceeded, period=period, committed=15_000, amount=REWARD):
        submit(commons, attest(commons, services, council.address, evidence=b"6"), bob)
    submit(commons, attest(commons, services, council.address, evidence=b"7", kind=SOLIDARITY, amount=3_000), bob)
    assert commons.committedIn(period) == (18_000, BUDGET)
    # The last period's claims count in theirs: this period's budget is untouched by them.
    assert commons.committedIn(period - 1) == (0, BUDGET)
    submit(commons, attest(commons, association, council.address, evidence=b"8", period=period - 1), bob)
    assert commons.committedIn(period - 1) == (REWARD, BUDGET)
    assert commons.receivedIn(period, alice) == 10_000 and commons.attestedIn(period, services) == 8_000


def test_a_contest_in_the_window_stops_the_payment_and_frees_the_budget(commons, attestors, committee, alice, bob):
    association, services = attestors
    signed = attest(commons, association, alice.address)
    event = submit(commons, signed, bob)
    period = signed.claim.period
    with ape.reverts(commons.CommonsNotContester, caller=association.address):  # not its own claim
        commons.contest(signed.id, ref("mine"), sender=association)
    with ape.reverts(commons.CommonsNotContester, caller=bob.address):
        commons.contest(signed.id, ref("jealous"), sender=bob)
    receipt = commons.contest(signed.id, ref("no such planting"), sender=services)
    assert only_event(receipt, commons.ClaimContested).by == services.address
    assert commons.claimOf(signed.id).state == ClaimState.CONTESTED.code
    assert commons.committedIn(period)[0] == 0 and commons.receivedIn(period, alice) == 0
    later(8 * DAY)
    with ape.reverts(commons.CommonsWrongState, id=signed.id, state=ClaimState.CONTESTED.code):
        commons.pay(signed.id, sender=bob)
    # The committee looks at it and reinstates it: counted again, payable at once (its window is over).
    with ape.reverts(commons.CommonsNotCommittee, caller=services.address):
        commons.reinstate(signed.id, sender=services)
    commons.reinstate(signed.id, sender=committee)
    assert commons.committedIn(period)[0] == REWARD
    commons.pay(signed.id, sender=bob)
    assert commons.claimOf(signed.id).payableAt == event.payableAt


def test_the_committee_contests_at_any_time_before_payment_an_attestor_only_in_the_window(
    commons, attestors, committee, alice, bob
):
    association, services = attestors
    first, second = (attest(commons, association, alice.address, evidence=e) for e in (b"a", b"b"))
    submit(commons, first, bob)
    submit(commons, second, bob)
    commons.contest(first.id, ref("duplicate of a paid claim"), sender=committee)
    later(7 * DAY)
    payable_at = commons.claimOf(second.id).payableAt
    with ape.reverts(commons.CommonsChallengeOver, id=second.id, payableAt=payable_at):
        commons.contest(second.id, ref("too late"), sender=services)
    # The committee may still stop it while nobody has had it paid (its beneficiary excluded, say).
    commons.contest(second.id, ref("beneficiary excluded"), sender=committee)
    assert commons.claimOf(second.id).state == ClaimState.CONTESTED.code
    unknown = b"\x01" * 32
    with ape.reverts(commons.CommonsUnknownClaim, id=unknown):
        commons.pay(unknown, sender=bob)


def test_a_payment_the_ledger_refuses_leaves_the_claim_pending(commons, community, attestors, committee, alice, bob):
    association, _ = attestors
    signed = attest(commons, association, alice.address)
    submit(commons, signed, bob)
    community.setCreditLine(commons.address, 1_000, 0, sender=committee)  # the commons' line cut short
    later(7 * DAY)
    with ape.reverts(community.LedgerInsufficientCredit):
        commons.pay(signed.id, sender=bob)
    assert commons.claimOf(signed.id).state == ClaimState.PENDING.code
    community.setCreditLine(commons.address, 1_000_000, 0, sender=committee)
    commons.pay(signed.id, sender=bob)


def test_governance_alone_sets_the_budget_the_schedule_the_window_and_the_attestors(commons, admin, alice):
    admin_role = commons.DEFAULT_ADMIN_ROLE()
    for call in (
        lambda: commons.setBudget(1, 1, 1, sender=alice),
        lambda: commons.setSchedule(ENVIRONMENT, 1, sender=alice),
        lambda: commons.setChallengeWindow(2 * DAY, sender=alice),
        lambda: commons.grantRole(role("ATTESTOR_ROLE"), alice, sender=alice),
    ):
        with ape.reverts(commons.AccessControlUnauthorizedAccount, account=alice.address, neededRole=admin_role):
            call()
    with ape.reverts(commons.CommonsInvalidWindow, window=3600, min=DAY, max=30 * DAY):
        commons.setChallengeWindow(3600, sender=admin)
    receipt = commons.setChallengeWindow(2 * DAY, sender=admin)
    assert only_event(receipt, commons.ChallengeWindowSet).window == 2 * DAY
    assert commons.challengeWindow() == 2 * DAY
    assert commons.budget() == (BUDGET, PER_MEMBER, PER_ATTESTOR)
    assert commons.PERIOD() == 30 * DAY and commons.scheduled(SOLIDARITY) == 3_000
