"""A proposal drafted by the CLI's own rules (next_contracts.proposal_kinds), for the web app: the
kinds and the values each takes, and, for a kind and its values, the calls the proposal makes and
what it does in words. The page signs the governor's `propose` with them and relays it, as the
CLI's `propose` does: one set of rules for both, and nothing signed here."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field
from web3 import Web3

from next_contracts.commons_logs import commons_contract
from next_contracts.proposal_kinds import PROPOSAL_ARGS, proposed_calls
from next_contracts.said import BadInput
from next_contracts.transact import calldata
from next_contracts.words import say, speaking
from next_node.api.deps import ContextDep, LanguageDep
from next_node.api.errors import NotFound, Unprocessable

router = APIRouter(tags=["governance"])


class Draft(BaseModel):
    kind: Annotated[str, Field(max_length=32, description="fee, credit-line, stimulus, ... (GET /proposal-kinds)")]
    values: Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=8)]
    description: Annotated[str | None, Field(max_length=4_000)] = None


class DraftCall(BaseModel):
    target: str
    value: int
    data: str  # 0x-prefixed calldata


class Drafted(BaseModel):
    kind: str
    summary: str  # what the proposal does, in words
    description: str  # the description to propose it with: the one given, else the summary, dated
    calls: list[DraftCall]
    proposal_id: str  # the id the governor will give it (a uint256, in decimal)


@router.get("/proposal-kinds")
def proposal_kinds() -> dict[str, list[str]]:
    """PUBLIC. The kinds of proposal, each with the values it takes, in order (as `next-wallet
    propose --help` lists them)."""
    return {kind: list(values) for kind, values in PROPOSAL_ARGS.items()}


@router.post(
    "/proposal-drafts",
    responses={
        404: {"description": "this deployment has no governor"},
        422: {"description": "an unknown kind, or values its rules refuse (said in words)"},
    },
)
def draft(context: ContextDep, body: Annotated[Draft, Body()], language: LanguageDep) -> Drafted:
    """PUBLIC. The calls a proposal of `kind` with `values` makes, read by the CLI's rules, and the
    id it will have; 422 with the rule's words when a value is refused. The proposer then signs the
    governor's `propose(targets, values, calldatas, description)` and sends it to `POST /tx`."""
    deployment = context.deployment
    if deployment.governor is None:
        raise NotFound("gateway.no_governance")
    if body.kind not in PROPOSAL_ARGS:
        raise Unprocessable("gateway.not_a_kind", kind=repr(body.kind), kinds=", ".join(PROPOSAL_ARGS))
    commons = commons_contract(context.w3, deployment.commons_rewards).functions if deployment.commons_rewards else None
    # The summary, and the default description, in the proposer's language (its Accept-Language).
    with speaking(language):
        try:
            calls, summary = proposed_calls(context.ledger.functions, body.kind, body.values, commons)
        except BadInput as error:
            if error.code is None:  # every refusal of the rules is said from the catalogue
                raise
            raise Unprocessable(error.code, **error.arguments) from error
        proposed_at = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
        description = body.description or say("wallet.gov.proposed_on", summary=summary, moment=proposed_at)
    targets = [Web3.to_checksum_address(call.address) for call in calls]
    datas = [calldata(call) for call in calls]
    # The governor's hashProposal, computed here: keccak(abi.encode(targets, values, calldatas, descriptionHash)).
    encoded = Web3().codec.encode(
        ["address[]", "uint256[]", "bytes[]", "bytes32"],
        [targets, [0] * len(calls), [bytes.fromhex(d[2:]) for d in datas], Web3.keccak(text=description)],
    )
    return Drafted(
        kind=body.kind,
        summary=summary,
        description=description,
        calls=[DraftCall(target=t, value=0, data=d) for t, d in zip(targets, datas, strict=True)],
        proposal_id=str(int.from_bytes(Web3.keccak(encoded), "big")),
    )
