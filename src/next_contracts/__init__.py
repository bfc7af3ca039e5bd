"""The ledger's compiled contracts, as shipped artifacts, and the code to use them from Python.

Solidity reaches Python only through these artifacts, so the wallet, the gateway and the auditor
run without Node.js or a compiler.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"
LEDGER = "MutualCreditLedger"
BONUS_ALLOWANCES = "BonusAllowances"  # the councils' allowances, deployed by the ledger's constructor
REGIONAL_CLEARING = "RegionalClearing"  # the clearing with other regions, deployed by the ledger's constructor
COMMONS_REWARDS = "CommonsRewards"  # rewards for commons on attestations, a system account of the ledger


@dataclass(frozen=True)
class Artifact:
    name: str
    abi: list[dict[str, Any]]
    bytecode: str
    deployed_bytecode: str
    metadata: str
    path: Path
    immutables: tuple[tuple[int, int], ...] = ()  # (start, length) in the runtime code

    def runs_on(self, code: bytes) -> bool:
        """Whether `code`, read from the chain, is this artifact's runtime code: byte for byte, but
        for the immutables that the constructor wrote into it."""
        return without_immutables(code, self.immutables) == bytes.fromhex(self.deployed_bytecode[2:])


def immutable_ranges(references: dict[str, list[dict[str, int]]]) -> tuple[tuple[int, int], ...]:
    """solc's `immutableReferences` as sorted (start, length) ranges."""
    return tuple(sorted((r["start"], r["length"]) for refs in references.values() for r in refs))


def without_immutables(code: bytes, ranges: tuple[tuple[int, int], ...]) -> bytes:
    """`code` with its immutables zeroed, as the compiler leaves them: what the sources build."""
    masked = bytearray(code)
    for start, length in ranges:
        if start + length <= len(masked):
            masked[start : start + length] = bytes(length)
    return bytes(masked)


@cache
def load_artifact(name: str = LEDGER) -> Artifact:
    path = ARTIFACTS_DIR / f"{name}.json"
    data = json.loads(path.read_text())
    return Artifact(
        name=name,
        abi=data["abi"],
        bytecode=data["bytecode"],
        deployed_bytecode=data["deployedBytecode"],
        metadata=data["metadata"],
        path=path,
        immutables=immutable_ranges(data.get("immutableReferences", {})),
    )
