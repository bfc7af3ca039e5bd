"""Councils' bonus allowances: issued with no money created, spent only at eligible businesses (by
category and region), the soonest to expire first, debiting the council only then, lapsing by
themselves, holding back the council's credit meanwhile. On a real chain (anvil, whose clock the
test moves)."""

from __future__ import annotations

import ape
import pytest
from eth_account import Account

from next_contracts import load_artifact
from tests.contracts.conftest import BUSINESS, INDIVIDUAL
from tests.contracts.helpers import fee_of, kyc, only_event, ref

LOCAL_SHOP, ORGANIC, CULTURE = 1, 2, 4  # category bits, as the vocabulary names them
DAY = 86_400
FEE_BPS = 20


@pytest.fixture(scope="module")
def shops():
    """A bookshop and a grocer: payees only, they never send a transaction."""
    return Account.create().address, Account.create().address


@pytest.fixture
def town(community, registrar, committee, shops):
    """The community with a bookshop in region 1 (culture, local shop) and a grocer in region 2
    (local shop, organic), in the bonus allowances contract."""
    bookshop, grocer = shops
    community.setDefaultCreditLine(BUSINESS, 500_000, 50_000_000, sender=committee)
    community.admit(bookshop, BUSINESS, 1, kyc("bookshop"), sender=registrar)
    community.admit(grocer, BUSINESS, 2, kyc("grocer"), sender=registrar)
    bonuses = ape.Contract(community.bonusAllowances(), abi=load_artifact("BonusAllowances").abi)
    bonuses.setCategories(bookshop, CULTURE | LOCAL_SHOP, sender=registrar)
    bonuses.setCategories(grocer, LOCAL_SHOP | ORGANIC, sender=registrar)
    return bonuses


def later(seconds: int) -> None:
    ape.chain.mine(1, timestamp=ape.chain.blocks.head.timestamp + seconds)


def now() -> int:
    return ape.chain.blocks.head.timestamp


def open_run(bonuses, council, *, days=30, categories=0, regions=(), label="year-end"):
    receipt = bonuses.openRun(now() + days * DAY, categories, list(regions), ref(label), sender=council)
    return only_event(receipt, bonuses.BonusRunOpened).runId


def test_categories_are_set_by_registrars_on_active_members(town, community, registrar, alice, stranger, shops):
    bookshop, grocer = shops
    assert town.categoriesOf(bookshop) == (CULTURE | LOCAL_SHOP, 1)
    assert town.categoriesOf(grocer) == (LOCAL_SHOP | ORGANIC, 2)
    with ape.reverts(town.BonusNotRegistrar, caller=alice.address):
        town.setCategories(bookshop, CULTURE, sender=alice)
    with ape.reverts(town.BonusInvalidMember, account=stranger.address, status=0, kind=INDIVIDUAL):
        town.setCategories(stranger, CULTURE, sender=registrar)
    town.setCategories(bookshop, 0, sender=registrar)  # out of every category
    assert town.categoriesOf(bookshop) == (0, 0)


def test_runs_are_opened_by_an_active_council_within_bounds(town, council, alice):
    with ape.reverts(town.BonusInvalidMember, account=alice.address, status=1, kind=INDIVIDUAL):
        town.openRun(now() + DAY, 0, [], ref("x"), sender=alice)
    latest_plus = now() + 3 * 365 * DAY + 100
    with ape.reverts(town.BonusInvalidExpiry):
        town.openRun(latest_plus, 0, [], ref("x"), sender=council)
    with ape.reverts(town.BonusInvalidExpiry):
        town.openRun(now() - 1, 0, [], ref("x"), sender=council)
    with ape.reverts(town.BonusInvalidRegions, count=2, max=4):
        town.openRun(now() + DAY, 0, [1, 0], ref("x"), sender=council)
    with ape.reverts(town.BonusInvalidRegions, count=5, max=4):
        town.openRun(now() + DAY, 0, [1, 2, 3, 4, 5], ref("x"), sender=council)
    run_id = open_run(town, council, categories=CULTURE, regions=(1, 2))
    run = town.runOf(run_id)
    assert (run.council, run.categories, list(run.regions), run.issued, run.outstanding) == (
        council.address,
        CULTURE,
        [1, 2, 0, 0],
        0,
        0,
    )
    with ape.reverts(town.BonusUnknownRun, runId=run_id + 1):
        town.runOf(run_id + 1)


