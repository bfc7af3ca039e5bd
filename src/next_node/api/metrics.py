"""What an operator watches, in Prometheus' text format at `GET /metrics` (prometheus_client, the
format's own library): the index's lag behind the chain, the chain's reachability and the API's
calls to it, the relay's transactions accepted and refused by reason, sign-ins, each route's
requests and latency, and the reserve's coverage against its floor. Aggregates only: no account,
no address. Each app has a registry of its own (tests and two gateways in one process).

The alert rules that go with them are in the README ("What an operator watches").
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlmodel import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from next_node.db.models import LedgerState

router = APIRouter(tags=["operators"])
RELAY_ROUTES = {"/tx"}
SIGN_IN_ROUTES = {"/auth/login"}


class Metrics:
    """The counters of one app, and the gauges read when Prometheus scrapes."""

    def __init__(self, app: FastAPI) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "next_requests", "API requests answered, by route and status", ["route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "next_request_seconds",
            "API requests' time to answer, by route",
            ["route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.relayed = Counter(
            "next_relay_transactions",
            "transactions sent to the relay (POST /tx), by outcome: accepted, or the refusal's code",
            ["outcome"],
            registry=self.registry,
        )
        self.sign_ins = Counter(
            "next_sign_ins", "sign-ins (POST /auth/login), by outcome: signed_in, or the refusal's code",
            ["outcome"], registry=self.registry,
        )  # fmt: skip
        self.registry.register(_Gauges(app))


class _Gauges(Collector):
    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        state = self.app.state
        chain = state.chain_watch.state()
        yield _gauge("next_chain_up", "1 while the chain answers the gateway", 1 if chain.reachable else 0)
        if chain.head is not None:
            yield _gauge("next_chain_head", "the chain's last head the gateway saw", chain.head)
        yield _gauge("next_chain_calls", "the API's calls to the chain since it started", state.chain_watch.calls)
        index = state.index_status.snapshot() if state.index_status is not None else None
        if index is not None and index.indexed_block is not None:
            yield _gauge("next_index_block", "the last block indexed", index.indexed_block)
            if index.chain_head is not None:
                lag = max(index.chain_head - index.indexed_block, 0)
                yield _gauge("next_index_lag_blocks", "blocks between the chain's head and the index", lag)
            yield _gauge("next_index_failures", "the indexer's failed steps in a row", index.consecutive_failures)
        with Session(state.context.engine) as session:
            ledger = session.get(LedgerState, 1)
        if ledger is not None:
            coverage = ledger.reserve / ledger.credit_in_use if ledger.credit_in_use else 1.0
            yield _gauge("next_reserve_coverage_ratio", "the reserve over the credit in use", coverage)
            yield _gauge(
                "next_coverage_floor_ratio", "the coverage floor members voted", ledger.coverage_floor_bps / 10_000
            )
            yield _gauge("next_payments_paused", "1 while payments are paused", 1 if ledger.paused else 0)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


class MetricsMiddleware:
    """Counts each request by its route's template (never its path: no address in a label)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.metrics.requests.labels(template, str(status[0])).inc()
            self.metrics.latency.labels(template).observe(time.perf_counter() - started)
            refusal = scope.get("state", {}).get("refusal_code")
            outcome = refusal or ("ledger_refused" if status[0] == 409 else f"http_{status[0]}")
            if template in RELAY_ROUTES:
                self.metrics.relayed.labels("accepted" if status[0] == 202 else outcome).inc()
            elif template in SIGN_IN_ROUTES:
                self.metrics.sign_ins.labels("signed_in" if status[0] == 200 else outcome).inc()


def install_metrics(app: FastAPI) -> None:
    metrics = Metrics(app)
    app.state.metrics = metrics
    app.add_middleware(MetricsMiddleware, metrics=metrics)  # its route is the app's (app.include_routes)


@router.get("/metrics", response_class=Response, responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
def read_metrics(request: Request) -> Any:
    """PUBLIC, aggregates only. The gateway's metrics in Prometheus' text format: index lag, chain
    reachability and calls, relay outcomes by reason, sign-ins, requests and latency by route, the
    reserve's coverage and its floor."""
    metrics: Metrics = request.app.state.metrics
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
