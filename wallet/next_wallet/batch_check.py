"""A batch against the chain's state, before anything is signed: every payee an active member and
not above its ceiling once all its lines are paid, the payer active with enough credit for the
total and the fees. The same verdict whether the wallet reads a node (Ledger.check_batch, from
batched eth_calls) or asks the gateway (POST /accounts/{address}/batch-check)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from next_contracts import fee_for

if TYPE_CHECKING:
    from next_wallet.ledger import AccountView

CEILING = "would pass its ceiling"


@dataclass(frozen=True)
class BatchCheck:
    refusals: dict[int, str]  # the index of a line (in the lines checked) -> why it cannot be paid
    payer_status: str  # "active", "frozen", ...
    credit_ok: bool  # the payer's credit covers the total and the fees
    available: int  # the payer's available credit
    total: int
    fees: int
    paused: bool


@dataclass(frozen=True)
class Paid:
    """A payment from the sender under a batch's reference, as the chain shows it."""

    to: str  # checksummed
    amount: int
    tx_hash: str


def judge(
    payer: AccountView,
    payees: dict[str, AccountView],
    lines: Sequence[tuple[str, int]],
    fee_bps: int,
    paused: bool,
) -> BatchCheck:
    """The verdict on `lines` ((payee, amount) pairs) from the accounts' states."""
    incoming: dict[str, int] = {}
    for to, amount in lines:
        incoming[to.lower()] = incoming.get(to.lower(), 0) + amount
    refusals: dict[int, str] = {}
    for index, (to, _amount) in enumerate(lines):
        payee = payees[to.lower()]
        if to.lower() == payer.address.lower():
            refusals[index] = "is the payer: nobody pays itself"
        elif payee.status != "active":
            refusals[index] = f"cannot be paid: it is {payee.status}"
        elif payee.balance + incoming[to.lower()] > payee.ceiling:
            refusals[index] = f"cannot be paid: it {CEILING} after this run"
    total = sum(amount for _to, amount in lines)
    fees = sum(fee_for(amount, fee_bps) for _to, amount in lines)
    credit_ok = payer.balance - total - fees >= -payer.credit_limit
    return BatchCheck(refusals, payer.status, credit_ok, payer.available, total, fees, paused)
