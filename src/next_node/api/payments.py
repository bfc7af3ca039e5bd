"""What a wallet needs to pay through the gateway alone, without a node's JSON-RPC of its own (a
production node's RPC is never public): the ledger's parameters, a pre-flight with the gas and
nonce to sign with, and the fate of a relayed transaction. The relay itself is POST /tx (relay.py).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from hexbytes import HexBytes
from pydantic import BaseModel
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError, TransactionNotFound, Web3RPCError

from next_contracts.accounts import NEAR_CEILING, refusal_sentence
from next_contracts.deploy import Deployment
from next_contracts.errors import error_from_exception, withhold_figures
from next_contracts.transact import estimate_gas, gas_limit, gas_price
from next_contracts.vocabulary import MemberStatus, fee_for
from next_node.api.access import Owner
from next_node.api.batch_check import check_lines
from next_node.api.deps import Context, ContextDep, LanguageDep
from next_node.api.errors import BadInput, LedgerWouldRefuse, chain_call
from next_node.api.params import AddressPath
from next_node.api.payee_room import Incoming, incoming, near_ceiling, near_gas, warning

router = APIRouter(tags=["payments"])


class LedgerInfo(BaseModel):
    chain_id: int
    ledger: str
    fee_bps: int
    paused: bool
    gas_price: int
    governor: str | None = None  # the members' governor, its timelock and constitution
    timelock: str | None = None
    constitution: str | None = None
    bonus_allowances: str | None = None  # the councils' bonus allowances, deployed by the ledger
    commons_rewards: str | None = None  # rewards for commons on attestations
    regional_clearing: str | None = None  # this region's clearing: payments across regions (payAcross)
    region: int = 1


class Preflight(BaseModel):
    data: str  # 0x-prefixed calldata for the ledger (or for `to`)
    to: str | None = None  # the ledger (default), its bonus allowances, the commons rewards or the governor


class Prepared(BaseModel):
    gas: int
    nonce: int
    gas_price: int
    # Set when a payee is near its ceiling: the payment may pass it, and then the ledger refuses it
    # on chain once signed and sent (payee_room.py: the same answer whether it would or not).
    warning: str | None = None
    # The fee the payer's ledger charges for the payments the call makes (pay, payBatch, payAcross)
    # at its fee now, so that a client shows the total before it signs without its own copy of the
    # ledger's rule; None for a call that pays nobody, or a bonus allowance's spending (its run's).
    fee: int | None = None


class LedgerRefusal(BaseModel):
    detail: str
    error_data: str | None  # the ledger's typed error (selector and arguments), for the wallet to decode
    words: str | None = None  # the same as a sentence (next_contracts.errors.describe), for the web app


class TxStatus(BaseModel):
    tx_hash: str
    status: str  # unknown, pending, success, reverted
    block_number: int | None


def relayed_targets(deployment: Deployment) -> set[str]:
    """What members' transactions may call through the gateway: the ledger (payments), the bonus
    allowances (a holder's payment that spends them), the commons rewards (a claim submitted or
    paid), the governor (a member's vote, proposal, queuing or execution, from the web app) and the
    regional clearing (a payment across regions), lowercased."""
    contracts = (
        deployment.ledger,
        deployment.bonus_allowances,
        deployment.commons_rewards,
        deployment.governor,
        deployment.regional_clearing,
    )
    return {a.lower() for a in contracts if a}


def staff_targets(deployment: Deployment) -> set[str]:
    """What staff may call through the relay whatever their own account's status (a registrar's
    admission, a committee's credit line, a registrar's welcome of a member moving in): the ledger
    and the regional clearing, lowercased."""
    return {a.lower() for a in (deployment.ledger, deployment.regional_clearing) if a}


def chain_reason(error: Web3RPCError) -> str:
    """The node's own message in a JSON-RPC error ("nonce too low"), without web3's dict text."""
    response = error.rpc_response or {}
    reason = response.get("error", {}).get("message") if isinstance(response.get("error"), dict) else None
    return str(reason) if reason else "the node gave no reason"


@router.get("/ledger", responses={503: {"description": "the chain does not answer"}})
def ledger_info(context: ContextDep) -> LedgerInfo:
    """PUBLIC. The chain id and ledger to sign for, the fee in basis points, whether payments are
    paused, the gas price to sign with, and the governance's contracts."""
    ledger, deployment = context.ledger, context.deployment
    return LedgerInfo(
        governor=deployment.governor,
        timelock=deployment.timelock,
        constitution=deployment.constitution,
        bonus_allowances=deployment.bonus_allowances,
        commons_rewards=deployment.commons_rewards,
        regional_clearing=deployment.regional_clearing,
        region=deployment.region,
        chain_id=context.deployment.chain_id,
        ledger=Web3.to_checksum_address(context.deployment.ledger),
        fee_bps=chain_call(lambda: ledger.functions.feeBps().call()),
        paused=chain_call(lambda: ledger.functions.paused().call()),
        gas_price=chain_call(lambda: gas_price(context.w3)),
    )


