"""Public health figures of the currency."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from fastapi import APIRouter
from sqlalchemy import func
from sqlmodel import col, select

from next_node.api.access import MIN_GROUP, Viewer, suppress_small_groups
from next_node.api.deps import SessionDep
from next_node.api.schemas import DailyActivity, Stats
from next_node.db.models import LedgerState, Member, SyncState, Transfer

router = APIRouter(tags=["stats"])
DAY = 86_400
WINDOW_DAYS = 30


@router.get("/stats", responses={401: {"description": "a token was sent and is not valid"}})
def read_stats(session: SessionDep, viewer: Viewer) -> Stats:
    """PUBLIC, in aggregate; in full to STAFF. Members by kind, money in circulation (the sum of
    positive balances) and credit in use (minus the sum of negative ones), the reserve and its
    coverage ratio, the fee, daily payment counts and volumes over the last 30 days, and velocity
    (that volume over the money in circulation)."""
    state = session.get(LedgerState, 1) or LedgerState()
    sync = session.get(SyncState, 1)
    # A migrated address is the same member under its new key: counted once, by kind, under the new one.
    by_kind: dict[str, int | None] = dict(
        session.exec(select(Member.kind, func.count()).where(Member.status != "migrated").group_by(Member.kind)).all()
    )
    by_status: dict[str, int | None] = dict(
        session.exec(select(Member.status, func.count()).group_by(Member.status)).all()
    )
    uncovered = session.exec(
        select(func.coalesce(func.sum(Member.balance), 0)).where(Member.status == "excluded", col(Member.balance) < 0)
    ).one()

    since = (int(time.time()) // DAY - WINDOW_DAYS + 1) * DAY
    day = (col(Transfer.block_time) // DAY).label("day")
    daily_rows = session.exec(
        select(day, func.count(), func.coalesce(func.sum(Transfer.amount), 0))
        .where(Transfer.kind == "payment", col(Transfer.block_time) >= since)
        .group_by(day)
        .order_by(day)
    ).all()
    daily = [
        DailyActivity(day=datetime.fromtimestamp(int(d) * DAY, UTC).date().isoformat(), transfers=n, volume=int(v))
        for d, n, v in daily_rows
    ]
    volume = sum(d.volume for d in daily)
    excluded_in_debt = session.exec(
        select(func.count()).where(Member.status == "excluded", col(Member.balance) < 0)
    ).one()
    full = viewer is not None and viewer.staff
    if not full:
        # Aggregates only: no figure that covers fewer than MIN_GROUP members, so that no one's
        # membership, debt or payment can be inferred from them.
        by_kind = suppress_small_groups(by_kind)
        by_status = suppress_small_groups(by_status)
        daily = [d for d in daily if d.transfers >= MIN_GROUP]
    return Stats(
        indexed_block=sync.last_block if sync else 0,
        members_by_kind=by_kind,
        members_by_status=by_status,
        circulation=state.circulation,
        credit_in_use=state.credit_in_use,
        reserve=state.reserve,
        coverage_ratio=state.reserve / state.credit_in_use if state.credit_in_use else None,
        fee_bps=state.fee_bps,
        paused=state.paused,
        fees_collected=state.fees_collected,
        debt_covered=state.debt_covered,
        debt_uncovered=-int(uncovered) if full or excluded_in_debt >= MIN_GROUP else None,
        daily=daily,
        velocity_30d=volume / state.circulation if state.circulation else None,
    )
