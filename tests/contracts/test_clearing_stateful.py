"""Stateful property test of the clearing between regions, on anvil.

Three regions, each a whole deployment, every pair related with limits that differ by side; two
members in each. Hypothesis draws random payments across regions (direct or through the third),
nettings round the cycle (either way, any amount) and moves of members between regions. A model
predicts whether each succeeds; after every step:

- every region's books (members, reserve, accounts for the other regions) sum to zero, and so the
  whole does;
- the two accounts of each pair hold opposite balances;
- no account of a region passed its limit or its ceiling;
- every balance on the chain is the model's.
"""

from __future__ import annotations

import os
from itertools import pairwise, permutations

import ape
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from web3 import Web3
from web3.exceptions import ContractCustomError

from next_contracts.errors import error_from_exception
from next_contracts.rpc import connect
from tests.contracts.regions import INDIVIDUAL_LINE, Region, act, deploy_region

pytestmark = pytest.mark.slow  # a fuzzing run

FEE_BPS = 20
# Each region's side of each relationship: (how far the other may owe it, how far it may owe the other).
SIDES = {(0, 1): (50_000, 80_000), (1, 0): (90_000, 40_000), (1, 2): (60_000, 60_000), (2, 1): (30_000, 120_000)}
SIDES |= {(0, 2): (70_000, 20_000), (2, 0): (45_000, 100_000)}
LIMIT_ERRORS = {"LedgerInsufficientCredit", "LedgerCeilingExceeded", "ClearingNotNetting"}
AMOUNTS = st.integers(1, 70_000)


