"""Stateful property test of the ledger, in the way OpenZeppelin proves totalSupplyIsSumOfBalances.

Hypothesis draws random sequences of admit (a council by governance), set credit line, pay, batch
pay, freeze, unfreeze, exclude, key recovery, write-off, fee change, projects funded from the
reserve, their instalments, the coverage floor, the credit policy (set, applied, lines pinned by the
committee and unpinned) and the passing of time, and sends them to the real
contract on anvil. A model of the rules predicts, for each step, success or the exact typed error.
After every step:

- all balances, the reserve's included, sum to zero;
- no successful payment left the payer below minus its limit or the payee above its ceiling;
- no instalment left the reserve below the coverage floor of its moment;
- the credit in use the ledger keeps is the sum of the debts;
- each member's turnover received is the sum of the payments it received (key recovery carries it);
- reserve = fees collected - write-offs covered - instalments paid, all summed from the events;
- replaying the emitted events from the deployment on reproduces the contract's state exactly.

Transactions go through web3 directly (signed locally, one anvil snapshot per example) rather than
through ape's contract wrappers: a few thousand of them run in each CI pass.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import ape
import pytest
from eth_abi import decode
from eth_account import Account
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from web3 import Web3
from web3.exceptions import ContractCustomError

from next_contracts import LEDGER, load_artifact
from next_contracts.errors import error_from_exception
from next_contracts.rpc import connect
from next_contracts.transact import calldata, send
from tests.contracts.conftest import ACTIVE, COUNCIL, EXCLUDED, FROZEN, MIGRATED, NONE, SYSTEM

pytestmark = pytest.mark.slow  # a fuzzing run

MAX_AMOUNT = 2**63 - 1
MAX_FEE_BPS = 500
MAX_FLOOR_BPS = 100_000
INTERVAL = 1_000_000  # between two instalments: one `later` step makes one more due
ACCOUNT_STATE = ["int256", "uint256", "uint256", "uint8", "uint8", "uint16"]

# Mostly amounts that fit the members' lines, some that do not, a few invalid ones: Hypothesis
# draws each branch of one_of alike, so the repeated branch sets the weights.
_SMALL = st.integers(1, 30_000)
AMOUNTS = st.one_of(_SMALL, _SMALL, _SMALL, st.integers(1, 700_000), st.sampled_from([0, MAX_AMOUNT + 1]))
# A batch line's amount is valid (the invalid ones are `pay`'s to try) but may overdraw.
BATCH_AMOUNTS = st.one_of(_SMALL, _SMALL, _SMALL, st.integers(1, 200_000))
# Mostly two distinct active members; sometimes anyone, self and non-members included.
STRICT = st.sampled_from([True, True, True, False])


@dataclass
class Member:
    balance: int = 0
    limit: int = 0
    ceiling: int = 0
    status: int = NONE
    kind: int = 0
    region: int = 0
    # Not in accountOf: compared apart.
    received: int = field(default=0, compare=False)
    pinned: bool = field(default=False, compare=False)


@dataclass
class Project:
    account: str
    instalment: int
    instalments: int
    paid: int = 0
    laters: int = 0  # `later` steps since it was funded: instalments due = laters + 1
    cancelled: bool = False


def fee_of(amount: int, bps: int) -> int:
    return -(-amount * bps // 10_000)


class Replay:
    """Rebuilds the ledger's state from its events alone."""

    def __init__(self, ledger_address: str) -> None:
        self.reserve_address = ledger_address
        self.members: dict[str, Member] = {}
        self.reserve = 0
        self.fee_bps = 0
        self.fees = 0
        self.covered = 0
        self.instalments = 0
        self.votes: dict[str, int] = {}  # the voting roll, from DelegateVotesChanged alone

    def member(self, address: str) -> Member:
        return self.members.setdefault(address, Member())

    def apply(self, event: str, a: dict) -> None:
        if event == "MemberAdmitted":
            self.members[a["account"]] = Member(0, a["creditLimit"], a["ceiling"], ACTIVE, a["kind"], a["region"])
        elif event == "MemberStatusChanged":
            self.member(a["account"]).status = a["newStatus"]
        elif event == "CreditLineSet":
            m = self.member(a["account"])
            m.limit, m.ceiling = a["creditLimit"], a["ceiling"]
        elif event == "Transferred":
            if a["from"] == self.reserve_address:
                self.reserve -= a["amount"]
            else:
                self.member(a["from"]).balance -= a["amount"] + a["fee"]
            self.member(a["to"]).balance += a["amount"]
            self.reserve += a["fee"]
            self.fees += a["fee"]
        elif event == "AccountMigrated":
            old, new = self.member(a["from"]), self.member(a["to"])
            new.limit, new.ceiling, new.status, new.kind, new.region = (
                old.limit,
                old.ceiling,
                old.status,
                old.kind,
                old.region,
            )
            old.limit, old.ceiling, old.status = 0, 0, MIGRATED
        elif event == "CreditPolicyApplied":
            self.member(a["account"]).limit = a["newLimit"]
        elif event == "DebtWrittenOff":
            self.covered += a["covered"]
        elif event == "InstalmentReleased":
            self.instalments += a["amount"]
        elif event == "FeeChanged":
            self.fee_bps = a["newFeeBps"]
        elif event == "DelegateVotesChanged":
            assert self.votes.get(a["delegate"], 0) == a["previousVotes"], "a vote change from another count"
            self.votes[a["delegate"]] = a["newVotes"]


