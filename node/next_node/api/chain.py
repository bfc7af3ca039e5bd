"""The chain as the gateway sees it: head and health. (The relay of members' signed transactions,
POST /tx, is in relay.py.)"""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from next_node.api.deps import ContextDep, SessionDep
from next_node.api.schemas import Head, Health
from next_node.db.models import SyncState

router = APIRouter(tags=["chain"])


def chain_head(context: ContextDep) -> int | None:
    try:
        return int(context.w3.eth.block_number)
    except Exception:  # the chain is down or unreachable: the API still answers from the index
        return None


@router.get("/health")
def health(session: SessionDep, context: ContextDep) -> Health:
    """PUBLIC. Whether the database and the chain answer."""
    try:
        session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        database = "ok"
    except Exception:
        database = "unavailable"
    chain = "ok" if chain_head(context) is not None else "unreachable"
    return Health(status="ok" if database == chain == "ok" else "degraded", database=database, chain=chain)


@router.get("/blocks/head")
def head(session: SessionDep, context: ContextDep) -> Head:
    """PUBLIC. The chain's head against the indexed head, and the lag between them in blocks."""
    sync = session.get(SyncState, 1)
    indexed = sync.last_block if sync else 0
    latest = chain_head(context)
    return Head(
        chain_head=latest,
        indexed_block=indexed,
        indexed_hash=sync.last_block_hash if sync else None,
        lag=max(latest - indexed, 0) if latest is not None else None,
    )
