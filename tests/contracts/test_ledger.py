"""The ledger: payments, batch payments, credit lines, write-offs, fee, pause and views."""

import ape
import pytest
from eth_account import Account

from tests.contracts.conftest import ACTIVE, COUNCIL, EXCLUDED, FROZEN, INDIVIDUAL, NONE
from tests.contracts.helpers import fee_of, kyc, only_event, ref, role

MAX_AMOUNT = 2**63 - 1


def balances(ledger, *members):
    return [ledger.balanceOf(m) for m in members]


# pay ------------------------------------------------------------------------------------------


def test_pay_moves_amount_and_fee_to_reserve(community, alice, bob):
    receipt = community.pay(bob, 10_000, ref("bread"), sender=alice)

    log = only_event(receipt, community.Transferred)
    assert (log["from"], log["to"], log.amount, log.fee, log.ref) == (
        alice.address,
        bob.address,
        10_000,
        20,
        ref("bread"),
    )
    assert balances(community, alice, bob) == [-10_020, 10_000]
    assert community.reserveBalance() == 20
    assert community.balanceOf(community.address) == 20


def test_pay_fee_rounds_up(community, alice, bob):
    community.pay(bob, 1, ref("tiny"), sender=alice)
    assert community.balanceOf(alice) == -2
    assert community.quoteFee(1) == 1
    assert community.quoteFee(10_000) == 20
    assert community.quoteFee(10_001) == 21


def test_pay_down_to_exact_credit_limit(community, alice, bob):
    # 99_800 + fee 200 = 100_000, the limit exactly.
    community.pay(bob, 99_800, ref("all"), sender=alice)
    assert community.balanceOf(alice) == -100_000
    assert community.availableCredit(alice) == 0


def test_pay_past_credit_limit_reverts(community, alice, bob):
    with ape.reverts(
        community.LedgerInsufficientCredit, account=alice.address, balanceAfter=-100_001, creditLimit=100_000
    ):
        community.pay(bob, 99_801, ref("too much"), sender=alice)


def test_pay_past_payee_ceiling_reverts(community, committee, alice, bob):
    community.setCreditLine(bob, 100_000, 1_000, sender=committee)
    community.pay(bob, 1_000, ref("ok"), sender=alice)
    with ape.reverts(community.LedgerCeilingExceeded, account=bob.address, balanceAfter=1_001, ceiling=1_000):
        community.pay(bob, 1, ref("one more"), sender=alice)


def test_pay_from_frozen_member_reverts(community, registrar, alice, bob):
    community.freeze(alice, sender=registrar)
    with ape.reverts(community.LedgerAccountNotActive, account=alice.address, status=FROZEN):
        community.pay(bob, 100, ref("x"), sender=alice)


def test_pay_to_frozen_member_reverts(community, registrar, alice, bob):
    community.freeze(bob, sender=registrar)
    with ape.reverts(community.LedgerAccountNotActive, account=bob.address, status=FROZEN):
        community.pay(bob, 100, ref("x"), sender=alice)


def test_pay_to_non_member_reverts(community, alice, stranger):
    with ape.reverts(community.LedgerAccountNotActive, account=stranger.address, status=NONE):
        community.pay(stranger, 100, ref("x"), sender=alice)


def test_pay_from_non_member_reverts(community, alice, stranger):
    with ape.reverts(community.LedgerAccountNotActive, account=stranger.address, status=NONE):
        community.pay(alice, 100, ref("x"), sender=stranger)


def test_pay_to_reserve_reverts(community, alice):
    with ape.reverts(community.LedgerAccountNotActive, account=community.address, status=NONE):
        community.pay(community.address, 100, ref("x"), sender=alice)


def test_pay_self_reverts(community, alice):
    with ape.reverts(community.LedgerSelfPayment, account=alice.address):
        community.pay(alice, 100, ref("x"), sender=alice)


