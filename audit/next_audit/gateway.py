"""The gateway cross-check: every account the gateway serves, and its /stats, against the replay.

The gateway is asked over HTTP only, like any client; the audit runs at the gateway's indexed block
so that both sides describe the same state.
"""

from __future__ import annotations

from typing import Any

import requests

from next_audit.replay import KINDS, NONE, STATUSES, Ledger
from next_audit.report import Check

PAGE = 1_000
STATS_FIELDS = (
    "circulation", "credit_in_use", "reserve", "fee_bps", "paused", "fees_collected", "debt_covered",
    "debt_uncovered", "members_by_kind", "members_by_status",
)  # fmt: skip


class GatewayError(Exception):
    """The gateway did not answer, or not as its API says."""


class Gateway:
    def __init__(self, url: str, token: str | None = None, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self.session = requests.Session()
        self.session.trust_env = False
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        self.timeout = timeout

    def get(self, path: str, **params: Any) -> Any:
        try:
            response = self.session.get(self.url + path, params=params, timeout=self.timeout)
        except requests.RequestException as error:
            raise GatewayError(f"the gateway at {self.url} does not answer: {error}") from error
        if response.status_code != 200:
            raise GatewayError(f"GET {path}: HTTP {response.status_code}: {response.text[:200]}")
        return response.json()

    def indexed_block(self) -> int:
        return int(self.get("/blocks/head")["indexed_block"])

    def accounts(self) -> tuple[list[dict[str, Any]], set[int]]:
        """Every account the gateway serves, and the indexed blocks its pages were read at."""
        items: list[dict[str, Any]] = []
        blocks: set[int] = set()
        cursor: str | None = None
        while True:
            page = self.get("/accounts", limit=PAGE, **({"cursor": cursor} if cursor else {}))
            items += page["items"]
            blocks.add(int(page["indexed_block"]))
            cursor = page["next_cursor"]
            if cursor is None:
                return items, blocks


def cross_check(gateway: Gateway, replayed: Ledger, block: int, accounts: Check, stats: Check) -> None:
    served, blocks = gateway.accounts()
    if blocks != {block}:
        accounts.fail("gateway", f"its pages were read at indexed blocks {sorted(blocks)}, not at block {block} alone")
    members = {address: a for address, a in replayed.accounts.items() if a.status != NONE}
    seen = set()
    for item in served:
        address = item["address"].lower()
        seen.add(address)
        accounts.checked += 1
        mine = members.get(address)
        if mine is None:
            accounts.fail(address, "served by the gateway, but no such member in the replay")
            continue
        expected = {
            "balance": mine.balance,
            "credit_limit": mine.credit_limit,
            "available_credit": max(mine.balance + mine.credit_limit, 0),
            "ceiling": mine.ceiling,
            "status": STATUSES[mine.status],
            "kind": KINDS[mine.kind],
            "region": mine.region,
            "successor": mine.successor,
        }
        theirs = {**item, "successor": item["successor"].lower() if item.get("successor") else None}
        differences = [f"{k} {v} replayed, {theirs.get(k)} served" for k, v in expected.items() if theirs.get(k) != v]
        if differences:
            accounts.fail(address, "; ".join(differences))
    for address in sorted(set(members) - seen):
        accounts.fail(address, "a member in the replay that the gateway does not serve")

    served_stats = gateway.get("/stats")
    figures = replayed.figures()
    stats.checked += 1
    if served_stats.get("indexed_block") != block:
        stats.fail("indexed_block", f"{served_stats.get('indexed_block')} served, the audit is at block {block}")
    for name in STATS_FIELDS:
        stats.checked += 1
        if served_stats.get(name) != figures[name]:
            stats.fail(name, f"{figures[name]} replayed, {served_stats.get(name)} served")
    ratio, served_ratio = figures["coverage_ratio"], served_stats.get("coverage_ratio")
    if (ratio is None) != (served_ratio is None) or (ratio is not None and abs(ratio - served_ratio) > 1e-9 * ratio):
        stats.fail("coverage_ratio", f"{ratio} replayed, {served_ratio} served")
