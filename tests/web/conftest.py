"""What the browser tests share: a gateway whose index follows the chain."""

from __future__ import annotations

import threading

import pytest

from next_node.db.engine import make_engine
from tests.node.helpers import index_to_head, running_gateway


@pytest.fixture
def following_gateway(w3, deployment, tmp_path):
    """A gateway on a free port, its index following the chain in a thread (as `next-node up` does)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'index.db'}")
    index_to_head(engine, w3, deployment)
    stop = threading.Event()

    def follow() -> None:
        while not stop.wait(0.2):
            index_to_head(engine, w3, deployment)

    thread = threading.Thread(target=follow, daemon=True)
    thread.start()
    with running_gateway(engine, deployment, w3) as url:
        yield url
    stop.set()
    thread.join(timeout=10)