@pytest.mark.parametrize("amount", [0, MAX_AMOUNT + 1, 2**255])
def test_pay_invalid_amount_reverts(community, alice, bob, amount):
    with ape.reverts(community.LedgerInvalidAmount, amount=amount):
        community.pay(bob, amount, ref("x"), sender=alice)


def test_pay_while_paused_reverts(community, pauser, alice, bob):
    community.pause(sender=pauser)
    with ape.reverts(community.LedgerEnforcedPause):
        community.pay(bob, 100, ref("x"), sender=alice)


def test_pay_keeps_zero_sum(community, alice, bob, council):
    community.pay(bob, 1_234, ref("a"), sender=alice)
    community.pay(council, 777, ref("b"), sender=bob)
    community.pay(alice, 50_000, ref("c"), sender=council)
    assert sum(balances(community, alice, bob, council)) + community.reserveBalance() == 0


# payBatch -------------------------------------------------------------------------------------


@pytest.fixture
def staff(community, registrar):
    """250 council employees, admitted as individuals in region 1."""
    members = [Account.create().address for _ in range(250)]
    for member in members:
        community.admit(member, INDIVIDUAL, 1, kyc(member), sender=registrar)
    return members


def test_pay_batch_pays_250_staff_in_one_transaction(community, council, staff):
    amounts = [10_000 + i for i in range(len(staff))]
    receipt = community.payBatch(staff, amounts, ref("bonus-2026"), sender=council)

    logs = receipt.events.filter(community.Transferred)
    assert [(log["to"], log.amount, log.fee) for log in logs] == [
        (member, amount, fee_of(amount, 20)) for member, amount in zip(staff, amounts, strict=True)
    ]
    assert [community.balanceOf(m) for m in staff] == amounts
    fees = sum(fee_of(a, 20) for a in amounts)
    assert community.balanceOf(council) == -(sum(amounts) + fees)
    assert community.reserveBalance() == fees


def test_pay_batch_is_all_or_nothing(community, registrar, council, alice, bob):
    community.freeze(bob, sender=registrar)
    with ape.reverts(community.LedgerAccountNotActive, account=bob.address, status=FROZEN):
        community.payBatch([alice, bob], [100, 200], ref("bonus"), sender=council)
    assert balances(community, alice, bob, council) == [0, 0, 0]


def test_pay_batch_past_credit_limit_reverts_at_the_line(community, alice, bob, council):
    # Alice has 100_000 of credit: the second line takes her past it.
    with ape.reverts(
        community.LedgerInsufficientCredit,
        account=alice.address,
        balanceAfter=-(60_000 + 120) * 2,
        creditLimit=100_000,
    ):
        community.payBatch([bob, council], [60_000, 60_000], ref("x"), sender=alice)


@pytest.mark.parametrize(("recipients", "amounts"), [(2, 1), (1, 2), (0, 0)])
def test_pay_batch_bad_lengths_revert(community, alice, bob, recipients, amounts):
    with ape.reverts(community.LedgerInvalidBatch, recipients=recipients, amounts=amounts):
        community.payBatch([bob] * recipients, [100] * amounts, ref("x"), sender=alice)


def test_pay_batch_while_paused_reverts(community, pauser, council, alice):
    community.pause(sender=pauser)
    with ape.reverts(community.LedgerEnforcedPause):
        community.payBatch([alice], [100], ref("x"), sender=council)


# credit lines ---------------------------------------------------------------------------------


def test_set_credit_line(community, committee, alice):
    receipt = community.setCreditLine(alice, 250_000, 7_000_000, sender=committee)
    log = only_event(receipt, community.CreditLineSet)
    assert (log.account, log.creditLimit, log.ceiling) == (alice.address, 250_000, 7_000_000)
    state = community.accountOf(alice)
    assert (state.creditLimit, state.ceiling, state.balance, state.status) == (250_000, 7_000_000, 0, ACTIVE)


