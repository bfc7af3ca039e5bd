"""Decoding the ledger's typed errors from revert data.

Every revert of the ledger is a custom error with the facts in it (EIP-6093 style), so that a
wallet or an indexer can tell the user exactly why: the selector names the error, the arguments
follow ABI-encoded.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from eth_abi.abi import decode
from eth_utils.abi import function_signature_to_4byte_selector
from hexbytes import HexBytes

from next_contracts import LEDGER, load_artifact


@dataclass(frozen=True)
class DecodedError:
    name: str
    args: dict[str, Any]

    def __str__(self) -> str:
        inner = ", ".join(f"{k}={v}" for k, v in self.args.items())
        return f"{self.name}({inner})"


def _signature_types(entry: dict[str, Any]) -> list[str]:
    return [_abi_type(i) for i in entry["inputs"]]


def _abi_type(item: dict[str, Any]) -> str:
    if item["type"].startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in item["components"])
        return f"({inner}){item['type'][5:]}"
    return str(item["type"])


@cache
def _errors_by_selector(contract: str) -> dict[bytes, dict[str, Any]]:
    abi = load_artifact(contract).abi
    return {
        function_signature_to_4byte_selector(f"{e['name']}({','.join(_signature_types(e))})"): e
        for e in abi
        if e["type"] == "error"
    }


def decode_error(data: bytes | str, contract: str = LEDGER) -> DecodedError | None:
    """The typed error in `data` (selector + arguments), or None when it is not one of ours."""
    raw = HexBytes(data)
    entry = _errors_by_selector(contract).get(bytes(raw[:4]))
    if entry is None:
        return None
    values = decode(_signature_types(entry), bytes(raw[4:]))
    return DecodedError(entry["name"], {i["name"]: v for i, v in zip(entry["inputs"], values, strict=True)})


def error_from_exception(error: BaseException, contract: str = LEDGER) -> DecodedError | None:
    """The typed error carried by a web3 ContractCustomError (or anything with revert data)."""
    data = getattr(error, "data", None)
    if isinstance(data, str | bytes) and len(HexBytes(data)) >= 4:
        return decode_error(data, contract)
    return None
