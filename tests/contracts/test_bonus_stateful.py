"""Stateful property test of the councils' bonus allowances, on top of the ledger's own (every rule
of test_ledger_stateful runs here too): registrars set categories, councils open runs and issue
allowances, holders spend them (allowances first, the soonest to expire first, plain units after,
if allowed), councils pay on their own, time passes and allowances lapse. A model predicts each
step's success or its exact typed error. After every step, besides the ledger's invariants:

- every holder's live allowances, each run's issued and spent, and each council's outstanding and
  held-back credit are the model's: an allowance is never spent twice, after its expiry, or at a
  payee outside its categories and regions (the model refuses those, and the chain must agree);
- a run never spends more than it issued;
- a council that paid from an allowance is within its credit line (the ledger's invariant checks
  every payer, and an allowance's spending makes its council one).
"""

from __future__ import annotations

import copy
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import ClassVar

import ape
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from next_contracts.bonuses import bonus_contract
from next_contracts.rpc import connect
from tests.contracts.conftest import ACTIVE, COUNCIL
from tests.contracts.test_ledger_stateful import MAX_AMOUNT, LedgerMachine, Member, fee_of

pytestmark = pytest.mark.slow  # a fuzzing run

DAY = 86_400
MAX_PLACES, MAX_OPEN_RUNS = 8, 16
CATEGORY_MASKS = st.sampled_from([0, 1, 2, 4, 5, 3])  # a bit each: local shop, organic, culture


@dataclass
class Run:
    council: str
    expires_at: int
    categories: int
    regions: tuple[int, ...]
    issued: int = 0
    spent: int = 0

    @property
    def outstanding(self) -> int:
        return self.issued - self.spent


@dataclass
class Place:
    run_id: int
    remaining: int
    expires_at: int
    categories: int
    regions: tuple[int, ...]


@dataclass
class BonusModel:
    runs: list[Run] = field(default_factory=list)
    places: dict[str, list[Place]] = field(default_factory=dict)  # the contract's order
    categories: dict[str, tuple[int, int]] = field(default_factory=dict)  # (bits, region)


