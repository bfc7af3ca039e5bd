"""The projects the members voted to fund from the reserve, and the coverage floor above which they
are paid: PUBLIC, as decisions of the general assembly are. Served from the index (the ledger's
project events); each project's progress (instalments paid, cancelled, the next one due) is derived
from its events at the indexed block."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel
from sqlmodel import col, select
from web3 import Web3

from next_node.api.deps import SessionDep
from next_node.api.errors import NotFound
from next_node.api.params import Limit
from next_node.api.snapshot import begin_snapshot
from next_node.db.models import ProjectEvent

router = APIRouter(tags=["projects"])
ProjectNumber = Annotated[int, Path(ge=1, le=2**63 - 1, description="the project's number, from 1")]


class ProjectPublic(BaseModel):
    project_id: int
    account: str
    instalment: int  # in hundredths
    instalments: int
    interval: int  # seconds between two instalments
    starts_at: int  # when the first was due
    ref: str
    paid: int  # instalments paid
    amount_paid: int
    cancelled: bool
    next_due_at: int | None  # None once every instalment is paid, or the project cancelled
    funded_block: int
    funded_tx: str


class ProjectPage(BaseModel):
    indexed_block: int
    items: list[ProjectPublic]
    next_cursor: int | None


def _projects(rows: list[ProjectEvent]) -> list[ProjectPublic]:
    """The projects `rows` (their events, in chain order) fund, with their progress."""
    found: dict[int, dict[str, Any]] = {}
    for row in rows:
        if row.project_id is None:
            continue
        if row.event == "funded":
            found[row.project_id] = {
                "project_id": row.project_id,
                "account": Web3.to_checksum_address(row.account or ""),
                "instalment": row.amount,
                "instalments": row.instalments,
                "interval": row.interval,
                "starts_at": row.starts_at,
                "ref": row.ref,
                "paid": 0,
                "amount_paid": 0,
                "cancelled": False,
                "funded_block": row.block_number,
                "funded_tx": row.tx_hash,
            }
        elif row.project_id in found and row.event == "instalment":
            found[row.project_id]["paid"] += 1
            found[row.project_id]["amount_paid"] += row.amount or 0
        elif row.project_id in found and row.event == "cancelled":
            found[row.project_id]["cancelled"] = True
    for project in found.values():
        closed = project["cancelled"] or project["paid"] >= project["instalments"]
        project["next_due_at"] = None if closed else project["starts_at"] + project["paid"] * project["interval"]
    return [ProjectPublic(**project) for project in found.values()]


def _events(session: SessionDep, *conditions: Any) -> list[ProjectEvent]:
    query = select(ProjectEvent).where(col(ProjectEvent.project_id).is_not(None), *conditions)
    return list(session.exec(query.order_by(col(ProjectEvent.block_number), col(ProjectEvent.log_index))).all())


@router.get("/projects")
def list_projects(
    session: SessionDep,
    limit: Limit = 50,
    after: Annotated[int | None, Query(ge=0, le=2**63 - 1, description="next_cursor of the previous page")] = None,
) -> ProjectPage:
    """PUBLIC. The projects funded from the reserve, in the order voted, with what each received."""
    indexed = begin_snapshot(session)
    first = after or 0
    numbers = session.exec(
        select(ProjectEvent.project_id)
        .where(ProjectEvent.event == "funded", col(ProjectEvent.project_id) > first)
        .order_by(col(ProjectEvent.project_id))
        .limit(limit)
    ).all()
    items = _projects(_events(session, col(ProjectEvent.project_id).in_(numbers))) if numbers else []
    return ProjectPage(indexed_block=indexed, items=items, next_cursor=numbers[-1] if len(numbers) == limit else None)


@router.get("/projects/{project_id}", responses={404: {"description": "no such project"}})
def get_project(session: SessionDep, project_id: ProjectNumber) -> ProjectPublic:
    """PUBLIC. One project funded from the reserve, with what it received."""
    found = _projects(_events(session, ProjectEvent.project_id == project_id))
    if not found:
        raise NotFound("gateway.no_project", project_id=project_id)
    return found[0]
