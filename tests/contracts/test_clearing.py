"""Clearing between regions, on anvil: three regions, each a whole deployment with its own ledger,
governance and clearing, related pair by pair. A payment across regions, along a path, a netting
of a cycle, a member moving; each refusal by its typed error with its figures."""

from __future__ import annotations

import pytest
from web3 import Web3

from next_contracts import BONUS_ALLOWANCES as BONUSES
from next_contracts import load_artifact
from next_contracts.vocabulary import MemberKind, MemberStatus
from tests.contracts.helpers import fee_of, ref
from tests.contracts.regions import Region, act, book_total, deploy_region, position, refusal, relate

LIMIT, CEILING = 60_000, 80_000  # each region lets the other owe it 600,00 and owes it 800,00 at most
FEE_BPS = 20


@pytest.fixture(scope="module")
def regions(ape_web3, accounts) -> tuple[Region, Region, Region]:
    """Regions 1, 2 and 3, two members each, 1-2 and 2-3 related, 1 and 3 not."""
    operator = accounts[0].address
    north, centre, south = (
        deploy_region(ape_web3, operator, number, [accounts[2 * number].address, accounts[2 * number + 1].address])
        for number in (1, 2, 3)
    )
    relate(ape_web3, operator, north, centre, LIMIT, CEILING)
    relate(ape_web3, operator, centre, south, LIMIT, CEILING)
    return north, centre, south


def test_a_payment_across_two_regions_is_one_transaction_that_keeps_each_region_at_zero(ape_web3, regions):
    north, centre, _ = regions
    payer, payee = north.members[0], centre.members[0]
    receipt = act(ape_web3, payer, north.clearing.functions.payAcross([centre.address], payee, 12_50, ref("inv-1")))
    assert north.ledger.functions.balanceOf(payer).call() == -(12_50 + fee_of(12_50, FEE_BPS))
    assert north.ledger.functions.reserveBalance().call() == fee_of(12_50, FEE_BPS)  # the payer's region's fee
    assert centre.ledger.functions.balanceOf(payee).call() == 12_50
    assert position(north, centre) == 12_50 == -position(centre, north)
    for region in regions:
        assert book_total(region, [r for r in regions if r is not region]) == 0
    paid = north.clearing.events.PaidAcross().process_receipt(receipt)
    assert [(e.args["from"], e.args.to, e.args.destination, e.args.amount) for e in paid] == [
        (payer, payee, centre.address, 12_50)
    ]
    received = centre.clearing.events.ReceivedAcross().process_receipt(receipt)
    assert [
        (e.args["from"], e.args.to, e.args.via, e.args.amount) for e in received if e.address == centre.address
    ] == [(payer, payee, north.address, 12_50)]
    moves = [
        e.args
        for region in (north, centre)
        for e in region.ledger.events.Transferred().process_receipt(receipt)
        if e.address == region.ledger.address  # both ledgers decode both logs: one ABI
    ]
    assert [(m["from"], m.to, m.ref) for m in moves] == [
        (payer, centre.address, ref("inv-1")),
        (north.address, payee, ref("inv-1")),
    ]


def test_a_payment_along_a_path_passes_through_the_region_between(ape_web3, regions):
    north, centre, south = regions
    payer, payee = north.members[0], south.members[1]
    act(ape_web3, payer, north.clearing.functions.payAcross([centre.address, south.address], payee, 40_00, ref("p")))
    assert south.ledger.functions.balanceOf(payee).call() == 40_00
    assert position(north, centre) == 40_00 and position(centre, north) == -40_00
    assert position(centre, south) == 40_00 and position(south, centre) == -40_00
    assert book_total(centre, [north, south]) == 0