def test_issuing_creates_no_money_and_holds_back_the_councils_credit(town, community, council, alice, bob):
    available = community.availableCredit(council)
    run_id = open_run(town, council)
    receipt = town.issue(run_id, [alice, bob, alice], [10_000, 20_000, 5_000], sender=council)
    assert [(e.holder, e.amount) for e in receipt.events.filter(town.AllowanceIssued)] == [
        (alice.address, 10_000),
        (bob.address, 20_000),
        (alice.address, 5_000),
    ]
    assert not receipt.events.filter(community.Transferred)
    assert community.balanceOf(council) == 0 and community.balanceOf(alice) == 0
    # Alice's two lines of one run are one allowance.
    [allowance] = town.allowancesOf(alice)
    assert (allowance.runId, allowance.council, allowance.remaining) == (run_id, council.address, 15_000)
    assert town.outstandingOf(council) == 35_000
    held = 35_000 + fee_of(35_000, FEE_BPS)
    assert town.creditHeldBy(council) == held
    assert community.availableCredit(council) == available - held


def test_issuing_is_refused_in_words(town, community, council, alice, bob, stranger):
    run_id = open_run(town, council)
    with ape.reverts(town.BonusNotRunCouncil, runId=run_id, caller=alice.address):
        town.issue(run_id, [bob], [1], sender=alice)
    with ape.reverts(town.BonusUnknownRun, runId=999):
        town.issue(999, [bob], [1], sender=council)
    with ape.reverts(town.BonusInvalidBatch, holders=2, amounts=1):
        town.issue(run_id, [alice, bob], [1], sender=council)
    with ape.reverts(town.BonusInvalidAmount, amount=0):
        town.issue(run_id, [alice], [0], sender=council)
    with ape.reverts(town.BonusInvalidMember, account=stranger.address, status=0, kind=INDIVIDUAL):
        town.issue(run_id, [stranger], [1], sender=council)
    available = community.availableCredit(council)
    needed = available + 1
    with ape.reverts(town.BonusCreditShort, council=council.address, available=available):
        town.issue(run_id, [alice], [needed], sender=council)
    later(31 * DAY)
    with ape.reverts(town.BonusRunExpired, runId=run_id):
        town.issue(run_id, [alice], [1], sender=council)


def test_spending_at_an_eligible_business_debits_the_council_then(town, community, council, alice, shops):
    bookshop, _ = shops
    run_id = open_run(town, council, categories=CULTURE)
    town.issue(run_id, [alice], [10_000], sender=council)
    receipt = town.spend(bookshop, 4_000, 0, ref("book"), sender=alice)
    spent = only_event(receipt, town.AllowanceSpent)
    assert (spent.runId, spent.holder, spent.payee, spent.amount) == (run_id, alice.address, bookshop, 4_000)
    moved = only_event(receipt, community.Transferred)
    assert (moved["from"], moved.to, moved.amount, moved.fee) == (council.address, bookshop, 4_000, 8)
    assert community.balanceOf(council) == -4_008 and community.balanceOf(bookshop) == 4_000
    assert community.balanceOf(alice) == 0  # the holder pays nothing of its own
    assert town.allowancesOf(alice)[0].remaining == 6_000
    assert town.spendableAt(alice, bookshop) == 6_000
    run = town.runOf(run_id)
    assert (run.issued, run.spent, run.outstanding) == (10_000, 4_000, 6_000)


def test_an_ineligible_business_is_refused_unless_plain_units_may_pay(town, community, council, alice, bob, shops):
    _, grocer = shops
    run_id = open_run(town, council, categories=CULTURE)
    town.issue(run_id, [alice], [10_000], sender=council)
    assert town.spendableAt(alice, grocer) == 0
    with ape.reverts(town.BonusAllowanceShort, holder=alice.address, payee=grocer, spendable=0, amount=3_000):
        town.spend(grocer, 3_000, 0, ref("veg"), sender=alice)
    with ape.reverts(town.BonusAllowanceShort, payee=bob.address, spendable=0):
        town.spend(bob, 3_000, 0, ref("cash"), sender=alice)  # a member in no category takes none
    with ape.reverts(town.BonusSelfPayment, holder=alice.address):
        town.spend(alice, 3_000, 3_000, ref("me"), sender=alice)
    receipt = town.spend(grocer, 3_000, 3_000, ref("veg"), sender=alice)  # plain units instead
    assert not receipt.events.filter(town.AllowanceSpent)
    assert community.balanceOf(alice) == -3_006 and community.balanceOf(council) == 0


