"""Small helpers for the contract tests."""

from __future__ import annotations

from typing import Any

from web3 import Web3


def role(name: str) -> bytes:
    return Web3.keccak(text=name)


def kyc(label: str) -> bytes:
    return Web3.keccak(text=f"kyc:{label}")


def ref(label: str) -> bytes:
    return Web3.keccak(text=f"ref:{label}")


def only_event(receipt: Any, event: Any) -> Any:
    """The one `event` log of `receipt`; fails when there is none or more than one."""
    logs = receipt.events.filter(event)
    assert len(logs) == 1, f"expected one {event.name}, got {len(logs)}"
    return logs[0]


def fee_of(amount: int, fee_bps: int) -> int:
    """The fee the contract charges, rounded up."""
    return -(-amount * fee_bps // 10_000)
