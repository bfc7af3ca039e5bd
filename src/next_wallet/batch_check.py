"""A payment a batch already made, as the chain (or the gateway) shows it: what a re-run of the
batch skips. The verdict on a batch before it is signed is next_contracts.accounts.judge."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Paid:
    """A payment from the sender under a batch's reference, as the chain shows it."""

    to: str  # checksummed
    amount: int
    tx_hash: str
