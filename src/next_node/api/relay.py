"""The relay of members' signed transactions (POST /tx).

It is idempotent: the same signed bytes sent again, whether the first copy is still pending or
already mined, answer as the first did (202 with its hash), so that a wallet may retry after a
lost answer without fearing an error or a second payment (a signed transaction's nonce makes a
second payment impossible anyway)."""

from __future__ import annotations

import logging
from typing import Annotated, Any, NoReturn

from eth_utils.crypto import keccak
from fastapi import APIRouter, Body, Request
from hexbytes import HexBytes
from web3.exceptions import ContractCustomError, ContractLogicError

from next_contracts.errors import error_from_exception, withhold_figures
from next_contracts.messages import status_phrase
from next_contracts.rawtx import RawTransaction, RawTransactionError, decode_raw_transaction
from next_contracts.vocabulary import MemberStatus
from next_node.api.access import principal_calls, principal_from
from next_node.api.deps import Context, ContextDep
from next_node.api.errors import BadInput, LedgerWouldRefuse, NotAllowed
from next_node.api.payments import LedgerRefusal, relayed_targets, staff_targets
from next_node.api.ratelimit import limit
from next_node.api.schemas import ErrorDetail, RawTx, TxAccepted
from next_node.errors import ChainUnavailableError

router = APIRouter(tags=["chain"])
log = logging.getLogger("next_node.api")
MAX_RAW_BYTES = 128 * 1024


def decode(raw_hex: str) -> tuple[HexBytes, RawTransaction]:
    """The bytes and what they say; BadInput when they are not a signed transaction."""
    if not raw_hex.startswith("0x") or len(raw_hex) % 2 or len(raw_hex) > 2 + 2 * MAX_RAW_BYTES:
        raise BadInput("gateway.raw_not_hex")
    try:
        raw = HexBytes(raw_hex)
        return raw, decode_raw_transaction(raw)
    except (ValueError, RawTransactionError) as error:
        log.info("undecodable transaction: %s", error)
        raise BadInput("gateway.raw_undecodable") from error


def check_destination(context: Context, tx: RawTransaction) -> None:
    deployment = context.deployment
    # What other wallets sign by default, said so that their users know what to change: the chain
    # would refuse either with "insufficient funds for gas * price".
    if tx.kind == 2:
        raise BadInput("gateway.tx_fee_market")
    if tx.gas_price > 0:
        raise BadInput("gateway.tx_gas_price", price=tx.gas_price)
    if tx.chain_id != deployment.chain_id:
        if tx.chain_id is None:
            raise BadInput("gateway.tx_no_chain", chain=deployment.chain_id)
        raise BadInput("gateway.tx_other_chain", theirs=tx.chain_id, chain=deployment.chain_id)
    if tx.to is None or tx.to.lower() not in relayed_targets(deployment):
        if tx.to is None:
            raise BadInput("gateway.tx_creates_contract", ledger=deployment.ledger)
        raise BadInput("gateway.tx_other_target", target=tx.to, ledger=deployment.ledger)


