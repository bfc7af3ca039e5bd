"""Commons claims as attestors sign them (EIP-712) and as CommonsRewards checks them: shared by the
wallet (an attestor signs offline, anyone submits), the demo, the gateway and the tests.

The typed data is the contract's: domain "NExT Commons", version "1", the chain id and the
contract's address; type `CommonsClaim(address beneficiary,uint8 kind,bytes32 evidence,uint256
amount,uint32 period)`. A claim's id is the digest signed, so one attestation is submitted once.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_typing import ChecksumAddress
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from hexbytes import HexBytes

PERIOD = 30 * 86_400  # CommonsRewards.PERIOD: a period is block.timestamp // PERIOD

CLAIM_TYPES = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    "CommonsClaim": [
        {"name": "beneficiary", "type": "address"},
        {"name": "kind", "type": "uint8"},
        {"name": "evidence", "type": "bytes32"},
        {"name": "amount", "type": "uint256"},
        {"name": "period", "type": "uint32"},
    ],
}


def evidence_hash(evidence: bytes) -> bytes:
    """The hash a claim carries of its evidence (a report, photos, a list), kept off chain."""
    return keccak(evidence)


def period_of(timestamp: int) -> int:
    return timestamp // PERIOD


@dataclass(frozen=True)
class Claim:
    """A claim's fields, as signed."""

    beneficiary: ChecksumAddress
    kind: int
    evidence: bytes  # 32 bytes
    amount: int  # hundredths: the schedule's for `kind`
    period: int

    def as_tuple(self) -> tuple[str, int, bytes, int, int]:
        """As the contract's `submit` takes it."""
        return (self.beneficiary, self.kind, self.evidence, self.amount, self.period)

    def typed_data(self, chain_id: int, contract: str) -> dict[str, Any]:
        return {
            "types": CLAIM_TYPES,
            "primaryType": "CommonsClaim",
            "domain": {
                "name": "NExT Commons",
                "version": "1",
                "chainId": chain_id,
                "verifyingContract": to_checksum_address(contract),
            },
            "message": {
                "beneficiary": self.beneficiary,
                "kind": self.kind,
                "evidence": self.evidence,
                "amount": self.amount,
                "period": self.period,
            },
        }


@dataclass(frozen=True)
class SignedClaim:
    """An attestation: the claim, for which chain and contract, and the attestor's signature. What
    an attestor hands over (a file) for anyone to submit."""

    claim: Claim
    chain_id: int
    contract: ChecksumAddress
    signature: bytes

    @property
    def id(self) -> bytes:
        """The claim's id: the EIP-712 digest (`claimId` on the contract)."""
        signable = encode_typed_data(full_message=self.claim.typed_data(self.chain_id, self.contract))
        return keccak(b"\x19\x01" + signable.header + signable.body)

    @property
    def attestor(self) -> ChecksumAddress:
        """Who signed it: the address the signature recovers to."""
        signable = encode_typed_data(full_message=self.claim.typed_data(self.chain_id, self.contract))
        return to_checksum_address(Account.recover_message(signable, signature=self.signature))

    def to_json(self) -> str:
        claim = {**asdict(self.claim), "evidence": HexBytes(self.claim.evidence).to_0x_hex()}
        return json.dumps(
            {
                "claim": claim,
                "chain_id": self.chain_id,
                "contract": self.contract,
                "signature": HexBytes(self.signature).to_0x_hex(),
                "id": HexBytes(self.id).to_0x_hex(),
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> SignedClaim:
        """Reads an attestation file; ValueError (with what is wrong) for anything else."""
        try:
            data = json.loads(text)
            raw = data["claim"]
            evidence = bytes(HexBytes(raw["evidence"]))
            signature = bytes(HexBytes(data["signature"]))
            if len(evidence) != 32 or len(signature) != 65:
                raise ValueError("the evidence is 32 bytes and the signature 65")
            claim = Claim(
                beneficiary=to_checksum_address(raw["beneficiary"]),
                kind=_bounded(raw["kind"], 2**8),
                evidence=evidence,
                amount=_bounded(raw["amount"], 2**256),
                period=_bounded(raw["period"], 2**32),
            )
            return cls(claim, _bounded(data["chain_id"], 2**64), to_checksum_address(data["contract"]), signature)
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"not an attestation file: {error!r}") from error


def _bounded(value: Any, limit: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < limit:
        raise ValueError(f"{value!r} is not a whole number below {limit}")
    return value


def sign_claim(private_key: bytes, claim: Claim, chain_id: int, contract: str) -> SignedClaim:
    """An attestor's signature of `claim`, offline: no chain is asked."""
    signable = encode_typed_data(full_message=claim.typed_data(chain_id, contract))
    signed = Account.sign_message(signable, private_key)
    return SignedClaim(claim, chain_id, to_checksum_address(contract), bytes(signed.signature))
