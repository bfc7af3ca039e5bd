"""A member's bonus run checked before it is signed: what a wallet that talks to the gateway alone
needs to name every line that cannot be paid, and to pay each line exactly once across re-runs.

- POST /accounts/{address}/batch-check: for each line, payable or why not (not a member, frozen,
  excluded, moved to a new key, or "may pass its ceiling" after all of this run's lines, judged on
  its room rounded down to a sixteenth of its ceiling: never a balance, and no exact room however
  many times it is asked), and whether the payer's credit covers the total with the fees.
- GET /accounts/{address}/batch-payments?ref=: the account's payments under a reference, and how
  many of its transactions still wait in the pool.
Both answer from the chain's latest state (one block, read in JSON-RPC batches), not the index,
which may be behind.
"""

from __future__ import annotations

from typing import Annotated, Any

from eth_abi.abi import decode as abi_decode
from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, Field
from web3 import Web3

from next_contracts.accounts import AccountState, BatchCheck, BatchReadError, judge, read_accounts
from next_contracts.vocabulary import MAX_AMOUNT
from next_node.api.access import Owner, OwnerOrStaff
from next_node.api.deps import Context, ContextDep
from next_node.api.errors import chain_call
from next_node.api.params import ADDRESS, AddressPath
from next_node.errors import ChainUnavailableError

router = APIRouter(tags=["payments"])
MAX_LINES = 10_000
DENIED: dict[int | str, dict[str, Any]] = {
    401: {"description": "no valid token"},
    403: {"description": "another member's account"},
    503: {"description": "the chain does not answer"},
}


class BatchLine(BaseModel):
    to: Annotated[str, Field(pattern=ADDRESS)]
    amount: Annotated[int, Field(gt=0, le=MAX_AMOUNT, description="in hundredths")]


class BatchCheckRequest(BaseModel):
    lines: Annotated[list[BatchLine], Field(max_length=MAX_LINES)]


class LineVerdict(BaseModel):
    index: int  # the line's place in the request, from 0
    payable: bool
    reason: str | None  # why not: "not a member", "frozen", ..., "may pass its ceiling after this run"


class BatchCheckResult(BaseModel):
    block_number: int  # the state the answer was read at
    lines: list[LineVerdict]
    total: int
    fees: int
    payer_status: str
    available_credit: int  # the payer's own, the only account whose figures are shown
    credit_ok: bool  # available_credit covers total + fees
    paused: bool


class BatchPayment(BaseModel):
    to: str
    amount: int
    fee: int
    tx_hash: str
    block_number: int


class BatchPayments(BaseModel):
    ref: str | None
    payments: list[BatchPayment]
    pending_transactions: int  # the account's transactions still waiting in the pool
    block_number: int


def _states(context: Context, addresses: list[str], block: int) -> dict[str, AccountState]:
    """accountOf for each address at `block`, in JSON-RPC batches of eth_calls."""
    batch = context.w3.provider.make_batch_request  # type: ignore[attr-defined]
    try:
        return chain_call(lambda: read_accounts(batch, context.ledger.address, addresses, block))  # type: ignore[no-any-return]
    except BatchReadError as error:
        raise ChainUnavailableError("it refused a batch of reads") from error


@router.post("/accounts/{address}/batch-check", responses=DENIED)
def batch_check(
    context: ContextDep, address: AddressPath, viewer: Owner, body: Annotated[BatchCheckRequest, Body()]
) -> BatchCheckResult:
    """OWNER only (403 for anyone else, staff included: a check is for paying from one's own
    account). Up to 10,000 lines [{to, amount}] (422 beyond): for each, payable or why not, and
    whether the payer's credit covers the total with the fees, on the chain's latest block. A
    payee's balance, limit and ceiling are never shown, nor its exact room: "may pass its ceiling"
    when a line's total passes the payee's room rounded down to a sixteenth of its ceiling."""
    lines = [(line.to, line.amount) for line in body.lines]
    block, check = check_lines(context, address, lines)
    return BatchCheckResult(
        block_number=block,
        lines=[
            LineVerdict(index=index, payable=index not in check.refusals, reason=check.refusals.get(index))
            for index in range(len(lines))
        ],
        total=check.total,
        fees=check.fees,
        payer_status=check.payer_status.value,
        available_credit=check.available,
        credit_ok=check.credit_ok,
        paused=check.paused,
    )


def check_lines(context: Context, payer: str, lines: list[tuple[str, int]]) -> tuple[int, BatchCheck]:
    """The verdict on `payer` paying `lines` ((payee, amount) pairs) on the chain's latest block,
    and that block: a stimulus counts, another member's ceiling is judged on its coarse room only
    (no oracle)."""
    w3, functions = context.w3, context.ledger.functions
    block = int(chain_call(lambda: w3.eth.block_number))
    payer = payer.lower()
    states = _states(context, list(dict.fromkeys([payer] + [to.lower() for to, _amount in lines])), block)
    fee_bps = int(chain_call(lambda: functions.feeBps().call(block_identifier=block)))
    paused = bool(chain_call(lambda: functions.paused().call(block_identifier=block)))
    checksum = Web3.to_checksum_address(payer)
    available = int(chain_call(lambda: functions.availableCredit(checksum).call(block_identifier=block)))
    return block, judge(states[payer], states, lines, fee_bps, paused, available, private_rooms=True)


@router.get("/accounts/{address}/batch-payments", responses=DENIED)
def batch_payments(
    context: ContextDep,
    address: AddressPath,
    viewer: OwnerOrStaff,
    ref: Annotated[str | None, Query(pattern=r"^0x[0-9a-fA-F]{64}$", description="a bytes32 reference")] = None,
) -> BatchPayments:
    """OWNER_OR_STAFF (the account's own transfers, as GET /accounts/{address}/transfers). The
    account's payments under `ref`, read from the chain's logs up to its latest block, and how
    many of its transactions still wait in the pool: what a wallet needs to pay only the lines of
    a run that are not paid yet."""
    w3, sender = context.w3, Web3.to_checksum_address(address)
    block = int(chain_call(lambda: w3.eth.block_number))
    pending = int(chain_call(lambda: w3.eth.get_transaction_count(sender, "pending"))) - int(
        chain_call(lambda: w3.eth.get_transaction_count(sender, block))
    )
    payments = []
    if ref is not None:
        event = context.ledger.events.Transferred()
        query = {
            "address": context.ledger.address,
            "fromBlock": context.deployment.deploy_block,
            "toBlock": block,
            "topics": [event.topic, "0x" + address.lower()[2:].rjust(64, "0")],
        }
        wanted = bytes.fromhex(ref[2:])
        for log in chain_call(lambda: w3.eth.get_logs(query)):  # type: ignore[arg-type]
            amount, fee, log_ref = abi_decode(["uint256", "uint256", "bytes32"], bytes(log["data"]))
            if log_ref == wanted:
                payments.append(
                    BatchPayment(
                        to=Web3.to_checksum_address(bytes(log["topics"][2])[-20:]),
                        amount=amount,
                        fee=fee,
                        tx_hash=log["transactionHash"].to_0x_hex(),
                        block_number=log["blockNumber"],
                    )
                )
    return BatchPayments(ref=ref, payments=payments, pending_transactions=max(pending, 0), block_number=block)
