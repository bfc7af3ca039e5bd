"""The economics page's figures, read from what the indexer derived (db/economy_tables.py): by
month, for the whole community, a region or a kind of member, and the multiplier of each bonus run
and stimulus. Nothing is computed from the transfers at request time: a request sums a few hundred
cells, whatever the size of the ledger.

The public sees the figures of /stats's small groups rule: a cell (a month of a region's members of
one kind) is left out of every public sum when it has fewer than 5 members, or when fewer than 5 of
them paid, or received, that month (but none at all); and then, as /stats hides a breakdown's
groups, the next smallest cells until the cells left out are together a group that could be shown
(the month's totals being public in /stats, their sum follows from it). Each public figure is a sum
of cells the public may see whole, whatever the filter, so that no hidden cell is the difference
of two public figures. The cooperative's own accounts (kind "system": the commons account...) are
no people: their cells are public, as /commons shows what the commons account pays. Staff see
every cell."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlmodel import col, func, select

from next_contracts.vocabulary import MemberKind
from next_node.api.access import MIN_GROUP, Viewer
from next_node.api.deps import SessionDep
from next_node.api.snapshot import begin_snapshot
from next_node.db.economy_tables import CycleRun, EconomyCell, Injection
from next_node.db.models import Block, BonusEvent
from next_node.indexer.cycles import month_bounds
from next_node.indexer.economy import RESPEND_DAYS

router = APIRouter(tags=["economics"])
DAY = 86_400
SUMMED = ("members", "active", "payments", "volume", "circulation", "received", "respent", "cycles")


class Month(BaseModel):
    period: str  # "2026-12"
    members: int  # active or frozen, at the month's end
    active: int  # who paid or received in the month
    dormant: int  # who did neither
    payments: int  # payments, bonus spendings and rewards
    volume: int  # hundredths
    circulation: int  # the sum of positive balances at the month's end
    velocity: float | None  # volume / circulation
    received: int  # what members received and could pay on (payments, bonuses, rewards, instalments)
    respent: int  # of it, what its receivers paid on within 30 days
    respent_share: float | None
    respent_final: bool  # false until 30 days after the month's end: the share can still grow
    cycles: int  # of the volume, what flowed in cycles (A pays B, B pays C, C pays A)
    cycles_share: float | None
    cycles_computed: bool  # false until the indexer computed this month's cycles


class Series(BaseModel):
    region: int | None  # None: every region
    kind: str | None  # None: every kind
    months: list[Month]  # oldest first


class Economy(BaseModel):
    indexed_block: int
    min_group: int
    series: list[Series]
    hidden_cells: int  # cells left out of the public sums (0 for staff)


class Multiplier(BaseModel):
    tag: str  # "bonus/7", "stimulus/2026-12"
    source: str  # bonus, stimulus
    label: str  # the run's number, or the month
    first_day: str
    injected: int  # hundredths: a run's spendings, or the stimulus credit drawn
    turnover: int  # the injection's own spending and every onward payment of its money
    multiplier: float | None  # turnover / injected


class Multipliers(BaseModel):
    indexed_block: int
    injections: list[Multiplier]  # newest first
    hidden: int  # injections whose group is too small for the public (0 for staff)


def _whole(members: int, payers: int, receivers: int) -> bool:
    """Whether figures of these many members, payers and receivers may be public."""
    return members >= MIN_GROUP and all(n == 0 or n >= MIN_GROUP for n in (payers, receivers))


def _hidden(cells: list[EconomyCell]) -> set[str]:
    """A month's cells the public may not see: each too small, and then, as /stats hides a
    breakdown's groups, the next smallest until the hidden ones together are a group that could
    be shown (/stats makes the month's totals public, so the hidden cells' sum follows from them)."""
    people = [c for c in cells if c.kind != MemberKind.SYSTEM.value]  # the cooperative's own accounts are public
    hidden = [c for c in people if not _whole(c.members, c.payers, c.receivers)]
    rest = sorted((c for c in people if c not in hidden), key=lambda c: (c.members, c.cell))
    while hidden and rest:
        total = [sum(getattr(c, f) for c in hidden) for f in ("members", "payers", "receivers")]
        if _whole(*total):
            break
        hidden.append(rest.pop(0))
    return {c.cell for c in hidden}


@router.get("/economy", responses={401: {"description": "a token was sent and is not valid"}})
def read_economy(
    session: SessionDep,
    viewer: Viewer,
    by: Annotated[Literal["all", "region", "kind"], Query(description="one series, or one per region or kind")] = "all",
    region: Annotated[int | None, Query(ge=0, le=65_535, description="only this region")] = None,
    kind: Annotated[MemberKind | None, Query(description="only this kind of member")] = None,
    months: Annotated[int, Query(ge=1, le=120, description="the last so many months")] = 12,
) -> Economy:
    """PUBLIC, under the small groups rule (see the module); in full to STAFF. Velocity, the share
    of receipts re-spent within 30 days, the share of the volume that flowed in cycles, dormant
    members, by month."""
    indexed = begin_snapshot(session)
    periods = session.exec(
        select(EconomyCell.period).distinct().order_by(col(EconomyCell.period).desc()).limit(months)
    ).all()
    cells = session.exec(select(EconomyCell).where(col(EconomyCell.period).in_(periods))).all()
    staff = viewer is not None and viewer.staff
    by_month: dict[str, list[EconomyCell]] = defaultdict(list)
    for cell in cells:
        by_month[cell.period].append(cell)
    # Decided on every cell of a month, whatever the filter: each question sees the same cells.
    left_out = set() if staff else {key for month in by_month.values() for key in _hidden(month)}
    sums: dict[tuple[int | None, str | None], dict[str, dict[str, int]]] = defaultdict(dict)
    hidden = 0
    for cell in cells:
        if (region is not None and cell.region != region) or (kind is not None and cell.kind != kind.value):
            continue
        if cell.cell in left_out:
            hidden += 1
            continue
        key = (cell.region if by == "region" else None, cell.kind if by == "kind" else None)
        month = sums[key].setdefault(cell.period, dict.fromkeys(SUMMED, 0))
        for field in SUMMED:
            month[field] += getattr(cell, field)
    computed = set(session.exec(select(CycleRun.period).where(col(CycleRun.period).in_(periods))).all())
    last_time = session.exec(select(Block.timestamp).order_by(col(Block.number).desc()).limit(1)).first() or 0
    series = [
        Series(
            region=key[0],
            kind=key[1],
            months=[_month(p, sums[key].get(p), p in computed, last_time) for p in sorted(periods)],
        )
        for key in sorted(sums, key=lambda k: (k[0] or 0, k[1] or ""))
    ]
    return Economy(indexed_block=indexed, min_group=MIN_GROUP, series=series, hidden_cells=hidden)


def _month(period: str, sums: dict[str, int] | None, computed: bool, last_time: int) -> Month:
    s = sums or dict.fromkeys(SUMMED, 0)
    return Month(
        period=period,
        **s,
        dormant=max(s["members"] - s["active"], 0),
        velocity=s["volume"] / s["circulation"] if s["circulation"] else None,
        respent_share=s["respent"] / s["received"] if s["received"] else None,
        respent_final=last_time >= month_bounds(period)[1] + RESPEND_DAYS * DAY,
        cycles_share=s["cycles"] / s["volume"] if computed and s["volume"] else None,
        cycles_computed=computed,
    )


@router.get("/economy/multipliers", responses={401: {"description": "a token was sent and is not valid"}})
def read_multipliers(session: SessionDep, viewer: Viewer) -> Multipliers:
    """PUBLIC for a bonus run issued to 5 holders or more, and a month's stimulus drawn by 5
    members or more; in full to STAFF. The multiplier of each: the turnover its money induced, as
    it was spent and paid on from hand to hand within 30 days each time, over what was injected."""
    indexed = begin_snapshot(session)
    rows = session.exec(select(Injection).order_by(col(Injection.first_time).desc())).all()
    holders = dict(
        session.exec(
            select(BonusEvent.run_id, func.count(func.distinct(BonusEvent.holder)))
            .where(BonusEvent.event == "issued")
            .group_by(col(BonusEvent.run_id))
        ).all()
    )
    staff = viewer is not None and viewer.staff
    shown = [
        i for i in rows if staff or (holders.get(int(i.label), 0) if i.source == "bonus" else i.spenders) >= MIN_GROUP
    ]
    return Multipliers(
        indexed_block=indexed,
        injections=[
            Multiplier(
                tag=i.tag,
                source=i.source,
                label=i.label,
                first_day=datetime.fromtimestamp(i.first_time, UTC).date().isoformat(),
                injected=i.injected,
                turnover=i.turnover,
                multiplier=i.turnover / i.injected if i.injected else None,
            )
            for i in shown
        ],
        hidden=len(rows) - len(shown),
    )
