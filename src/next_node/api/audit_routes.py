"""Every event row the gateway serves, up to a block, for an auditor to compare with the chain.

Members read their histories here, so an auditor must be able to check every row: each event
table is paged in (block, log index) order up to `to_block`, in one read snapshot per page, with a
cursor "block:log_index". A page answers 409 when the index is not at `to_block` (not there yet, or
rewound below it).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel
from sqlmodel import SQLModel, and_, col, or_, select

from next_node.api.access import Staff
from next_node.api.deps import SessionDep
from next_node.api.snapshot import CONFLICT, begin_snapshot, require_indexed
from next_node.db.models import FeeChange, LedgerEvent, MemberEvent, RoleChange, Transfer, WriteOff

router = APIRouter(tags=["audit"])

TABLES: dict[str, type[SQLModel]] = {
    "transfers": Transfer,
    "member_events": MemberEvent,
    "write_offs": WriteOff,
    "fee_changes": FeeChange,
    "role_changes": RoleChange,
    "ledger_events": LedgerEvent,
}
EventTable = Literal["transfers", "member_events", "write_offs", "fee_changes", "role_changes", "ledger_events"]
MAX_BLOCK = 2**63 - 1


class EventPage(BaseModel):
    items: list[dict[str, Any]]  # the table's rows as stored (addresses lowercase), without surrogate ids
    next_cursor: str | None
    to_block: int


@router.get(
    "/audit/events/{table}",
    responses={401: {"description": "no valid token"}, 403: {"description": "not staff"}, **CONFLICT},
)
def read_events(
    session: SessionDep,
    _viewer: Staff,
    table: Annotated[EventTable, Path(description="the event table")],
    to_block: Annotated[int, Query(ge=0, le=MAX_BLOCK, description="the last block to include")],
    limit: Annotated[int, Query(ge=1, le=5_000, description="rows per page (1 to 5000)")] = 1_000,
    cursor: Annotated[
        str | None, Query(pattern=r"^[0-9]{1,18}:[0-9]{1,9}$", description="next_cursor of the previous page")
    ] = None,
) -> EventPage:
    """STAFF. The rows of one event table up to `to_block`, in (block, log index) order: what an
    auditor compares with the chain's events."""
    require_indexed(begin_snapshot(session), to_block)
    model: Any = TABLES[table]
    block, log_index = col(model.block_number), col(model.log_index)
    query = select(model).where(block <= to_block)
    if cursor is not None:
        after_block, after_index = (int(part) for part in cursor.split(":"))
        query = query.where(or_(block > after_block, and_(block == after_block, log_index > after_index)))
    rows = session.exec(query.order_by(block, log_index).limit(limit + 1)).all()
    items = [row.model_dump(exclude={"id"}) for row in rows[:limit]]
    last = rows[limit - 1] if len(rows) > limit else None
    return EventPage(
        items=items,
        next_cursor=f"{last.block_number}:{last.log_index}" if last is not None else None,
        to_block=to_block,
    )
