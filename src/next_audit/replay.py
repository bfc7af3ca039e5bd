"""The ledger rebuilt from its events alone, with the rules every event must have followed.

The decoder here is eth_abi's, driven by the shipped ABI, and shares nothing with the gateway's
indexer. Every account (balance, credit line, status, kind, region, KYC hash, successor), the
reserve, the fee, the pause flag, the default credit lines, the projects the reserve funds and the
role holders are rebuilt; every payment is checked against the payer's limit and the payee's ceiling
as they were at that moment, every instalment of a project against its schedule and the coverage
floor, and every registry, committee, governance and role event against the roles its sender held
then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eth_abi.abi import decode
from eth_utils.abi import event_abi_to_log_topic
from eth_utils.crypto import keccak

from next_audit.bonuses import BonusAudit
from next_audit.chain import LedgerTransaction, word_address
from next_audit.clearing import ClearingAudit
from next_audit.commons import CommonsAudit
from next_audit.governance import GovernanceAudit
from next_audit.report import Check

DEFAULT_ADMIN = b"\x00" * 32
ROLE_NAMES = ("REGISTRAR_ROLE", "CREDIT_COMMITTEE_ROLE", "GOVERNANCE_ROLE", "PAUSER_ROLE", "AUDITOR_ROLE")
ROLES = {keccak(text=name): name for name in ROLE_NAMES} | {DEFAULT_ADMIN: "DEFAULT_ADMIN_ROLE"}
REGISTRAR, COMMITTEE, GOVERNANCE, PAUSER = (keccak(text=n) for n in ROLE_NAMES[:4])
NONE, ACTIVE, FROZEN, EXCLUDED, MIGRATED, MOVED = range(6)
SYSTEM = 3  # MemberKind.System: its accounts do not vote
STATUSES = ("none", "active", "frozen", "excluded", "migrated", "moved")
KINDS = ("individual", "business", "council", "system")
COUNCIL = 2  # MemberKind.Council: admitted by a vote
MAX_AMOUNT = 2**63 - 1
MAX_TURNOVER = 2**40 - 1  # the ledger keeps a member's turnover received in 40 bits, saturating
YEAR = 365 * 86_400
MAX_FEE_BPS = 500
BPS = 10_000
ZERO_REF = b"\x00" * 32


@dataclass(slots=True)
class Account:
    balance: int = 0
    credit_limit: int = 0
    ceiling: int = 0
    status: int = NONE
    kind: int = 0
    region: int = 0
    kyc_hash: bytes = b"\x00" * 32
    successor: str | None = None
    votes: int = 0  # as the ledger's voting roll last said (DelegateVotesChanged)
    received: int = 0  # turnover received in payments, as the credit policy measures it
    since: int = 0  # admission time, carried by key recovery (0 for a system account)
    pinned: bool = False  # its credit line set by the committee: the credit policy leaves it

    @property
    def voter(self) -> bool:
        """One member, one vote: active and not a system account."""
        return self.status == ACTIVE and self.kind != SYSTEM

    def fields(self) -> tuple[int, int, int, int, int, int]:
        return (self.balance, self.credit_limit, self.ceiling, self.status, self.kind, self.region)


@dataclass(slots=True)
class Project:
    account: str
    instalment: int
    instalments: int
    interval: int
    starts_at: int
    paid: int = 0
    cancelled: bool = False


@dataclass
class Ledger:
    """The state the events imply, and the running totals the rules are checked with."""

    address: str
    accounts: dict[str, Account] = field(default_factory=dict)
    reserve: int = 0
    fee_bps: int = 0
    paused: bool = False
    default_lines: dict[int, tuple[int, int]] = field(default_factory=dict)
    roles: dict[bytes, set[str]] = field(default_factory=dict)
    role_admins: dict[bytes, bytes] = field(default_factory=dict)
    role_named: dict[bytes, set[str]] = field(default_factory=dict)  # holders ever, and accounts that acted
    pending_admin: str | None = None  # offered the admin role, not yet accepted
    # Each stimulus scope (all regions?, region, all kinds?, kind) -> (extra credit, end).
    stimuli: dict[tuple[bool, int, bool, int], tuple[int, int]] = field(default_factory=dict)
    stimulus_bound: tuple[int, int] = (MAX_AMOUNT, 2**64 - 1)  # (extra, duration): the ledger's, from its event
    projects: dict[int, Project] = field(default_factory=dict)
    coverage_floor_bps: int = 0
    debts: int = 0  # the credit in use, kept movement by movement (see `credit`)
    # Each member kind's credit policy: (per year, turnover bps, cap, version).
    credit_policies: dict[int, tuple[int, int, int, int]] = field(default_factory=dict)

    def stimulus(self, region: int, kind: int, time: int) -> int:
        """The largest stimulus running at `time` among the four scopes a member is in."""
        scopes = ((False, region, False, kind), (False, region, True, 0), (True, 0, False, kind), (True, 0, True, 0))
        running = [extra for extra, end in (self.stimuli.get(s, (0, 0)) for s in scopes) if end > time]
        return max(running, default=0)

    admitted: int = 0
    fees_collected: int = 0
    debt_covered: int = 0
    projects_paid: int = 0
    payments: int = 0
    events: int = 0

    def account(self, address: str) -> Account:
        account = self.accounts.get(address)
        if account is None:
            account = self.accounts[address] = Account()
        return account

    def role_pairs(self) -> list[tuple[bytes, str]]:
        return sorted((role, address) for role, named in self.role_named.items() for address in named)

    def has_role(self, role: bytes, address: str) -> bool:
        return address in self.roles.get(role, ())

    def credit_in_use(self) -> int:
        """The sum of the debts, from every account: once per audit (figures, the state check)."""
        return -sum(a.balance for a in self.accounts.values() if a.balance < 0)

    def credit(self, account: Account, change: int) -> None:
        """Moves `account`'s balance by `change`, keeping `debts` (the running sum of the debts that
        each instalment's floor check reads) without a pass over every account."""
        before = account.balance
        account.balance = before + change
        self.debts += max(0, -account.balance) - max(0, -before)

    def figures(self) -> dict[str, Any]:
        members = [a for a in self.accounts.values() if a.status != NONE]
        circulation = sum(a.balance for a in members if a.balance > 0)
        credit_in_use = self.credit_in_use()
        by_kind: dict[str, int] = {}
        by_status: dict[str, int] = {}
        for a in members:
            if a.status not in (MIGRATED, MOVED):  # the same member under a new key, or another region's now
                by_kind[KINDS[a.kind]] = by_kind.get(KINDS[a.kind], 0) + 1
            by_status[STATUSES[a.status]] = by_status.get(STATUSES[a.status], 0) + 1
        return {
            "members": self.admitted,
            "members_by_kind": dict(sorted(by_kind.items())),
            "members_by_status": dict(sorted(by_status.items())),
            "circulation": circulation,
            "credit_in_use": credit_in_use,
            "reserve": self.reserve,
            "coverage_ratio": self.reserve / credit_in_use if credit_in_use else None,
            "fees_collected": self.fees_collected,
            "debt_covered": self.debt_covered,
            "projects_funded": len(self.projects),
            "projects_paid": self.projects_paid,
            "coverage_floor_bps": self.coverage_floor_bps,
            "debt_uncovered": -sum(a.balance for a in members if a.status == EXCLUDED and a.balance < 0),
            "fee_bps": self.fee_bps,
            "paused": self.paused,
            "payments": self.payments,
        }