class BonusMachine(LedgerMachine):
    bonuses_address: str
    outcomes: ClassVar[Counter[tuple[str, str | None]]] = Counter()  # (function, expected error), over the run

    def transact(self, sender, call, expected_error):  # type: ignore[no-untyped-def]
        type(self).outcomes[(call.fn_name, expected_error)] += 1
        super().transact(sender, call, expected_error)

    def __init__(self) -> None:
        super().__init__()
        self.bonuses = bonus_contract(self.w3, self.bonuses_address)
        self.bonus = BonusModel()
        self.now = int(self.w3.eth.get_block("latest")["timestamp"])

    # the model ---------------------------------------------------------------------------------

    def live(self, place: Place) -> bool:
        return place.remaining > 0 and place.expires_at > self.now

    def held(self, council: str) -> int:
        return sum(
            run.outstanding + fee_of(run.outstanding, self.fee_bps)
            for run in self.bonus.runs
            if run.council == council and run.expires_at > self.now
        )

    def payment_error(self, model: dict[str, Member], payer: str, payee: str, amount: int) -> str | None:
        """The ledger's rules, and a council's own payment kept out of the credit its allowances hold back."""
        p = model.get(payer)
        if p is not None and p.kind == COUNCIL and p.status == ACTIVE and amount and payer != payee:
            held = self.held(payer)
            fee = fee_of(amount, self.fee_bps)
            if held and not self.paused and amount <= MAX_AMOUNT and p.balance - amount - fee - held < -p.limit:
                return "LedgerCreditHeld"
        return super().payment_error(model, payer, payee, amount)

    def allowance_move(self, model: dict[str, Member], council: str, payee: str, amount: int, fee: int) -> str | None:
        """The ledger's movement of an allowance's spending, in the order the contract checks."""
        if self.paused:
            return "LedgerEnforcedPause"
        if council == payee:
            return "LedgerSelfPayment"
        p, q = model[council], model.get(payee, Member())
        if p.status != ACTIVE:
            return "LedgerAccountNotActive"
        if p.balance - amount - fee < -p.limit:
            return "LedgerInsufficientCredit"
        if q.status != ACTIVE:
            return "LedgerAccountNotActive"
        if q.balance + amount > q.ceiling:
            return "LedgerCeilingExceeded"
        p.balance -= amount + fee
        q.balance += amount
        q.received = min(2**40 - 1, q.received + amount)
        self.pending_fees += fee
        return None

    def migrated(self, old: str, new: str) -> None:
        """The ledger carries the old key's allowances, its runs (a council's) and its categories."""
        if old in self.bonus.places:
            self.bonus.places[new] = self.bonus.places.pop(old)
        for run in self.bonus.runs:
            if run.council == old:
                run.council = new
        if old in self.bonus.categories:
            self.bonus.categories[new] = self.bonus.categories.pop(old)

    # rules -------------------------------------------------------------------------------------

    @initialize(days=st.integers(1, 60), amounts=st.lists(st.integers(1, 60_000), min_size=2, max_size=2))
    def a_council_with_staff_and_a_shop(self, days, amounts):
        """A council, two staff and a shop in a category, and a run issued to the staff: so that
        spendings (and their refusals) are common from the first steps."""
        for kind, limit, ceiling in ((COUNCIL, 300_000, 600_000), (0, 50_000, 600_000), (0, 50_000, 600_000)):
            self.admit(kind, 1, limit, ceiling)
        self.admit(1, 1, 100_000, 900_000)  # the shop
        council, first, second, shop = list(self.model)[-4:]
        self.set_categories(list(self.model).index(shop), 5)
        self.open_run_by(council, days, 0, False)
        self.issue_in(len(self.bonus.runs), [first, second], amounts)
        # The first staff member spends 0,01 at the shop, which takes any run: a spending that
        # succeeds in every history, so that no run of examples is without one (the random
        # amounts, up to 800,00 against allowances of at most 600,00, are mostly refused).
        self.spend(i=2, j=1, amount=1, plain=0)  # holders [first, second][2 % 2]; takers [shop]

    @precondition(lambda self: self.model)
    @rule(i=st.integers(0, 10**6), bits=CATEGORY_MASKS)
    def set_categories(self, i, bits):
        address = self.pick(i)
        m = self.model[address]
        error = "BonusInvalidMember" if bits and m.status != ACTIVE else None
        self.transact(self.roles["registrar"], self.bonuses.functions.setCategories(address, bits), error)
        if error is None:
            self.bonus.categories[address] = (bits, m.region) if bits else (0, 0)

    @precondition(lambda self: self.model)
    @rule(i=st.integers(0, 10**6), days=st.integers(1, 60), bits=CATEGORY_MASKS, regional=st.booleans())
    def open_run(self, i, days, bits, regional):
        councils = [a for a, m in self.model.items() if m.kind == COUNCIL and m.status == ACTIVE]
        council = councils[i % len(councils)] if councils and i % 6 else self.pick(i)
        self.open_run_by(council, days, bits, regional)

    def open_run_by(self, council: str, days: int, bits: int, regional: bool) -> None:
        m = self.model[council]
        regions = (m.region,) if regional and m.region else ()
        open_runs = sum(1 for run in self.bonus.runs if run.council == council and run.expires_at > self.now)
        if m.status != ACTIVE or m.kind != COUNCIL:
            error = "BonusInvalidMember"
        elif open_runs >= MAX_OPEN_RUNS:
            error = "BonusTooManyRuns"
        else:
            error = None
        expires_at = self.now + days * DAY
        call = self.bonuses.functions.openRun(expires_at, bits, list(regions), b"\x01" * 32)
        self.transact(self.keys[council], call, error)
        if error is None:
            self.bonus.runs.append(Run(council, expires_at, bits, regions))

    @precondition(lambda self: self.bonus.runs)
    @rule(
        r=st.integers(0, 10**6),
        lines=st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 60_000)), min_size=1, max_size=4),
    )
    def issue(self, r, lines):
        # Mostly active members (others are refused, and a run of refusals would test little).
        holders = [(self.pick(j, (ACTIVE,)) if j % 6 else None) or self.pick(j) for j, _ in lines]
        self.issue_in(r % len(self.bonus.runs) + 1, holders, [amount for _, amount in lines])

    def issue_in(self, run_id: int, holders: list[str], amounts: list[int]) -> None:
        run = self.bonus.runs[run_id - 1]
        council = self.model[run.council]
        available = max(0, council.balance + council.limit - self.held(run.council)) if council.kind == COUNCIL else 0
        places = copy.deepcopy(self.bonus.places)
        error = "BonusRunExpired" if run.expires_at <= self.now else None
        if error is None and council.status != ACTIVE:
            error = "BonusInvalidMember"  # the council itself, no longer active
        for holder, amount in zip(holders, amounts, strict=True):
            if error:
                break
            if self.model[holder].status != ACTIVE:
                error = "BonusInvalidMember"
            else:
                error = self.give(places, holder, run_id, run, amount)
        total = sum(amounts)
        if error is None and total + fee_of(total, self.fee_bps) > available:
            error = "BonusCreditShort"
        call = self.bonuses.functions.issue(run_id, holders, amounts)
        self.transact(self.keys[run.council], call, error)
        if error is None:
            self.bonus.places, run.issued = places, run.issued + total

    def give(self, places: dict[str, list[Place]], holder: str, run_id: int, run: Run, amount: int) -> str | None:
        """The contract's _give: lapsed and spent places dropped, the run's merged, else in order."""
        kept = [p for p in places.get(holder, []) if self.live(p)]
        same = [p for p in kept if p.run_id == run_id]
        if same:
            same[0].remaining += amount
        elif len(kept) == MAX_PLACES:
            return "BonusHolderFull"
        else:
            at = len(kept)
            while at > 0 and kept[at - 1].expires_at > run.expires_at:
                at -= 1
            kept.insert(at, Place(run_id, amount, run.expires_at, run.categories, run.regions))
        places[holder] = kept
        return None

    def takes(self, place: Place, payee: str) -> bool:
        bits, region = self.bonus.categories.get(payee, (0, 0))
        if bits == 0 or (place.categories and not place.categories & bits):
            return False
        return not place.regions or (region != 0 and region in place.regions)

    @precondition(lambda self: len(self.model) >= 2)
    @rule(
        i=st.integers(0, 10**6),
        j=st.integers(0, 10**6),
        amount=st.one_of(st.integers(1, 80_000), st.integers(100_000, 500_000)),  # some beyond any allowance
        plain=st.sampled_from([0, 0, 10_000, 80_000]),
    )
    def spend(self, i, j, amount, plain):
        holders = [a for a, places in self.bonus.places.items() if any(self.live(p) for p in places)]
        holder = holders[i % len(holders)] if holders and i % 5 else self.pick(i)
        takers = [a for a, (bits, _) in self.bonus.categories.items() if bits and a != holder]
        payee = takers[j % len(takers)] if takers and j % 5 else self.pick(j)
        trial, places = copy.deepcopy(self.model), copy.deepcopy(self.bonus.places)
        runs = copy.deepcopy(self.bonus.runs)
        self.pending_fees = 0
        error = "BonusSelfPayment" if holder == payee else None
        left, used_by = amount, []
        holder_active = self.model.get(holder, Member()).status == ACTIVE
        if error is None and self.bonus.categories.get(payee, (0, 0))[0]:
            for place in places.get(holder, []):
                if left == 0:
                    break
                if not self.live(place) or not self.takes(place, payee):
                    continue
                if not holder_active:  # the ledger refuses it at the first allowance it would spend
                    error = "LedgerAccountNotActive"
                    break
                used = min(place.remaining, left)
                place.remaining -= used
                left -= used
                run = runs[place.run_id - 1]
                fee = fee_of(run.spent + used, self.fee_bps) - fee_of(run.spent, self.fee_bps)
                run.spent += used
                used_by.append(run.council)
                error = self.allowance_move(trial, run.council, payee, used, fee)
                if error:
                    break
        if error is None and left > plain:
            error = "BonusAllowanceShort"
        if error is None and left and not holder_active:  # checked before the payment's own rules
            error = "LedgerAccountNotActive"
        if error is None and left:
            error = self.payment_error(trial, holder, payee, left)
        call = self.bonuses.functions.spend(payee, amount, plain, b"\x02" * 32)
        self.transact(self.keys[holder], call, error)
        if error is None:
            self.model, self.reserve = trial, self.reserve + self.pending_fees
            self.bonus.places, self.bonus.runs = places, runs
            self.payers.update(used_by + ([holder] if left else []))
            self.payees.add(payee)

    @precondition(lambda self: self.bonus.runs)
    @rule(days=st.integers(1, 40))
    def days_pass(self, days):
        """Time passes (whole days and an hour: no expiry is ever within seconds of a block)."""
        self.w3.provider.make_request("evm_increaseTime", [days * DAY + 3_600])
        self.w3.provider.make_request("evm_mine", [])
        self.now = int(self.w3.eth.get_block("latest")["timestamp"])
        for project in self.projects:  # the ledger's projects fall due with time too
            project.laters += (days * DAY + 3_600) // 1_000_000

    @precondition(lambda self: self.projects)
    @rule()
    def later(self):
        """The ledger's own passing of time (its projects' instalments), seen by the allowances too."""
        super().later()
        self.w3.provider.make_request("evm_mine", [])
        self.now = int(self.w3.eth.get_block("latest")["timestamp"])

    # invariants --------------------------------------------------------------------------------

    @invariant()
    def allowances_match_the_model(self):
        functions = self.bonuses.functions
        for holder in self.bonus.places:
            chain = [(a[0], a[2]) for a in functions.allowancesOf(holder).call()]
            model = [(p.run_id, p.remaining) for p in self.bonus.places[holder] if self.live(p)]
            assert chain == model, f"allowances of {holder}"
        for run_id, run in enumerate(self.bonus.runs, start=1):
            on_chain = functions.runOf(run_id).call()
            assert (on_chain[4], on_chain[5]) == (run.issued, run.spent) and run.spent <= run.issued, f"run {run_id}"
            if run.expires_at > self.now:  # a live run follows its council's key through a recovery
                assert on_chain[0] == run.council, f"run {run_id}"
        for council in {run.council for run in self.bonus.runs}:
            outstanding = sum(
                r.outstanding for r in self.bonus.runs if r.council == council and r.expires_at > self.now
            )
            assert functions.outstandingOf(council).call() == outstanding
            assert functions.creditHeldBy(council).call() == self.held(council)


