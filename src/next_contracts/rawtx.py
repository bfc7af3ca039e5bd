"""Reading a signed raw transaction: who signed it, for which chain, to which contract, with what
call data. The gateway's relay checks these before it forwards anything to the chain."""

from __future__ import annotations

from dataclasses import dataclass

import rlp
from eth_account import Account
from eth_account.typed_transactions.typed_transaction import TypedTransaction
from eth_keys.backends import get_backend
from eth_keys.datatypes import Signature
from eth_typing import ChecksumAddress
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from rlp.sedes import Binary, big_endian_int, binary

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
    kind: int = 0  # EIP-2718's transaction type: 0 legacy, 1 access list (EIP-2930), 2 fee market (EIP-1559)
    gas_price: int = 0  # what the signer offered per gas (a type-2's maxFeePerGas)


# eth-keys' default backend (coincurve, a hard dependency), looked up once: each Signature would
# otherwise look it up again, through importlib, on every transaction.
_BACKEND = get_backend()


class _Legacy(rlp.Serializable):  # type: ignore[misc]
    """A legacy transaction's RLP fields (the yellow paper's, with EIP-155's v)."""

    fields = (
        ("nonce", big_endian_int),
        ("gasPrice", big_endian_int),
        ("gas", big_endian_int),
        ("to", Binary.fixed_length(20, allow_empty=True)),
        ("value", big_endian_int),
        ("data", binary),
        ("v", big_endian_int),
        ("r", big_endian_int),
        ("s", big_endian_int),
    )


def decode_raw_transaction(raw: bytes) -> RawTransaction:
    """Decodes and recovers the signer of `raw` (legacy or typed, EIP-2718). A legacy transaction
    (what members' wallets send) is decoded once and its signer recovered from its signing hash
    with eth-keys, a third of eth-account's cost, which decodes it again: the relay does this for
    every payment."""
    raw = HexBytes(raw)
    if not raw:
        raise RawTransactionError("empty transaction")
    try:
        if raw[0] >= 0xC0:  # an RLP list: a legacy transaction
            legacy = rlp.decode(raw, _Legacy)
            chain_id, sender = _legacy_signer(legacy)
            to_bytes, nonce, data = legacy.to, legacy.nonce, legacy.data
            kind, gas_price = 0, int(legacy.gasPrice)
        else:
            fields = TypedTransaction.from_bytes(raw).as_dict()
            chain_id = int(fields["chainId"])
            to_bytes, nonce, data = (
                fields.get("to") or b"",
                int(fields["nonce"]),
                bytes(fields.get("data") or b""),
            )
            sender = Account.recover_transaction(raw)
            kind, gas_price = int(raw[0]), int(fields.get("gasPrice", fields.get("maxFeePerGas", 0)))
    except RawTransactionError:
        raise
    except Exception as error:  # rlp, eth-account and eth-keys each raise their own kinds
        raise RawTransactionError(f"not a signed transaction: {error}") from error
    to = to_checksum_address(to_bytes) if to_bytes else None
    return RawTransaction(
        sender=sender, chain_id=chain_id, to=to, nonce=nonce, data=bytes(data), kind=kind, gas_price=gas_price
    )


def _legacy_signer(legacy: _Legacy) -> tuple[int | None, ChecksumAddress]:
    """The chain id (None without EIP-155's replay protection) and the signer's address."""
    if legacy.v in (27, 28):
        chain_id, recovery = None, legacy.v - 27
        unsigned = rlp.encode([legacy.nonce, legacy.gasPrice, legacy.gas, legacy.to, legacy.value, legacy.data])
    elif legacy.v >= 35:
        chain_id, recovery = (legacy.v - 35) // 2, (legacy.v - 35) % 2
        unsigned = rlp.encode(legacy.copy(v=chain_id, r=0, s=0))
    else:
        raise RawTransactionError(f"not a signed transaction: its v is {legacy.v}")
    signature = Signature(vrs=(recovery, legacy.r, legacy.s), backend=_BACKEND)
    return chain_id, signature.recover_public_key_from_msg_hash(keccak(unsigned)).to_checksum_address()
