"""The relay of members' signed transactions (POST /tx).

It is idempotent: the same signed bytes sent again, whether the first copy is still pending or
already mined, answer as the first did (202 with its hash), so that a wallet may retry after a
lost answer without fearing an error or a second payment (a signed transaction's nonce makes a
second payment impossible anyway)."""

from __future__ import annotations

import logging
from typing import Annotated

from eth_utils.crypto import keccak
from fastapi import APIRouter, Body, HTTPException, Request
from hexbytes import HexBytes
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError, TransactionNotFound, Web3RPCError

from next_contracts.rawtx import RawTransaction, RawTransactionError, decode_raw_transaction
from next_node.api.access import principal
from next_node.api.deps import Context, ContextDep
from next_node.api.payments import Refusal, chain_reason, refusal
from next_node.api.ratelimit import limit
from next_node.api.schemas import ErrorDetail, RawTx, TxAccepted

router = APIRouter(tags=["chain"])
log = logging.getLogger("next_node.api")
MAX_RAW_BYTES = 128 * 1024


def known(w3: Web3, tx_hash: bytes) -> bool:
    """Whether the chain knows the transaction, pending or mined."""
    try:
        w3.eth.get_transaction(HexBytes(tx_hash))
    except TransactionNotFound:
        return False
    except Exception as error:
        raise HTTPException(503, "the chain does not answer; try again later") from error
    return True


def decode(raw_hex: str) -> tuple[HexBytes, RawTransaction]:
    """The bytes and what they say; HTTPException 400 when they are not a signed transaction."""
    if not raw_hex.startswith("0x") or len(raw_hex) % 2 or len(raw_hex) > 2 + 2 * MAX_RAW_BYTES:
        raise HTTPException(400, "raw must be 0x-prefixed hex of a signed transaction, at most 128 KiB")
    try:
        raw = HexBytes(raw_hex)
        return raw, decode_raw_transaction(raw)
    except (ValueError, RawTransactionError) as error:
        log.info("undecodable transaction: %s", error)
        raise HTTPException(400, "cannot decode the transaction: not a signed transaction (legacy or typed)") from error


def check_destination(context: Context, tx: RawTransaction) -> None:
    deployment = context.deployment
    if tx.chain_id != deployment.chain_id:
        chain = "no chain (no replay protection)" if tx.chain_id is None else f"chain {tx.chain_id}"
        raise HTTPException(400, f"the transaction is for {chain}, this ledger is on chain {deployment.chain_id}")
    if tx.to is None or tx.to.lower() != deployment.ledger.lower():
        target = tx.to or "creating a contract"
        raise HTTPException(400, f"the transaction is for {target}, not for this system's ledger {deployment.ledger}")


@router.post(
    "/tx",
    status_code=202,
    responses={
        400: {"model": ErrorDetail},
        403: {"model": ErrorDetail},
        409: {"model": Refusal},
        413: {"model": ErrorDetail},
        429: {"model": ErrorDetail},
        503: {"model": ErrorDetail},
    },
)
def relay(request: Request, context: ContextDep, body: Annotated[RawTx, Body()]) -> TxAccepted:
    """ACTIVE MEMBERS, by signature (403 otherwise; the signature names the sender, so no token is
    needed). Relays the transaction after checking that it is for this chain and this ledger (400
    otherwise), and that it would not revert (409, with the ledger's typed error). The same bytes
    sent again answer 202 with the same hash, pending or mined. Rate-limited by IP and by sender
    (429)."""
    limit(request, context.auth.relay_rate, "relay")
    raw, tx = decode(body.raw)
    check_destination(context, tx)
    limit(request, context.auth.relay_rate, "relay", address=tx.sender)
    w3, tx_hash = context.w3, keccak(raw)
    accepted = TxAccepted(tx_hash=HexBytes(tx_hash).to_0x_hex(), sender=tx.sender)
    if known(w3, tx_hash):  # a retry, answered as the first copy was, whatever changed since
        return accepted
    sender = principal(context, tx.sender.lower())
    if sender.status != "active":
        what = "not a member" if sender.status == "none" else sender.status
        raise HTTPException(403, f"the relay carries only transactions of active members; {tx.sender} is {what}")
    try:
        # Pre-flight: the same call, from the same sender, on the latest state.
        w3.eth.call({"from": tx.sender, "to": context.ledger.address, "data": HexBytes(tx.data)})
    except (ContractCustomError, ContractLogicError) as error:
        return refusal(error)  # type: ignore[return-value]
    except Web3RPCError as error:
        raise HTTPException(400, f"the chain refused the call: {chain_reason(error)}") from error
    except Exception as error:
        raise HTTPException(503, "the chain does not answer; try again later") from error
    try:
        w3.eth.send_raw_transaction(raw)
    except Web3RPCError as error:  # a copy that arrived meanwhile; else nonce too low, ...
        if known(w3, tx_hash):
            return accepted
        raise HTTPException(400, f"the chain refused the transaction: {chain_reason(error)}") from error
    except Exception as error:
        raise HTTPException(503, "the chain does not answer; try again later") from error
    return accepted
