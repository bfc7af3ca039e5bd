"""The ledger as the auditor rebuilds it from its events: every account (balance, credit line,
status, kind, region, KYC hash, successor, turnover, seniority, pin), the reserve, the fee, the
pause flag, the default credit lines, the stimuli, the projects, the credit policies and the role
holders; and the ledger's constants the replay holds it to (roles, bounds)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eth_utils.crypto import keccak

from next_audit.members import ACTIVE, EXCLUDED, KINDS, MIGRATED, MOVED, NONE, STATUSES, SYSTEM

DEFAULT_ADMIN = b"\x00" * 32
ROLE_NAMES = ("REGISTRAR_ROLE", "CREDIT_COMMITTEE_ROLE", "GOVERNANCE_ROLE", "PAUSER_ROLE", "AUDITOR_ROLE")
ROLES = {keccak(text=name): name for name in ROLE_NAMES} | {DEFAULT_ADMIN: "DEFAULT_ADMIN_ROLE"}
REGISTRAR, COMMITTEE, GOVERNANCE, PAUSER = (keccak(text=n) for n in ROLE_NAMES[:4])
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