def fee(amount: int) -> int:
    return -(-amount * FEE_BPS // 10_000)


class ClearingMachine(RuleBasedStateMachine):
    # Set by the test function: the chain, the regions, their operator, a snapshot to start from.
    w3: Web3
    regions: list[Region]
    operator: str
    snapshot: str

    def __init__(self) -> None:
        super().__init__()
        self.w3.provider.make_request("evm_revert", [self.snapshot])
        type(self).snapshot = self.w3.provider.make_request("evm_snapshot", [])["result"]
        self.members = [m for region in self.regions for m in region.members]
        self.home = {m: i for i, region in enumerate(self.regions) for m in region.members}
        # The model: every balance by (region, account); a region's account for region j is at j's clearing.
        self.balance: dict[tuple[int, str], int] = {}

    # -- the model's helpers ----------------------------------------------------------------------

    def _get(self, region: int, account: str) -> int:
        return self.balance.get((region, account), 0)

    def _add(self, changes: list[tuple[int, str, int]]) -> None:
        for region, account, delta in changes:
            self.balance[(region, account)] = self._get(region, account) + delta

    def _fits(self, changes: list[tuple[int, str, int]], payer: tuple[int, str] | None) -> bool:
        """Whether every account stays within its line after `changes`: a region's account by the
        side its region set, a member by its kind's default line (`payer`'s limit only if it pays)."""
        after: dict[tuple[int, str], int] = {}
        for region, account, delta in changes:
            after[(region, account)] = after.get((region, account), self._get(region, account)) + delta
        for (region, account), value in after.items():
            other = self._region_of_clearing(account)
            if other is not None:
                limit, ceiling = SIDES[(region, other)]
            else:
                limit, ceiling = INDIVIDUAL_LINE
            before = self._get(region, account)
            if value > ceiling and value > before:
                return False
            if value < -limit and value < before:
                return False
        return True

    def _region_of_clearing(self, account: str) -> int | None:
        for i, region in enumerate(self.regions):
            if region.address == account:
                return i
        return None

    def _send(self, sender: str, call) -> str | None:
        """None when the transaction went through, else its typed error's name."""
        try:
            act(self.w3, sender, call)
        except ContractCustomError as error:
            decoded = error_from_exception(error)
            assert decoded is not None, f"undecodable revert {error!r}"
            return decoded.name
        return None

    # -- rules ------------------------------------------------------------------------------------

    @rule(payer=st.integers(0, 5), payee=st.integers(0, 5), amount=AMOUNTS, through_third=st.booleans())
    def pay_across(self, payer: int, payee: int, amount: int, through_third: bool) -> None:
        a_member, b_member = self.members[payer], self.members[payee]
        a, b = self.home[a_member], self.home[b_member]
        if a == b:
            return
        hops = [a, 3 - a - b, b] if through_third else [a, b]
        regions = self.regions
        changes = [(a, a_member, -(amount + fee(amount))), (a, regions[a].ledger.address, fee(amount))]
        for here, there in pairwise(hops):
            changes += [(here, regions[there].address, amount), (there, regions[here].address, -amount)]
        changes.append((b, b_member, amount))
        expected = self._fits(changes, payer=(a, a_member))
        path = [regions[r].address for r in hops[1:]]
        refused = self._send(a_member, regions[a].clearing.functions.payAcross(path, b_member, amount, b"\0" * 32))
        assert (refused is None) == expected, f"predicted {'success' if expected else 'a refusal'}, got {refused}"
        if refused is None:
            self._add(changes)
        else:
            assert refused in LIMIT_ERRORS

    @rule(origin=st.integers(0, 2), forwards=st.booleans(), amount=AMOUNTS)
    def net(self, origin: int, forwards: bool, amount: int) -> None:
        order = [origin, (origin + 1) % 3, (origin + 2) % 3]
        if not forwards:
            order = [origin, order[2], order[1]]
        cycle = [*order[1:], origin]
        changes = []
        for position, here in enumerate(order):
            before, after = order[position - 1], order[(position + 1) % 3]
            changes += [(here, self.regions[before].address, -amount), (here, self.regions[after].address, amount)]
        expected = all(
            (delta < 0 and self._get(r, account) >= amount) or (delta > 0 and self._get(r, account) <= -amount)
            for r, account, delta in changes
        )
        addresses = [self.regions[r].address for r in cycle]
        refused = self._send(self.operator, self.regions[origin].clearing.functions.net(addresses, amount, b"\0" * 32))
        assert (refused is None) == expected, f"predicted {'success' if expected else 'a refusal'}, got {refused}"
        if refused is None:
            self._add(changes)

    @rule(member=st.integers(0, 5), shift=st.integers(1, 2))
    def move(self, member: int, shift: int) -> None:
        address = self.members[member]
        a = self.home[address]
        b = (a + shift) % 3
        balance = self._get(a, address)
        source, destination = self.regions[a], self.regions[b]
        changes = [
            (a, address, -balance),
            (a, destination.address, balance),
            (b, source.address, -balance),
            (b, address, balance),
        ]
        expected = balance == 0 or self._fits(changes, payer=None)
        act(self.w3, self.operator, destination.clearing.functions.welcome(address, source.address))
        refused = self._send(address, source.clearing.functions.moveTo(destination.address))
        assert (refused is None) == expected, f"predicted {'success' if expected else 'a refusal'}, got {refused}"
        if refused is None:
            self._add(changes)
            self.home[address] = b
        else:
            assert refused in LIMIT_ERRORS

    # -- invariants -------------------------------------------------------------------------------

    @invariant()
    def every_region_sums_to_zero_and_matches_the_model(self) -> None:
        for i, region in enumerate(self.regions):
            balance_of = region.ledger.functions.balanceOf
            accounts = [*self.members, region.ledger.address, *(r.address for r in self.regions if r is not region)]
            chain = {account: balance_of(account).call() for account in accounts}
            assert sum(chain.values()) == 0, f"region {i + 1}'s books do not sum to zero"
            assert chain == {account: self._get(i, account) for account in accounts}

    @invariant()
    def the_two_accounts_of_a_pair_are_opposite_and_within_both_sides(self) -> None:
        for i, j in permutations(range(3), 2):
            mine = self._get(i, self.regions[j].address)
            assert mine == -self._get(j, self.regions[i].address)
            limit, ceiling = SIDES[(i, j)]
            assert -limit <= mine <= ceiling


def _run(w3: Web3, operator: str, members: list[str]) -> None:
    regions = [deploy_region(w3, operator, n, members[2 * (n - 1) : 2 * n]) for n in (1, 2, 3)]
    for (i, j), (limit, ceiling) in SIDES.items():
        act(w3, operator, regions[i].clearing.functions.setRelationship(regions[j].address, limit, ceiling))
    ClearingMachine.w3, ClearingMachine.regions, ClearingMachine.operator = w3, regions, operator
    ClearingMachine.snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    # 8 histories in make test (a payment across regions is three contracts' work), 50 of up to 60
    # steps in make test-deep: each about a quarter of an hour.
    deep = os.environ.get("HYPOTHESIS_PROFILE") == "deep"
    ClearingMachine.TestCase.settings = settings(settings.default, max_examples=50 if deep else 8)
    ClearingMachine.TestCase().runTest()


def test_every_region_sums_to_zero_and_no_clearing_limit_is_passed(accounts):
    w3 = connect(ape.chain.provider.uri, trust_env=False)
    _run(w3, accounts[0].address, [accounts[i].address for i in range(2, 8)])


@pytest.mark.deep
def test_every_region_sums_to_zero_over_long_histories(accounts):
    """`make test-deep`: 50 histories of up to 60 steps."""
    w3 = connect(ape.chain.provider.uri, trust_env=False)
    _run(w3, accounts[0].address, [accounts[i].address for i in range(2, 8)])
