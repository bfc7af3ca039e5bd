"""The chain as the gateway sees it: head and health. (The relay of members' signed transactions,
POST /tx, is in relay.py.)"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.exc import SQLAlchemyError

from next_node.api.deps import SessionDep
from next_node.api.index_health import freshest_head, index_report
from next_node.api.schemas import Head, Health
from next_node.chain.watch import ChainStatus, ChainWatch
from next_node.db.models import SyncState
from next_node.indexer.supervisor import IndexStatus

router = APIRouter(tags=["chain"])


def chain_state(request: Request) -> ChainStatus:
    """What the chain watch last saw: never a call to the chain, so that a hung chain cannot hang
    /health (chain/watch.py)."""
    watch: ChainWatch = request.app.state.chain_watch
    return watch.state()


ChainStateDep = Annotated[ChainStatus, Depends(chain_state)]


def index_status(request: Request) -> IndexStatus | None:
    """The state of an indexer in this process (`next-node up`); None under `next-node serve`."""
    status: IndexStatus | None = getattr(request.app.state, "index_status", None)
    return status


IndexStatusDep = Annotated[IndexStatus | None, Depends(index_status)]


@router.get(
    "/health",
    responses={503: {"model": Health, "description": "the chain or the database does not answer, or the index fails"}},
)
def health(session: SessionDep, chain: ChainStateDep, status: IndexStatusDep, response: Response) -> Health:
    """PUBLIC. Readiness, for a load balancer: whether the database and the chain answer, and how
    the index keeps up with the chain: ok, behind (its lag over the threshold) or failing (its
    indexer's last attempts failed, with the last error in words). 503 ("failing") as soon as the
    chain does not answer (nothing listens, or its head probe waited its whole 2 s), the database
    does not answer or the index is failing: a gateway that cannot reach its chain can neither
    relay nor check a payment. 200 otherwise, with status "degraded" when the index is behind or
    ahead of a rewound chain. It answers at once, from the chain watch and the indexer's state,
    whatever the chain does. Liveness (the process answers at all) is GET /health/live."""
    health = status.snapshot() if status else None
    latest = freshest_head(chain.head, chain.silent_for, health)
    try:
        sync = session.get(SyncState, 1)
        database = "ok"
    except SQLAlchemyError:
        sync, database = None, "unavailable"
    report = index_report(sync, latest, health)
    reach = "ok" if chain.reachable else "unreachable"
    if database != "ok" or report.state == "failing" or reach != "ok":
        response.status_code = 503
        overall = "failing"
    else:
        overall = "ok" if report.state == "ok" else "degraded"
    return Health(status=overall, database=database, chain=reach, index=report)


@router.get("/health/live")
def live() -> dict[str, str]:
    """PUBLIC. Liveness: 200 while this process answers, whatever the chain and the database do (a
    service manager restarts a gateway that fails this, never one whose chain is down)."""
    return {"status": "alive"}


@router.get("/blocks/head")
def head(session: SessionDep, chain: ChainStateDep, status: IndexStatusDep) -> Head:
    """PUBLIC. The chain's head against the indexed head, the lag between them in blocks, and
    whether the index is ok, behind or failing (as in /health)."""
    sync = session.get(SyncState, 1)
    indexed = sync.last_block if sync else 0
    health = status.snapshot() if status else None
    latest = freshest_head(chain.head, chain.silent_for, health)
    return Head(
        chain_head=latest,
        indexed_block=indexed,
        indexed_hash=sync.last_block_hash if sync else None,
        lag=max(latest - indexed, 0) if latest is not None else None,
        index=index_report(sync, latest, health),
    )
