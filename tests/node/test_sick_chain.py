"""A chain that hangs (its process stopped with SIGSTOP) cannot hang the gateway: /health answers at
once with the chain unreachable, the routes that need the chain answer 503 without waiting on it,
and a crowd of such requests leaves the gateway's workers free. When the chain resumes, so do they.

No duration is measured: each request has a client timeout, and a gateway that waited on the
chain would exceed it."""

from __future__ import annotations

import os
import signal
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from next_node.chain.anvil import AnvilChain, AnvilSettings
from next_node.db.engine import make_engine
from tests.node.helpers import index_to_head, running_gateway
from tests.support.polling import wait_until
from tests.support.ports import free_port

# Far below the chain calls' own bound (5 s) times web3's retries: what a probe allows, on a
# loaded machine, for an answer that the gateway gives without the chain.
CLIENT_TIMEOUT = 3.0


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    """This module's own chain: the tests stop its process."""
    node = AnvilChain(AnvilSettings(tmp_path_factory.mktemp("chain"), free_port(), block_time=0))
    node.start()
    yield node
    os.kill(node.process.pid, signal.SIGCONT)
    node.stop()


@pytest.fixture(scope="module")
def gateway(chain, w3, deployment, tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('sick') / 'index.db'}")
    index_to_head(engine, w3, deployment)
    with running_gateway(engine, deployment, w3) as url:
        yield url


def test_a_stopped_chain_neither_hangs_health_nor_the_workers(chain, gateway):
    with httpx.Client(base_url=gateway, timeout=CLIENT_TIMEOUT) as client:
        assert client.get("/ledger").status_code == 200
        assert client.get("/health").json()["chain"] == "ok"
        os.kill(chain.process.pid, signal.SIGSTOP)
        try:
            for _ in range(4):  # at once, while the watch still waits for its poll, and after
                assert client.get("/health").status_code in (200, 503)
            wait_until(lambda: client.get("/health").json()["chain"] == "unreachable", timeout=30)
            health = client.get("/health")  # a load balancer takes this gateway out: 503
            assert health.status_code == 503 and health.json()["status"] == "failing", health.text
            assert health.json()["index"]["chain_head"] is None
            assert client.get("/health/live").json() == {"status": "alive"}  # the process itself lives
            ledger = client.get("/ledger")
            assert ledger.status_code == 503 and "does not answer" in ledger.json()["detail"]

            def crowd(_: int) -> int:
                with httpx.Client(base_url=gateway, timeout=CLIENT_TIMEOUT) as own:
                    return own.get("/ledger").status_code

            with ThreadPoolExecutor(60) as pool:  # more than uvicorn's 40 worker threads
                assert set(pool.map(crowd, range(120))) == {503}
            assert client.get("/health").json()["database"] == "ok"
            assert client.get("/accounts/0x" + "00" * 20).status_code == 401  # the index still serves
        finally:
            os.kill(chain.process.pid, signal.SIGCONT)
        wait_until(lambda: client.get("/ledger").status_code == 200, timeout=30)
        assert client.get("/health").json()["chain"] == "ok"
