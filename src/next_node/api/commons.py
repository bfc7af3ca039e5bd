"""The commons claims from the index: a member's (as beneficiary or as attestor), each with where it
stands (its last event's state), and the public totals."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlmodel import Session, col, func, select
from web3 import Web3

from next_contracts.vocabulary import ClaimState, CommonsKind
from next_node.api.access import OwnerOrStaff
from next_node.api.deps import ContextDep, SessionDep
from next_node.api.errors import NotFound
from next_node.api.params import AddressPath
from next_node.api.snapshot import begin_snapshot
from next_node.db.models import CommonsEvent

router = APIRouter(tags=["commons rewards"])
# The state a claim is left in by each of its events.
STATE_AFTER = {
    "submitted": ClaimState.PENDING,
    "contested": ClaimState.CONTESTED,
    "reinstated": ClaimState.PENDING,
    "paid": ClaimState.PAID,
}


class ClaimPublic(BaseModel):
    id: str
    attestor: str
    beneficiary: str
    kind: str  # environment, solidarity, knowledge (or its number)
    evidence: str  # the hash the attestor signed
    amount: int  # hundredths
    period: int
    payable_at: int
    state: str  # pending, contested, paid
    contested_by: str | None
    submitted_block: int
    submitted_tx: str


class ClaimsPublic(BaseModel):
    address: str
    indexed_block: int
    claims: list[ClaimPublic]  # newest first


class CommonsTotals(BaseModel):
    indexed_block: int
    claims: int
    by_state: dict[str, int]
    rewards_paid: int  # hundredths, in all


def _claims(session: Session, submitted: list[CommonsEvent]) -> list[ClaimPublic]:
    later: dict[str, list[CommonsEvent]] = {}
    ids = [row.claim_id for row in submitted]
    if ids:
        rows = session.exec(
            select(CommonsEvent)
            .where(col(CommonsEvent.claim_id).in_(ids), CommonsEvent.event != "submitted")
            .order_by(col(CommonsEvent.block_number), col(CommonsEvent.log_index))
        ).all()
        for row in rows:
            later.setdefault(row.claim_id, []).append(row)
    found = []
    for row in submitted:
        state, payable_at, contested_by = ClaimState.PENDING, row.payable_at or 0, None
        for event in later.get(row.claim_id, []):
            state = STATE_AFTER[event.event]
            if event.event == "contested":
                contested_by = Web3.to_checksum_address(event.by_address or "")
            if event.event == "reinstated" and event.payable_at is not None:
                payable_at = event.payable_at
        found.append(
            ClaimPublic(
                id=row.claim_id,
                attestor=Web3.to_checksum_address(row.attestor or ""),
                beneficiary=Web3.to_checksum_address(row.beneficiary or ""),
                kind=CommonsKind.words_of(row.kind or 0),
                evidence=row.evidence or "",
                amount=row.amount or 0,
                period=row.period or 0,
                payable_at=payable_at,
                state=state.value,
                contested_by=contested_by,
                submitted_block=row.block_number,
                submitted_tx=row.tx_hash,
            )
        )
    return found


@router.get(
    "/accounts/{address}/claims",
    responses={
        401: {"description": "no valid token"},
        403: {"description": "another member's account"},
        404: {"description": "this deployment has no commons rewards"},
    },
)
def account_claims(
    context: ContextDep,
    session: SessionDep,
    address: AddressPath,
    _viewer: OwnerOrStaff,
    limit: Annotated[int, Query(ge=1, le=500, description="claims shown, the newest")] = 100,
) -> ClaimsPublic:
    """OWNER or STAFF. The commons claims naming the account as beneficiary or as attestor, newest
    first, each with its state: pending (and payable from `payable_at`), contested, or paid."""
    if context.deployment.commons_rewards is None:
        raise NotFound("gateway.no_commons")
    indexed = begin_snapshot(session)
    account = address.lower()
    submitted = session.exec(
        select(CommonsEvent)
        .where(
            CommonsEvent.event == "submitted",
            (CommonsEvent.beneficiary == account) | (CommonsEvent.attestor == account),
        )
        .order_by(col(CommonsEvent.id).desc())
        .limit(limit)
    ).all()
    return ClaimsPublic(
        address=Web3.to_checksum_address(address), indexed_block=indexed, claims=_claims(session, list(submitted))
    )


@router.get("/commons", responses={404: {"description": "this deployment has no commons rewards"}})
def commons_totals(context: ContextDep, session: SessionDep) -> CommonsTotals:
    """PUBLIC. How many commons claims were submitted, by state, and the rewards paid in all."""
    if context.deployment.commons_rewards is None:
        raise NotFound("gateway.no_commons")
    indexed = begin_snapshot(session)
    last = (
        select(CommonsEvent.claim_id, func.max(CommonsEvent.id).label("last"))
        .group_by(col(CommonsEvent.claim_id))
        .subquery()
    )
    events = session.exec(select(CommonsEvent.event).join(last, col(CommonsEvent.id) == last.c.last)).all()
    by_state = Counter(STATE_AFTER[event].value for event in events)
    paid = session.exec(select(func.coalesce(func.sum(CommonsEvent.amount), 0)).where(CommonsEvent.event == "paid"))
    return CommonsTotals(
        indexed_block=indexed,
        claims=len(events),
        by_state={state.value: by_state.get(state.value, 0) for state in STATE_AFTER.values()},
        rewards_paid=int(paid.one() or 0),
    )
