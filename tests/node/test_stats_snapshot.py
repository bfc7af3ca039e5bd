"""/stats reads one block of the index: a batch the indexer commits while read_stats is between
two of its queries changes none of the figures it returns (a real SQLite index in WAL mode; the
indexer's commit is made from another connection at a chosen statement, not by timing)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, update
from sqlmodel import Session

from next_node.api.stats import read_stats
from next_node.db.engine import make_engine
from next_node.db.models import LedgerState, SyncState


def test_read_stats_figures_of_one_block_while_the_indexer_commits(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'index.db'}")
    with Session(engine) as setup:
        setup.add(SyncState(chain_id=1, ledger="0x" + "00" * 20, deploy_block=1, last_block=10))
        setup.add(LedgerState(circulation=1_000, credit_in_use=1_000))
        setup.commit()
    selects = 0

    def indexer_commits_after_the_first_read(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        nonlocal selects
        if not statement.lstrip().upper().startswith("SELECT"):
            return
        selects += 1
        if selects == 2:  # read_stats has read something: now the indexer commits block 11
            with engine.begin() as indexer:
                indexer.execute(update(SyncState).values(last_block=11))
                indexer.execute(update(LedgerState).values(circulation=2_000, credit_in_use=2_000))

    with Session(engine) as session:
        event.listen(session.connection(), "before_cursor_execute", indexer_commits_after_the_first_read)
        stats = read_stats(context=None, session=session, viewer=None)  # the figures now: no chain asked
    assert selects > 2  # the commit did happen between read_stats' queries
    assert (stats.indexed_block, stats.circulation, stats.credit_in_use) == (10, 1_000, 1_000)