def test_a_limit_passed_anywhere_reverts_the_whole_payment_and_names_it(ape_web3, accounts, regions):
    north, centre, _ = regions
    payer, payee = north.members[0], centre.members[0]
    # Centre lets north owe it 600,00: its account for north would reach -700,00 (the payer's own
    # limit, 1 000,00, is not reached).
    error = refusal(ape_web3, payer, north.clearing.functions.payAcross([centre.address], payee, 70_000, ref("x")))
    assert (error.name, error.args["account"], error.args["balanceAfter"], error.args["creditLimit"]) == (
        "LedgerInsufficientCredit",
        north.address,
        -70_000,
        LIMIT,
    )
    # North lets itself owe centre 800,00 at most; centre's limit raised, north's ceiling binds.
    act(ape_web3, accounts[0].address, centre.clearing.functions.setRelationship(north.address, 1_000_000, CEILING))
    error = refusal(ape_web3, payer, north.clearing.functions.payAcross([centre.address], payee, 90_000, ref("y")))
    assert (error.name, error.args["account"], error.args["ceiling"]) == (
        "LedgerCeilingExceeded",
        centre.address,
        CEILING,
    )
    # Nothing moved.
    assert north.ledger.functions.balanceOf(payer).call() == 0
    assert position(north, centre) == 0 == position(centre, north)


def test_only_a_partners_clearing_steps_and_only_the_clearing_moves(ape_web3, accounts, regions):
    north, centre, south = regions
    member = north.members[0]
    error = refusal(
        ape_web3, member, centre.clearing.functions.step([centre.address], 1, member, member, 1_00, ref("s"))
    )
    assert (error.name, error.args["caller"]) == ("ClearingNotPartner", member)
    error = refusal(
        ape_web3, member, north.ledger.functions.clearingMove(member, centre.address, 1_00, ref("m"), False)
    )
    assert (error.name, error.args["caller"]) == ("LedgerNotClearing", member)
    # North and south are not related: south has no account in north to pay.
    error = refusal(
        ape_web3, member, north.clearing.functions.payAcross([south.address], south.members[0], 1_00, ref("d"))
    )
    assert (error.name, error.args["account"], error.args["status"]) == ("LedgerAccountNotActive", south.address, 0)
    # A member's contract is no clearing: its account here is a member's, not a partner's.
    error = refusal(
        ape_web3, member, north.clearing.functions.payAcross([north.ledger.address], member, 1_00, ref("r"))
    )
    assert error.name in {"LedgerAccountNotActive", "MembershipInvalidAccount"}
    error = refusal(ape_web3, member, north.clearing.functions.setRelationship(south.address, 1, 1))
    assert error.name == "ClearingUnauthorized"
    error = refusal(ape_web3, member, north.clearing.functions.payAcross([], member, 1_00, ref("e")))
    assert error.name == "ClearingInvalidPath"


def test_a_paused_region_stops_the_payments_that_reach_it(ape_web3, accounts, regions):
    north, centre, _ = regions
    act(ape_web3, accounts[0].address, centre.ledger.functions.pause())
    error = refusal(
        ape_web3,
        north.members[0],
        north.clearing.functions.payAcross([centre.address], centre.members[0], 1_00, ref("z")),
    )
    assert error.name == "LedgerEnforcedPause"
    act(ape_web3, accounts[0].address, centre.ledger.functions.unpause())


