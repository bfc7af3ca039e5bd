"""The chain as the gateway sees it: head, health, and the relay of members' signed transactions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Request
from hexbytes import HexBytes
from sqlalchemy import text
from web3.exceptions import ContractCustomError, ContractLogicError, Web3RPCError

from next_contracts.rawtx import RawTransactionError, decode_raw_transaction
from next_node.api.access import principal
from next_node.api.deps import ContextDep, SessionDep
from next_node.api.payments import Refusal, refusal
from next_node.api.ratelimit import limit
from next_node.api.schemas import ErrorDetail, Head, Health, RawTx, TxAccepted
from next_node.db.models import SyncState

router = APIRouter(tags=["chain"])
MAX_RAW_BYTES = 128 * 1024


def chain_head(context: ContextDep) -> int | None:
    try:
        return int(context.w3.eth.block_number)
    except Exception:  # the chain is down or unreachable: the API still answers from the index
        return None


@router.get("/health")
def health(session: SessionDep, context: ContextDep) -> Health:
    """PUBLIC. Whether the database and the chain answer."""
    try:
        session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        database = "ok"
    except Exception:
        database = "unavailable"
    chain = "ok" if chain_head(context) is not None else "unreachable"
    return Health(status="ok" if database == chain == "ok" else "degraded", database=database, chain=chain)


@router.get("/blocks/head")
def head(session: SessionDep, context: ContextDep) -> Head:
    """PUBLIC. The chain's head against the indexed head, and the lag between them in blocks."""
    sync = session.get(SyncState, 1)
    indexed = sync.last_block if sync else 0
    latest = chain_head(context)
    return Head(
        chain_head=latest,
        indexed_block=indexed,
        indexed_hash=sync.last_block_hash if sync else None,
        lag=max(latest - indexed, 0) if latest is not None else None,
    )


@router.post(
    "/tx",
    status_code=202,
    responses={
        400: {"model": ErrorDetail},
        403: {"model": ErrorDetail},
        409: {"model": Refusal},
        429: {"model": ErrorDetail},
        503: {"model": ErrorDetail},
    },
)
def relay(request: Request, context: ContextDep, body: Annotated[RawTx, Body()]) -> TxAccepted:
    """ACTIVE MEMBERS, by signature (403 otherwise; the signature names the sender, so no token is
    needed). Relays the transaction after checking that it is for this chain and this ledger (400
    otherwise), and that it would not revert (409, with the ledger's typed error). Rate-limited by
    IP and by sender (429)."""
    limit(request, context.auth.relay_rate, "relay")
    raw_hex = body.raw
    if not raw_hex.startswith("0x") or len(raw_hex) % 2 or len(raw_hex) > 2 + 2 * MAX_RAW_BYTES:
        raise HTTPException(400, "raw must be 0x-prefixed hex of a signed transaction, at most 128 KiB")
    try:
        raw = HexBytes(raw_hex)
        tx = decode_raw_transaction(raw)
    except (ValueError, RawTransactionError) as error:
        raise HTTPException(400, f"cannot decode the transaction: {error}") from error
    deployment = context.deployment
    if tx.chain_id != deployment.chain_id:
        raise HTTPException(
            400, f"the transaction is for chain {tx.chain_id}, this ledger is on chain {deployment.chain_id}"
        )
    if tx.to is None or tx.to.lower() != deployment.ledger.lower():
        raise HTTPException(400, f"the transaction is for {tx.to}, not for this system's ledger {deployment.ledger}")
    limit(request, context.auth.relay_rate, "relay", address=tx.sender)
    sender = principal(context, tx.sender.lower())
    if sender.status != "active":
        what = "not a member" if sender.status == "none" else sender.status
        raise HTTPException(403, f"the relay carries only transactions of active members; {tx.sender} is {what}")
    w3 = context.w3
    try:
        # Pre-flight: the same call, from the same sender, on the latest state.
        w3.eth.call({"from": tx.sender, "to": tx.to, "data": HexBytes(tx.data)})
    except (ContractCustomError, ContractLogicError) as error:
        return refusal(error)  # type: ignore[return-value]
    except Web3RPCError as error:
        raise HTTPException(400, f"the chain refused the call: {error}") from error
    except Exception as error:
        raise HTTPException(503, "the chain does not answer; try again later") from error
    try:
        tx_hash = w3.eth.send_raw_transaction(raw)
    except Web3RPCError as error:  # nonce too low, already known, ...
        raise HTTPException(400, f"the chain refused the transaction: {error}") from error
    except Exception as error:
        raise HTTPException(503, "the chain does not answer; try again later") from error
    return TxAccepted(tx_hash=tx_hash.to_0x_hex(), sender=tx.sender)