def _run(ledger_deployment, registrar, committee, governor, pauser, examples: int | None = None):
    w3 = connect(ape.chain.provider.uri, trust_env=False)
    BonusMachine.w3 = w3
    BonusMachine.ledger_address = ledger_deployment.ledger
    BonusMachine.bonuses_address = ledger_deployment.bonus_allowances
    BonusMachine.roles = {
        "registrar": registrar.address,
        "committee": committee.address,
        "governor": governor.address,
        "pauser": pauser.address,
    }
    BonusMachine.snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    if examples is not None:
        BonusMachine.TestCase.settings = settings(settings.default, max_examples=examples)
    BonusMachine.outcomes.clear()
    BonusMachine.TestCase().runTest()
    # Not a vacuous run: allowances were issued and spent, and refused for each main reason.
    seen = BonusMachine.outcomes
    print(sorted(seen.items(), key=str))
    for outcome in (("issue", None), ("spend", None), ("spend", "BonusAllowanceShort"), ("openRun", None)):
        assert seen[outcome] > 0, f"no {outcome} in the run: {sorted(seen.items(), key=str)}"


def test_allowance_invariants_hold_over_random_histories(ledger_deployment, registrar, committee, governor, pauser):
    """15 examples of 25 steps in `make test` (about a minute and a half): the ledger's rules run here
    too, and have their own test."""
    _run(
        ledger_deployment, registrar, committee, governor, pauser, examples=int(os.environ.get("BONUS_EXAMPLES", "15"))
    )


@pytest.mark.deep
def test_allowance_invariants_hold_over_long_random_histories(
    ledger_deployment, registrar, committee, governor, pauser
):
    """`make test-deep`: 60 examples of up to 60 steps (about a quarter of an hour)."""
    _run(ledger_deployment, registrar, committee, governor, pauser, examples=60)
