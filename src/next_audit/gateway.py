"""The gateway cross-check: its /stats, every account it serves and every history row, against the
replay, all at one block.

The gateway is asked over HTTP only, like any client. A live gateway keeps indexing while it is
audited, so the audit pins one block B: the block of the gateway's /stats (the first read), or
`--at`. Every account page is then asked `at_block=B` and every history page `to_block=B`: the
gateway computes them at B from its index, whatever it has indexed since. If its index goes back
below B (a rewound chain), it answers 409 and the gateway checks are reported as not run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from next_audit.errors import GatewayError, GatewayUnavailable
from next_audit.history import TABLES, HistoryRecorder, compare_table
from next_audit.ledger_state import Ledger
from next_audit.members import KINDS, NONE, STATUSES
from next_audit.report import Check
from next_audit.sentences import phrase

__all__ = ["Gateway", "GatewayError", "GatewayUnavailable", "compare_accounts", "compare_history", "compare_stats"]

PAGE = 1_000
HISTORY_PAGE = 2_000
STATS_READS = 20
STATS_FIELDS = (
    "circulation", "credit_in_use", "reserve", "fee_bps", "paused", "fees_collected", "debt_covered",
    "debt_uncovered", "members_by_kind", "members_by_status",
)  # fmt: skip
# What a gateway's answer says of the audit: it cannot be audited now (audit.gateway.why.STATUS).
UNAVAILABLE = frozenset({401, 403, 409, 503})


class Gateway:
    def __init__(self, url: str, token: str, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self.session = requests.Session()
        self.session.trust_env = False
        # The auditor reads only (GET), so a read that met a connection the gateway had just closed
        # (its keep-alive ends while the audit works on the chain) is simply asked again.
        retry = Retry(total=3, connect=3, read=3, status=0, backoff_factor=0.5, allowed_methods={"GET"})
        self.session.mount("http://", HTTPAdapter(max_retries=retry))
        self.session.mount("https://", HTTPAdapter(max_retries=retry))
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.timeout = timeout

    def get(self, path: str, **params: Any) -> Any:
        try:
            response = self.session.get(self.url + path, params=params, timeout=self.timeout)
        except requests.RequestException as error:
            raise GatewayUnavailable("audit.gateway.silent", url=self.url, error=error) from error
        if response.status_code in UNAVAILABLE:
            raise GatewayUnavailable(
                "audit.gateway.unavailable",
                status=response.status_code,
                http=response.status_code,
                path=path,
                why=phrase(f"audit.gateway.why.{response.status_code}"),
                detail=_detail(response),
            )
        if response.status_code != 200:
            raise GatewayError("audit.gateway.http", path=path, status=response.status_code, detail=_detail(response))
        try:
            return response.json()
        except ValueError as error:
            raise GatewayError("audit.gateway.not_json", path=path) from error

    def stats(self, at_block: int | None = None) -> dict[str, Any]:
        """/stats now, or as it was at an earlier indexed block (staff)."""
        stats: dict[str, Any] = self.get("/stats", **({"at_block": at_block} if at_block is not None else {}))
        if not isinstance(stats.get("indexed_block"), int):
            raise GatewayError("audit.gateway.no_indexed_block")
        if at_block is not None and stats["indexed_block"] != at_block:
            raise GatewayError("audit.gateway.stats_other_block", block=at_block, answered=stats["indexed_block"])
        return stats

    def settled_stats(self) -> dict[str, Any]:
        """/stats, read until two reads in a row name the same indexed block. /stats reads its
        totals, then its cursor: a batch committed between the two would pair the totals of one
        block with the number of the next. When a second read still names block S, no batch came
        after S before that read's cursor, nor before its totals: they describe S."""
        previous = self.stats()
        for _ in range(STATS_READS):
            current = self.stats()
            if current["indexed_block"] == previous["indexed_block"]:
                return current
            previous = current
        raise GatewayError("audit.gateway.unsettled", reads=STATS_READS + 1)

    def accounts(self, block: int) -> Iterator[dict[str, Any]]:
        """Every account the gateway serves, as it was at `block`."""
        cursor: str | None = None
        while True:
            page = self.get("/accounts", limit=PAGE, at_block=block, **({"cursor": cursor} if cursor else {}))
            if page.get("indexed_block") != block:
                raise GatewayError(
                    "audit.gateway.accounts_other_block", block=block, answered=page.get("indexed_block")
                )
            yield from page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                return

    def history(self, table: str, block: int) -> Iterator[dict[str, Any]]:
        """Every row of an event table up to `block`, in (block, log index) order."""
        cursor: str | None = None
        while True:
            page = self.get(f"/audit/events/{table}", limit=HISTORY_PAGE, to_block=block,
                            **({"cursor": cursor} if cursor else {}))  # fmt: skip
            yield from page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                return


def _detail(response: requests.Response) -> str:
    try:
        return str(response.json().get("detail", response.text))[:200]
    except ValueError:
        return response.text[:200]


def compare_accounts(
    gateway: Gateway, replayed: Ledger, block: int, check: Check, available: Callable[[str], int]
) -> None:
    """Each account the gateway serves at `block` against the replay's; `available` is the replay's
    available credit of an address (the ledger's rule: Replayer.available)."""
    members = {address: a for address, a in replayed.accounts.items() if a.status != NONE}
    seen = set()
    for item in gateway.accounts(block):
        address = item["address"].lower()
        seen.add(address)
        check.checked += 1
        mine = members.get(address)
        if mine is None:
            check.fail(address, "audit.gateway.unknown_member", block=block)
            continue
        expected = {
            "balance": mine.balance,
            "credit_limit": mine.credit_limit,
            "available_credit": available(address),
            "ceiling": mine.ceiling,
            "status": STATUSES[mine.status],
            "kind": KINDS[mine.kind],
            "region": mine.region,
            "successor": mine.successor,
        }
        theirs = {**item, "successor": item["successor"].lower() if item.get("successor") else None}
        differences = [
            phrase("audit.gateway.field", field=k, replayed=v, served=theirs.get(k))
            for k, v in expected.items()
            if theirs.get(k) != v
        ]
        if differences:
            check.fail(address, "audit.gateway.differs", differences=differences)
    for address in sorted(set(members) - seen):
        check.fail(address, "audit.gateway.missing_member")


def compare_stats(served: dict[str, Any], replayed: Ledger, check: Check) -> None:
    figures = replayed.figures()
    for name in STATS_FIELDS:
        check.checked += 1
        if served.get(name) != figures[name]:
            check.fail(name, "audit.gateway.figure", replayed=figures[name], served=served.get(name))
    check.checked += 1
    ratio, served_ratio = figures["coverage_ratio"], served.get("coverage_ratio")
    if (ratio is None) != (served_ratio is None) or (ratio is not None and abs(ratio - served_ratio) > 1e-9 * ratio):
        check.fail("coverage_ratio", "audit.gateway.figure", replayed=ratio, served=served_ratio)


def compare_history(gateway: Gateway, recorder: HistoryRecorder, block: int, check: Check) -> None:
    for table in TABLES:
        compare_table(table, recorder.rows[table], gateway.history(table, block), block, check)
