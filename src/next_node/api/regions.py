"""This region and its clearing with the others: the relationships this region's governance set
and the positions (public: aggregates, no member's), and the cross-region side of a member's
payments."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter
from pydantic import BaseModel
from sqlmodel import Session, col, select

from next_node.api.deps import ContextDep, SessionDep
from next_node.db.models import ClearingEvent, Member

router = APIRouter(tags=["regions"])


class Relationship(BaseModel):
    partner: str  # the other region's clearing contract: its account's address in this ledger
    region: int
    credit_limit: int  # how far the other region may be in debt to this one, in hundredths
    ceiling: int  # how far this region may be in debt to the other
    position: int  # this region's account for the other: > 0 when this region owes the other
    owes: int  # what this region owes the other (0 if the other owes it)
    owed: int  # what the other owes this region
    room_out: int  # what this region's members may still pay the other's, net
    room_in: int  # what they may still receive from the other's, net


class Regions(BaseModel):
    region: int
    clearing: str | None  # None for a ledger deployed before the regions
    relationships: list[Relationship]


@router.get("/regions")
def read_regions(context: ContextDep, session: SessionDep) -> Regions:
    """PUBLIC. This region's number and clearing contract, and each relationship with another region:
    this region's side of it (credit limit, ceiling) and the position, with the room left each way.
    The other region sets its own side, which its own gateway shows; the tighter side binds."""
    deployment = context.deployment
    clearing = deployment.regional_clearing
    return Regions(
        region=deployment.region,
        clearing=clearing,
        relationships=[_relationship(account) for account in partner_accounts(session)],
    )


def partner_accounts(session: Session) -> list[Member]:
    """The accounts of the regions this one has a relationship with, in the order it was set."""
    partners = session.exec(
        select(ClearingEvent.partner).where(ClearingEvent.event == "relationship_set").order_by(col(ClearingEvent.id))
    ).all()
    unique = list(dict.fromkeys(p for p in partners if p is not None))
    by_address = {m.address: m for m in session.exec(select(Member).where(col(Member.address).in_(unique))).all()}
    return [by_address[p] for p in unique if p in by_address]


def _relationship(account: Member) -> Relationship:
    position = account.balance
    return Relationship(
        partner=account.address,
        region=account.region,
        credit_limit=account.credit_limit,
        ceiling=account.ceiling,
        position=position,
        owes=max(position, 0),
        owed=max(-position, 0),
        room_out=max(account.ceiling - position, 0),
        room_in=max(account.credit_limit + position, 0),
    )


def across(session: Session, member: str, tx_hashes: Iterable[str]) -> dict[str, tuple[str, int | None]]:
    """For the payments across regions among `tx_hashes`, the member on the other side and its
    region (None when the gateway does not know the region of a clearing the payment went to)."""
    hashes = list(set(tx_hashes))
    if not hashes:
        return {}
    rows = session.exec(
        select(ClearingEvent)
        .where(col(ClearingEvent.tx_hash).in_(hashes))
        .where(col(ClearingEvent.event).in_(("paid_across", "received_across")))
        .where(ClearingEvent.member == member)
    ).all()
    regions = dict(
        session.exec(
            select(Member.address, Member.region).where(col(Member.address).in_({r.partner for r in rows}))
        ).all()
    )
    return {r.tx_hash: (r.other or "", regions.get(r.partner or "")) for r in rows}
