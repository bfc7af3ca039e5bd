"""The auditor's fast reading of event data and receipts gives what the libraries give: eth_abi's
decode for every static type of the ledger's events (and refuses what eth_abi refuses), rlp's
encode for receipts."""

from __future__ import annotations

import pytest
import rlp
from eth_abi.abi import decode, encode
from hypothesis import given, settings
from hypothesis import strategies as st

from next_audit.chain import encode_receipt
from next_contracts.abi_words import read_words, static_words

TYPES = ["address", "bool", "bytes32", "uint8", "uint16", "uint256", "int256"]
VALUES = {
    "address": st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex()),
    "bool": st.booleans(),
    "bytes32": st.binary(min_size=32, max_size=32),
    "uint8": st.integers(0, 2**8 - 1),
    "uint16": st.integers(0, 2**16 - 1),
    "uint256": st.integers(0, 2**256 - 1),
    "int256": st.integers(-(2**255), 2**255 - 1),
}


@settings(max_examples=200, deadline=None)
@given(data=st.data(), types=st.lists(st.sampled_from(TYPES), min_size=1, max_size=6))
def test_static_words_read_as_eth_abi_decodes(data, types):
    values = [data.draw(VALUES[kind]) for kind in types]
    encoded = encode(types, values)
    words = static_words(types)
    assert words is not None and read_words(words, encoded) == decode(types, encoded)


@pytest.mark.parametrize(
    ("kind", "word"),
    [
        ("uint8", (256).to_bytes(32, "big")),
        ("bool", (2).to_bytes(32, "big")),
        ("address", b"\x01" + b"\x00" * 11 + b"\x22" * 20),
        ("int8", (200).to_bytes(32, "big")),
    ],
)
def test_a_badly_padded_word_is_left_to_eth_abi_which_refuses_it(kind, word):
    assert read_words(static_words([kind]), word) is None
    with pytest.raises(Exception):  # noqa: B017 - eth_abi's own padding and range errors
        decode([kind], word, strict=True)


def test_dynamic_types_are_left_to_eth_abi():
    assert static_words(["uint256", "string"]) is None


@settings(max_examples=50, deadline=None)
@given(
    status=st.integers(0, 1),
    gas=st.integers(0, 2**40),
    logs=st.lists(
        st.tuples(st.binary(min_size=20, max_size=20), st.lists(st.binary(min_size=32, max_size=32), max_size=4),
                  st.binary(max_size=200)),
        max_size=5,
    ),
    kind=st.sampled_from([0, 1, 2]),
)  # fmt: skip
def test_encode_receipt_is_rlp_encode(status, gas, logs, kind):
    receipt = {
        "status": hex(status),
        "cumulativeGasUsed": hex(gas),
        "logsBloom": "0x" + "00" * 256,
        "type": hex(kind),
        "logs": [
            {"address": "0x" + a.hex(), "topics": ["0x" + t.hex() for t in topics], "data": "0x" + d.hex()}
            for a, topics, d in logs
        ],
    }
    body = rlp.encode([status, gas, b"\x00" * 256, [[a, topics, d] for a, topics, d in logs]])
    assert encode_receipt(receipt)[0] == (bytes([kind]) + body if kind else body)