def test_netting_reduces_a_cycle_of_positions_and_frees_the_limits(ape_web3, accounts, regions):
    north, centre, south = regions
    relate(ape_web3, accounts[0].address, north, south, LIMIT, CEILING)
    # North owes centre 500,00, centre owes south 300,00, south owes north 400,00.
    act(
        ape_web3,
        north.members[0],
        north.clearing.functions.payAcross([centre.address], centre.members[0], 500_00, ref("a")),
    )
    act(
        ape_web3,
        centre.members[0],
        centre.clearing.functions.payAcross([south.address], south.members[0], 300_00, ref("b")),
    )
    act(
        ape_web3,
        south.members[0],
        south.clearing.functions.payAcross([north.address], north.members[0], 400_00, ref("c")),
    )
    before = [position(north, centre), position(centre, south), position(south, north)]
    assert before == [500_00, 300_00, 400_00]
    # The cycle runs against the debts (north's account for centre pays its account for south, and
    # so on round): the other way would add to every position.
    cycle = [south.address, centre.address, north.address]
    wrong = north.clearing.functions.net([*cycle[1::-1], north.address], 1_00, ref("n"))
    assert refusal(ape_web3, accounts[9].address, wrong).name == "ClearingNotNetting"
    # More than the smallest position would cross zero.
    too_much = north.clearing.functions.net(cycle, 300_01, ref("n"))
    assert refusal(ape_web3, accounts[9].address, too_much).name == "ClearingNotNetting"
    # Anyone may net: it takes nothing from anyone.
    act(ape_web3, accounts[9].address, north.clearing.functions.net(cycle, 300_00, ref("n")))
    assert [position(north, centre), position(centre, south), position(south, north)] == [200_00, 0, 100_00]
    for region in regions:
        others = [r for r in regions if r is not region]
        assert book_total(region, others) == 0
        assert all(position(region, other) == -position(other, region) for other in others)
    # Members' balances are untouched by netting.
    assert south.ledger.functions.balanceOf(south.members[0]).call() == 300_00 - 400_00 - fee_of(400_00, FEE_BPS)


def test_a_member_moves_with_its_balance_kind_and_kyc_once_welcomed(ape_web3, accounts, regions):
    north, centre, _ = regions
    member, seller = north.members[1], north.members[0]
    act(ape_web3, seller, north.ledger.functions.pay(member, 150_00, ref("earned")))
    refused = refusal(ape_web3, member, north.clearing.functions.moveTo(centre.address))
    assert (refused.name, refused.args["member"], refused.args["from"]) == (
        "ClearingNotWelcomed",
        member,
        north.address,
    )
    act(ape_web3, accounts[0].address, centre.clearing.functions.welcome(member, north.address))
    receipt = act(ape_web3, member, north.clearing.functions.moveTo(centre.address))

    left = north.ledger.functions.accountOf(member).call()
    assert (left[0], MemberStatus.of(left[3])) == (0, MemberStatus.MOVED)
    arrived = centre.ledger.functions.accountOf(member).call()
    assert (arrived[0], MemberStatus.of(arrived[3]), MemberKind.of(arrived[4]), arrived[5]) == (
        150_00,
        MemberStatus.ACTIVE,
        MemberKind.INDIVIDUAL,
        2,
    )
    assert centre.ledger.functions.kycHashOf(member).call() == Web3.keccak(text=member)
    assert north.ledger.functions.getVotes(member).call() == 0  # it votes where it lives now
    assert centre.ledger.functions.getVotes(member).call() == 1
    assert position(north, centre) == 150_00 == -position(centre, north)
    moved = north.clearing.events.MemberMoved().process_receipt(receipt)
    assert [(e.args.member, e.args.toRegion, e.args.balance) for e in moved] == [(member, 2, 150_00)]
    # It pays from its new region at once, and is no member of the old one any more.
    act(ape_web3, member, centre.ledger.functions.pay(centre.members[0], 10_00, ref("new home")))
    error = refusal(ape_web3, member, north.ledger.functions.pay(seller, 1_00, ref("old home")))
    assert (error.name, MemberStatus.of(error.args["status"])) == ("LedgerAccountNotActive", MemberStatus.MOVED)


