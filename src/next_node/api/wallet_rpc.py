"""An Ethereum JSON-RPC endpoint for wallets other than ours (`POST /rpc`): ethers.js, MetaMask,
Rabby. With it, a wallet pays with no gas settings at all; everything it sends goes through the
relay's checks, and nothing it can ask reads what the gateway keeps private.

- Fees: gas is free and accounts hold no ether, so `eth_gasPrice` and `eth_maxPriorityFeePerGas`
  answer 0 (a wallet's defaults then sign at 0), and blocks carry no base fee: the chain stops at
  Berlin, so a wallet signs a legacy transaction (EIP-155). `GET /network` gives what "add a
  network" asks for.
- Sending: `eth_sendRawTransaction` is the relay's `POST /tx`, its refusals as JSON-RPC errors in
  words (the ledger's as error 3, "execution reverted", with its typed error's bytes).
- No oracle: `eth_estimateGas` answers a gas limit that depends on nothing private (the relay's
  pre-flight gas near a ceiling, payee_room.py); `eth_call` only reads public figures; blocks are
  served without their transactions, receipts without their logs, and `eth_getLogs` serves the
  governor's events alone (proposals and votes are public): who paid whom and how much, and any
  account's balance, stay with the gateway's signed-in routes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from importlib.metadata import version
from typing import Any

from eth_utils.abi import function_signature_to_4byte_selector
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from hexbytes import HexBytes

from next_contracts.messages import language_of_header, say
from next_node.api.deps import Context
from next_node.api.errors import LedgerWouldRefuse, Refusal, SafeJSONResponse, TooManyRequests
from next_node.api.payee_room import NEAR_GAS, NEAR_GAS_PER_LINE
from next_node.api.payments import relayed_targets
from next_node.api.ratelimit import limit
from next_node.api.relay import relay
from next_node.api.schemas import RawTx
from next_node.errors import ChainUnavailableError

router = APIRouter(tags=["wallets"])
log = logging.getLogger("next_node.api")
MAX_BATCH = 20  # calls in one JSON-RPC batch
# Each call counts, per client IP: a wallet asks a few calls a payment and polls a receipt every few
# seconds; a flood of reads to pass on to the chain is refused (-32005) before it reaches it.
RPC_RATE = "600/minute"
MAX_LOG_BLOCKS = 10_000  # blocks one eth_getLogs may span
SYMBOL = "NXT"
PAY_BATCH = function_signature_to_4byte_selector("payBatch(address[],uint256[],bytes32)")

# Views that read nothing about one account: the fee, whether payments are paused, the governor's
# public proposal figures. Any other eth_call would be a way round the gateway's access rules.
PUBLIC_VIEWS = {
    "ledger": (
        "name()",
        "symbol()",
        "decimals()",
        "feeBps()",
        "paused()",
        "regionalClearing()",
        "bonusAllowances()",
        "coverageFloorBps()",
    ),
    "governor": (
        "state(uint256)",
        "proposalSnapshot(uint256)",
        "proposalDeadline(uint256)",
        "proposalVotes(uint256)",
        "votingDelay()",
        "votingPeriod()",
        "name()",
        "version()",
        "clock()",
        "CLOCK_MODE()",
    ),
}

# JSON-RPC's error codes (EIP-1474), and geth's 3 for a revert with its data.
INVALID_REQUEST, NO_METHOD, INVALID_PARAMS, SERVER_ERROR, REVERTED, LIMITED, UNAVAILABLE = (
    -32600, -32601, -32602, -32000, 3, -32005, -32002,
)  # fmt: skip


class RpcError(Exception):
    def __init__(self, code: int, message: str, data: object = None) -> None:
        super().__init__(message)
        self.code, self.message, self.data = code, message, data


def network(context: Context, base_url: str) -> dict[str, Any]:
    """What a wallet's "add a network" asks (EIP-3085's fields), and how to sign here."""
    deployment = context.deployment
    return {
        "chainId": hex(deployment.chain_id),
        "chainName": f"NExT, region {deployment.region}",
        "nativeCurrency": {"name": "gas (free: accounts hold none)", "symbol": "GAS", "decimals": 18},
        "rpcUrls": [base_url.rstrip("/") + "/rpc"],
        "ledger": deployment.ledger,
        "unit": {"symbol": SYMBOL, "decimals": 2},
        "signing": "legacy (type 0) transactions with EIP-155's chain id, at a gas price of 0",
    }


@router.get("/network")
def read_network(request: Request) -> dict[str, Any]:
    """PUBLIC. The network's parameters for a wallet's "add a network" (EIP-3085: chain id, name,
    RPC URL), the ledger and its unit (NXT, two decimals), and how to sign: legacy transactions
    (the chain stops at Berlin), gas price 0."""
    return network(request.app.state.context, str(request.base_url))


@router.post("/rpc", responses={200: {"description": "a JSON-RPC 2.0 answer, or a batch of them"}})
async def rpc(request: Request) -> JSONResponse:
    """PUBLIC. An Ethereum JSON-RPC endpoint for any wallet (see the module): chain id, blocks
    (without their transactions), nonces, code, public views, fixed gas estimates, a gas price of
    0, `eth_sendRawTransaction` through the relay's checks, receipts (without logs), and the
    governor's logs over at most 10,000 blocks. A batch holds at most 20 calls."""
    try:
        body = json.loads(await request.body())
    except ValueError:
        return SafeJSONResponse(_error(None, RpcError(-32700, "parse error: the body is not JSON")))
    if isinstance(body, list):
        if not body or len(body) > MAX_BATCH:
            return SafeJSONResponse(_error(None, RpcError(INVALID_REQUEST, f"a batch holds 1 to {MAX_BATCH} calls")))
        return SafeJSONResponse([await _one(request, call) for call in body])
    return SafeJSONResponse(await _one(request, body))