def test_set_credit_line_below_debt_blocks_further_payments(community, committee, alice, bob):
    community.pay(bob, 50_000, ref("x"), sender=alice)
    community.setCreditLine(alice, 10_000, 5_000_000, sender=committee)
    assert community.availableCredit(alice) == 0
    with ape.reverts(
        community.LedgerInsufficientCredit,
        account=alice.address,
        balanceAfter=-50_100 - 2,
        creditLimit=10_000,
    ):
        community.pay(bob, 1, ref("y"), sender=alice)


def test_set_credit_line_of_frozen_member(community, registrar, committee, alice):
    community.freeze(alice, sender=registrar)
    community.setCreditLine(alice, 0, 0, sender=committee)
    assert community.accountOf(alice).creditLimit == 0


@pytest.mark.parametrize(("limit", "ceiling"), [(MAX_AMOUNT + 1, 0), (0, MAX_AMOUNT + 1)])
def test_set_credit_line_too_large_reverts(community, committee, alice, limit, ceiling):
    with ape.reverts(community.LedgerCreditLineTooLarge, value=MAX_AMOUNT + 1, max=MAX_AMOUNT):
        community.setCreditLine(alice, limit, ceiling, sender=committee)


def test_set_credit_line_of_non_member_reverts(community, committee, stranger):
    with ape.reverts(community.MembershipInvalidStatus, account=stranger.address, status=NONE):
        community.setCreditLine(stranger, 1, 1, sender=committee)


def test_set_credit_line_of_excluded_member_reverts(community, registrar, committee, alice):
    community.exclude(alice, sender=registrar)
    with ape.reverts(community.MembershipInvalidStatus, account=alice.address, status=EXCLUDED):
        community.setCreditLine(alice, 1, 1, sender=committee)


def test_set_credit_line_by_non_committee_reverts(community, registrar, alice):
    with ape.reverts(
        community.AccessControlUnauthorizedAccount,
        account=registrar.address,
        neededRole=role("CREDIT_COMMITTEE_ROLE"),
    ):
        community.setCreditLine(alice, 1, 1, sender=registrar)


def test_set_default_credit_line(ledger, committee):
    receipt = ledger.setDefaultCreditLine(COUNCIL, 42, 43, sender=committee)
    log = only_event(receipt, ledger.DefaultCreditLineSet)
    assert (log.kind, log.creditLimit, log.ceiling) == (COUNCIL, 42, 43)
    assert ledger.defaultCreditLine(COUNCIL) == (42, 43)
    assert ledger.defaultCreditLine(INDIVIDUAL) == (0, 0)


def test_set_default_credit_line_too_large_reverts(ledger, committee):
    with ape.reverts(ledger.LedgerCreditLineTooLarge, value=MAX_AMOUNT + 1, max=MAX_AMOUNT):
        ledger.setDefaultCreditLine(COUNCIL, MAX_AMOUNT + 1, 0, sender=committee)


def test_set_default_credit_line_by_non_committee_reverts(ledger, stranger):
    with ape.reverts(
        ledger.AccessControlUnauthorizedAccount,
        account=stranger.address,
        neededRole=role("CREDIT_COMMITTEE_ROLE"),
    ):
        ledger.setDefaultCreditLine(COUNCIL, 1, 1, sender=stranger)


# write-offs -----------------------------------------------------------------------------------


@pytest.fixture
def defaulted_alice(community, registrar, alice, bob, council):
    """Alice owes 20_040 and is excluded; the reserve holds the fees of a few payments."""
    community.pay(bob, 20_000, ref("spent"), sender=alice)  # alice -20_040, reserve 40
    community.pay(bob, 100_000, ref("fees"), sender=council)  # reserve 240
    community.exclude(alice, sender=registrar)
    return alice


