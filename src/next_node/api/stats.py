"""Public health figures of the currency."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func
from sqlmodel import Session, col, select

from next_node.api.access import MIN_GROUP, Viewer, suppress_small_groups
from next_node.api.deps import ContextDep, SessionDep
from next_node.api.errors import NotAllowed
from next_node.api.schemas import DailyActivity, Stats
from next_node.api.snapshot import CONFLICT, begin_snapshot, require_indexed
from next_node.api.stats_at import figures_at
from next_node.db.economy_tables import SPENT
from next_node.db.models import LedgerState, Member, Transfer, WriteOff

router = APIRouter(tags=["stats"])
GONE = ("migrated", "moved")  # statuses of addresses that are no longer this region's members
DAY = 86_400
WINDOW_DAYS = 30


@router.get(
    "/stats",
    responses={
        401: {"description": "a token was sent and is not valid"},
        403: {"description": "at_block asked without a staff role"},
        **CONFLICT,
    },
)
def read_stats(
    context: ContextDep,
    session: SessionDep,
    viewer: Viewer,
    at_block: Annotated[
        int | None,
        Query(ge=0, le=2**63 - 1, description="STAFF: the figures as they were at this indexed block (409 if not)"),
    ] = None,
) -> Stats:
    """PUBLIC, in aggregate; in full to STAFF. Members by kind, money in circulation (the sum of
    positive balances) and credit in use (minus the sum of negative ones), the reserve and its
    coverage ratio, the fee, daily payment counts and volumes over the last 30 days, and velocity
    (that volume over the money in circulation). The public sees no group of fewer than 5 members,
    and every public figure is derived from what the public sees, so that no hidden figure can be
    computed back from the others. Every figure is read from one snapshot of the index, at one block
    (snapshot.py), however the indexer moves meanwhile."""
    indexed = begin_snapshot(session)
    state = session.get(LedgerState, 1) or LedgerState()
    if at_block is not None:
        if viewer is None or not viewer.staff:
            raise NotAllowed("gateway.earlier_block_staff")
        require_indexed(indexed, at_block)
        return _stats_at(session, state, context.deployment.ledger.lower(), at_block, indexed)
    # A migrated address is the same member under its new key: counted once, by kind, under the new one.
    # A member that moved to another region is that region's now.
    by_kind: dict[str, int | None] = dict(
        session.exec(
            select(Member.kind, func.count()).where(col(Member.status).not_in(GONE)).group_by(Member.kind)
        ).all()
    )
    by_status: dict[str, int | None] = dict(
        session.exec(select(Member.status, func.count()).group_by(Member.status)).all()
    )
    uncovered = session.exec(
        select(func.coalesce(func.sum(Member.balance), 0)).where(Member.status == "excluded", col(Member.balance) < 0)
    ).one()
    excluded_in_debt = session.exec(
        select(func.count()).where(Member.status == "excluded", col(Member.balance) < 0)
    ).one()
    written_off = session.exec(select(func.count(func.distinct(WriteOff.account)))).one()
    daily = _daily(session)
    full = viewer is not None and viewer.staff
    if not full:
        by_kind = suppress_small_groups(by_kind)
        by_status = _public_statuses(by_status)
        daily = [d for d in daily if d.payers >= MIN_GROUP]
    # The reserve is fees collected minus debt covered: with fewer than MIN_GROUP members ever
    # written off, debt covered would show theirs, so both are hidden (the reserve stays public).
    write_offs_shown = full or written_off == 0 or written_off >= MIN_GROUP
    return Stats(
        indexed_block=indexed,
        members_by_kind=by_kind,
        members_by_status=by_status,
        circulation=state.circulation,
        credit_in_use=state.credit_in_use,
        reserve=state.reserve,
        coverage_ratio=state.reserve / state.credit_in_use if state.credit_in_use else None,
        coverage_floor_bps=state.coverage_floor_bps,
        fee_bps=state.fee_bps,
        paused=state.paused,
        fees_collected=state.fees_collected if write_offs_shown else None,
        debt_covered=state.debt_covered if write_offs_shown else None,
        debt_uncovered=-int(uncovered) if full or excluded_in_debt >= MIN_GROUP else None,
        daily=[DailyActivity(day=d.day, transfers=d.transfers, volume=d.volume) for d in daily],
        # From the days shown only: over all 30, it would give away the hidden days' volume.
        velocity_30d=sum(d.volume for d in daily) / state.circulation if state.circulation else None,
    )


def _stats_at(session: Session, state: LedgerState, ledger: str, block: int, indexed: int) -> Stats:
    """The full figures at `block`, for staff (stats_at.py); no daily activity: it is the last 30
    days' from now, not the block's."""
    f = figures_at(session, state, ledger, block, indexed)
    return Stats(
        indexed_block=block,
        members_by_kind=dict(f.by_kind),
        members_by_status=dict(f.by_status),
        circulation=f.circulation,
        credit_in_use=f.credit_in_use,
        reserve=f.reserve,
        coverage_ratio=f.reserve / f.credit_in_use if f.credit_in_use else None,
        coverage_floor_bps=f.coverage_floor_bps,
        fee_bps=f.fee_bps,
        paused=f.paused,
        fees_collected=f.fees_collected,
        debt_covered=f.debt_covered,
        debt_uncovered=f.debt_uncovered,
        daily=[],
        velocity_30d=None,
    )


@dataclass(frozen=True)
class _Day:
    day: str
    transfers: int
    volume: int
    payers: int  # distinct: a day is a group of the members who paid on it


def _daily(session: Session) -> list[_Day]:
    since = (int(time.time()) // DAY - WINDOW_DAYS + 1) * DAY
    day = (col(Transfer.block_time) // DAY).label("day")
    rows = session.exec(
        select(
            day,
            func.count(),
            func.coalesce(func.sum(Transfer.amount), 0),
            func.count(func.distinct(Transfer.from_address)),
        )
        .where(col(Transfer.kind).in_(sorted(SPENT)), col(Transfer.block_time) >= since)
        .group_by(day)
        .order_by(day)
    ).all()
    return [
        _Day(datetime.fromtimestamp(int(d) * DAY, UTC).date().isoformat(), int(n), int(v), int(p))
        for d, n, v, p in rows
    ]


def _public_statuses(by_status: dict[str, int | None]) -> dict[str, int | None]:
    """Members' statuses, and the addresses gone (migrated keys, members moved to another region),
    suppressed apart: active, frozen and excluded sum to the members by kind, which the public may
    know; the addresses gone are no members and each sums to nothing public, so that alone they give
    nothing away."""
    members = suppress_small_groups({k: v for k, v in by_status.items() if k not in GONE})
    for gone in GONE:
        if gone in by_status:
            count = by_status[gone] or 0
            members[gone] = count if count >= MIN_GROUP else None
    return members