async def _one(request: Request, call: object) -> dict[str, Any]:
    if not isinstance(call, dict) or not isinstance(call.get("method"), str):
        return _error(None, RpcError(INVALID_REQUEST, "not a JSON-RPC call: a method and its params"))
    ident = call.get("id")
    ident = ident if isinstance(ident, str | int) or ident is None else None
    params = call.get("params", [])
    if not isinstance(params, list):
        return _error(ident, RpcError(INVALID_PARAMS, "params must be a list"))
    method = METHODS.get(call["method"])
    try:
        limit(request, RPC_RATE, "rpc")  # every call counts, a method served or not
        if method is None:
            raise RpcError(NO_METHOD, f"{call['method'][:60]!r} is not served here: see GET /docs, /rpc")
        result = await method(request, request.app.state.context, params)
    except RpcError as error:
        return _error(ident, error)
    except Refusal as refusal:
        language = language_of_header(request.headers.get("accept-language"))
        code = LIMITED if isinstance(refusal, TooManyRequests) else SERVER_ERROR
        return _error(ident, RpcError(code, refusal.answer(language)["detail"], {"code": refusal.code}))
    except ChainUnavailableError:
        return _error(ident, RpcError(UNAVAILABLE, "the chain does not answer; try again later"))
    except (TypeError, ValueError, KeyError, IndexError) as error:
        return _error(ident, RpcError(INVALID_PARAMS, f"invalid params: {str(error)[:200]}"))
    return {"jsonrpc": "2.0", "id": ident, "result": result}


def _error(ident: object, error: RpcError) -> dict[str, Any]:
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.data is not None:
        body["data"] = error.data
    return {"jsonrpc": "2.0", "id": ident, "error": body}


async def _forward(context: Context, method: str, params: list[Any]) -> Any:
    answer = await context.chain.request(method, params)
    if "error" in answer:
        error = answer["error"] if isinstance(answer["error"], dict) else {}
        raise RpcError(int(error.get("code", SERVER_ERROR)), str(error.get("message", "the chain refused"))[:300])
    return answer.get("result")


def _constant(value: Any) -> Callable[[Request, Context, list[Any]], Awaitable[Any]]:
    async def answer(request: Request, context: Context, params: list[Any]) -> Any:
        return value

    return answer


def _passed(method: str) -> Callable[[Request, Context, list[Any]], Awaitable[Any]]:
    async def answer(request: Request, context: Context, params: list[Any]) -> Any:
        return await _forward(context, method, params[:2])

    return answer


async def _chain_id(request: Request, context: Context, params: list[Any]) -> str:
    return hex(context.deployment.chain_id)


async def _net_version(request: Request, context: Context, params: list[Any]) -> str:
    return str(context.deployment.chain_id)


async def _block(request: Request, context: Context, params: list[Any], method: str) -> Any:
    """A block's header, its transactions left out: their hashes would lead to who paid whom."""
    found = await _forward(context, method, [params[0], False])
    if isinstance(found, dict):
        found = {key: value for key, value in found.items() if key != "baseFeePerGas"} | {"transactions": []}
    return found


async def _block_by_number(request: Request, context: Context, params: list[Any]) -> Any:
    return await _block(request, context, params, "eth_getBlockByNumber")


async def _block_by_hash(request: Request, context: Context, params: list[Any]) -> Any:
    return await _block(request, context, params, "eth_getBlockByHash")


def _call_of(params: list[Any]) -> tuple[str, bytes]:
    call = params[0]
    if not isinstance(call, dict):
        raise RpcError(INVALID_PARAMS, "the first param is the call: {to, data}")
    to = str(call.get("to") or "")
    data = bytes(HexBytes(str(call.get("data") or call.get("input") or "0x")))
    return to.lower(), data


async def _estimate_gas(request: Request, context: Context, params: list[Any]) -> str:
    """A gas limit that depends on nothing private: the relay's own near a ceiling, for any call
    to this system's contracts (gas is free: a limit costs nothing)."""
    to, data = _call_of(params)
    deployment = context.deployment
    if to not in relayed_targets(deployment):
        language = language_of_header(request.headers.get("accept-language"))
        raise RpcError(
            SERVER_ERROR, say("gateway.tx_other_target", language, target=to or "?", ledger=deployment.ledger)
        )
    lines = 0
    if to == deployment.ledger.lower() and data[:4] == PAY_BATCH:
        lines = len(context.ledger.decode_function_input(HexBytes(data))[1]["recipients"])
    latest = await _forward(context, "eth_getBlockByNumber", ["latest", False])
    return hex(min(NEAR_GAS + NEAR_GAS_PER_LINE * lines, int(latest["gasLimit"], 16)))


