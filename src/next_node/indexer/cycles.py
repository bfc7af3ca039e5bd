"""The share of a month's trade that flowed in cycles, computed by the indexer between batches.

A month's payments make a graph: an edge from each payer to each payee, weighted by what it paid
it. Value that comes back round (A pays B, B pays C, C pays A) could have been settled without
any credit: it is the currency doing its work. The cycles' value is the largest circulation that
fits under the edges' weights (a flow that, at every member, comes in as much as it goes out):
a linear programme, solved exactly by HiGHS through scipy, on the strongly connected components
only (no other edge lies on a cycle). Each edge's share of that circulation is counted on its
payer's group, beside the volume it is a share of.

A closed month is computed once (again if a rewind changed it); the open month again when its
payments have grown by a tenth since, so that the cost, about a second per 10,000 pairs of
members, stays a small share of the indexer's time at any size.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from next_node.db.economy_tables import SPENT, CycleRun, EconomyCell
from next_node.db.models import Member, Transfer
from next_node.indexer.economy import cell_key, next_period

log = logging.getLogger("next_node.indexer")
CELLS = EconomyCell.__table__  # type: ignore[attr-defined]
RUNS = CycleRun.__table__  # type: ignore[attr-defined]
TRANSFERS = Transfer.__table__  # type: ignore[attr-defined]
MEMBERS = Member.__table__  # type: ignore[attr-defined]
GROWTH = 1.1  # the open month is computed again once its payments grew by this much


def max_circulation(edges: list[tuple[str, str, int]]) -> list[int]:
    """For each (payer, payee, weight), its part of the largest circulation under the weights."""
    flows = [0] * len(edges)
    index: dict[str, int] = {}
    tails = np.array([index.setdefault(a, len(index)) for a, _, _ in edges], dtype=np.int64)
    heads = np.array([index.setdefault(b, len(index)) for _, b, _ in edges], dtype=np.int64)
    if not edges:
        return flows
    graph = coo_matrix((np.ones(len(edges)), (tails, heads)), shape=(len(index), len(index)))
    _, component = connected_components(graph, directed=True, connection="strong")
    inside = np.flatnonzero(component[tails] == component[heads])
    inside = inside[tails[inside] != heads[inside]]
    if inside.size == 0:
        return flows
    n = len(index)
    columns = np.arange(inside.size)
    # Each node: what comes in minus what goes out is 0.
    balance = coo_matrix(
        (
            np.concatenate([np.ones(inside.size), -np.ones(inside.size)]),
            (np.concatenate([heads[inside], tails[inside]]), np.concatenate([columns, columns])),
        ),
        shape=(n, inside.size),
    ).tocsr()
    weights = np.array([edges[i][2] for i in inside], dtype=float)
    result = linprog(
        -np.ones(inside.size),
        A_eq=balance,
        b_eq=np.zeros(n),
        bounds=np.column_stack([np.zeros(inside.size), weights]),
        method="highs",
    )
    if result.status != 0:  # cannot happen for a circulation (0 is always feasible): say so, count none
        log.warning("the cycles' programme was not solved: %s", result.message)
        return flows
    # A network programme's optimum is integral; rounding removes the solver's float noise.
    for i, value in zip(inside, np.rint(result.x).astype(np.int64), strict=True):
        flows[i] = int(value)
    return flows


def month_bounds(period: str) -> tuple[int, int]:
    def start(p: str) -> int:
        return int(datetime(int(p[:4]), int(p[5:]), 1, tzinfo=UTC).timestamp())

    return start(period), start(next_period(period))


def compute(session: Session, period: str) -> int:
    """Counts the cycles of `period` on its cells; returns the period's volume in cycles."""
    first, end = month_bounds(period)
    rows = session.execute(
        select(TRANSFERS.c.from_address, TRANSFERS.c.to_address, func.sum(TRANSFERS.c.amount))
        .where(
            TRANSFERS.c.kind.in_(sorted(SPENT)),
            TRANSFERS.c.block_time >= first,
            TRANSFERS.c.block_time < end,
        )
        .group_by(TRANSFERS.c.from_address, TRANSFERS.c.to_address)
    ).all()
    edges = [(a, b, int(w)) for a, b, w in rows]
    flows = max_circulation(edges)
    by_payer: dict[str, int] = defaultdict(int)
    for (payer, _, _), flow in zip(edges, flows, strict=True):
        if flow:
            by_payer[payer] += flow
    by_cell: dict[str, int] = defaultdict(int)
    payers = list(by_payer)
    for start in range(0, len(payers), 500):
        chunk = payers[start : start + 500]
        for address, region, kind in session.execute(
            select(MEMBERS.c.address, MEMBERS.c.region, MEMBERS.c.kind).where(MEMBERS.c.address.in_(chunk))
        ):
            by_cell[cell_key(period, region, kind)] += by_payer[address]
    session.execute(update(CELLS).where(CELLS.c.period == period).values(cycles=0))
    for key, value in by_cell.items():
        session.execute(update(CELLS).where(CELLS.c.cell == key).values(cycles=value))
    return sum(by_cell.values())


def refresh(session: Session, block_number: int) -> str | None:
    """Computes the cycles of the one month most in need of it (see the module's note); returns
    that month, or None when every month is current."""
    per_month = select(CELLS.c.period, func.sum(CELLS.c.payments)).group_by(CELLS.c.period)
    payments: dict[str, int | None] = dict(session.execute(per_month).all())
    if not payments:
        return None
    runs: dict[str, int] = dict(session.execute(select(RUNS.c.period, RUNS.c.payments)).all())
    latest = max(payments)
    period: str
    for period in sorted(payments):
        now, then = int(payments[period] or 0), runs.get(period)
        due = then is None or (now != then if period < latest else now >= then * GROWTH and now > then)
        if due:
            compute(session, period)
            values = {"payments": now, "block_number": block_number}
            if then is None:
                session.execute(RUNS.insert().values(period=period, **values))
            else:
                session.execute(update(RUNS).where(RUNS.c.period == period).values(**values))
            return period
    return None