class LedgerMachine(RuleBasedStateMachine):
    # Set by the test function below: the chain, the ledger and the role holders.
    w3: Web3
    ledger_address: str
    roles: dict[str, str]
    snapshot: str

    def __init__(self) -> None:
        super().__init__()
        # Each example starts from the freshly deployed ledger.
        self.w3.provider.make_request("evm_revert", [self.snapshot])
        type(self).snapshot = self.w3.provider.make_request("evm_snapshot", [])["result"]
        self.ledger = self.w3.eth.contract(self.ledger_address, abi=load_artifact(LEDGER).abi)
        self.keys: dict[str, Account] = {}
        self.model: dict[str, Member] = {}
        self.reserve = 0
        self.fee_bps = self.ledger.functions.feeBps().call()
        self.paused = False
        self.from_block = self.w3.eth.block_number + 1
        self.replay = Replay(self.ledger_address)
        self.replay.fee_bps = self.fee_bps
        # The parties of the last step's payments.
        self.payers: set[str] = set()
        self.payees: set[str] = set()
        self.projects: list[Project] = []
        self.floor_bps = 0
        self.default_limits: dict[int, int] = {}
        self.policies: dict[int, tuple[int, int]] = {}  # kind -> (turnover bps, cap); no seniority share

    # helpers ----------------------------------------------------------------------------------

    def transact(self, sender: str | Account, call, expected_error: str | None) -> None:
        """Sends `call` and checks that it succeeds, or fails with `expected_error`."""
        event(f"{call.fn_name}: {expected_error or 'ok'}")  # the mix shows with --hypothesis-show-statistics
        try:
            send(self.w3, sender, {"to": call.address, "data": calldata(call)})  # the ledger, or its allowances
        except ContractCustomError as error:
            decoded = error_from_exception(error)
            assert decoded is not None, f"undecodable revert {error!r}"
            assert decoded.name == expected_error, f"expected {expected_error}, got {decoded}"
            return
        assert expected_error is None, f"expected {expected_error}, but the call succeeded"

    def pick(self, index: int, statuses: tuple[int, ...] | None = None) -> str | None:
        candidates = [a for a, m in self.model.items() if statuses is None or m.status in statuses]
        return candidates[index % len(candidates)] if candidates else None

    def new_key(self) -> str:
        key = Account.create()
        self.keys[key.address] = key
        self.model[key.address] = Member()
        return key.address

    def payment_error(self, model: dict[str, Member], payer: str, payee: str, amount: int) -> str | None:
        """Applies one payment to `model`, or returns the error the contract must give, in the
        order the contract checks."""
        if self.paused:
            return "LedgerEnforcedPause"
        if amount == 0 or amount > MAX_AMOUNT:
            return "LedgerInvalidAmount"
        if payer == payee:
            return "LedgerSelfPayment"
        p, q = model[payer], model.get(payee, Member())
        fee = fee_of(amount, self.fee_bps)
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

    # rules ------------------------------------------------------------------------------------

    @initialize(
        lines=st.lists(
            st.tuples(st.integers(0, 3), st.integers(20_000, 300_000), st.integers(50_000, 600_000)),
            min_size=3,
            max_size=3,
        )
    )
    def founding_members(self, lines):
        for kind, limit, ceiling in lines:
            self.admit(kind, 1, limit, ceiling)

    @rule(
        kind=st.integers(0, 3),
        region=st.integers(0, 65_535),
        limit=st.integers(0, 300_000),
        ceiling=st.integers(0, 600_000),
    )
    def admit(self, kind, region, limit, ceiling):
        # The committee first sets the default line of the kind, so members differ in their lines.
        self.transact(self.roles["committee"], self.ledger.functions.setDefaultCreditLine(kind, limit, ceiling), None)
        address = self.new_key()
        kyc = Web3.keccak(text=address)
        if kind == COUNCIL:  # the members' decision: governance admits it
            self.transact(self.roles["governor"], self.ledger.functions.admitCouncil(address, region, kyc), None)
        else:
            self.transact(self.roles["registrar"], self.ledger.functions.admit(address, kind, region, kyc), None)
        self.model[address] = Member(0, limit, ceiling, ACTIVE, kind, region)
        self.default_limits[kind] = limit

    @precondition(lambda self: self.model)
    @rule(
        i=st.integers(0, 10**6),
        limit=st.integers(0, 400_000),
        ceiling=st.integers(0, 800_000),
        too_large=st.booleans(),
    )
    def set_credit_line(self, i, limit, ceiling, too_large):
        address = self.pick(i)
        if too_large:
            limit = MAX_AMOUNT + 1
        m = self.model[address]
        error = (
            "LedgerCreditLineTooLarge"
            if too_large
            else None
            if m.status in (ACTIVE, FROZEN)
            else "MembershipInvalidStatus"
        )
        self.transact(self.roles["committee"], self.ledger.functions.setCreditLine(address, limit, ceiling), error)
        if error is None:
            m.limit, m.ceiling, m.pinned = limit, ceiling, True

    @rule(kind=st.integers(0, 3), bps=st.integers(0, 10_000), cap=st.one_of(st.just(0), st.integers(1, 600_000)))
    def set_credit_policy(self, kind, bps, cap):
        """A voted policy without a seniority share, so that the model needs no clock."""
        self.transact(self.roles["governor"], self.ledger.functions.setCreditPolicy(kind, 0, bps, cap), None)
        self.policies[kind] = (bps, cap)

    @precondition(lambda self: self.model)
    @rule(i=st.integers(0, 10**6), unpin_first=st.booleans())
    def apply_credit_policy(self, i, unpin_first):
        address = self.pick(i)
        m = self.model[address]
        if unpin_first:
            self.transact(self.roles["committee"], self.ledger.functions.unpinCreditLine(address), None)
            m.pinned = False
        bps, cap = self.policies.get(m.kind, (0, 0))
        target = min(cap, self.default_limits.get(m.kind, 0) + m.received * bps // 10_000)
        if m.status != ACTIVE:
            error = "MembershipInvalidStatus"
        elif m.pinned:
            error = "CreditPolicyPinned"
        elif cap == 0:
            error = "CreditPolicyNone"
        elif target <= m.limit:
            error = "CreditPolicyNoRaise"
        else:
            error = None
        self.transact(self.roles["pauser"], self.ledger.functions.applyCreditPolicy(address), error)  # anyone
        if error is None:
            m.limit = target

    def parties(self, i: int, j: int, strict: bool) -> tuple[str, str]:
        """A payer and a payee: with `strict`, two distinct active members where there are."""
        if not strict:
            return self.pick(i), self.pick(j)
        payer = self.pick(i, (ACTIVE,)) or self.pick(i)
        others = [a for a, m in self.model.items() if a != payer and m.status == ACTIVE]
        return payer, others[j % len(others)] if others else self.pick(j)

    @precondition(lambda self: len(self.model) >= 2)
    @rule(i=st.integers(0, 10**6), j=st.integers(0, 10**6), amount=AMOUNTS, strict=STRICT)
    def pay(self, i, j, amount, strict):
        payer, payee = self.parties(i, j, strict)
        trial = copy.deepcopy(self.model)
        self.pending_fees = 0
        error = self.payment_error(trial, payer, payee, amount)
        call = self.ledger.functions.pay(payee, amount, Web3.keccak(text=f"{i}:{j}"))
        self.transact(self.keys[payer], call, error)
        if error is None:
            self.model, self.reserve = trial, self.reserve + self.pending_fees
            self.payers.add(payer)
            self.payees.add(payee)

    @precondition(lambda self: len(self.model) >= 2)
    @rule(
        i=st.integers(0, 10**6),
        strict=STRICT,
        lines=st.lists(st.tuples(st.integers(0, 10**6), BATCH_AMOUNTS), min_size=1, max_size=8),
    )
    def pay_batch(self, i, strict, lines):
        payer = self.parties(i, 0, True)[0]
        payees = [self.parties(i, j, strict)[1] for j, _ in lines]
        amounts = [amount for _, amount in lines]
        trial = copy.deepcopy(self.model)
        self.pending_fees = 0
        error = None
        for payee, amount in zip(payees, amounts, strict=True):
            error = self.payment_error(trial, payer, payee, amount)
            if error:
                break
        self.transact(self.keys[payer], self.ledger.functions.payBatch(payees, amounts, b"\x07" * 32), error)
        if error is None:
            self.model, self.reserve = trial, self.reserve + self.pending_fees
            self.payers.add(payer)
            self.payees.update(payees)

    @precondition(lambda self: self.model)
    @rule(i=st.integers(0, 10**6), action=st.sampled_from(["freeze", "unfreeze", "exclude"]))
    def change_status(self, i, action):
        address = self.pick(i)
        m = self.model[address]
        allowed = {
            "freeze": {ACTIVE: FROZEN},
            "unfreeze": {FROZEN: ACTIVE},
            "exclude": {ACTIVE: EXCLUDED, FROZEN: EXCLUDED},
        }[action]
        error = None if m.status in allowed else "MembershipInvalidStatus"
        self.transact(self.roles["registrar"], getattr(self.ledger.functions, action)(address), error)
        if error is None:
            m.status = allowed[m.status]

    @precondition(lambda self: self.model)
    @rule(i=st.integers(0, 10**6))
    def migrate(self, i):
        old_address = self.pick(i, (ACTIVE, FROZEN)) or self.pick(i)
        old = self.model[old_address]
        new_address = self.new_key()
        error = None if old.status in (ACTIVE, FROZEN) else "MembershipInvalidStatus"
        self.transact(self.roles["registrar"], self.ledger.functions.migrate(old_address, new_address), error)
        if error is None:
            self.model[new_address] = copy.copy(old)  # turnover received and pin included
            # The old key keeps its pin on-chain (nothing reads it again), its turnover goes.
            self.model[old_address] = Member(0, 0, 0, MIGRATED, old.kind, old.region, pinned=old.pinned)
            self.migrated(old_address, new_address)

    def migrated(self, old: str, new: str) -> None:
        """A key recovery went through: what else follows the member to its new key (a subclass's)."""

    @precondition(lambda self: self.model)
    @rule(i=st.integers(0, 10**6), default_first=st.booleans())
    def write_off(self, i, default_first):
        """Writes off an excluded member's debt; with `default_first`, a member in debt defaults
        (is excluded) just before, so that write-offs that succeed are common."""
        debtors = [a for a, m in self.model.items() if m.balance < 0 and m.status in (ACTIVE, FROZEN)]
        if default_first and debtors:
            address = debtors[i % len(debtors)]
            self.transact(self.roles["registrar"], self.ledger.functions.exclude(address), None)
            self.model[address].status = EXCLUDED
        else:
            address = self.pick(i, (EXCLUDED,)) or self.pick(i)
        m = self.model[address]
        if m.status != EXCLUDED:
            error = "MembershipInvalidStatus"
        elif m.balance >= 0:
            error = "LedgerNoDebt"
        elif self.reserve == 0:
            error = "LedgerReserveEmpty"
        else:
            error = None
        self.transact(self.roles["committee"], self.ledger.functions.writeOff(address, b"\x0d" * 32), error)
        if error is None:
            covered = min(-m.balance, self.reserve)
            m.balance += covered
            self.reserve -= covered

    @rule(bps=st.integers(0, MAX_FEE_BPS + 20))
    def set_fee(self, bps):
        error = None if bps <= MAX_FEE_BPS else "LedgerFeeTooHigh"
        self.transact(self.roles["governor"], self.ledger.functions.setFee(bps), error)
        if error is None:
            self.fee_bps = bps

    @precondition(lambda self: self.model)
    @rule(
        i=st.integers(0, 10**6),
        instalment=st.one_of(st.integers(1, 20_000), st.integers(1, 20_000), st.just(0)),
        instalments=st.integers(1, 3),
    )
    def fund_project(self, i, instalment, instalments):
        address = self.pick(i)
        status = self.model[address].status
        error = "MembershipInvalidStatus" if status != ACTIVE else "ReserveInvalidProject" if instalment == 0 else None
        interval = INTERVAL if instalments > 1 else 0
        call = self.ledger.functions.fundProject(address, instalment, instalments, interval, b"\x0f" * 32)
        self.transact(self.roles["governor"], call, error)
        if error is None:
            self.projects.append(Project(address, instalment, instalments))

    @rule(i=st.integers(0, 10**6), cancel=st.booleans())
    def release_instalment(self, i, cancel):
        """Releases (or, with `cancel`, governance cancels) a project's next instalment; one id in
        five is past the last project."""
        project_id = i % (len(self.projects) + 1) + 1 if i % 5 else len(self.projects) + 1
        project = self.projects[project_id - 1] if project_id <= len(self.projects) else None
        closed = project is not None and (project.cancelled or project.paid == project.instalments)
        error = "ReserveUnknownProject" if project is None else "ReserveProjectClosed" if closed else None
        if cancel:
            self.transact(self.roles["governor"], self.ledger.functions.cancelProject(project_id), error)
            if error is None:
                project.cancelled = True
            return
        if error is None:
            error = self.instalment_error(project)
        sender = self.keys[self.pick(i)] if self.model else self.roles["pauser"]  # anyone may release
        self.transact(sender, self.ledger.functions.releaseInstalment(project_id), error)
        if error is None:
            project.paid += 1
            self.model[project.account].balance += project.instalment
            self.reserve -= project.instalment
            reserve, credit = (
                self.ledger.functions.reserveBalance().call(),
                self.ledger.functions.creditInUse().call(),
            )
            assert reserve * 10_000 >= self.floor_bps * credit, "an instalment went below the coverage floor"

    def instalment_error(self, project: Project) -> str | None:
        """The refusal of the project's next instalment, in the order the contract checks."""
        if project.paid > project.laters:
            return "ReserveInstalmentNotDue"
        if self.paused:
            return "LedgerEnforcedPause"
        account = self.model[project.account]
        if account.status != ACTIVE:
            return "LedgerAccountNotActive"
        if account.balance + project.instalment > account.ceiling:
            return "LedgerCeilingExceeded"
        reserve_after = self.reserve - project.instalment
        debt_after = self.credit_in_use() - min(project.instalment, max(0, -account.balance))
        if reserve_after < 0 or reserve_after * 10_000 < self.floor_bps * debt_after:
            return "ReserveCoverageBelowFloor"
        return None

    def credit_in_use(self) -> int:
        return -sum(m.balance for m in self.model.values() if m.balance < 0)

    @rule(bps=st.one_of(st.integers(0, 300), st.integers(0, 20_000), st.just(MAX_FLOOR_BPS + 1)))
    def set_coverage_floor(self, bps):
        error = None if bps <= MAX_FLOOR_BPS else "ReserveFloorTooHigh"
        self.transact(self.roles["governor"], self.ledger.functions.setCoverageFloor(bps), error)
        if error is None:
            self.floor_bps = bps

    @precondition(lambda self: self.projects)
    @rule()
    def later(self):
        """Time passes: one more instalment of every project falls due."""
        self.w3.provider.make_request("evm_increaseTime", [INTERVAL])
        for project in self.projects:
            project.laters += 1

    @rule(draw=st.integers(0, 3))
    def toggle_pause(self, draw):
        # Pauses one time in four, unpauses at once: otherwise half of all payments would meet a pause.
        if self.paused:
            self.transact(self.roles["pauser"], self.ledger.functions.unpause(), None)
        elif draw == 0:
            self.transact(self.roles["pauser"], self.ledger.functions.pause(), None)
        else:
            return
        self.paused = not self.paused

    # invariants -------------------------------------------------------------------------------

    def chain_state(self) -> tuple[dict[str, Member], int]:
        """Every account and the reserve, read in one JSON-RPC batch."""
        addresses = list(self.model)
        calls = [self.ledger.encode_abi("accountOf", args=[a]) for a in addresses]
        calls += [self.ledger.encode_abi("getVotes", args=[a]) for a in addresses]
        calls += [self.ledger.encode_abi("turnoverOf", args=[a]) for a in addresses]
        calls += [self.ledger.encode_abi("creditLinePinned", args=[a]) for a in addresses]
        calls.append(self.ledger.encode_abi("creditInUse"))
        calls.append(self.ledger.encode_abi("reserveBalance"))
        with self.w3.batch_requests() as batch:
            for data in calls:
                batch.add(self.w3.eth.call({"to": self.ledger_address, "data": data}))
            results = batch.execute()
        accounts = {a: Member(*decode(ACCOUNT_STATE, r)) for a, r in zip(addresses, results, strict=False)}
        n = len(addresses)
        self.votes_now = {a: decode(["uint256"], r)[0] for a, r in zip(addresses, results[n : 2 * n], strict=True)}
        self.turnover_now = {
            a: decode(["uint256"], r)[0] for a, r in zip(addresses, results[2 * n : 3 * n], strict=True)
        }
        self.pinned_now = {a: decode(["bool"], r)[0] for a, r in zip(addresses, results[3 * n : 4 * n], strict=True)}
        self.credit_in_use_now = decode(["uint256"], results[-2])[0]
        return accounts, decode(["int256"], results[-1])[0]

    @invariant()
    def ledger_matches_model_events_and_rules(self):
        accounts, reserve = self.chain_state()

        # Zero sum, on the contract's own state.
        assert sum(m.balance for m in accounts.values()) + reserve == 0

        # No payment left its payer below minus its limit or its payee above its ceiling. (Only
        # these two: the committee may lower a line below a balance, and then a payee may still be
        # below minus its new limit after being paid, or a payer above its new ceiling.)
        for address in self.payers:
            assert accounts[address].balance >= -accounts[address].limit, f"{address} paid past its limit"
        for address in self.payees:
            assert accounts[address].balance <= accounts[address].ceiling, f"{address} paid past its ceiling"
        self.payers.clear()
        self.payees.clear()

        # Replay every event since the deployment and compare, account by account.
        for log in self.new_logs():
            self.replay.apply(log.event, dict(log.args))
        assert self.replay.reserve == reserve
        assert self.replay.fees - self.replay.covered - self.replay.instalments == reserve, (
            "reserve != fees - write-offs covered - instalments"
        )
        assert self.credit_in_use_now == -sum(m.balance for m in accounts.values() if m.balance < 0)
        for address, m in accounts.items():
            assert self.replay.members.get(address, Member()) == m, f"replay differs for {address}"

        # One member, one vote: an active member that is not a system account has exactly one, any
        # other address none, and the roll its events tell agrees; so the votes never outnumber the
        # active members.
        for address, m in accounts.items():
            voter = int(m.status == ACTIVE and m.kind != SYSTEM)
            assert self.votes_now[address] == voter == self.replay.votes.get(address, 0), f"votes of {address}"
        assert sum(self.votes_now.values()) <= sum(1 for m in accounts.values() if m.status == ACTIVE)

        # And the model of the rules agrees with both, turnover and pins included.
        assert accounts == self.model
        assert self.turnover_now == {a: m.received for a, m in self.model.items()}
        assert self.pinned_now == {a: m.pinned for a, m in self.model.items()}
        assert reserve == self.reserve
        assert self.ledger.functions.feeBps().call() == self.fee_bps == self.replay.fee_bps

    def new_logs(self):
        head = self.w3.eth.block_number
        if head < self.from_block:
            return []
        raw = self.w3.eth.get_logs({"address": self.ledger_address, "fromBlock": self.from_block, "toBlock": head})
        self.from_block = head + 1
        events = {
            event.topic: event
            for event in (
                getattr(self.ledger.events, abi["name"])() for abi in self.ledger.abi if abi["type"] == "event"
            )
        }
        return [events[log["topics"][0].to_0x_hex()].process_log(log) for log in raw]


def _run(ledger_deployment, registrar, committee, governor, pauser, examples=None):
    # A lean web3 on the same node: ape's own instance asks eth_chainId on every request, which
    # triples the run time.
    w3 = connect(ape.chain.provider.uri, trust_env=False)
    LedgerMachine.w3 = w3
    LedgerMachine.ledger_address = ledger_deployment.ledger
    LedgerMachine.roles = {
        "registrar": registrar.address,
        "committee": committee.address,
        "governor": governor.address,
        "pauser": pauser.address,
    }
    LedgerMachine.snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    if examples is not None:
        LedgerMachine.TestCase.settings = settings(settings.default, max_examples=examples)
    LedgerMachine.TestCase().runTest()


def test_ledger_invariants_hold_over_random_histories(ledger_deployment, registrar, committee, governor, pauser):
    """30 examples of 25 steps in `make test` (about a minute and a half)."""
    _run(ledger_deployment, registrar, committee, governor, pauser, examples=30)


@pytest.mark.deep
def test_ledger_invariants_hold_over_long_random_histories(ledger_deployment, registrar, committee, governor, pauser):
    """`make test-deep`: 140 examples of up to 60 steps (about a quarter of an hour)."""
    _run(ledger_deployment, registrar, committee, governor, pauser, examples=140)