def test_write_off_covered_in_part(community, committee, defaulted_alice):
    receipt = community.writeOff(defaulted_alice, ref("default"), sender=committee)

    log = only_event(receipt, community.DebtWrittenOff)
    assert (log.account, log.debt, log.covered, log.uncovered, log.ref) == (
        defaulted_alice.address,
        20_040,
        240,
        19_800,
        ref("default"),
    )
    moved = only_event(receipt, community.Transferred)
    assert (moved["from"], moved["to"], moved.amount, moved.fee) == (
        community.address,
        defaulted_alice.address,
        240,
        0,
    )
    assert community.balanceOf(defaulted_alice) == -19_800
    assert community.reserveBalance() == 0


def test_write_off_covered_in_full(community, committee, council, bob, defaulted_alice):
    # Enough payments to fill the reserve: the fee on 1_100_000 at 20 bps is 2_200.
    community.setCreditLine(bob, 0, 100_000_000, sender=committee)
    for _ in range(10):
        community.pay(bob, 1_100_000, ref("big"), sender=council)
    reserve = community.reserveBalance()
    receipt = community.writeOff(defaulted_alice, ref("default"), sender=committee)
    log = only_event(receipt, community.DebtWrittenOff)
    assert (log.debt, log.covered, log.uncovered) == (20_040, 20_040, 0)
    assert community.balanceOf(defaulted_alice) == 0
    assert community.reserveBalance() == reserve - 20_040


def test_write_off_of_active_member_reverts(community, committee, alice, bob):
    community.pay(bob, 100, ref("x"), sender=alice)
    with ape.reverts(community.MembershipInvalidStatus, account=alice.address, status=ACTIVE):
        community.writeOff(alice, ref("x"), sender=committee)


def test_write_off_without_debt_reverts(community, registrar, committee, alice, bob):
    community.pay(alice, 100, ref("x"), sender=bob)
    community.exclude(alice, sender=registrar)
    with ape.reverts(community.LedgerNoDebt, account=alice.address, balance=100):
        community.writeOff(alice, ref("x"), sender=committee)


def test_write_off_with_empty_reserve_reverts(community, registrar, committee, governor, alice, bob):
    community.setFee(0, sender=governor)
    community.pay(bob, 100, ref("x"), sender=alice)
    community.exclude(alice, sender=registrar)
    with ape.reverts(community.LedgerReserveEmpty, account=alice.address, debt=100):
        community.writeOff(alice, ref("x"), sender=committee)


def test_write_off_by_non_committee_reverts(community, registrar, defaulted_alice):
    with ape.reverts(
        community.AccessControlUnauthorizedAccount,
        account=registrar.address,
        neededRole=role("CREDIT_COMMITTEE_ROLE"),
    ):
        community.writeOff(defaulted_alice, ref("x"), sender=registrar)


# fee ------------------------------------------------------------------------------------------


def test_set_fee(community, governor, alice, bob):
    receipt = community.setFee(150, sender=governor)
    log = only_event(receipt, community.FeeChanged)
    assert (log.previousFeeBps, log.newFeeBps) == (20, 150)
    assert community.feeBps() == 150
    community.pay(bob, 10_000, ref("x"), sender=alice)
    assert community.reserveBalance() == 150


def test_set_fee_to_hard_maximum(community, governor):
    community.setFee(community.MAX_FEE_BPS(), sender=governor)
    assert community.feeBps() == 500


def test_set_fee_above_maximum_reverts(community, governor):
    with ape.reverts(community.LedgerFeeTooHigh, feeBps=501, maxFeeBps=500):
        community.setFee(501, sender=governor)


def test_set_fee_by_non_governance_reverts(community, admin):
    with ape.reverts(
        community.AccessControlUnauthorizedAccount, account=admin.address, neededRole=role("GOVERNANCE_ROLE")
    ):
        community.setFee(10, sender=admin)


def test_quote_fee_of_invalid_amount_reverts(community):
    with ape.reverts(community.LedgerInvalidAmount, amount=MAX_AMOUNT + 1):
        community.quoteFee(MAX_AMOUNT + 1)


# pause ----------------------------------------------------------------------------------------