@router.post(
    "/accounts/{address}/preflight",
    responses={
        400: {"description": "not calldata"},
        401: {"description": "no valid token"},
        403: {"description": "another member's account"},
        409: {"model": LedgerRefusal, "description": "the ledger would refuse it"},
    },
)
def preflight(
    context: ContextDep,
    address: AddressPath,
    viewer: Owner,
    body: Annotated[Preflight, Body()],
    language: LanguageDep,
) -> Prepared:
    """OWNER only. Runs a call to the ledger (or its bonus allowances, `to`) from the member's own
    address on the latest state:
    the gas and nonce to sign it with, or the ledger's refusal (409, with its typed error)."""
    if not body.data.startswith("0x") or len(body.data) % 2 or len(body.data) > 2 + 2 * 128 * 1024:
        raise BadInput("gateway.data_not_hex")
    try:
        data = HexBytes(body.data)
    except ValueError as error:
        raise BadInput("gateway.data_not_hexadecimal") from error
    if body.to is not None and body.to.lower() not in relayed_targets(context.deployment):
        raise BadInput("gateway.to_not_ledger", ledger=context.deployment.ledger)
    sender = Web3.to_checksum_address(address)
    target = Web3.to_checksum_address(body.to or context.ledger.address)
    tx = {"from": sender, "to": target, "data": data}
    w3 = context.w3
    paid = incoming(context, target, data)
    if paid is not None and near_ceiling(context, sender, paid):
        return _near_ceiling(context, tx, paid, language)
    try:
        estimate = chain_call(lambda: estimate_gas(w3, tx))  # type: ignore[arg-type]
    except (ContractCustomError, ContractLogicError) as error:
        raise LedgerWouldRefuse(sender, error) from error
    except Web3RPCError as error:
        raise BadInput("gateway.chain_refused_call", reason=chain_reason(error)) from error
    nonce = chain_call(lambda: w3.eth.get_transaction_count(sender, "pending"))
    price = chain_call(lambda: gas_price(w3))
    return Prepared(gas=gas_limit(estimate), nonce=nonce, gas_price=price, fee=_fee(context, target, paid))


def _fee(context: Context, target: str, paid: Incoming | None) -> int | None:
    """The fee of the call's payments on this region's ledger (payAcross: the payer's side)."""
    if paid is None or target.lower() == (context.deployment.bonus_allowances or "").lower():
        return None
    fee_bps = int(chain_call(lambda: context.ledger.functions.feeBps().call()))
    return sum(fee_for(amount, fee_bps) for _payee, amount in paid.lines)


def _near_ceiling(context: Context, tx: dict[str, Any], paid: Incoming, language: str) -> Prepared:
    """The pre-flight of a payment that may pass a payee's ceiling: the same answer whether the
    ledger would take it or refuse it for that ceiling (200, a fixed gas limit, the warning), and a
    409 only for what the payer may know: its own credit and status, a payee's status, a pause. A
    batch is judged line by line here, not by the ledger, whose first failing line would tell
    whether an earlier one passed its payee's ceiling."""
    sender, w3 = tx["from"], context.w3
    if paid.batch:
        _block, check = check_lines(context, sender, paid.lines)
        refused = {i: why for i, why in check.refusals.items() if why != NEAR_CEILING}
        problems = [f"{paid.lines[i][0]} {refusal_sentence(why, language)}" for i, why in refused.items()]
        if check.payer_status is not MemberStatus.ACTIVE:
            problems.append(f"{sender} is {check.payer_status.words}")
        if check.paused:
            problems.append("payments are paused")
        if not check.credit_ok:
            problems.append(f"{sender} has not enough credit for the total and the fees")
        if problems:
            raise LedgerWouldRefuse(sender, words="; ".join(problems))
    else:
        try:
            chain_call(lambda: estimate_gas(w3, tx))  # type: ignore[arg-type]
        except (ContractCustomError, ContractLogicError) as error:
            decoded = error_from_exception(error)
            if decoded is None or not withhold_figures(decoded, sender)[1]:
                raise LedgerWouldRefuse(sender, error) from error  # the payer's own refusal, or a payee's status
        except Web3RPCError as error:
            raise BadInput("gateway.chain_refused_call", reason=chain_reason(error)) from error
    nonce = chain_call(lambda: w3.eth.get_transaction_count(sender, "pending"))
    gas = near_gas(context, paid)
    price = chain_call(lambda: gas_price(w3))
    return Prepared(gas=gas, nonce=nonce, gas_price=price, warning=warning(language), fee=_fee(context, tx["to"], paid))


@router.get("/tx/{tx_hash}", responses={503: {"description": "the chain does not answer"}})
def tx_status(context: ContextDep, tx_hash: Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{64}$")]) -> TxStatus:
    """PUBLIC. Whether a transaction is unknown, pending, or mined with success or reverted; only
    that, and its block."""
    w3 = context.w3
    try:
        receipt = chain_call(lambda: w3.eth.get_transaction_receipt(HexBytes(tx_hash)))
    except TransactionNotFound:
        try:
            chain_call(lambda: w3.eth.get_transaction(HexBytes(tx_hash)))
        except TransactionNotFound:
            return TxStatus(tx_hash=tx_hash, status="unknown", block_number=None)
        return TxStatus(tx_hash=tx_hash, status="pending", block_number=None)
    status = "success" if receipt["status"] == 1 else "reverted"
    return TxStatus(tx_hash=tx_hash, status=status, block_number=receipt["blockNumber"])
