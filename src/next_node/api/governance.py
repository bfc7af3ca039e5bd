"""Proposals and votes: what members decide, served from the index (the governor's events) with the
governor's own verdict on each proposal's state.

PUBLIC: the proposals, their calls and their totals. AUDITOR: how each member voted on one. OWNER
or AUDITOR: an account's own votes. See access.py.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import col, select
from web3 import Web3
from web3.exceptions import ContractLogicError

from next_contracts import load_artifact
from next_contracts.deploy import GOVERNOR
from next_contracts.proposal_calls import describe_proposal
from next_contracts.vocabulary import ProposalKind, ProposalState, short_id
from next_node.api.access import Auditor, OwnerOrAuditor
from next_node.api.deps import ContextDep, LanguageDep, SessionDep
from next_node.api.errors import NotFound, chain_call
from next_node.api.params import IdCursor, Limit
from next_node.db.models import ProposalRow, ProposalStep, VoteRow

router = APIRouter(tags=["governance"])
ProposalId = Annotated[str, Path(pattern=r"^[0-9]{1,78}$", description="the proposal's id, in decimal")]


class Call(BaseModel):
    target: str
    value: int
    data: str
    contract: str  # ledger, constitution, governor, timelock, commons, clearing ("" if none of these)
    function: str  # "" if the contract has no such function the constitution names
    kind: str  # as the constitution types it: a role's grant is of that role's kind
    args: dict[str, Any]
    words: str  # the call in a sentence, in the client's language (Accept-Language)


class Rule(BaseModel):
    kinds: list[str]
    quorum_bps: int
    support_bps: int
    delay: int  # the least seconds between its passing and its effect (the timelock's own if longer)
    quorum_votes: int | None  # once the roll is taken


class ProposalPublic(BaseModel):
    proposal_id: str
    short_id: str
    proposer: str
    description: str
    calls: list[Call]
    description_matches: bool  # the description names every kind of its calls
    unnamed_kinds: list[str]  # the kinds it does not name: a member should read the calls
    vote_start: int
    vote_end: int
    state: str
    votes: dict[str, int]  # for, against, abstain
    rule: Rule
    eta: int | None  # when a queued proposal may be executed
    block_number: int
    tx_hash: str
    id: int  # the row's, for paging


class ProposalPage(BaseModel):
    items: list[ProposalPublic]
    next_cursor: str | None


class VotePublic(BaseModel):
    proposal_id: str
    voter: str
    support: str
    weight: int
    reason: str
    block_number: int
    block_time: int
    tx_hash: str


NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no such proposal"}}
DENIED: dict[int | str, dict[str, Any]] = {401: {"description": "no valid token"}, 403: {"description": "not allowed"}}


def _governor(context: ContextDep) -> Any:
    if not context.deployment.governor:
        raise NotFound("gateway.no_governor")
    return context.w3.eth.contract(
        Web3.to_checksum_address(context.deployment.governor), abi=load_artifact(GOVERNOR).abi
    )


def _calls(context: ContextDep, row: ProposalRow, language: str) -> tuple[list[Call], list[str]]:
    """The proposal's calls in words (next_contracts.proposal_calls), and the kinds of them that
    its description does not name."""
    calls = json.loads(row.calls)
    d = context.deployment
    addresses = {
        "ledger": d.ledger,
        "constitution": d.constitution,
        "governor": d.governor,
        "timelock": d.timelock,
        "commons": d.commons_rewards,
        "clearing": d.regional_clearing,
    }
    said = describe_proposal(
        [c["target"] for c in calls], [c["data"] for c in calls], row.description, addresses, language
    )
    return [
        Call(**call, contract=w.contract, function=w.function, kind=w.kind.value, args=w.args, words=w.words)
        for call, w in zip(calls, said.calls, strict=True)
    ], [kind.value for kind in said.unnamed_kinds]


def _public(context: ContextDep, session: SessionDep, row: ProposalRow, language: str) -> ProposalPublic:
    governor = _governor(context)
    number = int(row.proposal_id)
    state = ProposalState.of(chain_call(lambda: governor.functions.state(number).call()))
    (quorum_bps, support_bps, delay), kinds = chain_call(lambda: governor.functions.proposalRule(number).call())
    try:
        quorum: int | None = chain_call(lambda: governor.functions.proposalQuorum(number).call())
    except ContractLogicError:  # the roll is not taken yet (pending)
        quorum = None
    totals = dict.fromkeys(("for", "against", "abstain"), 0)
    for support, weight in session.exec(
        select(VoteRow.support, func.sum(VoteRow.weight))
        .where(VoteRow.proposal_id == row.proposal_id)
        .group_by(col(VoteRow.support))
    ):
        totals[support] = int(weight)
    eta = session.exec(
        select(ProposalStep.eta).where(ProposalStep.proposal_id == row.proposal_id, ProposalStep.step == "queued")
    ).first()
    calls, unnamed = _calls(context, row, language)
    return ProposalPublic(
        proposal_id=row.proposal_id,
        short_id=short_id(number),
        proposer=Web3.to_checksum_address(row.proposer),
        description=row.description,
        calls=calls,
        description_matches=not unnamed,
        unnamed_kinds=unnamed,
        vote_start=row.vote_start,
        vote_end=row.vote_end,
        state=state.value,
        votes=totals,
        rule=Rule(
            kinds=[kind.value for kind in ProposalKind if kinds & (1 << kind.code)],
            quorum_bps=quorum_bps,
            support_bps=support_bps,
            delay=delay,
            quorum_votes=quorum,
        ),
        eta=eta,
        block_number=row.block_number,
        tx_hash=row.tx_hash,
        id=row.id or 0,
    )


@router.get("/proposals", responses={503: {"description": "the chain does not answer"}})
def list_proposals(
    context: ContextDep, session: SessionDep, language: LanguageDep, limit: Limit = 20, cursor: IdCursor = None
) -> ProposalPage:
    """PUBLIC. The proposals, newest first, with their calls decoded in words (in the client's
    language), whether the description names every kind of them, totals, rule and state."""
    query = select(ProposalRow).order_by(col(ProposalRow.id).desc()).limit(limit)
    if cursor is not None:
        query = query.where(col(ProposalRow.id) < int(cursor))
    rows = session.exec(query).all()
    items = [_public(context, session, row, language) for row in rows]
    return ProposalPage(items=items, next_cursor=str(rows[-1].id) if len(rows) == limit else None)


def _row(session: SessionDep, proposal_id: str) -> ProposalRow:
    row = session.exec(select(ProposalRow).where(ProposalRow.proposal_id == str(int(proposal_id)))).first()
    if row is None:
        raise NotFound("gateway.no_proposal", proposal_id=proposal_id)
    return row


@router.get("/proposals/{proposal_id}", responses={**NOT_FOUND, 503: {"description": "the chain does not answer"}})
def get_proposal(
    context: ContextDep, session: SessionDep, proposal_id: ProposalId, language: LanguageDep
) -> ProposalPublic:
    """PUBLIC. One proposal, with its calls in words, totals, rule and state."""
    return _public(context, session, _row(session, proposal_id), language)


def _votes(rows: Any) -> list[VotePublic]:
    return [
        VotePublic(
            proposal_id=row.proposal_id,
            voter=Web3.to_checksum_address(row.voter),
            support=row.support,
            weight=row.weight,
            reason=row.reason,
            block_number=row.block_number,
            block_time=row.block_time,
            tx_hash=row.tx_hash,
        )
        for row in rows
    ]


@router.get("/proposals/{proposal_id}/votes", responses={**NOT_FOUND, **DENIED})
def proposal_votes(session: SessionDep, _viewer: Auditor, proposal_id: ProposalId) -> list[VotePublic]:
    """AUDITOR only. Each member's vote on a proposal, in the order cast."""
    row = _row(session, proposal_id)
    votes = session.exec(select(VoteRow).where(VoteRow.proposal_id == row.proposal_id).order_by(col(VoteRow.id)))
    return _votes(votes)


@router.get("/accounts/{address}/votes", responses=DENIED)
def account_votes(session: SessionDep, viewer: OwnerOrAuditor, address: str) -> list[VotePublic]:
    """OWNER or AUDITOR. The votes an account cast, newest first."""
    votes = session.exec(select(VoteRow).where(VoteRow.voter == address.lower()).order_by(col(VoteRow.id).desc()))
    return _votes(votes)