class Replayer:
    """Applies the ledger's transactions in chain order; breaches go to `rules` as findings."""

    def __init__(self, abi: list[dict[str, Any]], ledger: str, deploy_tx: str, rules: Check, authority: Check) -> None:
        self.ledger = Ledger(ledger.lower())
        self.deploy_tx = deploy_tx.lower()
        self.rules = rules
        self.authority = authority
        self.governance: GovernanceAudit | None = None  # the votes behind governed changes, if governed
        self.bonuses: BonusAudit | None = None  # the councils' allowances, if the ledger has them
        self.commons: CommonsAudit | None = None  # the commons rewards, if the deployment has them
        self.clearing: ClearingAudit | None = None  # the clearing with other regions, if the ledger has one
        self.handlers: dict[bytes, tuple[str, list[str], Any, list[Callable[[bytes], Any]] | None]] = {}
        for item in abi:
            if item["type"] == "event":
                data_types = [i["type"] for i in item["inputs"] if not i["indexed"]]
                handler = getattr(self, "_on_" + item["name"], None)
                if handler is None:
                    raise ValueError(f"the auditor does not know the ledger event {item['name']}")
                topic = event_abi_to_log_topic(item)  # type: ignore[arg-type]
                self.handlers[topic] = (item["name"], data_types, handler, _static_words(data_types))

    def available(self, address: str) -> int:
        """The ledger's availableCredit rule at the last replayed transaction's time (what the
        gateway serves): nothing for an account that is not active; else its balance, credit limit
        and running stimulus, less what a council's live allowances hold back."""
        account = self.ledger.accounts.get(address)
        if account is None or account.status != ACTIVE:
            return 0
        time = self.tx.block_time if hasattr(self, "tx") else 0
        if self.bonuses is not None and account.kind == COUNCIL:
            return self.bonuses.available(address, time)  # the same rule, less what its runs hold back
        return max(0, account.balance + account.credit_limit + self.ledger.stimulus(account.region, account.kind, time))

    def apply(self, tx: LedgerTransaction) -> None:
        self.tx = tx
        self.in_constructor = tx.tx_hash.lower() == self.deploy_tx
        self.caller = tx.caller  # the ledger's msg.sender, when known
        # The ledger's clearing called it: a move across regions, a partner's account, a member moving.
        self.by_clearing = self.clearing is not None and self.caller == self.clearing.address
        if self.clearing is not None:
            self.clearing.begin(tx.clearing_logs)
            for name, args in self.clearing.events:
                if name == "MemberWelcomed":  # this region's registrar expects a member from another
                    self._require_role(REGISTRAR, f"welcoming {args['member']}", self.tx.sender)
                    self.clearing.welcomed[args["member"]] = args["from"]
        # The allowances' logs interleave with the ledger's: each spending announces the movement
        # that follows it.
        bonus_logs = iter(tx.bonus_logs if self.bonuses is not None else ())
        waiting = next(bonus_logs, None)
        for index, (topics, data) in enumerate(tx.logs):
            position = tx.log_indexes[index] if index < len(tx.log_indexes) else None
            while waiting is not None and self.bonuses is not None and position is not None and waiting[0] < position:
                self.bonuses.apply(tx, waiting[1], waiting[2])
                waiting = next(bonus_logs, None)
            self.ledger.events += 1
            entry = self.handlers.get(topics[0]) if topics else None
            if entry is None:
                self.rules.fail(
                    tx.tx_hash, f"an event the ledger does not declare: topic {topics[0].hex() if topics else '-'}"
                )
                continue
            _name, data_types, handler, words = entry
            values = _read_words(words, data) if words is not None else None
            if values is None:  # dynamic types, or anything malformed: eth_abi's strict decoder says what
                values = decode(data_types, data) if data_types else ()
            following = tx.logs[index + 1] if index + 1 < len(tx.logs) else None
            handler(topics[1:], values, following)
        while waiting is not None and self.bonuses is not None:
            self.bonuses.apply(tx, waiting[1], waiting[2])
            waiting = next(bonus_logs, None)
        if self.bonuses is not None and self.bonuses.pending is not None:
            self.rules.fail(tx.tx_hash, "an allowance's spending with no movement of the ledger after it")
            self.bonuses.pending = None
        if self.commons is not None:
            self.commons.apply(tx)
        self.rules.checked += len(tx.logs)

    # -- who may do what ----------------------------------------------------------------------

    def _require_role(self, role: bytes, what: str, caller: str | None = None) -> None:
        if self.in_constructor:
            return
        caller = caller or self.caller
        self.authority.checked += 1
        if caller is not None:  # the state check then asks the contract whether it holds the role
            self.ledger.role_named.setdefault(role, set()).add(caller)
        if caller is None:
            self.authority.fail(
                self.tx.tx_hash,
                f"{what}: sent through contract {self.tx.to}; the node's trace does not name its caller",
            )
        elif not self.ledger.has_role(role, caller):
            self.authority.fail(
                caller, f"{what} in {self.tx.tx_hash} without {ROLES[role]} at block {self.tx.block_number}"
            )

    def _governed(self, what: str, actor: str | None) -> None:
        """A governed change (the fee, a role, the admin): the governance audit judges its actor."""
        if self.governance is not None and not self.in_constructor:
            self.governance.governed(self.tx, actor, what)

    # -- events -------------------------------------------------------------------------------

    def _on_RoleGranted(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        role, account, sender = topics[0], word_address(topics[1]), word_address(topics[2])
        if role == DEFAULT_ADMIN and not self.in_constructor:
            # The one admin is never granted: a new admin accepts a transfer its predecessor began.
            if account != self.ledger.pending_admin or sender != account:
                self.authority.fail(account, f"became the admin in {self.tx.tx_hash} without a transfer to it")
            self.ledger.pending_admin = None
        else:
            admin = self.ledger.role_admins.get(role, DEFAULT_ADMIN)
            self._require_role(admin, f"granting {ROLES.get(role, role.hex())} to {account}", sender)
            self._governed(f"{ROLES.get(role, role.hex())} granted to {account}", sender)
        self.ledger.roles.setdefault(role, set()).add(account)
        self.ledger.role_named.setdefault(role, set()).add(account)

    def _on_RoleRevoked(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        role, account, sender = topics[0], word_address(topics[1]), word_address(topics[2])
        accepting = role == DEFAULT_ADMIN and sender == self.ledger.pending_admin  # the old admin steps down
        if sender != account and not accepting:  # renouncing one's own role needs no other
            admin = self.ledger.role_admins.get(role, DEFAULT_ADMIN)
            self._require_role(admin, f"revoking {ROLES.get(role, role.hex())} from {account}", sender)
            self._governed(f"{ROLES.get(role, role.hex())} revoked from {account}", sender)
        self.ledger.roles.get(role, set()).discard(account)

    def _on_DefaultAdminTransferScheduled(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        new_admin = word_address(topics[0])
        self._require_role(DEFAULT_ADMIN, f"offering the admin role to {new_admin}")
        self._governed(f"the admin role offered to {new_admin}", self.caller)
        self.ledger.pending_admin = new_admin

    def _on_DefaultAdminTransferCanceled(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        self._require_role(DEFAULT_ADMIN, "withdrawing the offer of the admin role")
        self.ledger.pending_admin = None

    def _on_DefaultAdminDelayChangeScheduled(
        self, topics: list[bytes], values: tuple[Any, ...], following: Any
    ) -> None:
        self._require_role(DEFAULT_ADMIN, f"changing the admin's transfer delay to {values[0]} s")

    def _on_DefaultAdminDelayChangeCanceled(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        self._require_role(DEFAULT_ADMIN, "withdrawing a change of the admin's transfer delay")

    def _on_RoleAdminChanged(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        self.ledger.role_admins[topics[0]] = topics[2]

    def _on_FeeChanged(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        previous, new = values
        self._require_role(GOVERNANCE, f"changing the fee to {new} bps")
        self._governed(f"the fee set to {new} bps", self.caller)
        if previous != self.ledger.fee_bps or new > MAX_FEE_BPS:
            self.rules.fail(self.tx.tx_hash, f"fee change {previous} -> {new} bps from a fee of {self.ledger.fee_bps}")
        self.ledger.fee_bps = new

    def _on_StimulusSet(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        all_regions, region, all_kinds, kind, extra, ends_at = values
        self._require_role(GOVERNANCE, f"setting a stimulus of {extra} until {ends_at}")
        self._governed(f"a stimulus of {extra} until {ends_at} set", self.caller)
        max_extra, max_duration = self.ledger.stimulus_bound
        latest = self.tx.block_time + max_duration
        if extra > MAX_AMOUNT or extra > max_extra or (extra and ends_at > latest):
            self.rules.fail(self.tx.tx_hash, f"a stimulus of {extra} until {ends_at}, past the ledger's bound "
                            f"(at most {max_extra}, ending by {latest})")  # fmt: skip
        self.ledger.stimuli[(bool(all_regions), region, bool(all_kinds), kind)] = (extra, ends_at)

    def _on_StimulusBoundSet(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        max_extra, max_duration = values
        self._require_role(DEFAULT_ADMIN, f"setting the stimulus bound to {max_extra} for {max_duration} s")
        self._governed(f"the stimulus bound set to {max_extra} for {max_duration} s", self.caller)
        if max_extra > MAX_AMOUNT:
            self.rules.fail(self.tx.tx_hash, f"a stimulus bound of {max_extra}, above the largest amount")
        self.ledger.stimulus_bound = (max_extra, max_duration)

    def _on_Paused(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        self._require_role(PAUSER, "pausing payments", values[0].lower())
        self.ledger.paused = True

    def _on_Unpaused(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        self._require_role(PAUSER, "unpausing payments", values[0].lower())
        self.ledger.paused = False

    def _on_DefaultCreditLineSet(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        kind = int.from_bytes(topics[0], "big")
        self._require_role(COMMITTEE, f"setting the default credit line of {KINDS[kind]} members")
        if self.governance is not None and self.caller == self.governance.timelock:  # the committee's own are its
            self._governed(f"the default credit line of {KINDS[kind]} members set", self.caller)
        self.ledger.default_lines[kind] = (values[0], values[1])

    def _on_CreditLineSet(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        address = word_address(topics[0])
        if self.by_clearing:  # a partner region's account: this region's governance sets its side
            self._require_partner(address, "a credit line set through the clearing")
            self._require_role(GOVERNANCE, f"setting the relationship with {address}", self.tx.sender)
            self._governed(f"the relationship with {address} set", self.tx.sender)
        else:
            self._require_role(COMMITTEE, f"setting the credit line of {address}")
        account = self.ledger.account(address)
        if account.status not in (ACTIVE, FROZEN):
            self.rules.fail(address, f"credit line set while {STATUSES[account.status]}, in {self.tx.tx_hash}")
        account.credit_limit, account.ceiling = values

    def _on_MemberAdmitted(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        address = word_address(topics[0])
        kind, region, kyc_hash, limit, ceiling = values
        account = self.ledger.account(address)
        if self.by_clearing and self.clearing is not None:
            if kind == SYSTEM:  # a partner region's account, opened by this region's governance
                self._require_partner(address, "an account opened through the clearing")
            elif self.clearing.named("MemberArrived", member=address) is None or account.status not in (NONE, MOVED):
                self.rules.fail(address, f"admitted through the clearing with no arrival, in {self.tx.tx_hash}")
            elif self.clearing.welcomed.pop(address, None) is None:
                self.rules.fail(address, f"arrived without a registrar's welcome, in {self.tx.tx_hash}")
            if account.status == MOVED:  # back in a region it had left: it starts afresh
                account.status, account.received = NONE, 0
        elif kind == COUNCIL:  # a council is the members' decision
            self._require_role(GOVERNANCE, f"admitting the council {address}")
            self._governed(f"the council {address} admitted", self.caller)
        else:
            self._require_role(REGISTRAR, f"admitting {address}")
        if account.status != NONE:
            self.rules.fail(address, f"admitted again while {STATUSES[account.status]}, in {self.tx.tx_hash}")
        if (limit, ceiling) != self.ledger.default_lines.get(kind, (0, 0)):
            self.rules.fail(address, f"admitted with credit line {limit}/{ceiling}, not the default of its kind")
        account.status, account.kind, account.region, account.kyc_hash = ACTIVE, kind, region, kyc_hash
        account.credit_limit, account.ceiling = limit, ceiling
        account.since = self.tx.block_time if kind != SYSTEM else 0  # its vote's first checkpoint
        self.ledger.admitted += 1

    def _on_MemberStatusChanged(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        address = word_address(topics[0])
        previous, new = values
        account = self.ledger.account(address)
        if self.by_clearing and self.clearing is not None:  # a member leaving: by itself, announced
            if new != MOVED or address != self.tx.sender or self.clearing.named("MemberMoved", member=address) is None:
                self.rules.fail(address, f"status {STATUSES[new]} through the clearing, in {self.tx.tx_hash}")
            if account.balance != 0:
                self.rules.fail(address, f"moved away with {account.balance} left behind, in {self.tx.tx_hash}")
            account.status = new
            return
        self._require_role(REGISTRAR, f"changing the status of {address} to {STATUSES[new]}")
        allowed = {(ACTIVE, FROZEN), (FROZEN, ACTIVE), (ACTIVE, EXCLUDED), (FROZEN, EXCLUDED)}
        if previous != account.status or (previous, new) not in allowed:
            self.rules.fail(address, f"status {STATUSES[previous]} -> {STATUSES[new]} while {STATUSES[account.status]}")
        account.status = new

    def _on_AccountMigrated(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        old_address, new_address = word_address(topics[0]), word_address(topics[1])
        self._require_role(REGISTRAR, f"moving {old_address} to the key {new_address}")
        old, new = self.ledger.account(old_address), self.ledger.account(new_address)
        if old.status not in (ACTIVE, FROZEN) or new.status != NONE:
            self.rules.fail(old_address, f"migrated to {new_address} while {STATUSES[old.status]}")
        if old.balance != 0:
            self.rules.fail(old_address, f"migrated with {old.balance} left behind")
        new.status, new.kind, new.region, new.kyc_hash = old.status, old.kind, old.region, old.kyc_hash
        new.credit_limit, new.ceiling = old.credit_limit, old.ceiling
        new.received, new.since, new.pinned = old.received, old.since, old.pinned
        old.credit_limit, old.ceiling, old.status, old.successor = 0, 0, MIGRATED, new_address
        old.received = 0

    def _on_DelegateVotesChanged(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        """The voting roll: a member's votes change only with its status (admitted, frozen,
        unfrozen, excluded, migrated), from what they were to one if it may vote now, else zero."""
        address = word_address(topics[0])
        previous, new = values
        account = self.ledger.account(address)
        if previous != account.votes or new != int(account.voter):
            self.rules.fail(
                address,
                f"votes {previous} -> {new} in {self.tx.tx_hash}, while its roll says {account.votes} and "
                f"{'one vote' if account.voter else 'no vote'} for a {KINDS[account.kind]} member "
                f"{STATUSES[account.status]}",
            )
        account.votes = new

    def _on_DelegateChanged(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        """Votes cannot be delegated (the registry refuses it): any delegation on record is a breach."""
        delegator, delegate = word_address(topics[0]), word_address(topics[2])
        self.rules.fail(delegator, f"delegated its vote to {delegate} in {self.tx.tx_hash}; votes are not delegable")

    def _on_EIP712DomainChanged(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        """The signing domain is fixed at deployment: a change on record is a breach."""
        self.rules.fail(self.ledger.address, f"the EIP-712 domain changed in {self.tx.tx_hash}")

    def _on_DebtWrittenOff(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        address = word_address(topics[0])
        debt, covered, uncovered, _ref = values
        self._require_role(COMMITTEE, f"writing off the debt of {address}")
        account = self.ledger.account(address)
        before = account.balance - covered  # the covering movement came just before
        reserve_before = self.ledger.reserve + covered
        if account.status != EXCLUDED:
            self.rules.fail(address, f"debt written off while {STATUSES[account.status]}")
        if debt != -before or covered != min(debt, reserve_before) or covered + uncovered != debt:
            self.rules.fail(
                address,
                f"write-off of {debt} (covered {covered}, uncovered {uncovered}) on a balance of {before} "
                f"with a reserve of {reserve_before}",
            )
        self.ledger.debt_covered += covered

    def _on_ProjectFunded(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        project_id, account = int.from_bytes(topics[0], "big"), word_address(topics[1])
        instalment, instalments, interval, starts_at, _ref = values
        self._require_role(GOVERNANCE, f"funding project {project_id}")
        self._governed(f"project {project_id} funded ({instalments} x {instalment})", self.caller)
        if project_id != len(self.ledger.projects) + 1 or self.ledger.account(account).status != ACTIVE:
            self.rules.fail(account, f"project {project_id} funded out of order or for an inactive account")
        self.ledger.projects[project_id] = Project(account, instalment, instalments, interval, starts_at)

    def _on_InstalmentReleased(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        """The movement out of the reserve came just before (and was applied): the instalment must
        be the project's next, due by now, and leave the reserve at or above the coverage floor."""
        project_id, account = int.from_bytes(topics[0], "big"), word_address(topics[1])
        number, amount = values
        ledger, where = self.ledger, f"in {self.tx.tx_hash}"
        project = ledger.projects.get(project_id)
        if project is None:
            self.rules.fail(account, f"an instalment of the unknown project {project_id} {where}")
            return
        due_at = project.starts_at + project.paid * project.interval
        if (
            project.cancelled
            or number != project.paid + 1
            or number > project.instalments
            or amount != project.instalment
            or account != project.account
            or due_at > self.tx.block_time
        ):
            self.rules.fail(account, f"instalment {number} of {amount} of project {project_id} off schedule {where}")
        credit_in_use = ledger.debts
        if ledger.reserve * BPS < ledger.coverage_floor_bps * credit_in_use:
            self.rules.fail(
                account,
                f"instalment {number} of project {project_id} left the reserve at {ledger.reserve} against "
                f"{credit_in_use} of credit in use, below the floor of {ledger.coverage_floor_bps} bps {where}",
            )
        project.paid += 1
        ledger.projects_paid += amount

    def _on_ProjectCancelled(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        project_id = int.from_bytes(topics[0], "big")
        self._require_role(GOVERNANCE, f"cancelling project {project_id}")
        self._governed(f"project {project_id} cancelled", self.caller)
        project = self.ledger.projects.get(project_id)
        if project is None or project.cancelled or values[0] != project.paid:
            self.rules.fail(self.tx.tx_hash, f"project {project_id} cancelled while unknown, closed or off its count")
        else:
            project.cancelled = True

    def _on_CoverageFloorSet(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        previous, new = values
        self._require_role(GOVERNANCE, f"setting the coverage floor to {new} bps")
        self._governed(f"the coverage floor set to {new} bps", self.caller)
        if previous != self.ledger.coverage_floor_bps:
            floor = self.ledger.coverage_floor_bps
            self.rules.fail(self.tx.tx_hash, f"coverage floor {previous} -> {new} from {floor}")
        self.ledger.coverage_floor_bps = new

    def _on_CreditPolicySet(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        kind = int.from_bytes(topics[0], "big")
        version, per_year, turnover_bps, cap = values
        self._require_role(GOVERNANCE, f"setting the credit policy of {KINDS[kind]} members")
        self._governed(f"the credit policy of {KINDS[kind]} members set", self.caller)
        previous = self.ledger.credit_policies.get(kind, (0, 0, 0, 0))[3]
        if version != previous + 1 or turnover_bps > BPS or cap > MAX_AMOUNT:
            self.rules.fail(self.tx.tx_hash, f"credit policy {version} of {KINDS[kind]} members after {previous}")
        self.ledger.credit_policies[kind] = (per_year, turnover_bps, cap, version)

    def _on_CreditPolicyApplied(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        """Anyone may apply the policy: the new limit must be the one its rule gives now."""
        address = word_address(topics[0])
        kind, version, years, turnover, previous, new = values
        ledger, account = self.ledger, self.ledger.account(address)
        per_year, turnover_bps, cap, current = ledger.credit_policies.get(kind, (0, 0, 0, 0))
        elapsed = self.tx.block_time - account.since
        expected_years = elapsed // YEAR if account.since and elapsed > 0 else 0
        base = ledger.default_lines.get(kind, (0, 0))[0]
        expected = min(cap, base + expected_years * per_year + account.received * turnover_bps // BPS)
        facts = (kind, version, years, turnover, previous, new)
        if (
            account.status != ACTIVE
            or account.pinned
            or facts != (account.kind, current, expected_years, account.received, account.credit_limit, expected)
            or new <= previous
        ):
            self.rules.fail(
                address,
                f"credit policy {version} set its limit {previous} -> {new} ({years} years, turnover {turnover}), "
                f"where rule {current} gives {expected} ({expected_years} years, turnover {account.received}) "
                f"from {account.credit_limit}, in {self.tx.tx_hash}",
            )
        account.credit_limit = new

    def _on_CreditLinePinned(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        address, (pinned,) = word_address(topics[0]), values
        if not pinned:
            self._require_role(COMMITTEE, f"unpinning the credit line of {address}")
        self.ledger.account(address).pinned = bool(pinned)

    def _on_Transferred(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        source, target = word_address(topics[0]), word_address(topics[1])
        amount, fee, ref = values
        ledger = self.ledger
        if source == ledger.address:  # a write-off or a project's instalment, from the reserve
            why = following[0][0] if following else None
            if fee or why not in (_DEBT_WRITTEN_OFF, _INSTALMENT_RELEASED):
                self.rules.fail(self.tx.tx_hash, f"{amount} out of the reserve, neither a write-off nor an instalment")
            if amount > ledger.reserve:
                self.rules.fail(target, f"paid {amount} out of the reserve with only {ledger.reserve} in it")
            ledger.reserve -= amount
            ledger.credit(ledger.account(target), amount)
            return
        payer, payee = ledger.account(source), ledger.account(target)
        if self.by_clearing and self.clearing is not None:
            charged = self.clearing.named("PaidAcross", **{"from": source}) is not None and source == self.tx.sender
            if charged:  # the payer's side of a payment across regions: a payment, to a partner's account
                self._require_partner(target, "a payment across regions")
                self.caller = source  # the payer sent it: the payment's own authority check
                self._check_payment(source, target, payer, payee, amount, fee)
                self.caller = self.clearing.address
            else:
                self._check_clearing_move(source, target, payer, payee, amount, fee)
            ledger.credit(payer, -(amount + fee))
            ledger.credit(payee, amount)
            if charged:
                payee.received = min(MAX_TURNOVER, payee.received + amount)
            ledger.reserve += fee
            ledger.fees_collected += fee
            return
        migration = following is not None and following[0][0] == _ACCOUNT_MIGRATED
        if migration:
            if fee or ref != ZERO_REF:
                self.rules.fail(self.tx.tx_hash, "a key migration's movement carries a fee or a reference")
        else:
            spending = self.bonuses.pending if self.bonuses is not None else None
            if self.bonuses is not None:
                self.bonuses.pending = None
            self._check_payment(source, target, payer, payee, amount, fee, spending)
        ledger.credit(payer, -(amount + fee))
        ledger.credit(payee, amount)
        if not migration:
            payee.received = min(MAX_TURNOVER, payee.received + amount)
        ledger.reserve += fee
        ledger.fees_collected += fee

    def _require_partner(self, address: str, what: str) -> None:
        if self.clearing is None or address not in self.clearing.partners:
            self.rules.fail(address, f"{what} for an address that is no partner region, in {self.tx.tx_hash}")

    def _check_clearing_move(
        self, source: str, target: str, payer: Account, payee: Account, amount: int, fee: int
    ) -> None:
        """A move of the clearing with no fee: a partner's account on at least one side, both active,
        the payer within its own limit (no stimulus), the payee under its ceiling, not paused."""
        partners = self.clearing.partners if self.clearing is not None else set()
        where = f"in {self.tx.tx_hash} (block {self.tx.block_number})"
        if fee or not (source in partners or target in partners) or source == target:
            self.rules.fail(source, f"a clearing move of {amount} + {fee} to {target} with no partner region {where}")
        if self.ledger.paused:
            self.rules.fail(source, f"a clearing move of {amount} while payments were paused {where}")
        if not 0 < amount <= MAX_AMOUNT or payer.status != ACTIVE or payee.status != ACTIVE:
            self.rules.fail(source, f"a clearing move of {amount} to {target} between inactive accounts {where}")
        if payer.balance - amount < -payer.credit_limit:
            self.rules.fail(
                source, f"moved {amount} from {payer.balance}, past its limit of {payer.credit_limit} {where}"
            )
        if payee.balance + amount > payee.ceiling:
            self.rules.fail(
                target, f"received {amount} on {payee.balance}, past its ceiling of {payee.ceiling} {where}"
            )

    def _check_payment(
        self, source: str, target: str, payer: Account, payee: Account, amount: int, fee: int, spending: Any = None
    ) -> None:
        ledger = self.ledger
        ledger.payments += 1
        where = f"in {self.tx.tx_hash} (block {self.tx.block_number})"
        through_bonuses = self.bonuses is not None and self.tx.to == self.bonuses.address
        if spending is not None:  # an allowance's: from its run's council, announced just before
            if (source, target, amount, fee) != (spending.council, spending.payee, spending.amount, spending.fee):
                self.rules.fail(
                    source,
                    f"moved {amount} + {fee} to {target} for an allowance's spending of {spending.amount} + "
                    f"{spending.fee} from {spending.council} to {spending.payee} {where}",
                )
        elif through_bonuses:  # the plain units of a holder's payment through the allowances
            if source != self.tx.sender:
                self.authority.fail(source, f"a payment by {source} sent by {self.tx.sender} {where}")
        elif self.caller is not None and self.caller != source and not self.in_constructor:
            self.authority.fail(source, f"a payment by {source} sent by {self.caller} {where}")
        if ledger.paused:
            self.rules.fail(source, f"paid {amount} while payments were paused {where}")
        if not 0 < amount <= MAX_AMOUNT or source == target:
            self.rules.fail(source, f"an invalid payment of {amount} to {target} {where}")
        if payer.status != ACTIVE or payee.status != ACTIVE:
            self.rules.fail(
                source, f"paid {target} while {STATUSES[payer.status]}, the payee {STATUSES[payee.status]}, {where}"
            )
        expected_fee = spending.fee if spending is not None else (amount * ledger.fee_bps + BPS - 1) // BPS
        if fee != expected_fee:
            self.rules.fail(source, f"a fee of {fee} on {amount}, not {expected_fee} at {ledger.fee_bps} bps, {where}")
        limit = payer.credit_limit + ledger.stimulus(payer.region, payer.kind, self.tx.block_time)
        if spending is None and payer.kind == COUNCIL and self.bonuses is not None:
            held = self.bonuses.held(source, self.tx.block_time)
            if held and payer.balance - amount - fee < held - limit:
                self.rules.fail(
                    source,
                    f"paid {amount} + {fee} from {payer.balance} into the {held} its bonus allowances hold back "
                    f"(limit {limit}), {where}",
                )
        if payer.balance - amount - fee < -limit:
            self.rules.fail(
                source,
                f"paid {amount} + {fee} from {payer.balance}, past its credit limit of {limit} "
                f"(stimulus included), {where}",
            )
        if payee.balance + amount > payee.ceiling:
            self.rules.fail(
                target, f"received {amount} on {payee.balance}, past its ceiling of {payee.ceiling}, {where}"
            )


_DEBT_WRITTEN_OFF = keccak(text="DebtWrittenOff(address,uint256,uint256,uint256,bytes32)")
_ACCOUNT_MIGRATED = keccak(text="AccountMigrated(address,address)")
_INSTALMENT_RELEASED = keccak(text="InstalmentReleased(uint256,address,uint256,uint256)")


def _static_words(types: list[str]) -> list[Callable[[bytes], Any]] | None:
    """For event data of static types only, how to read each 32-byte word into what eth_abi's
    decode answers for it (an int, bytes, a lowercase hex address, a bool); None otherwise."""
    words = [_word(kind) for kind in types]
    return None if any(word is None for word in words) else words  # type: ignore[return-value]


def _read_words(words: list[Callable[[bytes], Any]], data: bytes) -> tuple[Any, ...] | None:
    """Each static field read from its 32-byte word, as eth_abi reads it at a fraction of its
    general decoder's cost (all of the ledger's events are static); None when the data is not
    exactly those words or a word is not padded as the ABI pads it."""
    if len(data) != 32 * len(words):
        return None
    try:
        return tuple(convert(data[32 * i : 32 * i + 32]) for i, convert in enumerate(words))
    except ValueError:
        return None


def _word(kind: str) -> Callable[[bytes], Any] | None:
    """A reader of one static type's word, strict as eth_abi is on padding (ValueError)."""
    if kind == "address":
        return lambda word: "0x" + _padded(word, 20).hex()
    if kind == "bool":
        return lambda word: bool(_unsigned(word, 1))
    if kind == "bytes32":
        return bytes
    if kind.startswith("uint"):
        bits = int(kind[4:] or 256)
        return lambda word: _unsigned(word, bits)
    if kind.startswith("int"):
        bits = int(kind[3:] or 256)
        return lambda word: _signed(word, bits)
    return None


def _padded(word: bytes, size: int) -> bytes:
    if any(word[: 32 - size]):
        raise ValueError("padding bytes are not zero")
    return word[32 - size :]


def _unsigned(word: bytes, bits: int) -> int:
    value = int.from_bytes(word, "big")
    if value >> bits:
        raise ValueError(f"{value} does not fit uint{bits}")
    return value


def _signed(word: bytes, bits: int) -> int:
    value = int.from_bytes(word, "big", signed=True)
    if not -(1 << (bits - 1)) <= value < 1 << (bits - 1):
        raise ValueError(f"{value} does not fit int{bits}")
    return value
