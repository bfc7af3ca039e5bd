"""The members' decisions, replayed: every proposal the timelock executed had passed under the rules
of its moment, and every governed change of the ledger (its fee, its roles, its admin, the default
credit lines the timelock set) was such an execution.

From the chain alone, in order: the constitution's rules and the calls it names (VoteRuleSet,
CallKindSet), the governor's general quorum (QuorumNumeratorUpdated), the voting roll's total by
time (the ledger's DelegateVotesChanged: one vote per active member), each proposal (its calls, its
snapshot and deadline), each vote, and each execution. A proposal passed if its votes for and
abstaining reached the stricter of its kinds' quorum and the general one, of the members on the roll
at its snapshot (rounded up), and its votes for passed its threshold of the votes for and against;
it was executed no sooner than its kinds' longest delay after it was queued.

On a developer's chain, where a key keeps the ledger's admin beside the timelock, that key's changes
are its own to make; the executions are checked all the same.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from eth_abi.abi import decode
from eth_utils.crypto import keccak

from next_audit.chain import LedgerTransaction
from next_audit.report import Check
from next_audit.sentences import bps, phrase

BPS = 10_000
FEE_CALL = keccak(text="setFee(uint256)")[:4]


def _topic(signature: str) -> bytes:
    return keccak(text=signature)


VOTES_CHANGED = _topic("DelegateVotesChanged(address,uint256,uint256)")
PROPOSAL_CREATED = _topic(
    "ProposalCreated(uint256,address,address[],uint256[],string[],bytes[],uint256,uint256,string)"
)
VOTE_CAST = _topic("VoteCast(address,uint256,uint8,uint256,string)")
VOTE_CAST_WITH_PARAMS = _topic("VoteCastWithParams(address,uint256,uint8,uint256,string,bytes)")
EXECUTED = _topic("ProposalExecuted(uint256)")
QUEUED = _topic("ProposalQueued(uint256,uint256)")
QUORUM_UPDATED = _topic("QuorumNumeratorUpdated(uint256,uint256)")
RULE_SET = _topic("VoteRuleSet(uint8,uint16,uint16,uint32)")
CALL_KIND_SET = _topic("CallKindSet(address,bytes4,uint8)")
FEE_BOUND_SET = _topic("FeeBoundSet(uint256)")
ROLE_KIND_SET = _topic("RoleKindSet(address,bytes32,uint8)")
ROLE_CALLS = (keccak(text="grantRole(bytes32,address)")[:4], keccak(text="revokeRole(bytes32,address)")[:4])
CONSTITUTION_KIND = 4  # ProposalKind.Constitution: a role of this kind goes to the timelock alone


@dataclass
class Proposal:
    id: int
    calls: list[tuple[str, bytes]]  # (target, calldata)
    snapshot: int
    deadline: int
    quorum_bps: int
    support_bps: int
    delay: int
    queued_at: int | None = None
    votes: dict[int, int] = field(default_factory=lambda: {0: 0, 1: 0, 2: 0})  # against, for, abstain
    voters: set[str] = field(default_factory=set)


class GovernanceAudit:
    """Follows the governance's logs transaction by transaction, before the ledger's replay of the
    same transaction, and answers whether it executes a proposal that passed (`voted`)."""

    def __init__(self, governor: str, constitution: str, timelock: str, admin: str, check: Check) -> None:
        self.governor, self.constitution, self.timelock = governor.lower(), constitution.lower(), timelock.lower()
        self.addresses = (self.governor, self.constitution)  # whose logs the chain walk keeps
        self.developer_admin = admin.lower() if admin.lower() != self.timelock else None
        self.check = check
        self.rules: dict[int, tuple[int, int, int]] = {}  # kind: (quorum, support, delay)
        self.call_kinds: dict[tuple[str, bytes], int] = {}
        self.role_kinds: dict[tuple[str, bytes], int] = {}  # (contract, role): the kind of its grants
        self.fee_bound = BPS
        self.general_quorum: list[tuple[int, int]] = []  # (time, bps), as the governor checkpoints it
        self.roll: list[tuple[int, int]] = []  # (time, active members), after each change
        self.total = 0
        self.proposals: dict[int, Proposal] = {}
        self.executed: set[int] = set()
        self.passed_in_tx = False
        handlers: dict[bytes, Callable[[LedgerTransaction, list[bytes], bytes], None]] = {
            PROPOSAL_CREATED: self._created,
            VOTE_CAST: self._vote,
            VOTE_CAST_WITH_PARAMS: self._vote,
            EXECUTED: self._executed,
            QUEUED: self._queued,
            QUORUM_UPDATED: self._quorum,
            RULE_SET: self._rule,
            CALL_KIND_SET: self._call_kind,
            FEE_BOUND_SET: self._fee_bound,
            ROLE_KIND_SET: self._role_kind,
        }
        self.handlers = handlers

    # -- following the chain -----------------------------------------------------------------

    def apply(self, tx: LedgerTransaction) -> LedgerTransaction:
        """The roll's changes and the governance's events of `tx`; then `governed` tells whether the
        ledger changes in it are the execution of a passed proposal. Returns `tx`, with the ledger's
        caller named when the node could not trace it and `tx` is the governor's execution of a
        passed proposal: its calls reach the ledger from the timelock and from nothing else (the
        governor executes through the timelock, and the constitution names no call that would
        reach the ledger through another contract). geth's RPC has no tracer, so this is how a vote's
        changes are attributed there."""
        self.passed_in_tx = False
        for topics, data in tx.logs:
            if topics and topics[0] == VOTES_CHANGED:
                previous, new = decode(["uint256", "uint256"], data)
                self.total += new - previous
                self._at(self.roll, tx.block_time, self.total)
        for address, topics, data in tx.governance_logs:
            handler = self.handlers.get(topics[0]) if topics else None
            if handler is not None and address in (self.governor, self.constitution):
                handler(tx, topics, data)
        if tx.caller is None and self.passed_in_tx and tx.to == self.governor:
            return replace(tx, caller=self.timelock)
        return tx

    @staticmethod
    def _at(history: list[tuple[int, int]], time: int, value: int) -> None:
        """A checkpoint keyed by time, as OpenZeppelin's Checkpoints: one per second, the last wins."""
        if history and history[-1][0] == time:
            history[-1] = (time, value)
        else:
            history.append((time, value))

    @staticmethod
    def _lookup(history: list[tuple[int, int]], time: int) -> int:
        """The value of the last checkpoint at or before `time` (upperLookup), 0 before any."""
        index = bisect_right(history, (time, 2**256))
        return history[index - 1][1] if index else 0

    def _quorum(self, tx: LedgerTransaction, topics: list[bytes], data: bytes) -> None:
        _old, new = decode(["uint256", "uint256"], data)
        self._at(self.general_quorum, tx.block_time, new)

    def _rule(self, tx: LedgerTransaction, topics: list[bytes], data: bytes) -> None:
        quorum, support, delay = decode(["uint16", "uint16", "uint32"], data)
        self.rules[int.from_bytes(topics[1], "big")] = (quorum, support, delay)

    def _call_kind(self, tx: LedgerTransaction, topics: list[bytes], data: bytes) -> None:
        (kind,) = decode(["uint8"], data)
        self.call_kinds[("0x" + topics[1][-20:].hex(), topics[2][:4])] = kind

    def _role_kind(self, tx: LedgerTransaction, topics: list[bytes], data: bytes) -> None:
        (kind,) = decode(["uint8"], data)
        self.role_kinds[("0x" + topics[1][-20:].hex(), bytes(topics[2]))] = kind

    def _role_call_kind(self, proposal_id: int, target: str, calldata: bytes) -> int:
        """A grant or revocation is of its role's kind; a role of the constitution's kind is granted
        to the timelock alone (as the Constitution contract decides, checked again here)."""
        role, account = bytes(calldata[4:36]), "0x" + bytes(calldata[48:68]).hex()
        kind = self.role_kinds.get((target, role), 0)  # 0: named nowhere, failed as an unknown call
        granted = calldata[:4] == ROLE_CALLS[0]
        if kind == CONSTITUTION_KIND and granted and account != self.timelock:
            self.check.fail(
                f"proposal {proposal_id:#x}",
                "audit.governance.grant_to_other",
                role="0x" + role.hex(),
                target=target,
                account=account,
            )
        return kind

    def _fee_bound(self, tx: LedgerTransaction, topics: list[bytes], data: bytes) -> None:
        (self.fee_bound,) = decode(["uint256"], data)

    def _created(self, tx: LedgerTransaction, topics: list[bytes], data: bytes) -> None:
        types = ["uint256", "address", "address[]", "uint256[]", "bytes[]", "bytes[]", "uint256", "uint256", "bytes"]
        proposal_id, _proposer, targets, values, _sigs, calldatas, start, end, _text = decode(types, data)
        self.check.checked += 1
        quorum = support = delay = 0
        calls = []
        for target, value, calldata in zip(targets, values, calldatas, strict=False):
            target = target.lower()
            selector = bytes(calldata[:4])
            kind = self.call_kinds.get((target, selector), 0)
            if kind and selector in ROLE_CALLS:
                kind = self._role_call_kind(proposal_id, target, bytes(calldata))
            if kind == 0 or value != 0:
                self.check.fail(
                    f"proposal {proposal_id:#x}",
                    "audit.governance.unnamed_call",
                    selector=selector.hex(),
                    target=target,
                    value=value,
                    tx=tx.tx_hash,
                )
            if selector == FEE_CALL and len(calldata) >= 36 and int.from_bytes(calldata[4:36], "big") > self.fee_bound:
                self.check.fail(f"proposal {proposal_id:#x}", "audit.governance.fee_above", bound=bps(self.fee_bound))
            kind_quorum, kind_support, kind_delay = self.rules.get(kind, (0, 0, 0))
            quorum, support, delay = max(quorum, kind_quorum), max(support, kind_support), max(delay, kind_delay)
            calls.append((target, bytes(calldata)))
        self.proposals[proposal_id] = Proposal(proposal_id, calls, start, end, quorum, support, delay)

    def _queued(self, tx: LedgerTransaction, topics: list[bytes], data: bytes) -> None:
        proposal_id, _eta = decode(["uint256", "uint256"], data)
        if proposal_id in self.proposals:
            self.proposals[proposal_id].queued_at = tx.block_time

    def _vote(self, tx: LedgerTransaction, topics: list[bytes], data: bytes) -> None:
        voter = "0x" + topics[1][-20:].hex()
        proposal_id, support, weight = decode(["uint256", "uint8", "uint256"], data[:96])
        proposal = self.proposals.get(proposal_id)
        self.check.checked += 1
        if proposal is None:
            self.check.fail(voter, "audit.governance.unknown_proposal", proposal=f"{proposal_id:#x}", tx=tx.tx_hash)
            return
        if voter in proposal.voters or weight != 1 or support > 2:
            self.check.fail(
                voter,
                "audit.governance.bad_vote",
                weight=weight,
                support=support,
                proposal=f"{proposal_id:#x}",
                tx=tx.tx_hash,
            )
        if not proposal.snapshot < tx.block_time <= proposal.deadline:
            self.check.fail(voter, "audit.governance.out_of_window", proposal=f"{proposal_id:#x}", tx=tx.tx_hash)
        proposal.voters.add(voter)
        proposal.votes[support] = proposal.votes.get(support, 0) + weight

    def _executed(self, tx: LedgerTransaction, topics: list[bytes], data: bytes) -> None:
        (proposal_id,) = decode(["uint256"], data)
        self.check.checked += 1
        proposal = self.proposals.get(proposal_id)
        why = (
            phrase("audit.governance.never_proposed") if proposal is None else self._not_passed(proposal, tx.block_time)
        )
        if proposal_id in self.executed:
            why = phrase("audit.governance.executed_before")
        if why:
            self.check.fail(f"proposal {proposal_id:#x}", "audit.governance.executed_but", tx=tx.tx_hash, why=why)
            return
        self.executed.add(proposal_id)
        self.passed_in_tx = True

    def _not_passed(self, proposal: Proposal, now: int) -> dict[str, Any] | None:
        """Why `proposal` had not passed at `now` (a phrase), or None if it had."""
        if now <= proposal.deadline:
            return phrase("audit.governance.still_open")
        if proposal.delay and (proposal.queued_at is None or now < proposal.queued_at + proposal.delay):
            return phrase("audit.governance.delay", seconds=proposal.delay)
        members = self._lookup(self.roll, proposal.snapshot)
        quorum_bps = max(proposal.quorum_bps, self._lookup(self.general_quorum, proposal.snapshot))
        quorum = (members * quorum_bps + BPS - 1) // BPS
        against, for_, abstain = proposal.votes[0], proposal.votes[1], proposal.votes[2]
        if for_ + abstain < quorum:
            return phrase("audit.governance.no_quorum", votes=for_ + abstain, quorum=quorum, members=members)
        if for_ * BPS <= proposal.support_bps * (for_ + against):
            return phrase("audit.governance.no_majority", ayes=for_, noes=against, threshold=bps(proposal.support_bps))
        return None

    # -- what the ledger's replay asks -------------------------------------------------------

    def governed(self, tx: LedgerTransaction, actor: str | None, what: dict[str, Any]) -> None:
        """`what` (a governed change, made by `actor` in `tx`) must be a passed proposal's execution
        by the timelock; on a developer's chain its admin key may make it too."""
        self.check.checked += 1
        if actor == self.timelock:
            if not self.passed_in_tx:
                self.check.fail(self.timelock, "audit.governance.not_by_proposal", action=what, tx=tx.tx_hash)
        elif actor is None or actor != self.developer_admin:
            self.check.fail(actor or tx.tx_hash, "audit.governance.by_key", action=what, tx=tx.tx_hash)

    def figures(self) -> dict[str, Any]:
        return {"proposals": len(self.proposals), "proposals_executed": len(self.executed)}
