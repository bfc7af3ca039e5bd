"""Event data of static types read word by word, as eth_abi reads it at a fraction of its general
decoder's cost (every ledger event is static), and as strictly: a word not padded as the ABI pads
it is refused (ValueError), so what is read is exactly what eth_abi would decode. The indexer and
the auditor's replay both read the chain's logs with it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_INTEGER = re.compile(r"(?P<unsigned>u?)int(?P<bits>\d*)")


def static_words(types: list[str], bytes32: Callable[[bytes], Any] = bytes) -> list[Callable[[bytes], Any]] | None:
    """For event data of static types only, how to read each 32-byte word into what eth_abi's
    decode answers for it (an int, a lowercase hex address, a bool, and a bytes32 as `bytes32`
    makes it: bytes by default); None otherwise."""
    words = [_word(kind, bytes32) for kind in types]
    return None if any(word is None for word in words) else words  # type: ignore[return-value]


def read_words(words: list[Callable[[bytes], Any]], data: bytes) -> tuple[Any, ...] | None:
    """Each static field read from its 32-byte word, as eth_abi reads it at a fraction of its
    general decoder's cost (all of the ledger's events are static); None when the data is not
    exactly those words or a word is not padded as the ABI pads it."""
    if len(data) != 32 * len(words):
        return None
    try:
        return tuple(convert(data[32 * i : 32 * i + 32]) for i, convert in enumerate(words))
    except ValueError:
        return None


def _word(kind: str, bytes32: Callable[[bytes], Any]) -> Callable[[bytes], Any] | None:
    """A reader of one static type's word, strict as eth_abi is on padding (ValueError)."""
    if kind == "address":
        return lambda word: "0x" + _padded(word, 20).hex()
    if kind == "bool":
        return lambda word: bool(_unsigned(word, 1))
    if kind == "bytes32":
        return bytes32
    integer = _INTEGER.fullmatch(kind)  # uint8 .. uint256, int8 .. int256; not their arrays
    if integer:
        bits = int(integer["bits"] or 256)
        return (lambda word: _unsigned(word, bits)) if integer["unsigned"] else (lambda word: _signed(word, bits))
    return None


def _padded(word: bytes, size: int) -> bytes:
    if any(word[: 32 - size]):
        raise ValueError("padding bytes are not zero")
    return word[32 - size :]


def _unsigned(word: bytes, bits: int) -> int:
    value = int.from_bytes(word, "big")
    if value >> bits:
        raise ValueError(f"{value} does not fit uint{bits}")
    return value


def _signed(word: bytes, bits: int) -> int:
    value = int.from_bytes(word, "big", signed=True)
    if not -(1 << (bits - 1)) <= value < 1 << (bits - 1):
        raise ValueError(f"{value} does not fit int{bits}")
    return value
