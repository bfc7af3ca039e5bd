"""What the browser tests share: a gateway whose index follows the chain."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from next_node.db.engine import make_engine
from tests.node.helpers import index_to_head, running_gateway


@contextmanager
def following(w3, deployment, tmp_path, token_seconds: int = 15 * 60) -> Iterator[str]:
    """A gateway on a free port, its index following the chain in a thread (as `next-node up` does)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'index.db'}")
    index_to_head(engine, w3, deployment)
    stop = threading.Event()

    def follow() -> None:
        while not stop.wait(0.2):
            index_to_head(engine, w3, deployment)

    thread = threading.Thread(target=follow, daemon=True)
    thread.start()
    try:
        with running_gateway(engine, deployment, w3, token_seconds=token_seconds) as url:
            yield url
    finally:
        stop.set()
        thread.join(timeout=10)


@pytest.fixture
def following_gateway(w3, deployment, tmp_path):
    with following(w3, deployment, tmp_path) as url:
        yield url


@pytest.fixture
def short_token_gateway(w3, deployment, tmp_path):
    """The same, with sign-in tokens that expire after 3 seconds (a tab left open 15 minutes)."""
    with following(w3, deployment, tmp_path, token_seconds=3) as url:
        yield url
