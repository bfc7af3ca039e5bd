"""The membership registry: admission, status changes and key recovery."""

import ape
import pytest

from tests.contracts.conftest import ACTIVE, BUSINESS, COUNCIL, EXCLUDED, FROZEN, INDIVIDUAL, MIGRATED, NONE
from tests.contracts.helpers import kyc, only_event, ref, role

ZERO = "0x0000000000000000000000000000000000000000"


def test_admit_records_member_with_default_credit_line(ledger, registrar, committee, stranger):
    ledger.setDefaultCreditLine(BUSINESS, 500_000, 9_000_000, sender=committee)
    receipt = ledger.admit(stranger, BUSINESS, 7, kyc("acme"), sender=registrar)

    log = only_event(receipt, ledger.MemberAdmitted)
    assert (log.account, log.kind, log.region, log.kycHash) == (stranger.address, BUSINESS, 7, kyc("acme"))
    assert (log.creditLimit, log.ceiling) == (500_000, 9_000_000)
    state = ledger.accountOf(stranger)
    assert (state.balance, state.creditLimit, state.ceiling) == (0, 500_000, 9_000_000)
    assert (state.status, state.kind, state.region) == (ACTIVE, BUSINESS, 7)
    assert ledger.kycHashOf(stranger) == kyc("acme")
    assert ledger.memberCount() == 1


def test_admit_counts_members(community):
    assert community.memberCount() == 3


def test_admit_by_non_registrar_reverts(ledger, stranger):
    with ape.reverts(
        ledger.AccessControlUnauthorizedAccount, account=stranger.address, neededRole=role("REGISTRAR_ROLE")
    ):
        ledger.admit(stranger, INDIVIDUAL, 1, kyc("x"), sender=stranger)


def test_admit_zero_address_reverts(ledger, registrar):
    with ape.reverts(ledger.MembershipInvalidAccount, account=ZERO):
        ledger.admit(ZERO, INDIVIDUAL, 1, kyc("x"), sender=registrar)


def test_admit_reserve_address_reverts(ledger, registrar):
    with ape.reverts(ledger.MembershipInvalidAccount, account=ledger.address):
        ledger.admit(ledger.address, INDIVIDUAL, 1, kyc("x"), sender=registrar)


def test_admit_existing_member_reverts(community, registrar, alice):
    with ape.reverts(community.MembershipInvalidStatus, account=alice.address, status=ACTIVE):
        community.admit(alice, BUSINESS, 2, kyc("again"), sender=registrar)


def test_freeze_and_unfreeze(community, registrar, alice):
    receipt = community.freeze(alice, sender=registrar)
    log = only_event(receipt, community.MemberStatusChanged)
    assert (log.account, log.previousStatus, log.newStatus) == (alice.address, ACTIVE, FROZEN)
    assert community.accountOf(alice).status == FROZEN

    receipt = community.unfreeze(alice, sender=registrar)
    log = only_event(receipt, community.MemberStatusChanged)
    assert (log.previousStatus, log.newStatus) == (FROZEN, ACTIVE)
    assert community.accountOf(alice).status == ACTIVE


def test_freeze_non_member_reverts(ledger, registrar, stranger):
    with ape.reverts(ledger.MembershipInvalidStatus, account=stranger.address, status=NONE):
        ledger.freeze(stranger, sender=registrar)


def test_freeze_by_non_registrar_reverts(community, alice, bob):
    with ape.reverts(
        community.AccessControlUnauthorizedAccount, account=bob.address, neededRole=role("REGISTRAR_ROLE")
    ):
        community.freeze(alice, sender=bob)


def test_unfreeze_active_member_reverts(community, registrar, alice):
    with ape.reverts(community.MembershipInvalidStatus, account=alice.address, status=ACTIVE):
        community.unfreeze(alice, sender=registrar)


def test_unfreeze_by_non_registrar_reverts(community, registrar, alice):
    community.freeze(alice, sender=registrar)
    with ape.reverts(
        community.AccessControlUnauthorizedAccount, account=alice.address, neededRole=role("REGISTRAR_ROLE")
    ):
        community.unfreeze(alice, sender=alice)


@pytest.mark.parametrize("frozen_first", [False, True])
def test_exclude_active_or_frozen_member(community, registrar, alice, frozen_first):
    if frozen_first:
        community.freeze(alice, sender=registrar)
    receipt = community.exclude(alice, sender=registrar)
    log = only_event(receipt, community.MemberStatusChanged)
    assert (log.previousStatus, log.newStatus) == (FROZEN if frozen_first else ACTIVE, EXCLUDED)
    assert community.accountOf(alice).status == EXCLUDED


def test_exclude_twice_reverts(community, registrar, alice):
    community.exclude(alice, sender=registrar)
    with ape.reverts(community.MembershipInvalidStatus, account=alice.address, status=EXCLUDED):
        community.exclude(alice, sender=registrar)


def test_exclude_non_member_reverts(ledger, registrar, stranger):
    with ape.reverts(ledger.MembershipInvalidStatus, account=stranger.address, status=NONE):
        ledger.exclude(stranger, sender=registrar)