@router.post(
    "/tx",
    status_code=202,
    responses={
        400: {"model": ErrorDetail},
        403: {"model": ErrorDetail},
        409: {"model": LedgerRefusal},
        413: {"model": ErrorDetail},
        429: {"model": ErrorDetail},
        503: {"model": ErrorDetail},
    },
)
async def relay(request: Request, context: ContextDep, body: Annotated[RawTx, Body()]) -> TxAccepted:
    """ACTIVE MEMBERS, and STAFF for their calls to the ledger (a registrar's welcome to the
    regional clearing too), by signature (403 otherwise; the signature names the sender, so no
    token is needed). Relays the transaction after checking that it is for this chain and for the
    ledger, its bonus allowances, the commons rewards, the governor or the regional clearing (400
    otherwise), and that it would not revert (409, with the ledger's typed error). The same bytes
    sent again answer 202 with the same hash, pending or mined. Rate-limited by IP and by sender
    (429)."""
    limit(request, context.auth.relay_rate, "relay")
    raw, tx = decode(body.raw)
    check_destination(context, tx)
    limit(request, context.auth.relay_rate, "relay", address=tx.sender)
    tx_hash = HexBytes(keccak(raw)).to_0x_hex()
    accepted = TxAccepted(tx_hash=tx_hash, sender=tx.sender)
    # On the event loop, not a worker thread (32 clients' threads contending for one interpreter
    # cost more than the work), with one JSON-RPC batch, raw (web3's formatting of three calls
    # cost 25 ms a payment): the sender's status (unless cached) and the pre-flight (the same call,
    # from the same sender, on the latest state). Whether the chain already knows the transaction
    # is asked only when the pre-flight or the sending fails: a retry of a mined payment may fail
    # its pre-flight now, and is answered as its first copy was.
    sender = context.principals.get(tx.sender.lower())
    calls = [] if sender is not None else principal_calls(context, tx.sender)
    call = {"from": tx.sender, "to": tx.to, "data": HexBytes(tx.data).to_0x_hex()}
    calls.append(("eth_call", [call, "latest"]))
    answers = await context.chain.batch(calls)  # ChainUnavailableError: 503 (api/errors.py)
    if sender is None:
        try:
            sender = principal_from(context, tx.sender.lower(), answers[:-1])
        except ValueError as error:
            raise ChainUnavailableError() from error  # the cause stays in the log, not in the answer
    # Staff keys (a registrar, the committee: seldom members) send their calls to the ledger (and a
    # registrar's welcome to the clearing) from the web app too; the pre-flight below holds each
    # call to the roles its sender holds.
    # A registrar's welcome of a member moving in goes to the regional clearing.
    staff_call = sender.staff and tx.to is not None and tx.to.lower() in staff_targets(context.deployment)
    if sender.status is not MemberStatus.ACTIVE and not staff_call:
        if await _known(context, tx_hash):  # sent while it was active: answered as then
            return accepted
        raise NotAllowed("gateway.not_carried", address=tx.sender, status=status_phrase(sender.status.value))
    if "error" in answers[-1] and not _withheld(answers[-1]["error"], tx.sender):
        if await _known(context, tx_hash):
            return accepted
        _refuse_call(answers[-1]["error"], tx.sender)
    # A call refused only for another account's figures (a payee's ceiling, a council's credit) is
    # carried all the same, and the ledger refuses it on chain: a 409 here would answer exactly
    # whether a payment passes another member's ceiling (a balance oracle, payee_room.py), where
    # this way each such probe is a transaction its sender signed, on the record.
    sent = await context.chain.request("eth_sendRawTransaction", [raw.to_0x_hex()])
    if "error" in sent:  # a copy that arrived meanwhile, or one mined before; else nonce too low, ...
        if await _known(context, tx_hash):
            return accepted
        raise BadInput("gateway.chain_refused_tx", reason=_message(sent["error"]))
    return accepted


async def _known(context: Context, tx_hash: str) -> bool:
    """Whether the chain knows the transaction, pending or mined."""
    return (await context.chain.request("eth_getTransactionByHash", [tx_hash])).get("result") is not None


def _refuse_call(error: dict[str, Any], sender: str) -> NoReturn:
    """The pre-flight's JSON-RPC error: a revert is the ledger's refusal (409, with its typed error
    when it has one); anything else, the chain refusing the call (400)."""
    data = error.get("data")
    if isinstance(data, str) and data.startswith("0x") and len(data) >= 10:
        raise LedgerWouldRefuse(sender, ContractCustomError(data, data=data))
    if "revert" in _message(error):
        raise LedgerWouldRefuse(sender, ContractLogicError(_message(error)))
    raise BadInput("gateway.chain_refused_call", reason=_message(error))


def _withheld(error: dict[str, Any], sender: str) -> bool:
    """Whether the pre-flight's error is the ledger's refusal for another account's figures."""
    data = error.get("data")
    if not (isinstance(data, str) and data.startswith("0x") and len(data) >= 10):
        return False
    decoded = error_from_exception(ContractCustomError(data, data=data))
    return decoded is not None and withhold_figures(decoded, sender)[1]


def _message(error: dict[str, Any]) -> str:
    """The node's own words in a JSON-RPC error ("nonce too low")."""
    return str(error.get("message") or "the node gave no reason")