def test_allowance_and_plain_units_in_one_payment_the_soonest_to_expire_first(town, community, council, alice, shops):
    bookshop, _ = shops
    late = open_run(town, council, days=60, label="late")
    soon = open_run(town, council, days=10, label="soon")
    town.issue(late, [alice], [5_000], sender=council)
    town.issue(soon, [alice], [2_000], sender=council)
    assert [a.runId for a in town.allowancesOf(alice)] == [soon, late]
    with ape.reverts(town.BonusAllowanceShort, spendable=7_000, amount=9_000, maxPlain=1_000):
        town.spend(bookshop, 9_000, 1_000, ref("too much"), sender=alice)
    receipt = town.spend(bookshop, 9_000, 2_000, ref("books"), sender=alice)
    assert [(e.runId, e.amount) for e in receipt.events.filter(town.AllowanceSpent)] == [(soon, 2_000), (late, 5_000)]
    assert [(e["from"], e.amount) for e in receipt.events.filter(community.Transferred)] == [
        (council.address, 2_000),
        (council.address, 5_000),
        (alice.address, 2_000),
    ]
    assert town.allowancesOf(alice) == [] and town.outstandingOf(council) == 0


def test_regions_limit_where_an_allowance_is_spent(town, council, alice, shops):
    bookshop, grocer = shops  # region 1, region 2
    run_id = open_run(town, council, regions=(2,))
    town.issue(run_id, [alice], [1_000], sender=council)
    assert town.spendableAt(alice, bookshop) == 0 and town.spendableAt(alice, grocer) == 1_000
    town.spend(grocer, 1_000, 0, ref("veg"), sender=alice)


def test_an_allowance_lapses_by_itself_and_frees_the_councils_credit(town, community, council, alice, shops):
    bookshop, _ = shops
    available = community.availableCredit(council)
    run_id = open_run(town, council, days=5)
    town.issue(run_id, [alice], [10_000], sender=council)
    town.spend(bookshop, 1_000, 0, ref("book"), sender=alice)
    later(5 * DAY + 1)
    assert town.allowancesOf(alice) == [] and town.spendableAt(alice, bookshop) == 0
    with ape.reverts(town.BonusAllowanceShort, spendable=0):
        town.spend(bookshop, 1_000, 0, ref("late"), sender=alice)
    assert town.outstandingOf(council) == 0 and town.creditHeldBy(council) == 0
    assert town.runOf(run_id).outstanding == 9_000  # what lapsed; nothing to claw back
    assert community.availableCredit(council) == available - 1_000 - fee_of(1_000, FEE_BPS)


def test_the_councils_own_payments_cannot_use_the_credit_held_back(town, community, committee, council, alice, bob):
    community.setCreditLine(council, 100_000, 10_000_000, sender=committee)
    run_id = open_run(town, council)
    town.issue(run_id, [alice], [60_000], sender=council)
    held = 60_000 + fee_of(60_000, FEE_BPS)
    assert community.availableCredit(council) == 100_000 - held
    with ape.reverts(community.LedgerCreditHeld, council=council.address, creditLimit=100_000, held=held):
        community.pay(bob, 40_000, ref("too much"), sender=council)
    community.pay(bob, 30_000, ref("fits"), sender=council)
    with ape.reverts(town.BonusCreditShort, council=council.address):
        town.issue(run_id, [bob], [10_000], sender=council)


def test_small_pieces_cost_the_council_the_fee_of_the_whole(town, community, council, alice, shops):
    bookshop, _ = shops
    run_id = open_run(town, council)
    town.issue(run_id, [alice], [1_000], sender=council)
    fees = [
        only_event(town.spend(bookshop, 100, 0, ref(f"piece {i}"), sender=alice), community.Transferred).fee
        for i in range(10)
    ]
    assert sum(fees) == fee_of(1_000, FEE_BPS) == 2  # not ten fees of one hundredth each
    assert community.balanceOf(council) == -1_002


def test_a_holder_holds_at_most_eight_live_allowances(town, council, alice):
    runs = [open_run(town, council, days=10 + i, label=f"run {i}") for i in range(9)]
    for run_id in runs[:8]:
        town.issue(run_id, [alice], [100], sender=council)
    with ape.reverts(town.BonusHolderFull, holder=alice.address, max=8):
        town.issue(runs[8], [alice], [100], sender=council)
    later(10 * DAY + 1)  # the first lapsed: its place is free again
    town.issue(runs[8], [alice], [100], sender=council)
    assert [a.runId for a in town.allowancesOf(alice)] == runs[1:]