def test_pause_and_unpause(community, pauser, alice, bob):
    receipt = community.pause(sender=pauser)
    assert only_event(receipt, community.Paused).account == pauser.address
    assert community.paused()
    receipt = community.unpause(sender=pauser)
    assert only_event(receipt, community.Unpaused).account == pauser.address
    assert not community.paused()
    community.pay(bob, 100, ref("x"), sender=alice)


def test_pause_keeps_fee_and_reserve(community, pauser, alice, bob):
    community.pay(bob, 10_000, ref("x"), sender=alice)
    community.pause(sender=pauser)
    assert (community.feeBps(), community.reserveBalance()) == (20, 20)


def test_registry_and_committee_work_while_paused(community, pauser, registrar, committee, alice, stranger):
    community.pause(sender=pauser)
    community.migrate(alice, stranger, sender=registrar)
    community.setCreditLine(stranger, 1, 1, sender=committee)
    assert community.accountOf(stranger).creditLimit == 1


def test_pause_twice_reverts(community, pauser):
    community.pause(sender=pauser)
    with ape.reverts(community.LedgerEnforcedPause):
        community.pause(sender=pauser)


def test_unpause_when_not_paused_reverts(community, pauser):
    with ape.reverts(community.LedgerExpectedPause):
        community.unpause(sender=pauser)


@pytest.mark.parametrize("function", ["pause", "unpause"])
def test_pause_by_non_pauser_reverts(community, governor, function):
    with ape.reverts(
        community.AccessControlUnauthorizedAccount, account=governor.address, neededRole=role("PAUSER_ROLE")
    ):
        getattr(community, function)(sender=governor)


# views and roles ------------------------------------------------------------------------------


def test_metadata_views(ledger):
    assert (ledger.name(), ledger.symbol(), ledger.decimals()) == ("NExT mutual credit", "NXT", 2)
    assert ledger.reserveAccount() == ledger.address
    assert (ledger.MAX_FEE_BPS(), ledger.MAX_AMOUNT()) == (500, MAX_AMOUNT)
    assert not ledger.paused()


def test_available_credit(community, alice, bob):
    assert community.availableCredit(alice) == 100_000
    community.pay(bob, 30_000, ref("x"), sender=alice)
    assert community.availableCredit(alice) == 100_000 - 30_060
    assert community.availableCredit(bob) == 100_000 + 30_000


def test_account_of_unknown_address_is_empty(ledger, stranger):
    state = ledger.accountOf(stranger)
    assert (state.balance, state.creditLimit, state.ceiling, state.status) == (0, 0, 0, NONE)
    assert ledger.availableCredit(stranger) == 0


@pytest.mark.parametrize(
    "name", ["REGISTRAR_ROLE", "CREDIT_COMMITTEE_ROLE", "GOVERNANCE_ROLE", "PAUSER_ROLE", "AUDITOR_ROLE"]
)
def test_role_constants_are_hashes_of_their_names(ledger, name):
    assert getattr(ledger, name)() == role(name)


def test_deploy_grants_configured_roles(ledger, admin, registrar, committee, governor, pauser, auditor, stranger):
    assert ledger.hasRole(b"\x00" * 32, admin)
    for name, holder in [
        ("REGISTRAR_ROLE", registrar),
        ("CREDIT_COMMITTEE_ROLE", committee),
        ("GOVERNANCE_ROLE", governor),
        ("PAUSER_ROLE", pauser),
        ("AUDITOR_ROLE", auditor),
    ]:
        assert ledger.hasRole(role(name), holder)
        assert not ledger.hasRole(role(name), stranger)


