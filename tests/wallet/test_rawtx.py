"""The relay's reading of a signed transaction agrees with eth-account's on every kind of
transaction, and refuses what is not one (next_contracts.rawtx)."""

from __future__ import annotations

import pytest
import rlp
from eth_account import Account
from eth_utils.address import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from next_contracts.rawtx import RawTransactionError, decode_raw_transaction

KEY = Account.from_key(b"\x01" * 32)
LEDGER = to_checksum_address("0x" + "5e" * 20)


@settings(max_examples=60, deadline=None)
@given(
    nonce=st.integers(0, 2**32),
    gas_price=st.integers(0, 10**12),
    data=st.binary(max_size=300),
    chain_id=st.one_of(st.none(), st.integers(1, 2**32)),
    typed=st.booleans(),
    to_ledger=st.booleans(),
)
def test_decode_raw_transaction_agrees_with_eth_account(nonce, gas_price, data, chain_id, typed, to_ledger):
    tx = {"nonce": nonce, "gas": 120_000, "value": 0, "data": data, "to": LEDGER if to_ledger else None}
    if typed:  # EIP-1559 (type 2) needs a chain id
        tx |= {"chainId": chain_id or 1, "maxFeePerGas": gas_price, "maxPriorityFeePerGas": 0, "type": 2}
    else:
        tx |= {"gasPrice": gas_price} | ({"chainId": chain_id} if chain_id else {})
    if tx["to"] is None:
        del tx["to"]
    raw = KEY.sign_transaction(tx).raw_transaction
    decoded = decode_raw_transaction(raw)
    assert decoded.sender == Account.recover_transaction(raw) == KEY.address
    assert decoded.chain_id == (tx.get("chainId") if typed or chain_id else None)
    assert decoded.nonce == nonce and decoded.data == data
    assert decoded.to == (LEDGER if to_ledger else None)


@pytest.mark.parametrize("raw", [b"", b"\xc0", b"\xf8\x01\x00", b"\x02\xc0", b"\x05" + b"\x00" * 40])
def test_decode_raw_transaction_refuses_what_is_not_a_signed_transaction(raw):
    with pytest.raises(RawTransactionError):
        decode_raw_transaction(raw)


def test_decode_raw_transaction_refuses_a_legacy_v_that_is_neither_27_28_nor_eip155():
    signed = KEY.sign_transaction({"nonce": 0, "gas": 21_000, "gasPrice": 0, "to": LEDGER, "value": 0})
    fields = rlp.decode(signed.raw_transaction)
    fields[6] = b"\x1d"  # v = 29
    with pytest.raises(RawTransactionError, match="v is 29"):
        decode_raw_transaction(rlp.encode(fields))
