"""The auditor's own reading of a commons submission: from the transaction's call data it computes
the claim's EIP-712 digest and signer, and names a claim whose event says otherwise (a contract
whose events lie would pass the bytecode check only if its source did too; this is the second
lock). Pure Python, on transactions made here."""

from __future__ import annotations

from types import SimpleNamespace

from eth_abi import encode
from eth_account import Account

from next_audit.chain import LedgerTransaction
from next_audit.commons import ATTESTOR, SUBMIT, SUBMITTED, CommonsAudit
from next_audit.report import Check, Failure
from next_contracts.commons import Claim, evidence_hash, sign_claim

CHAIN_ID, CONTRACT = 4242, "0x" + "c0" * 20
BENEFICIARY = Account.create().address


class Members:
    def account(self, address: str) -> SimpleNamespace:
        return SimpleNamespace(status=1)

    def has_role(self, role: bytes, address: str) -> bool:
        return False


def submission(signed, attestor: str, claim_id: bytes) -> LedgerTransaction:
    """The transaction of `signed`'s submission, and the ClaimSubmitted event a contract emitted."""
    claim = signed.claim
    data = SUBMIT + encode(["(address,uint8,bytes32,uint256,uint32)", "bytes"], [claim.as_tuple(), signed.signature])
    topics = [SUBMITTED, claim_id, bytes(12) + bytes.fromhex(attestor[2:]), bytes(12) + bytes.fromhex(BENEFICIARY[2:])]
    event = encode(
        ["uint8", "bytes32", "uint256", "uint32", "uint64"],
        [claim.kind, claim.evidence, claim.amount, claim.period, 1_000 + 7],
    )
    return LedgerTransaction(
        block_number=1, block_time=1_000, tx_hash="0x" + "ab" * 32, sender=BENEFICIARY.lower(), to=CONTRACT,
        logs=[], caller=None, commons_logs=[(topics, event)], commons_input=data,
    )  # fmt: skip


def audit(*attestors: str) -> CommonsAudit:
    rules, authority = (
        Check("ledger.rules", Failure.LEDGER_RULES),
        Check("ledger.authority", Failure.LEDGER_RULES),
    )
    commons = CommonsAudit(CONTRACT, Members(), rules, authority, chain_id=CHAIN_ID)
    commons.roles[ATTESTOR] = {a.lower() for a in attestors}
    commons.schedule, commons.budget, commons.window = {0: 4_000}, (10**9, 10**9, 10**9), 7
    return commons


def test_a_submission_whose_event_names_its_true_signer_passes_and_one_that_lies_is_named():
    honest, other = Account.create(), Account.create()
    claim = Claim(BENEFICIARY, 0, evidence_hash(b"trees"), 4_000, 0)
    signed = sign_claim(honest.key, claim, CHAIN_ID, CONTRACT)

    passing = audit(honest.address)
    passing.apply(submission(signed, honest.address.lower(), signed.id))
    assert passing.authority.findings == [] and passing.rules.findings == []

    # The event names another attestor (who holds the role) than the key that signed.
    lying = audit(honest.address, other.address)
    lying.apply(submission(signed, other.address.lower(), signed.id))
    [finding] = lying.authority.findings
    assert finding.subject == other.address.lower() and f"signed by {honest.address.lower()}" in finding.message

    # A signature for another chain recovers to some other key: named too.
    elsewhere = sign_claim(honest.key, claim, CHAIN_ID + 1, CONTRACT)
    replayed = audit(honest.address)
    replayed.apply(submission(elsewhere, honest.address.lower(), signed.id))
    assert len(replayed.authority.findings) == 1
