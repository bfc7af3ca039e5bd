"""The genesis of a clique (proof-of-authority) chain for geth v1.13, the engine of `make run` and
of the test networks.

What the cooperative's chain needs of it (each was found the hard way, see STACK.md):
- forks up to Berlin: clique peers reject a Shanghai block; the contracts are built for London,
  which Besu runs, and use nothing of it that Berlin lacks (no BASEFEE), so one build serves both;
- free gas, for good: no London fork, so no base fee. On London, geth lifts a zero base fee to
  1 wei after any block that uses more than half its gas limit, and never lowers it again (its
  decrease rounds to 0): zero-price transactions then never mine, and members hold no coin. A
  burst of 20,000 payments on three validators made such a block (563M of 1e9 gas; `make
  bench-network` once stalled with 415 payments left in the pools). Besu's `zeroBaseFee` keeps
  London's base fee at 0, so its genesis stays London (`besu.py`). The nodes' own minimum price is
  set to 0 after each start (`geth.GethNode`);
- the signers in extraData: 32 bytes of vanity, the signers' addresses, 65 bytes for the seal.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eth_utils.address import to_checksum_address

VANITY = 32
SEAL = 65
GAS_LIMIT = 1_000_000_000
EPOCH = 30_000  # blocks between checkpoints, which restate the signer set and drop pending votes
BERLIN_FORKS = (
    "homesteadBlock", "eip150Block", "eip155Block", "eip158Block", "byzantiumBlock", "constantinopleBlock",
    "petersburgBlock", "istanbulBlock", "muirGlacierBlock", "berlinBlock",
)  # fmt: skip
LONDON_FORKS = (*BERLIN_FORKS, "londonBlock")


def extra_data(signers: Sequence[str]) -> str:
    """clique's genesis extraData: vanity, the signers in ascending order, an empty seal."""
    addresses = sorted(bytes.fromhex(to_checksum_address(a)[2:]) for a in signers)
    return "0x" + (bytes(VANITY) + b"".join(addresses) + bytes(SEAL)).hex()


def genesis(chain_id: int, signers: Sequence[str], *, period: int = 1, timestamp: int | None = None) -> dict[str, Any]:
    """A Berlin clique genesis (free gas: no base fee); `period` 0 seals a block as soon as a
    transaction waits (tests), else one block every `period` seconds."""
    if not signers:
        raise ValueError("a clique chain needs at least one signer")
    config: dict[str, Any] = {"chainId": chain_id, **dict.fromkeys(BERLIN_FORKS, 0)}
    config["clique"] = {"period": period, "epoch": EPOCH}
    return {
        "config": config,
        "nonce": "0x0",
        "timestamp": hex(int(time.time()) if timestamp is None else timestamp),
        "extraData": extra_data(signers),
        "gasLimit": hex(GAS_LIMIT),
        "difficulty": "0x1",
        "mixHash": "0x" + "00" * 32,
        "coinbase": "0x" + "00" * 20,
        "alloc": {},
    }


def write_genesis(path: Path, spec: dict[str, Any]) -> None:
    path.write_text(json.dumps(spec, indent=2) + "\n")


def genesis_signers(spec: dict[str, Any]) -> list[str]:
    """The signers a genesis names, as checksum addresses."""
    extra = bytes.fromhex(spec["extraData"][2:])
    body = extra[VANITY : len(extra) - SEAL]
    return [to_checksum_address(body[i : i + 20]) for i in range(0, len(body), 20)]
