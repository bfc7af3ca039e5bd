"""This region and its clearing with the others: the relationships this region's governance set
and the positions (public: aggregates, no member's), the route a payment to a member of another
region takes, and the cross-region side of a member's payments."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from sqlmodel import Session, col, select
from web3 import Web3

from next_contracts.clearing import Regions as RegionsOnChain
from next_contracts.errors import amount_in
from next_contracts.vocabulary import MemberStatus
from next_node.api.access import SignedIn
from next_node.api.deps import ContextDep, LanguageDep, SessionDep
from next_node.api.errors import NotFound, StateConflict, chain_call
from next_node.api.ratelimit import limit
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


class Route(BaseModel):
    payee: str
    here: bool  # an active member of this region: `pay` on the ledger pays it, no clearing
    region: int  # the payee's region
    clearing: str | None  # this region's clearing, whose payAcross(path, payee, amount, ref) pays it
    path: list[str]  # the clearings after this region's, the payee's last (empty when here)
    regions: list[int]  # the region numbers from this one to the payee's

    @classmethod
    def direct(cls, payee: str, region: int) -> Route:
        """To a member of this region: `pay` on the ledger, no clearing."""
        return cls(payee=payee, here=True, region=region, clearing=None, path=[], regions=[])


@router.get(
    "/regions/route",
    responses={
        401: {"description": "no valid token"},
        404: {"description": "the payee is an active member of no region reachable from this one"},
        409: {"description": "no path of relationships has room for the amount"},
        429: {"description": "too many requests"},
        503: {"description": "the chain does not answer"},
    },
)
def route(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    viewer: SignedIn,
    language: LanguageDep,
    to: Annotated[str, Query(pattern=r"^0x[0-9a-fA-F]{40}$", description="the payee's address")],
    amount: Annotated[int, Query(ge=1, le=2**127, description="the amount, in hundredths")],
) -> Route:
    """SIGNED-IN. How a payment of `amount` to `to` goes: to a member of this region, directly;
    to a member of another region, through this region's clearing along the shortest path of
    relationships on which every hop has room for it (read from the chain: every region's clearing
    and ledger, as the wallet's pay-across reads them). Rate-limited like the relay (429)."""
    payee = Web3.to_checksum_address(to)
    deployment = context.deployment
    local = session.get(Member, payee.lower())
    # A member here (a frozen one too: the ledger's pre-flight says why it cannot be paid), unless
    # it moved away: then its new region is looked for.
    if local is not None and local.status != MemberStatus.MOVED.value:
        return Route.direct(payee, deployment.region)
    clearing = deployment.regional_clearing
    if clearing is None:
        raise NotFound("gateway.region_alone", payee=payee)
    limit(request, context.auth.relay_rate, "route", address=viewer.address)
    regions = chain_call(lambda: RegionsOnChain(context.w3, clearing))
    home = Web3.to_checksum_address(clearing)
    found = chain_call(lambda: regions.home_of(payee))
    if found is not None and found.clearing == home:  # admitted here, not indexed yet
        return Route.direct(payee, deployment.region)
    if found is None:
        raise NotFound("gateway.region_nowhere", payee=payee, region=deployment.region)
    path = regions.path(home, found.clearing, amount)
    if path is None:
        shown = amount_in(language)(amount)
        raise StateConflict("gateway.region_no_room", region=deployment.region, other=found.number, amount=shown)
    numbers = [regions.regions[c].number for c in [home, *path]]
    return Route(payee=payee, here=False, region=found.number, clearing=home, path=path, regions=numbers)


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
