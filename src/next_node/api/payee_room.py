"""A pre-flight that is no balance oracle.

A yes or no on "would this payment pass the payee's ceiling" is enough to find another member's
balance by halving the amount (21 asks found 499.94 exactly). So a payment whose payee is near its
ceiling (what the call brings it passes its room rounded down to a sixteenth of the ceiling,
`next_contracts.accounts.coarse_room`) gets one answer whether the ledger would take it or refuse
it: "may pass its ceiling", with a gas limit that depends on neither. The relay then carries it
(relay.py) and the ledger alone decides, on chain: each probe of another's balance is a
transaction the member signed, on the record, and no answer says by how much.

The calls that pay another account through the gateway are read here: the ledger's `pay` and
`payBatch`, the bonus allowances' `spend`, the clearing's `payAcross` (its payee in the ledger of
the path's last region).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi.exceptions import DecodingError
from hexbytes import HexBytes
from web3 import Web3
from web3.exceptions import BadFunctionCallOutput, ContractLogicError, Web3Exception

from next_contracts import BONUS_ALLOWANCES, REGIONAL_CLEARING, load_artifact
from next_contracts.accounts import BatchReadError, coarse_room, read_accounts
from next_contracts.messages import say
from next_contracts.vocabulary import MemberStatus
from next_node.api.deps import Context
from next_node.api.errors import chain_call

# Near a ceiling the gas limit is this, whatever the call would use, so that it tells nothing either
# (gas is free on this chain: a limit costs nothing). A pay uses 42k, a payment across regions 81k,
# a spend of many allowances a few hundred thousand; a batch adds a line's worth for each line.
NEAR_GAS = 1_000_000
NEAR_GAS_PER_LINE = 100_000


@dataclass(frozen=True)
class Incoming:
    """What a call brings to other accounts: (payee, amount) lines, in the ledger that holds them."""

    ledger: str
    lines: list[tuple[str, int]]
    batch: bool  # the ledger's payBatch: its lines are checked one after the other


def incoming(context: Context, to: str, data: bytes) -> Incoming | None:
    """The payments a call makes, if it is one of the calls that pay another account; else None."""
    deployment, target = context.deployment, to.lower()
    try:
        if target == deployment.ledger.lower():
            function, args = context.ledger.decode_function_input(HexBytes(data))
            if function.fn_name == "pay":
                return Incoming(deployment.ledger, [(args["to"], args["amount"])], False)
            if function.fn_name == "payBatch":
                lines = list(zip(args["recipients"], args["amounts"], strict=False))
                return Incoming(deployment.ledger, lines, True)
        elif target == (deployment.bonus_allowances or "").lower():
            function, args = _contract(context, to, BONUS_ALLOWANCES).decode_function_input(HexBytes(data))
            if function.fn_name == "spend":
                return Incoming(deployment.ledger, [(args["to"], args["amount"])], False)
        elif target == (deployment.regional_clearing or "").lower():
            function, args = _contract(context, to, REGIONAL_CLEARING).decode_function_input(HexBytes(data))
            if function.fn_name == "payAcross" and args["path"]:
                last = _contract(context, args["path"][-1], REGIONAL_CLEARING)
                ledger = chain_call(lambda: last.functions.ledger().call())
                return Incoming(str(ledger), [(args["to"], args["amount"])], False)
    except (ValueError, DecodingError, BadFunctionCallOutput, ContractLogicError):
        return None  # not calldata of these functions, or a path to no clearing: the ledger judges it
    return None


def near_ceiling(context: Context, payer: str, paid: Incoming) -> bool:
    """Whether what the call brings an active payee other than `payer` passes its coarse room."""
    totals: dict[str, int] = {}
    for payee, amount in paid.lines:
        if payee.lower() != payer.lower():
            totals[payee.lower()] = totals.get(payee.lower(), 0) + amount
    if not totals:
        return False
    batch = context.w3.provider.make_batch_request  # type: ignore[attr-defined]
    try:
        states = chain_call(lambda: read_accounts(batch, paid.ledger, list(totals), "latest"))
    except (BatchReadError, DecodingError, Web3Exception):
        return False  # no ledger there: the call reverts on the ledger's own terms
    return any(
        state.status is MemberStatus.ACTIVE and totals[payee] > coarse_room(state.balance, state.ceiling)
        for payee, state in states.items()
    )


def near_gas(context: Context, paid: Incoming) -> int:
    """The gas limit to sign a call near a ceiling with: the same whatever the ledger would do."""
    wanted = NEAR_GAS + (NEAR_GAS_PER_LINE * len(paid.lines) if paid.batch else 0)
    block_limit = int(chain_call(lambda: context.w3.eth.get_block("latest"))["gasLimit"])
    return min(wanted, block_limit)


def warning(language: str) -> str:
    """What the member is told: the payment is signed, and the ledger decides."""
    return say("gateway.near_ceiling", language)


def _contract(context: Context, address: str, artifact: str) -> Any:
    return context.w3.eth.contract(Web3.to_checksum_address(address), abi=load_artifact(artifact).abi)
