"""What an operator watches: the gateway's metrics and a validator's (geth's own), scraped by
Debian's Prometheus as an operator runs it, and the gateway's counters as the API moves them."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests
from fastapi.testclient import TestClient

from next_node.api.app import create_app
from next_node.chain import network
from next_node.chain.embedded import CHAIN_ID
from next_node.db.engine import make_engine
from tests.node.helpers import index_to_head, running_gateway
from tests.support.ports import free_port

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"


def _metric(text: str, line_start: str) -> float:
    found = [line for line in text.splitlines() if line.startswith(line_start)]
    assert found, f"no {line_start} in the metrics"
    return float(found[0].rsplit(" ", 1)[1])


def test_the_gateway_counts_relay_outcomes_sign_ins_and_requests_by_route(w3, deployment, tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'index.db'}")
    index_to_head(engine, w3, deployment)
    client = TestClient(create_app(engine, deployment, w3))
    assert client.post("/tx", json={"raw": "0xzz"}).status_code == 400
    assert client.get(f"/accounts/0x{'00' * 20}").status_code == 401
    text = client.get("/metrics").text
    assert _metric(text, 'next_relay_transactions_total{outcome="gateway.raw_undecodable"}') == 1
    assert _metric(text, 'next_requests_total{route="/accounts/{address}",status="401"}') == 1  # no address
    assert _metric(text, "next_chain_up") == 1 and _metric(text, "next_reserve_coverage_ratio") >= 0
    assert "0x" + "00" * 20 not in text


def test_prometheus_scrapes_the_gateway_and_a_validator(w3, deployment, tmp_path):
    if not Path(PROMETHEUS).exists():
        pytest.fail("Debian's prometheus is not installed: `make prometheus` installs it")
    directory, metrics_port = tmp_path / "net", free_port()
    network.init(directory, 1, chain_id=CHAIN_ID, rpc_ports=[free_port()], p2p_ports=[free_port()],
                 metrics_ports=[metrics_port])  # fmt: skip
    engine = make_engine(f"sqlite:///{tmp_path / 'index.db'}")
    index_to_head(engine, w3, deployment)
    with network.Network(directory) as validators, running_gateway(engine, deployment, w3) as gateway:
        validators.start()
        port = free_port()
        config = tmp_path / "prometheus.yml"
        config.write_text(
            "global: {scrape_interval: 1s}\n"
            "scrape_configs:\n"
            f"  - {{job_name: gateway, static_configs: [{{targets: ['{gateway.removeprefix('http://')}']}}]}}\n"
            "  - {job_name: validators, metrics_path: /debug/metrics/prometheus,\n"
            f"     static_configs: [{{targets: ['127.0.0.1:{metrics_port}']}}]}}\n"
        )
        server = subprocess.Popen(
            [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:

            def query(expression: str) -> list[dict]:
                answer = requests.get(f"http://127.0.0.1:{port}/api/v1/query", params={"query": expression}, timeout=5)
                return answer.json()["data"]["result"]  # type: ignore[no-any-return]

            deadline = time.monotonic() + 60
            while True:
                try:
                    up = {r["metric"]["job"]: r["value"][1] for r in query("up")}
                    heads = query("chain_head_block") + query("next_chain_head")
                except (requests.ConnectionError, KeyError, ValueError):
                    up, heads = {}, []
                if up == {"gateway": "1", "validators": "1"} and len(heads) == 2:
                    break
                assert time.monotonic() < deadline, f"prometheus did not scrape both: up {up}, heads {heads}"
                time.sleep(1)
            assert query("next_chain_up")[0]["value"][1] == "1"
        finally:
            server.terminate()
            server.wait(timeout=30)
