"""The ledger's figures as they were at an earlier indexed block: what an auditor auditing at that
block (`next-audit --at`) compares with its replay. The index keeps the figures at its head only
(ledger_state), so they are taken back by what changed after the block: the fees and reserve
movements of the later transfers, the later write-offs, and the members touched since (their
balances, statuses and kinds as they were then, snapshot.accounts_at). The work is that of what
happened after the block, not of the whole membership."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from next_node.api.credit import fee_bps_at
from next_node.api.snapshot import accounts_at
from next_node.db.models import LedgerEvent, LedgerState, Member, MemberEvent, ProjectEvent, Transfer, WriteOff

GONE = ("migrated", "moved")  # statuses of addresses that are no longer this region's members


@dataclass
class Figures:
    circulation: int
    credit_in_use: int
    reserve: int
    fee_bps: int
    paused: bool
    coverage_floor_bps: int
    fees_collected: int
    debt_covered: int
    debt_uncovered: int  # what excluded members still owe, as a positive amount
    by_kind: dict[str, int]
    by_status: dict[str, int]


def figures_at(session: Session, state: LedgerState, ledger: str, block: int, indexed: int) -> Figures:
    """The figures at `block` (at most `indexed`, the index's head, whose figures `state` holds)."""
    later = select(Transfer.from_address, Transfer.to_address, Transfer.amount, Transfer.fee).where(
        col(Transfer.block_number) > block
    )
    fees_after = reserve_out_after = 0
    touched: set[str] = set()
    for source, target, amount, fee in session.exec(later):
        fees_after += fee
        if source == ledger:
            reserve_out_after += amount
        touched |= {source, target}
    for account, other in session.exec(
        select(MemberEvent.account, MemberEvent.other).where(col(MemberEvent.block_number) > block)
    ):
        touched |= {a for a in (account, other) if a}
    covered_after = session.exec(
        select(func.coalesce(func.sum(WriteOff.covered), 0)).where(col(WriteOff.block_number) > block)
    ).one()
    figures = Figures(
        circulation=state.circulation,
        credit_in_use=state.credit_in_use,
        reserve=state.reserve - fees_after + reserve_out_after,
        fee_bps=fee_bps_at(session, block),
        paused=_paused(session, block),
        coverage_floor_bps=_floor(session, block),
        fees_collected=state.fees_collected - fees_after,
        debt_covered=state.debt_covered - int(covered_after),
        debt_uncovered=-int(
            session.exec(
                select(func.coalesce(func.sum(Member.balance), 0)).where(
                    Member.status == "excluded", col(Member.balance) < 0
                )
            ).one()
        ),
        by_kind=_counts(session, Member.kind, gone_excluded=True),
        by_status=_counts(session, Member.status, gone_excluded=False),
    )
    members = list(session.exec(select(Member).where(col(Member.address).in_(touched)))) if touched else []
    then = {s["address"]: s for s in accounts_at(session, members, block, indexed)}
    for member in members:
        _count(figures, member.model_dump(), -1)  # as the head has it ...
        if member.address in then:
            _count(figures, then[member.address], +1)  # ... and as it was, if it was a member then
    figures.by_kind = {k: v for k, v in sorted(figures.by_kind.items()) if v}
    figures.by_status = {k: v for k, v in sorted(figures.by_status.items()) if v}
    return figures


def _count(figures: Figures, account: dict[str, Any], sign: int) -> None:
    balance, status = account["balance"], account["status"]
    figures.circulation += sign * max(balance, 0)
    figures.credit_in_use += sign * max(-balance, 0)
    if status == "excluded" and balance < 0:
        figures.debt_uncovered += sign * -balance
    figures.by_status[status] = figures.by_status.get(status, 0) + sign
    if status not in GONE:
        figures.by_kind[account["kind"]] = figures.by_kind.get(account["kind"], 0) + sign


def _counts(session: Session, column: Any, *, gone_excluded: bool) -> dict[str, int]:
    query = select(column, func.count()).group_by(column)
    if gone_excluded:
        query = query.where(col(Member.status).not_in(GONE))
    return {str(key): int(count) for key, count in session.exec(query).all()}


def _floor(session: Session, block: int) -> int:
    floor = session.exec(
        select(ProjectEvent.floor_bps)
        .where(ProjectEvent.event == "floor_set", col(ProjectEvent.block_number) <= block)
        .order_by(col(ProjectEvent.block_number).desc(), col(ProjectEvent.log_index).desc())
        .limit(1)
    ).first()
    return int(floor or 0)


def _paused(session: Session, block: int) -> bool:
    last = session.exec(
        select(LedgerEvent.event)
        .where(col(LedgerEvent.event).in_(("paused", "unpaused")), col(LedgerEvent.block_number) <= block)
        .order_by(col(LedgerEvent.block_number).desc(), col(LedgerEvent.log_index).desc())
        .limit(1)
    ).first()
    return last == "paused"
