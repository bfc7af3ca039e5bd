"""Sending a contract call from a test, the one way: signed locally (or by an unlocked account) and
awaited, through the same next_contracts.transact that the node and the wallet use."""

from __future__ import annotations

from typing import Any

from web3 import Web3
from web3.types import TxReceipt

from next_contracts.transact import Sender, calldata, send


def call(w3: Web3, sender: Sender, fn: Any) -> TxReceipt:
    """Sends a bound call (`ledger.functions.pay(to, amount, ref)`) from `sender`; its receipt."""
    return send(w3, sender, {"to": fn.address, "data": calldata(fn)})


def later(w3: Web3, seconds: int) -> None:
    """Moves anvil's clock `seconds` on and mines a block there (votes open and close by time)."""
    w3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
