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


@dataclass(frozen=True)
class Artifact:
    name: str
    abi: list[dict[str, Any]]
    bytecode: str
    deployed_bytecode: str
    metadata: str
    path: Path


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
    )
