"""`make bench-api`: look-up latency at the seeds' scale, 1,000,000 members and 5,000,000 transfers.

Synthetic rows go straight into the index's tables (SQLite, the default store); 1% of the members
(businesses) take part in half of all transfers, as shops do. Through the real app, in process:
account look-ups, and first and later pages of histories, of random members. Beside them, as the
reference, the same history pages from the obvious `from = ? OR to = ?` query.

Prints name=value lines; the last is the history p99's ratio to the 50 ms target.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text

from next_contracts.deploy import Deployment
from next_contracts.rpc import connect
from next_node.api.app import create_app
from next_node.db.engine import make_engine
from next_node.db.models import Member, Transfer

MEMBERS = int(os.environ.get("MEMBERS", "1000000"))
TRANSFERS = int(os.environ.get("TRANSFERS", "5000000"))
REQUESTS = int(os.environ.get("REQUESTS", "2000"))
TARGET_MS = 50.0


def address(i: int) -> str:
    return f"0x{i:040x}"


def load(engine, rng: random.Random) -> None:
    hot = max(MEMBERS // 100, 1)
    with engine.begin() as connection:
        for start in range(0, MEMBERS, 100_000):
            rows = [
                {
                    "address": address(i),
                    "kind": "business" if i < hot else "individual",
                    "region": i % 13,
                    "status": "active",
                    "kyc_hash": "0x" + "ab" * 32,
                    "balance": rng.randint(-50_000, 50_000),
                    "credit_limit": 100_000,
                    "ceiling": 10_000_000,
                    "admitted_block": 1,
                    "updated_block": 1,
                    "successor": None,
                }
                for i in range(start, min(start + 100_000, MEMBERS))
            ]
            connection.execute(Member.__table__.insert(), rows)  # type: ignore[attr-defined]

        def party() -> str:
            return address(rng.randrange(hot) if rng.random() < 0.5 else rng.randrange(MEMBERS))

        for start in range(0, TRANSFERS, 200_000):
            rows = []
            for n in range(start, min(start + 200_000, TRANSFERS)):
                payer, payee = party(), party()
                rows.append(
                    {
                        "block_number": 10 + n // 100,
                        "log_index": n % 100,
                        "tx_hash": f"0x{n:064x}",
                        "block_time": 1_790_000_000 + n // 100,
                        "from_address": payer,
                        "to_address": payee,
                        "amount": 100 + n % 10_000,
                        "fee": 1,
                        "ref": "0x" + "00" * 32,
                        "kind": "payment",
                    }
                )
            connection.execute(Transfer.__table__.insert(), rows)  # type: ignore[attr-defined]
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99) - 1] * 1000


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def main() -> None:
    rng = random.Random(2026)
    folder = Path(tempfile.mkdtemp(prefix="next-bench-api-"))
    engine = make_engine(f"sqlite:///{folder / 'index.db'}")
    started = time.perf_counter()
    load(engine, rng)
    print(f"api_members={MEMBERS}")
    print(f"api_transfers={TRANSFERS}")
    print(f"api_load_s={time.perf_counter() - started:.0f}", flush=True)

    deployment = Deployment(
        chain_id=1,
        ledger=address(0xFFFF),
        deploy_block=1,
        deploy_block_hash="0x",
        deploy_tx="0x",
        deployer=address(1),
        config={},
        artifacts={},
    )
    # No chain behind this index: the look-ups measured here never ask it anything.
    client = TestClient(create_app(engine, deployment, connect("http://127.0.0.1:9")))
    targets = [address(rng.randrange(MEMBERS // 100) if i % 2 else rng.randrange(MEMBERS)) for i in range(REQUESTS)]
    for target in targets[:50]:  # warm the page cache
        client.get(f"/accounts/{target}/transfers")

    def history(target: str) -> None:
        page = client.get(f"/accounts/{target}/transfers", params={"limit": 50}).json()
        if page["next_cursor"]:
            client.get(f"/accounts/{target}/transfers", params={"limit": 50, "cursor": page["next_cursor"]})

    def or_query(target: str) -> None:
        with engine.connect() as connection:
            connection.execute(
                text("SELECT * FROM transfers WHERE from_address = :a OR to_address = :a ORDER BY id DESC LIMIT 51"),
                {"a": target},
            ).all()

    account = [timed(lambda t=t: client.get(f"/accounts/{t}")) for t in targets]
    pages = [timed(lambda t=t: history(t)) / 2 for t in targets]
    reference = [timed(lambda t=t: or_query(t)) for t in targets[: REQUESTS // 4]]
    for name, samples in (("account", account), ("history_page", pages), ("reference_or_query", reference)):
        p50, p99 = percentiles(samples)
        print(f"api_{name}_p50_ms={p50:.2f}")
        print(f"api_{name}_p99_ms={p99:.2f}", flush=True)
    engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)  # 2.7 GB
    print(f"api_history_p99_vs_50ms_target={percentiles(pages)[1] / TARGET_MS:.3f}")


if __name__ == "__main__":
    main()