def _public_selectors(context: Context) -> dict[str, set[bytes]]:
    deployment = context.deployment
    contracts = {"ledger": deployment.ledger, "governor": deployment.governor}
    return {
        (address or "").lower(): {function_signature_to_4byte_selector(s) for s in PUBLIC_VIEWS[name]}
        for name, address in contracts.items()
        if address
    }


async def _call(request: Request, context: Context, params: list[Any]) -> Any:
    """Public views only (the fee, a pause, a proposal's figures): an account's balance or credit
    is the gateway's to show, to its member (GET /accounts/{address})."""
    to, data = _call_of(params)
    if data[:4] not in _public_selectors(context).get(to, set()):
        raise RpcError(
            SERVER_ERROR, "not a public view: an account's figures are shown by the gateway's signed-in routes"
        )
    call = {"to": params[0]["to"], "data": "0x" + data.hex()}
    return await _forward(context, "eth_call", [call, "latest"])


async def _send_raw(request: Request, context: Context, params: list[Any]) -> str:
    """The relay's own path; its 409 (the ledger would refuse it) as error 3 with the typed error."""
    raw = params[0]
    if not isinstance(raw, str):
        raise RpcError(INVALID_PARAMS, "the param is the signed transaction, 0x and hex")
    try:
        answer = await relay(request, context, RawTx(raw=raw))
    except LedgerWouldRefuse as error:
        refused = error.answer(language_of_header(request.headers.get("accept-language")))
        raise RpcError(REVERTED, refused["words"] or refused["detail"], refused["error_data"]) from error
    return answer.tx_hash


async def _receipt(request: Request, context: Context, params: list[Any]) -> Any:
    """Whether it passed, where and for how much gas; its logs left out (who was paid, how much)."""
    found = await _forward(context, "eth_getTransactionReceipt", params[:1])
    if isinstance(found, dict):
        found = found | {"logs": [], "logsBloom": "0x" + "00" * 256, "effectiveGasPrice": "0x0"}
    return found


async def _logs(request: Request, context: Context, params: list[Any]) -> Any:
    """The governor's events (public: the proposals and their votes), over at most 10,000 blocks."""
    query = params[0]
    if not isinstance(query, dict):
        raise RpcError(INVALID_PARAMS, "the param is a filter: {address, fromBlock, toBlock, topics}")
    governor = (context.deployment.governor or "").lower()
    addresses = query.get("address")
    asked = [addresses] if isinstance(addresses, str) else list(addresses or [])
    if not governor or [a.lower() for a in asked] != [governor]:
        raise RpcError(
            SERVER_ERROR,
            "only the governor's logs are public here; a member's history is GET /accounts/{address}/transfers",
        )
    head = int(await _forward(context, "eth_blockNumber", []), 16)

    def number(tag: object, default: int) -> int:
        if tag in (None, "latest", "pending", "safe", "finalized"):
            return head if tag is not None else default
        if tag == "earliest":
            return 0
        return int(str(tag), 16)

    first, last = number(query.get("fromBlock"), head), number(query.get("toBlock"), head)
    if last - first >= MAX_LOG_BLOCKS or last < first:
        raise RpcError(LIMITED, f"ask for at most {MAX_LOG_BLOCKS} blocks at once (fromBlock to toBlock)")
    bounded = {"address": governor, "fromBlock": hex(first), "toBlock": hex(last), "topics": query.get("topics") or []}
    return await _forward(context, "eth_getLogs", [bounded])


METHODS: dict[str, Callable[[Request, Context, list[Any]], Awaitable[Any]]] = {
    "web3_clientVersion": _constant(f"next-node/{version('next-currency')}"),
    "net_version": _net_version,
    "net_listening": _constant(True),
    "eth_chainId": _chain_id,
    "eth_syncing": _constant(False),
    "eth_accounts": _constant([]),
    "eth_gasPrice": _constant("0x0"),
    "eth_maxPriorityFeePerGas": _constant("0x0"),
    "eth_getBalance": _constant("0x0"),  # no ether: a member's NXT are the ledger's (GET /accounts/...)
    "eth_blockNumber": _passed("eth_blockNumber"),
    "eth_getBlockByNumber": _block_by_number,
    "eth_getBlockByHash": _block_by_hash,
    "eth_getTransactionCount": _passed("eth_getTransactionCount"),
    "eth_getCode": _passed("eth_getCode"),
    "eth_getTransactionByHash": _passed("eth_getTransactionByHash"),
    "eth_getTransactionReceipt": _receipt,
    "eth_estimateGas": _estimate_gas,
    "eth_call": _call,
    "eth_sendRawTransaction": _send_raw,
    "eth_getLogs": _logs,
}