def test_governance_grants_and_revokes_staff_roles_and_the_admin_grants_governance(ledger, admin, governor, stranger):
    """Staff roles are GOVERNANCE_ROLE's to grant (the timelock's: what members vote is carried out
    even where a developer's key keeps the admin); GOVERNANCE_ROLE is the admin's."""
    for name in ("REGISTRAR_ROLE", "CREDIT_COMMITTEE_ROLE", "PAUSER_ROLE", "AUDITOR_ROLE"):
        assert ledger.getRoleAdmin(role(name)) == role("GOVERNANCE_ROLE")
    assert ledger.getRoleAdmin(role("GOVERNANCE_ROLE")) == b"\x00" * 32
    ledger.grantRole(role("REGISTRAR_ROLE"), stranger, sender=governor)
    ledger.admit(admin, INDIVIDUAL, 1, kyc("admin"), sender=stranger)
    ledger.revokeRole(role("REGISTRAR_ROLE"), stranger, sender=governor)
    with ape.reverts(
        ledger.AccessControlUnauthorizedAccount, account=stranger.address, neededRole=role("REGISTRAR_ROLE")
    ):
        ledger.freeze(admin, sender=stranger)
    with ape.reverts(
        ledger.AccessControlUnauthorizedAccount, account=admin.address, neededRole=role("GOVERNANCE_ROLE")
    ):
        ledger.grantRole(role("REGISTRAR_ROLE"), stranger, sender=admin)
    with ape.reverts(ledger.AccessControlUnauthorizedAccount, account=governor.address, neededRole=b"\x00" * 32):
        ledger.grantRole(role("GOVERNANCE_ROLE"), stranger, sender=governor)


def test_grant_role_by_non_admin_reverts(ledger, registrar, stranger):
    with ape.reverts(
        ledger.AccessControlUnauthorizedAccount, account=registrar.address, neededRole=role("GOVERNANCE_ROLE")
    ):
        ledger.grantRole(role("REGISTRAR_ROLE"), stranger, sender=registrar)


def test_credit_in_use_follows_every_debt(community, committee, registrar, alice, bob):
    community.pay(bob, 30_000, ref("a"), sender=alice)  # alice owes 30,060
    assert community.creditInUse() == 30_060
    community.pay(alice, 10_000, ref("b"), sender=bob)  # bob stays above zero; alice's debt shrinks
    assert community.creditInUse() == 20_060
    community.exclude(alice, sender=registrar)
    community.writeOff(alice, ref("c"), sender=committee)  # the reserve (80) covers part of it
    assert community.creditInUse() == 20_060 - 80 == -community.balanceOf(alice)


def test_projects_are_checked_before_they_are_funded(community, governor, registrar, alice, stranger):
    with ape.reverts(community.ReserveInvalidProject, instalment=0, instalments=1, interval=0):
        community.fundProject(alice, 0, 1, 0, ref("p"), sender=governor)
    with ape.reverts(community.ReserveInvalidProject, instalment=5, instalments=2, interval=0):
        community.fundProject(alice, 5, 2, 0, ref("p"), sender=governor)  # two at once: no interval
    with ape.reverts(community.MembershipInvalidStatus, account=stranger.address, status=NONE):
        community.fundProject(stranger, 5, 1, 0, ref("p"), sender=governor)
    with ape.reverts(
        community.AccessControlUnauthorizedAccount, account=registrar.address, neededRole=role("GOVERNANCE_ROLE")
    ):
        community.fundProject(alice, 5, 1, 0, ref("p"), sender=registrar)
    with ape.reverts(community.ReserveUnknownProject, projectId=1):
        community.releaseInstalment(1, sender=alice)
    with ape.reverts(community.ReserveFloorTooHigh, floorBps=100_001, maxFloorBps=100_000):
        community.setCoverageFloor(100_001, sender=governor)
    # An empty reserve pays nothing, whatever the floor.
    receipt = community.fundProject(alice, 5, 1, 0, ref("p"), sender=governor)
    assert only_event(receipt, community.ProjectFunded).projectId == 1
    with ape.reverts(community.ReserveCoverageBelowFloor, projectId=1, reserveAfter=-5, creditInUseAfter=0, floorBps=0):
        community.releaseInstalment(1, sender=alice)