def test_exclude_by_non_registrar_reverts(community, committee, alice):
    with ape.reverts(
        community.AccessControlUnauthorizedAccount,
        account=committee.address,
        neededRole=role("REGISTRAR_ROLE"),
    ):
        community.exclude(alice, sender=committee)


def test_migrate_moves_whole_account_with_credit(community, registrar, committee, alice, bob, stranger):
    community.setCreditLine(alice, 123_000, 4_000_000, sender=committee)
    community.pay(alice, 5_000, ref("rent"), sender=bob)

    receipt = community.migrate(alice, stranger, sender=registrar)

    moved = only_event(receipt, community.Transferred)
    assert (moved["from"], moved["to"], moved.amount, moved.fee) == (
        alice.address,
        stranger.address,
        5_000,
        0,
    )
    log = only_event(receipt, community.AccountMigrated)
    assert (log["from"], log["to"]) == (alice.address, stranger.address)
    new = community.accountOf(stranger)
    assert (new.balance, new.creditLimit, new.ceiling, new.status, new.kind, new.region) == (
        5_000,
        123_000,
        4_000_000,
        ACTIVE,
        INDIVIDUAL,
        1,
    )
    old = community.accountOf(alice)
    assert (old.balance, old.creditLimit, old.ceiling, old.status) == (0, 0, 0, MIGRATED)
    assert community.kycHashOf(stranger) == community.kycHashOf(alice)
    assert community.successorOf(alice) == stranger.address
    assert community.memberCount() == 3


def test_migrate_moves_debt_as_payment_from_new_key(community, registrar, alice, bob, stranger):
    community.pay(bob, 5_000, ref("groceries"), sender=alice)
    debt = community.balanceOf(alice)
    assert debt < 0

    receipt = community.migrate(alice, stranger, sender=registrar)

    moved = only_event(receipt, community.Transferred)
    assert (moved["from"], moved["to"], moved.amount) == (stranger.address, alice.address, -debt)
    assert community.balanceOf(stranger) == debt
    assert community.balanceOf(alice) == 0


def test_migrate_zero_balance_emits_no_transfer(community, registrar, alice, stranger):
    receipt = community.migrate(alice, stranger, sender=registrar)
    assert len(receipt.events.filter(community.Transferred)) == 0
    assert community.accountOf(stranger).status == ACTIVE


def test_migrate_frozen_account_stays_frozen(community, registrar, alice, stranger):
    community.freeze(alice, sender=registrar)
    community.migrate(alice, stranger, sender=registrar)
    assert community.accountOf(stranger).status == FROZEN


def test_migrated_key_cannot_pay_or_be_readmitted(community, registrar, alice, bob, stranger):
    community.migrate(alice, stranger, sender=registrar)
    with ape.reverts(community.LedgerAccountNotActive, account=alice.address, status=MIGRATED):
        community.pay(bob, 100, ref("x"), sender=alice)
    with ape.reverts(community.MembershipInvalidStatus, account=alice.address, status=MIGRATED):
        community.admit(alice, INDIVIDUAL, 1, kyc("again"), sender=registrar)


def test_migrate_to_existing_member_reverts(community, registrar, alice, bob):
    with ape.reverts(community.MembershipInvalidStatus, account=bob.address, status=ACTIVE):
        community.migrate(alice, bob, sender=registrar)


def test_migrate_to_zero_address_reverts(community, registrar, alice):
    with ape.reverts(community.MembershipInvalidAccount, account=ZERO):
        community.migrate(alice, ZERO, sender=registrar)


def test_migrate_excluded_member_reverts(community, registrar, alice, stranger):
    community.exclude(alice, sender=registrar)
    with ape.reverts(community.MembershipInvalidStatus, account=alice.address, status=EXCLUDED):
        community.migrate(alice, stranger, sender=registrar)


def test_migrate_by_non_registrar_reverts(community, alice, stranger):
    with ape.reverts(
        community.AccessControlUnauthorizedAccount, account=alice.address, neededRole=role("REGISTRAR_ROLE")
    ):
        community.migrate(alice, stranger, sender=alice)


def test_successor_of_unmigrated_account_is_zero(community, alice):
    assert community.successorOf(alice) == ZERO


def test_council_kind_and_kyc_hash_only(community, council):
    state = community.accountOf(council)
    assert state.kind == COUNCIL
    assert community.kycHashOf(council) == kyc(council.address)


def test_a_council_is_admitted_by_governance_not_by_a_registrar(ledger, registrar, governor, stranger):
    with ape.reverts(ledger.MembershipCouncilByVote, account=stranger.address):
        ledger.admit(stranger, COUNCIL, 2, kyc("council"), sender=registrar)
    with ape.reverts(
        ledger.AccessControlUnauthorizedAccount, account=registrar.address, neededRole=role("GOVERNANCE_ROLE")
    ):
        ledger.admitCouncil(stranger, 2, kyc("council"), sender=registrar)
    receipt = ledger.admitCouncil(stranger, 2, kyc("council"), sender=governor)
    (log,) = receipt.decode_logs(ledger.MemberAdmitted)
    assert (log.kind, log.region) == (COUNCIL, 2)
    assert ledger.getVotes(stranger) == 1