def test_a_debt_moves_too_within_the_new_regions_own_limit(ape_web3, accounts, regions):
    north, centre, _ = regions
    member, seller = north.members[1], north.members[0]
    act(ape_web3, member, north.ledger.functions.pay(seller, 300_00, ref("bought")))
    debt = -(300_00 + fee_of(300_00, FEE_BPS))
    operator = accounts[0].address
    act(ape_web3, operator, centre.clearing.functions.welcome(member, north.address))
    # Centre gives individuals 200,00 of credit: the debt does not fit.
    act(ape_web3, operator, centre.ledger.functions.setDefaultCreditLine(MemberKind.INDIVIDUAL.code, 200_00, 5_000_000))
    error = refusal(ape_web3, member, north.clearing.functions.moveTo(centre.address))
    assert (error.name, error.args["account"], error.args["balanceAfter"]) == ("LedgerInsufficientCredit", member, debt)
    act(
        ape_web3,
        operator,
        centre.ledger.functions.setDefaultCreditLine(MemberKind.INDIVIDUAL.code, 1_000_00, 5_000_000),
    )
    act(ape_web3, member, north.clearing.functions.moveTo(centre.address))
    assert centre.ledger.functions.balanceOf(member).call() == debt
    # In north, centre's account carries the debt now (centre owes north), and stays credit in use
    # that north's reserve covers; in centre, the member owes it, and centre's account for north
    # holds the counterpart.
    assert north.ledger.functions.creditInUse().call() == -debt
    assert centre.ledger.functions.creditInUse().call() == -debt
    assert position(north, centre) == debt == -position(centre, north)
    for region in regions:
        assert book_total(region, [r for r in regions if r is not region], also=(member,)) == 0


def test_a_member_that_moved_away_may_come_back(ape_web3, accounts, regions):
    north, centre, _ = regions
    member, operator = north.members[1], accounts[0].address
    act(ape_web3, operator, centre.clearing.functions.welcome(member, north.address))
    act(ape_web3, member, north.clearing.functions.moveTo(centre.address))
    act(ape_web3, operator, north.clearing.functions.welcome(member, centre.address))
    act(ape_web3, member, centre.clearing.functions.moveTo(north.address))
    assert MemberStatus.of(north.ledger.functions.accountOf(member).call()[3]) == MemberStatus.ACTIVE
    assert north.ledger.functions.getVotes(member).call() == 1
    assert centre.ledger.functions.getVotes(member).call() == 0


def test_councils_and_system_accounts_stay_in_their_region(ape_web3, accounts, regions):
    north, centre, _ = regions
    operator = accounts[0].address
    council = accounts[9].address
    act(ape_web3, operator, north.ledger.functions.admitCouncil(council, 1, Web3.keccak(text="council")))
    act(ape_web3, operator, centre.clearing.functions.welcome(council, north.address))
    error = refusal(ape_web3, council, north.clearing.functions.moveTo(centre.address))
    assert (error.name, MemberKind.of(error.args["kind"])) == ("ClearingCannotMove", MemberKind.COUNCIL)


def test_a_holder_that_moved_away_spends_nothing_of_its_old_councils_money(ape_web3, accounts, regions):
    """The ledger refuses an allowance's holder once it has moved to another region (status
    `moved`), as it refuses a frozen, excluded or migrated one (test_bonus_allowances)."""
    north, centre, _ = regions
    operator, council, holder, shop = accounts[0].address, accounts[8].address, north.members[1], north.members[0]
    bonuses = ape_web3.eth.contract(north.ledger.functions.bonusAllowances().call(), abi=load_artifact(BONUSES).abi)
    act(ape_web3, operator, north.ledger.functions.admitCouncil(council, 1, Web3.keccak(text="council")))
    act(ape_web3, operator, north.ledger.functions.setCreditLine(council, 1_000_000, 10**12))
    act(ape_web3, operator, bonuses.functions.setCategories(shop, 1))
    expires = ape_web3.eth.get_block("latest")["timestamp"] + 30 * 86_400
    act(ape_web3, council, bonuses.functions.openRun(expires, 0, [], ref("year-end")))
    act(ape_web3, council, bonuses.functions.issue(1, [holder], [5_00]))
    act(ape_web3, operator, centre.clearing.functions.welcome(holder, north.address))
    act(ape_web3, holder, north.clearing.functions.moveTo(centre.address))
    refused = refusal(ape_web3, holder, bonuses.functions.spend(shop, 1_00, 0, ref("after the move")))
    assert (refused.name, refused.args["account"], MemberStatus.of(refused.args["status"])) == (
        "LedgerAccountNotActive",
        holder,
        MemberStatus.MOVED,
    )
    assert bonuses.functions.runOf(1).call()[6] == 5_00  # still outstanding: nothing was spent
