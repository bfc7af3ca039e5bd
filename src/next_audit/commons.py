"""The commons rewards replayed from their own events, with the rules each must have followed:
every claim attested by an address holding ATTESTOR_ROLE at that moment (the role replayed from the
contract's own grants and revocations, each by its admin), for the schedule's amount of its kind,
to an active member other than the attestor, in the current or the last period, within the
period's budget and the caps per beneficiary and per attestor; every contest in the claim's
window by another attestor, or before its payment by the credit committee; every reinstatement by
the committee; and every reward paid after its window, once, followed in the same transaction by
the ledger's payment of that amount from the commons account to the beneficiary under the claim's
id. The commons account pays nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from eth_abi.abi import decode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from next_audit.chain import word_address
from next_audit.members import ACTIVE
from next_audit.report import Check
from next_audit.sentences import money
from next_contracts.commons import Claim as ClaimFields
from next_contracts.commons import SignedClaim

if TYPE_CHECKING:
    from next_audit.chain import LedgerTransaction


class Ledger(Protocol):
    def account(self, address: str) -> Any: ...

    def has_role(self, role: bytes, address: str) -> bool: ...


PERIOD = 30 * 86_400
ADMIN, ATTESTOR = b"\x00" * 32, keccak(text="ATTESTOR_ROLE")
COMMITTEE = keccak(text="CREDIT_COMMITTEE_ROLE")
PENDING, CONTESTED, PAID = "pending", "contested", "paid"

SUBMITTED = keccak(text="ClaimSubmitted(bytes32,address,address,uint8,bytes32,uint256,uint32,uint64)")
CONTESTED_EVENT = keccak(text="ClaimContested(bytes32,address,bytes32)")
REINSTATED = keccak(text="ClaimReinstated(bytes32,address,uint64)")
REWARD_PAID = keccak(text="RewardPaid(bytes32,address,uint256)")
BUDGET_SET = keccak(text="BudgetSet(uint256,uint256,uint256)")
SCHEDULE_SET = keccak(text="ScheduleSet(uint8,uint256)")
WINDOW_SET = keccak(text="ChallengeWindowSet(uint64)")
ROLE_GRANTED = keccak(text="RoleGranted(bytes32,address,address)")
ROLE_REVOKED = keccak(text="RoleRevoked(bytes32,address,address)")
TRANSFERRED = keccak(text="Transferred(address,address,uint256,uint256,bytes32)")
SUBMIT = keccak(text="submit((address,uint8,bytes32,uint256,uint32),bytes)")[:4]


@dataclass(slots=True)
class Claim:
    attestor: str
    beneficiary: str
    amount: int
    period: int
    payable_at: int
    state: str = PENDING


@dataclass
class CommonsAudit:
    address: str
    ledger: Ledger
    rules: Check
    authority: Check
    governance: frozenset[str] = frozenset()  # the governor and the timelock: a vote's execution
    chain_id: int = 0  # the chain the attestations are signed for
    roles: dict[bytes, set[str]] = field(default_factory=dict)
    schedule: dict[int, int] = field(default_factory=dict)
    budget: tuple[int, int, int] = (0, 0, 0)  # per period, per beneficiary, per attestor
    window: int = 7 * 86_400
    claims: dict[bytes, Claim] = field(default_factory=dict)
    committed: dict[int, int] = field(default_factory=dict)
    received: dict[tuple[int, str], int] = field(default_factory=dict)
    attested: dict[tuple[int, str], int] = field(default_factory=dict)
    paid: int = 0
    rewards: int = 0

    def apply(self, tx: LedgerTransaction) -> None:
        """The transaction's commons events, then its ledger payments from the commons account."""
        self.tx = tx
        expected: list[tuple[str, int, bytes]] = []  # the payments the rewards paid announce
        for topics, data in tx.commons_logs:
            self.rules.checked += 1
            name = topics[0] if topics else b""
            if name == SUBMITTED:
                self._submitted(topics, data)
            elif name == CONTESTED_EVENT:
                self._contested(topics)
            elif name == REINSTATED:
                self._reinstated(topics)
            elif name == REWARD_PAID:
                paid = self._paid(topics, data)
                if paid is not None:
                    expected.append(paid)
            elif name in (ROLE_GRANTED, ROLE_REVOKED):
                self._role(name == ROLE_GRANTED, topics)
            elif name in (BUDGET_SET, SCHEDULE_SET, WINDOW_SET):
                self._setting(name, topics, data)
            else:
                self.rules.fail(tx.tx_hash, "audit.commons.undeclared_event", topic=name.hex() or "-")
        made = [
            (word_address(topics[2]), *decode(["uint256", "uint256", "bytes32"], data)[::2])
            for topics, data in tx.logs
            if topics and topics[0] == TRANSFERRED and word_address(topics[1]) == self.address
        ]
        if made != expected:
            self.rules.fail(
                self.address,
                "audit.commons.payments",
                made=len(made),
                expected=len(expected),
                **self._where(),
            )

    # -- events ---------------------------------------------------------------------------------

    def _where(self) -> dict[str, object]:
        """The transaction and block a finding names."""
        return {"tx": self.tx.tx_hash, "block": self.tx.block_number}

    def _by_admin(self) -> bool:
        """Whether this transaction's call to the commons came from an admin: the admin key itself,
        or a vote's execution through the governor (the timelock holds the admin role)."""
        sender = self.tx.sender
        constructor = self.tx.to is None
        return constructor or sender in self.roles.get(ADMIN, set()) or self.tx.to in self.governance

    def _role(self, granted: bool, topics: list[bytes]) -> None:
        role, account = topics[1], word_address(topics[2])
        self.authority.checked += 1
        if not self._by_admin():
            changed = "audit.commons.role_granted" if granted else "audit.commons.role_revoked"
            self.authority.fail(account, changed, sender=self.tx.sender, **self._where())
        holders = self.roles.setdefault(role, set())
        if granted:
            holders.add(account)
        else:
            holders.discard(account)

    def _setting(self, name: bytes, topics: list[bytes], data: bytes) -> None:
        self.authority.checked += 1
        if not self._by_admin():
            self.authority.fail(self.address, "audit.commons.setting", sender=self.tx.sender, **self._where())
        if name == BUDGET_SET:
            self.budget = tuple(decode(["uint256", "uint256", "uint256"], data))
        elif name == SCHEDULE_SET:
            (self.schedule[int.from_bytes(topics[1], "big")],) = decode(["uint256"], data)
        else:
            (self.window,) = decode(["uint64"], data)

    def _commit(self, claim: Claim, claim_id: bytes) -> None:
        period, amount = claim.period, claim.amount
        committed = self.committed.get(period, 0) + amount
        received = self.received.get((period, claim.beneficiary), 0) + amount
        attested = self.attested.get((period, claim.attestor), 0) + amount
        budget, per_member, per_attestor = self.budget
        if committed > budget or received > per_member or attested > per_attestor:
            self.rules.fail(
                claim.beneficiary,
                "audit.commons.budget",
                claim=claim_id.hex()[:10],
                period=period,
                committed=money(committed),
                budget=money(budget),
                received=money(received),
                per_member=money(per_member),
                attested=money(attested),
                per_attestor=money(per_attestor),
                **self._where(),
            )
        self.committed[period], self.received[(period, claim.beneficiary)] = committed, received
        self.attested[(period, claim.attestor)] = attested

    def _release(self, claim: Claim) -> None:
        self.committed[claim.period] -= claim.amount
        self.received[(claim.period, claim.beneficiary)] -= claim.amount
        self.attested[(claim.period, claim.attestor)] -= claim.amount

    def _submitted(self, topics: list[bytes], data: bytes) -> None:
        claim_id, attestor, beneficiary = topics[1], word_address(topics[2]), word_address(topics[3])
        kind, _evidence, amount, period, payable_at = decode(["uint8", "bytes32", "uint256", "uint32", "uint64"], data)
        now = self.tx.block_time
        self.authority.checked += 1
        if attestor not in self.roles.get(ATTESTOR, set()):
            self.authority.fail(attestor, "audit.commons.no_attestor_role", claim=claim_id.hex()[:10], **self._where())
        member = self.ledger.account(beneficiary)
        current = now // PERIOD
        if (
            claim_id in self.claims
            or amount == 0
            or amount != self.schedule.get(kind, 0)
            or attestor == beneficiary
            or (member is None or member.status != ACTIVE)
            or not current - 1 <= period <= current
            or payable_at != now + self.window
        ):
            self.rules.fail(
                beneficiary,
                "audit.commons.rules",
                claim=claim_id.hex()[:10],
                amount=money(amount),
                kind=kind,
                schedule=money(self.schedule.get(kind, 0)),
                period=period,
                current=current,
                payable_at=payable_at,
                attestor=attestor,
                **self._where(),
            )
        self._check_signature(claim_id, attestor, (beneficiary, kind, _evidence, amount, period))
        claim = Claim(attestor, beneficiary, amount, period, payable_at)
        self._commit(claim, claim_id)
        self.claims[claim_id] = claim

    def _check_signature(self, claim_id: bytes, attestor: str, fields: tuple[str, int, bytes, int, int]) -> None:
        """A submission sent straight to the contract carries the signed claim: its EIP-712 digest
        and signer, computed here from the call data, must be the event's id and attestor. (A
        submission made through another contract carries it deeper: the event stands alone.)"""
        data = self.tx.commons_input
        if self.tx.to != self.address or data[:4] != SUBMIT:
            return
        try:
            (beneficiary, kind, evidence, amount, period), signature = decode(
                ["(address,uint8,bytes32,uint256,uint32)", "bytes"], data[4:]
            )
            signed = SignedClaim(
                ClaimFields(to_checksum_address(beneficiary), kind, evidence, amount, period),
                self.chain_id,
                to_checksum_address(self.address),
                signature,
            )
            digest, signer = signed.id, signed.attestor.lower()
        except Exception as error:
            self.authority.fail(attestor, "audit.commons.signature_unreadable", claim=claim_id.hex()[:10], error=error)
            return
        if digest != claim_id or signer != attestor or (beneficiary.lower(), kind, evidence, amount, period) != fields:
            self.authority.fail(
                attestor,
                "audit.commons.signed_by_other",
                claim=claim_id.hex()[:10],
                signer=signer,
                digest=digest.hex()[:10],
                **self._where(),
            )

    def _contested(self, topics: list[bytes]) -> None:
        claim_id, by = topics[1], word_address(topics[2])
        claim = self.claims.get(claim_id)
        self.authority.checked += 1
        committee = self.ledger.has_role(COMMITTEE, by)
        if claim is None or claim.state != PENDING or (self.tx.block_time >= claim.payable_at and not committee):
            self.rules.fail(by, "audit.commons.contest_late", claim=claim_id.hex()[:10], **self._where())
            return
        attestor = by in self.roles.get(ATTESTOR, set()) and by != claim.attestor
        if not (attestor or committee) or self.tx.sender != by:
            self.authority.fail(by, "audit.commons.contest_no_right", claim=claim_id.hex()[:10], **self._where())
        claim.state = CONTESTED
        self._release(claim)

    def _reinstated(self, topics: list[bytes]) -> None:
        claim_id, by = topics[1], word_address(topics[2])
        claim = self.claims.get(claim_id)
        self.authority.checked += 1
        if not self.ledger.has_role(COMMITTEE, by) or self.tx.sender != by:
            self.authority.fail(by, "audit.commons.reinstate_not_committee", claim=claim_id.hex()[:10], **self._where())
        if claim is None or claim.state != CONTESTED:
            self.rules.fail(by, "audit.commons.reinstate_not_contested", claim=claim_id.hex()[:10], **self._where())
            return
        claim.state = PENDING
        self._commit(claim, claim_id)

    def _paid(self, topics: list[bytes], data: bytes) -> tuple[str, int, bytes] | None:
        claim_id, beneficiary = topics[1], word_address(topics[2])
        (amount,) = decode(["uint256"], data)
        claim = self.claims.get(claim_id)
        if (
            claim is None
            or claim.state != PENDING
            or self.tx.block_time < claim.payable_at
            or (claim.beneficiary, claim.amount) != (beneficiary, amount)
        ):
            self.rules.fail(
                beneficiary, "audit.commons.reward", amount=money(amount), claim=claim_id.hex()[:10], **self._where()
            )
            return None
        claim.state = PAID
        self.paid += amount
        self.rewards += 1
        return beneficiary, amount, claim_id

    def figures(self) -> dict[str, Any]:
        return {
            "commons_claims": len(self.claims),
            "commons_contested": sum(c.state == CONTESTED for c in self.claims.values()),
            "commons_rewards_paid": self.rewards,
            "commons_paid": self.paid,
        }
