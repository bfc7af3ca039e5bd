"""The credit policy: a limit that grows with the turnover a member received and its years of
membership, by a rule members vote per kind, capped, applied by anyone, never lowering a limit, and
left alone where the credit committee set a line by hand. On a real chain (anvil, whose clock the
test moves)."""

from __future__ import annotations

import ape

from tests.contracts.conftest import BUSINESS, INDIVIDUAL, NONE
from tests.contracts.helpers import kyc, only_event, ref, role

YEAR = 365 * 86_400


def later(seconds: int) -> None:
    ape.chain.mine(1, timestamp=ape.chain.blocks.head.timestamp + seconds)


def test_a_kind_without_a_policy_and_a_bad_policy_are_refused(community, governor, committee, alice):
    with ape.reverts(community.CreditPolicyNone, kind=INDIVIDUAL):
        community.applyCreditPolicy(alice, sender=alice)
    with ape.reverts(community.CreditPolicyInvalid, kind=INDIVIDUAL, turnoverBps=10_001, cap=1):
        community.setCreditPolicy(INDIVIDUAL, 0, 10_001, 1, sender=governor)
    with ape.reverts(
        community.AccessControlUnauthorizedAccount, account=committee.address, neededRole=role("GOVERNANCE_ROLE")
    ):
        community.setCreditPolicy(INDIVIDUAL, 0, 100, 1, sender=committee)  # the members' vote, not the committee's


def test_the_limit_grows_with_turnover_and_seniority_up_to_the_cap(community, governor, alice, bob, stranger):
    receipt = community.setCreditPolicy(INDIVIDUAL, 10_000, 1_000, 200_000, sender=governor)
    assert only_event(receipt, community.CreditPolicySet).version == 1
    assert community.creditPolicy(INDIVIDUAL) == (10_000, 1_000, 200_000, 1)
    # Nothing received, not a year yet: the kind's default, which alice has.
    with ape.reverts(community.CreditPolicyNoRaise, account=alice.address, creditLimit=100_000, policyLimit=100_000):
        community.applyCreditPolicy(alice, sender=stranger)

    community.pay(alice, 50_000, ref("invoice"), sender=bob)
    assert community.turnoverOf(alice) == 50_000 and community.turnoverOf(bob) == 0  # received, not paid
    receipt = community.applyCreditPolicy(alice, sender=stranger)  # anyone applies it
    applied = only_event(receipt, community.CreditPolicyApplied)
    assert (applied.version, applied.seniorityYears, applied.turnover) == (1, 0, 50_000)
    assert (applied.previousLimit, applied.newLimit) == (100_000, 105_000)  # + 10% of 500,00
    assert community.accountOf(alice).creditLimit == 105_000

    later(2 * YEAR + 1)
    assert community.policyLimitOf(alice) == 100_000 + 2 * 10_000 + 5_000
    community.applyCreditPolicy(alice, sender=stranger)
    assert community.accountOf(alice).creditLimit == 125_000
    # A new version with a lower cap never lowers a limit.
    community.setCreditPolicy(INDIVIDUAL, 10_000, 1_000, 110_000, sender=governor)
    assert community.policyLimitOf(alice) == 110_000
    with ape.reverts(community.CreditPolicyNoRaise, account=alice.address, creditLimit=125_000, policyLimit=110_000):
        community.applyCreditPolicy(alice, sender=stranger)


def test_a_line_the_committee_set_by_hand_is_pinned_until_unpinned(community, governor, committee, alice, bob):
    community.setCreditPolicy(INDIVIDUAL, 0, 5_000, 1_000_000, sender=governor)
    receipt = community.setCreditLine(bob, 20_000, 5_000_000, sender=committee)  # a risk the committee judged
    assert only_event(receipt, community.CreditLinePinned).pinned and community.creditLinePinned(bob)
    community.pay(bob, 90_000, ref("sale"), sender=alice)
    with ape.reverts(community.CreditPolicyPinned, account=bob.address):
        community.applyCreditPolicy(bob, sender=alice)
    with ape.reverts(
        community.AccessControlUnauthorizedAccount, account=alice.address, neededRole=role("CREDIT_COMMITTEE_ROLE")
    ):
        community.unpinCreditLine(bob, sender=alice)
    community.unpinCreditLine(bob, sender=committee)
    community.applyCreditPolicy(bob, sender=alice)
    assert community.accountOf(bob).creditLimit == 100_000 + 45_000  # the kind's default + half the turnover


def test_key_recovery_carries_turnover_seniority_and_pin(community, registrar, committee, alice, bob, stranger):
    since = community.memberSince(alice)
    assert since > 0 and community.memberSince(stranger) == 0
    community.pay(alice, 30_000, ref("x"), sender=bob)
    community.setCreditLine(alice, 100_000, 5_000_000, sender=committee)
    later(10)
    community.migrate(alice, stranger, sender=registrar)
    assert community.turnoverOf(stranger) == 30_000 and community.turnoverOf(alice) == 0
    assert community.memberSince(stranger) == since  # not the recovery's time
    assert community.creditLinePinned(stranger)


def test_a_policy_applies_to_active_members_only(community, governor, registrar, committee, alice, stranger):
    community.setCreditPolicy(BUSINESS, 0, 100, 1, sender=governor)
    community.setDefaultCreditLine(BUSINESS, 0, 1_000_000, sender=committee)
    with ape.reverts(community.MembershipInvalidStatus, account=stranger.address, status=NONE):
        community.applyCreditPolicy(stranger, sender=alice)
    community.admit(stranger, BUSINESS, 1, kyc("shop"), sender=registrar)  # a business, no default line
    community.pay(stranger, 100, ref("bread"), sender=alice)
    community.freeze(alice, sender=registrar)
    with ape.reverts(community.MembershipInvalidStatus):
        community.applyCreditPolicy(alice, sender=alice)
    community.applyCreditPolicy(stranger, sender=alice)  # 1% of 1,00, and the cap: 0,01
    assert community.accountOf(stranger).creditLimit == 1
