"""The councils' bonus allowances replayed from their own events, beside the ledger's, with the
rules each must have followed: every run opened by an active council with an expiry in bounds;
every allowance issued to an active member, in the council's own open run, within its credit;
every spending by the holder, from its own live allowance, never more than what is left of it,
at a payee in the run's categories and regions; and, right after each spending, the ledger's
movement of that amount from the run's council to that payee, with the fee of the run's spending as
a whole. A council's own payments may not use the credit its live allowances hold back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from eth_abi.abi import decode
from eth_utils.crypto import keccak

from next_audit.chain import word_address
from next_audit.members import ACTIVE, COUNCIL, MIGRATED, status_phrase
from next_audit.report import Check
from next_audit.sentences import money

if TYPE_CHECKING:
    from next_audit.chain import LedgerTransaction


class Ledger(Protocol):
    """What this audit reads of the ledger the replay rebuilds (replay.Ledger)."""

    fee_bps: int

    def account(self, address: str) -> Any: ...

    def stimulus(self, region: int, kind: int, time: int) -> int: ...

    def has_role(self, role: bytes, address: str) -> bool: ...


REGISTRAR = keccak(text="REGISTRAR_ROLE")
MAX_VALIDITY = 3 * 365 * 86_400
MAX_HOLDER_ALLOWANCES = 8
BPS = 10_000

RUN_OPENED = keccak(text="BonusRunOpened(uint256,address,uint64,uint64,uint16[4],bytes32)")
ISSUED = keccak(text="AllowanceIssued(uint256,address,uint256)")
SPENT = keccak(text="AllowanceSpent(uint256,address,address,uint256,bytes32)")
CATEGORIES_SET = keccak(text="CategoriesSet(address,uint64,uint16)")
CARRIED = keccak(text="AllowancesCarried(address,address)")


def fee(amount: int, fee_bps: int) -> int:
    return (amount * fee_bps + BPS - 1) // BPS


@dataclass(slots=True)
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

    def takes(self, payee_categories: int, payee_region: int) -> bool:
        if payee_categories == 0 or (self.categories and not self.categories & payee_categories):
            return False
        return not self.regions or payee_region in self.regions


@dataclass(frozen=True)
class Spending:
    """What the ledger's next movement must be: an allowance's spending, announced just before."""

    council: str
    payee: str
    amount: int
    fee: int


@dataclass
class BonusAudit:
    address: str
    ledger: Ledger
    rules: Check
    authority: Check
    runs: dict[int, Run] = field(default_factory=dict)
    remaining: dict[tuple[str, int], int] = field(default_factory=dict)  # (holder, run) -> what is left
    categories: dict[str, tuple[int, int]] = field(default_factory=dict)  # account -> (bits, region)
    pending: Spending | None = None
    spendings: int = 0
    _batch: tuple[str, int, int, int] | None = None  # (tx, run, available before it, issued in it)

    def apply(self, tx: LedgerTransaction, topics: list[bytes], data: bytes) -> None:
        self.tx = tx
        self.rules.checked += 1
        name = topics[0] if topics else b""
        if name == RUN_OPENED:
            self._opened(topics, data)
        elif name == ISSUED:
            self._issued(topics, data)
        elif name == SPENT:
            self._spent(topics, data)
        elif name == CATEGORIES_SET:
            self._categories(topics, data)
        elif name == CARRIED:
            self._carried(topics)
        else:
            self.rules.fail(tx.tx_hash, "audit.bonus.undeclared_event", topic=name.hex() or "-")

    # -- the credit a council's allowances hold back ---------------------------------------------

    def held(self, council: str, time: int) -> int:
        """What `council`'s unexpired runs may still cost it, with the fee of their spending."""
        return sum(
            run.outstanding + fee(run.outstanding, self.ledger.fee_bps)
            for run in self.runs.values()
            if run.council == council and run.expires_at > time
        )

    def available(self, council: str, time: int) -> int:
        account = self.ledger.account(council)
        limit = int(account.credit_limit) + self.ledger.stimulus(account.region, account.kind, time)
        return max(0, int(account.balance) + limit - self.held(council, time))

    # -- events ---------------------------------------------------------------------------------

    def _where(self) -> dict[str, object]:
        """The transaction and block a finding names."""
        return {"tx": self.tx.tx_hash, "block": self.tx.block_number}

    def _opened(self, topics: list[bytes], data: bytes) -> None:
        run_id, council = int.from_bytes(topics[1], "big"), word_address(topics[2])
        expires_at, categories, regions, _ref = decode(["uint64", "uint64", "uint16[4]", "bytes32"], data)
        account, now = self.ledger.account(council), self.tx.block_time
        if account.status != ACTIVE or account.kind != COUNCIL or self.tx.sender != council:
            self.authority.fail(council, "audit.bonus.not_council", run=run_id, **self._where())
        if not now < expires_at <= now + MAX_VALIDITY or run_id in self.runs or run_id != len(self.runs) + 1:
            self.rules.fail(council, "audit.bonus.bad_expiry", run=run_id, expires_at=expires_at, **self._where())
        self.runs[run_id] = Run(council, expires_at, categories, tuple(r for r in regions if r))

    def _issued(self, topics: list[bytes], data: bytes) -> None:
        run_id, holder = int.from_bytes(topics[1], "big"), word_address(topics[2])
        (amount,) = decode(["uint256"], data)
        run = self.runs.get(run_id)
        if run is None:
            self.rules.fail(holder, "audit.bonus.unknown_run_issued", run=run_id, **self._where())
            return
        time = self.tx.block_time
        if self._batch is None or self._batch[:2] != (self.tx.tx_hash, run_id):
            self._batch = (self.tx.tx_hash, run_id, self.available(run.council, time), 0)
        tx_hash, _run, available, batch_total = self._batch
        batch_total += amount
        self._batch = (tx_hash, run_id, available, batch_total)
        if self.tx.sender != run.council:
            self.authority.fail(
                run.council, "audit.bonus.issued_by_other", run=run_id, sender=self.tx.sender, **self._where()
            )
        if run.expires_at <= time or self.ledger.account(holder).status != ACTIVE or amount == 0:
            self.rules.fail(holder, "audit.bonus.issued_badly", amount=money(amount), run=run_id, **self._where())
        if batch_total + fee(batch_total, self.ledger.fee_bps) > available:
            self.rules.fail(
                run.council,
                "audit.bonus.issued_past_credit",
                amount=money(batch_total),
                run=run_id,
                available=money(available),
                **self._where(),
            )
        run.issued += amount
        key = (holder, run_id)
        self.remaining[key] = self.remaining.get(key, 0) + amount
        live = [
            k for k, left in self.remaining.items() if k[0] == holder and left and self.runs[k[1]].expires_at > time
        ]
        if len(live) > MAX_HOLDER_ALLOWANCES:
            self.rules.fail(holder, "audit.bonus.too_many", count=len(live), **self._where())

    def _spent(self, topics: list[bytes], data: bytes) -> None:
        run_id, holder, payee = int.from_bytes(topics[1], "big"), word_address(topics[2]), word_address(topics[3])
        amount, _ref = decode(["uint256", "bytes32"], data)
        run = self.runs.get(run_id)
        self.pending = None
        if run is None:
            self.rules.fail(holder, "audit.bonus.unknown_run_spent", run=run_id, **self._where())
            return
        left = self.remaining.get((holder, run_id), 0)
        bits, region = self.categories.get(payee, (0, 0))
        if self.tx.sender != holder:
            self.authority.fail(holder, "audit.bonus.spent_by_other", sender=self.tx.sender, **self._where())
        status = self.ledger.account(holder).status
        if status != ACTIVE:  # frozen, excluded, migrated or moved: the council's money is not its to spend
            self.rules.fail(
                holder,
                "audit.bonus.spent_inactive",
                amount=money(amount),
                run=run_id,
                status=status_phrase(status),
                **self._where(),
            )
        if amount == 0 or amount > left or run.expires_at <= self.tx.block_time or not run.takes(bits, region):
            self.rules.fail(
                holder,
                "audit.bonus.spent_badly",
                amount=money(amount),
                run=run_id,
                left=money(left),
                expires_at=run.expires_at,
                payee=payee,
                categories=bits,
                region=region,
                **self._where(),
            )
        self.remaining[(holder, run_id)] = left - amount
        spent_fee = fee(run.spent + amount, self.ledger.fee_bps) - fee(run.spent, self.ledger.fee_bps)
        run.spent += amount
        self.spendings += 1
        self.pending = Spending(run.council, payee, amount, spent_fee)

    def _categories(self, topics: list[bytes], data: bytes) -> None:
        account = word_address(topics[1])
        bits, region = decode(["uint64", "uint16"], data)
        self.authority.checked += 1
        if not self.ledger.has_role(REGISTRAR, self.tx.sender):
            self.authority.fail(account, "audit.bonus.categories_by_other", sender=self.tx.sender, **self._where())
        member = self.ledger.account(account)
        if bits and (member.status != ACTIVE or region != member.region):
            self.rules.fail(account, "audit.bonus.categories_inactive", categories=bits, region=region, **self._where())
        self.categories[account] = (bits, region) if bits else (0, 0)

    def _carried(self, topics: list[bytes]) -> None:
        """A key recovery: the old key's allowances, runs and categories are the new key's."""
        old, new = word_address(topics[1]), word_address(topics[2])
        self.authority.checked += 1
        if self.ledger.account(old).status != MIGRATED or self.ledger.account(old).successor != new:
            self.authority.fail(old, "audit.bonus.carried_wrongly", new=new, **self._where())
        for holder, run_id in [key for key in self.remaining if key[0] == old]:
            self.remaining[(new, run_id)] = self.remaining.pop((holder, run_id))
        for run in self.runs.values():
            if run.council == old:
                run.council = new
        if old in self.categories:
            self.categories[new] = self.categories.pop(old)

    def figures(self) -> dict[str, Any]:
        return {
            "bonus_runs": len(self.runs),
            "bonus_issued": sum(run.issued for run in self.runs.values()),
            "bonus_spent": sum(run.spent for run in self.runs.values()),
            "bonus_spendings": self.spendings,
        }
