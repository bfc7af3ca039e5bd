"""The genesis of a clique (proof-of-authority) chain for geth v1.13, the engine of `make run` and
of the test networks.

What the cooperative's chain needs of it (each was found the hard way, see STACK.md):
- forks up to London only: clique peers reject a Shanghai block, and Besu runs London code too, so
  one build of the contracts serves every engine;
- free gas: base fee 0 in the genesis, and a block gas limit far above any block's use (a block
  over half the limit lifts the base fee to 1 wei for good, and zero-price transactions then never
  mine); the nodes' own minimum price is set to 0 after each start (`geth.GethNode`);
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
LONDON_FORKS = (
    "homesteadBlock", "eip150Block", "eip155Block", "eip158Block", "byzantiumBlock", "constantinopleBlock",
    "petersburgBlock", "istanbulBlock", "muirGlacierBlock", "berlinBlock", "londonBlock",
)  # fmt: skip


def extra_data(signers: Sequence[str]) -> str:
    """clique's genesis extraData: vanity, the signers in ascending order, an empty seal."""
    addresses = sorted(bytes.fromhex(to_checksum_address(a)[2:]) for a in signers)
    return "0x" + (bytes(VANITY) + b"".join(addresses) + bytes(SEAL)).hex()


def genesis(chain_id: int, signers: Sequence[str], *, period: int = 1, timestamp: int | None = None) -> dict[str, Any]:
    """A London clique genesis with free gas; `period` 0 seals a block as soon as a transaction
    waits (tests), else one block every `period` seconds."""
    if not signers:
        raise ValueError("a clique chain needs at least one signer")
    config: dict[str, Any] = {"chainId": chain_id, **dict.fromkeys(LONDON_FORKS, 0)}
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
        "baseFeePerGas": "0x0",
        "alloc": {},
    }


def write_genesis(path: Path, spec: dict[str, Any]) -> None:
    path.write_text(json.dumps(spec, indent=2) + "\n")


def genesis_signers(spec: dict[str, Any]) -> list[str]:
    """The signers a genesis names, as checksum addresses."""
    extra = bytes.fromhex(spec["extraData"][2:])
    body = extra[VANITY : len(extra) - SEAL]
    return [to_checksum_address(body[i : i + 20]) for i in range(0, len(body), 20)]
