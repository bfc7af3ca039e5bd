"""Reading a signed raw transaction: who signed it, for which chain, to which contract, with what
call data. The gateway's relay checks these before it forwards anything to the chain."""

from __future__ import annotations

from dataclasses import dataclass

import rlp
from eth_account import Account
from eth_account._utils.legacy_transactions import Transaction as LegacyTransaction
from eth_account.typed_transactions.typed_transaction import TypedTransaction
from eth_typing import ChecksumAddress
from eth_utils.address import to_checksum_address
from hexbytes import HexBytes

from next_contracts.errors import NextContractsError


class RawTransactionError(NextContractsError, ValueError):
    """Bytes that are not a signed transaction this tool can read."""


@dataclass(frozen=True)
class RawTransaction:
    sender: ChecksumAddress
    chain_id: int | None  # None: a legacy transaction signed without replay protection
    to: ChecksumAddress | None
    nonce: int
    data: bytes


def decode_raw_transaction(raw: bytes) -> RawTransaction:
    """Decodes and recovers the signer of `raw` (legacy or typed, EIP-2718)."""
    raw = HexBytes(raw)
    if not raw:
        raise RawTransactionError("empty transaction")
    try:
        if raw[0] >= 0xC0:  # an RLP list: a legacy transaction
            legacy = rlp.decode(raw, LegacyTransaction)
            v = legacy.v
            chain_id = (v - 35) // 2 if v >= 35 else None
            to_bytes, nonce, data = legacy.to, legacy.nonce, legacy.data
        else:
            fields = TypedTransaction.from_bytes(raw).as_dict()
            chain_id = int(fields["chainId"])
            to_bytes, nonce, data = (
                fields.get("to") or b"",
                int(fields["nonce"]),
                bytes(fields.get("data") or b""),
            )
        sender = Account.recover_transaction(raw)
    except Exception as error:  # rlp, eth-account and eth-keys each raise their own kinds
        raise RawTransactionError(f"not a signed transaction: {error}") from error
    to = to_checksum_address(to_bytes) if to_bytes else None
    return RawTransaction(sender=sender, chain_id=chain_id, to=to, nonce=nonce, data=bytes(data))
