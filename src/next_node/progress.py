"""Catching an index up with the chain, with a rich progress bar on a terminal (`next-node index`,
and `next-node up` when it rebuilds an index of another schema version)."""

from __future__ import annotations

import sys
from collections.abc import Callable

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from next_node.indexer.supervisor import IndexStatus, Supervisor
from next_node.indexer.sync import Indexer
from next_node.indexer.sync import Progress as Step


def catch_up(
    indexer: Indexer,
    *,
    follow: bool = False,
    status: IndexStatus | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> int:
    """Indexes up to the head (and on, with `follow`, until `should_stop()`), under the Supervisor:
    failures are retried. Returns the number of events indexed."""
    first, _ = indexer.cursor()
    columns = (
        TextColumn("indexing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("blocks"),
        TextColumn("{task.fields[rate]} events/s"),
        TimeRemainingColumn(),
    )
    events = 0
    with Progress(*columns, disable=not sys.stderr.isatty(), transient=False) as bar:
        task = bar.add_task("index", total=None, rate="0")

        def on_step(step: Step) -> None:
            nonlocal events
            events += step.events
            elapsed = bar.tasks[task].elapsed or 1e-9
            bar.update(
                task,
                completed=step.last_block - first,
                total=max(step.head - first, 1),
                rate=f"{events / elapsed:,.0f}",
            )

        Supervisor(indexer, status).run(should_stop, on_step, until_caught_up=not follow)
    return events