def test_only_the_allowances_contract_pays_for_a_bonus(town, community, council, alice, shops):
    bookshop, _ = shops
    with ape.reverts(community.LedgerNotBonusAllowances, caller=alice.address):
        community.payForBonus(alice, council, bookshop, 1, ref("theft"), 1, sender=alice)
    assert community.bonusAllowances() == town.address and town.LEDGER() == community.address


def test_a_frozen_council_or_payee_stops_the_spending_in_words(town, community, registrar, council, alice, shops):
    bookshop, _ = shops
    run_id = open_run(town, council)
    town.issue(run_id, [alice], [1_000], sender=council)
    community.freeze(bookshop, sender=registrar)
    with ape.reverts(community.LedgerAccountNotActive, account=bookshop):
        town.spend(bookshop, 100, 0, ref("x"), sender=alice)
    community.unfreeze(bookshop, sender=registrar)
    community.freeze(council, sender=registrar)
    with ape.reverts(community.LedgerAccountNotActive, account=council.address):
        town.spend(bookshop, 100, 0, ref("x"), sender=alice)


@pytest.mark.parametrize("change", ["freeze", "exclude", "migrate"])
def test_a_holder_who_is_no_longer_active_cannot_spend_the_councils_money(
    town, community, registrar, council, alice, shops, accounts, change
):
    """The contract refuses it, not only the relay: a frozen, excluded or migrated (old) key held
    allowances and spent them straight over RPC."""
    bookshop, _ = shops
    run_id = open_run(town, council)
    town.issue(run_id, [alice], [1_000], sender=council)
    args = (alice, accounts.generate_test_account()) if change == "migrate" else (alice,)
    getattr(community, change)(*args, sender=registrar)
    status = community.accountOf(alice).status
    # Plain units allowed too: a migrated key's allowances went to its new key, so its part would be plain.
    with ape.reverts(community.LedgerAccountNotActive, account=alice.address, status=status):
        town.spend(bookshop, 100, 100, ref("after"), sender=alice)
    assert town.runOf(run_id).spent == 0 and community.balanceOf(council) == 0


def new_key(accounts, funder):
    """A fresh test account with ether for ape's gas price (the ledger asks none)."""
    key = accounts.generate_test_account()
    funder.transfer(key, 10**18)
    return key


def test_a_key_recovery_carries_allowances_runs_and_categories_to_the_new_key(
    town, community, registrar, council, alice, shops, accounts, admin
):
    bookshop, _ = shops
    run_id = open_run(town, council, categories=CULTURE)
    town.issue(run_id, [alice], [10_000], sender=council)
    held = town.creditHeldBy(council)
    alice_now, council_now = new_key(accounts, admin), new_key(accounts, admin)

    receipt = community.migrate(alice, alice_now, sender=registrar)
    carried = only_event(receipt, town.AllowancesCarried)
    assert (carried["from"], carried.to) == (alice.address, alice_now.address)
    assert town.allowancesOf(alice) == [] and town.allowancesOf(alice_now)[0].remaining == 10_000

    community.migrate(council, council_now, sender=registrar)
    assert town.runOf(run_id).council == council_now.address
    assert town.creditHeldBy(council) == 0 and town.creditHeldBy(council_now) == held
    assert town.outstandingOf(council_now) == 10_000

    town.spend(bookshop, 4_000, 0, ref("book"), sender=alice_now)
    assert community.balanceOf(council_now) == -4_008 and community.balanceOf(council) == 0
    # The new council key issues in its run; the old one holds none.
    town.issue(run_id, [alice_now], [1_000], sender=council_now)
    with ape.reverts(town.BonusNotRunCouncil, runId=run_id, caller=council.address):
        town.issue(run_id, [alice_now], [1_000], sender=council)

    # A business's new key keeps its categories.
    new_shop = accounts.generate_test_account()
    community.migrate(bookshop, new_shop, sender=registrar)
    assert town.categoriesOf(new_shop) == (CULTURE | LOCAL_SHOP, 1) and town.categoriesOf(bookshop) == (0, 0)


def test_only_the_ledger_carries_allowances_over(town, alice, bob):
    with ape.reverts(town.BonusNotLedger, caller=alice.address):
        town.carryOver(alice, bob, sender=alice)
