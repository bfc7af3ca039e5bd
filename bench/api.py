"""`make bench-api`: look-up latency at the seeds' scale, 1,000,000 members and 5,000,000 transfers.

Synthetic rows go straight into the index's tables (SQLite, the default store), spread over twelve
months; 1% of the members (businesses) take part in half of all transfers, as shops do. The
economics are then derived from them as the indexer does it, by its own replay of stored transfers
(batches of 50,000), and each month's cycles by its own `cycles.refresh`; both are timed.

Through the real app, in process: account look-ups, and first and later pages of histories, of
random members, asked by a staff member (an auditor) signed in through the gateway's own Sign-In
with Ethereum, its role read from a real chain; the economics page's questions (/economy for the
community, by region, for a kind; /economy/multipliers). Beside them, as the references, the same
history pages from the obvious `from = ? OR to = ?` query, and a month's volume and payers computed
at request time from the transfers.

Sizes: MEMBERS, TRANSFERS and REQUESTS in the environment (`make bench-smoke` runs it tiny).
Prints name=value lines; the last two are the p99s' ratios to their targets (economics 100 ms,
histories 50 ms).
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from next_contracts.deploy import DeployConfig, deploy
from next_contracts.login import signed_login
from next_node.api.app import create_app
from next_node.chain.anvil import AnvilChain, AnvilSettings
from next_node.db.engine import make_engine
from next_node.db.models import Member, Transfer
from next_node.indexer import cycles
from next_node.indexer.apply import open_batch
from next_node.indexer.decode import Contracts
from next_node.indexer.replay import stored_events
from tests.support.ports import free_port

MEMBERS = int(os.environ.get("MEMBERS", "1000000"))
TRANSFERS = int(os.environ.get("TRANSFERS", "5000000"))
REQUESTS = int(os.environ.get("REQUESTS", "2000"))
TARGET_MS = 50.0
ECONOMY_TARGET_MS = 100.0
START = 1_767_225_600  # 2026-01-01 UTC
YEAR = 365 * 86_400


LEDGER = "0x" + "1e" * 20  # the synthetic index's ledger: no member


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
                        "block_time": START + n * YEAR // TRANSFERS,
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


def derive_economy(engine) -> None:
    """The economics from the stored transfers, by the indexer's own replay and cycles."""
    contracts = Contracts({"ledger": LEDGER})
    started = time.perf_counter()
    with Session(engine) as session, session.begin():
        chunk: list = []
        for event in stored_events(session):
            chunk.append(event)
            if len(chunk) == 50_000:
                replay(session, contracts, chunk)
                chunk = []
        replay(session, contracts, chunk)
    derived = time.perf_counter() - started
    print(f"api_economy_derive_s={derived:.0f}")
    print(f"api_economy_derive_transfers_per_s={TRANSFERS / derived:.0f}", flush=True)
    started, months = time.perf_counter(), 0
    while True:
        with Session(engine) as session, session.begin():
            if cycles.refresh(session, 1) is None:
                break
        months += 1
    print(f"api_cycles_s_per_month={(time.perf_counter() - started) / max(months, 1):.1f}", flush=True)
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))


def replay(session: Session, contracts: Contracts, events: list) -> None:
    batch = open_batch(session, contracts)
    batch.apply(events, record=False)
    batch.write()
    session.flush()


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99) - 1] * 1000


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def sign_in(client: TestClient, account: LocalAccount) -> None:
    """The gateway's EIP-4361 sign-in, as `next_contracts.login` does it, through the in-process
    client; the token then goes with every request."""
    offer = client.get("/auth/nonce").json()
    answer = client.post("/auth/login", json=signed_login(offer, account))
    if answer.status_code != 200:
        raise SystemExit(f"the sign-in was refused: {answer.text}")
    client.headers["Authorization"] = f"Bearer {answer.json()['token']}"


def main() -> None:
    rng = random.Random(2026)
    folder = Path(tempfile.mkdtemp(prefix="next-bench-api-"))
    engine = make_engine(f"sqlite:///{folder / 'index.db'}")
    started = time.perf_counter()
    load(engine, rng)
    print(f"api_members={MEMBERS}")
    print(f"api_transfers={TRANSFERS}")
    print(f"api_load_s={time.perf_counter() - started:.0f}", flush=True)
    derive_economy(engine)
    with AnvilChain(AnvilSettings(folder, free_port(), block_time=0)) as chain:
        w3 = chain.start()
        # The ledger on a real chain, where an auditor holds AUDITOR_ROLE: the gateway reads that
        # role from the chain (cached 5 s) as it does in production. The index rows are synthetic.
        auditor: LocalAccount = Account.create()
        operator = w3.eth.accounts[0]
        config = DeployConfig.single_operator(operator)
        config.roles["AUDITOR_ROLE"] = (auditor.address,)
        deployment = deploy(w3, operator, config)
        client = TestClient(create_app(engine, deployment, w3))
        sign_in(client, auditor)
        measure(client, engine, rng)
    engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)  # 2.7 GB at full size


def measure(client: TestClient, engine, rng: random.Random) -> None:
    hot = max(MEMBERS // 100, 1)
    targets = [address(rng.randrange(hot) if i % 2 else rng.randrange(MEMBERS)) for i in range(REQUESTS)]
    for target in targets[:50]:  # warm the page cache
        client.get(f"/accounts/{target}/transfers")

    def ok(response):  # type: ignore[no-untyped-def]
        if response.status_code != 200:
            raise SystemExit(f"{response.request.url}: {response.status_code} {response.text}")
        return response

    def history(target: str) -> None:
        page = ok(client.get(f"/accounts/{target}/transfers", params={"limit": 50})).json()
        if page["next_cursor"]:
            ok(client.get(f"/accounts/{target}/transfers", params={"limit": 50, "cursor": page["next_cursor"]}))

    def or_query(target: str) -> None:
        with engine.connect() as connection:
            connection.execute(
                text("SELECT * FROM transfers WHERE from_address = :a OR to_address = :a ORDER BY id DESC LIMIT 51"),
                {"a": target},
            ).all()

    questions = [
        {},
        {"by": "region"},
        {"by": "kind"},
        {"kind": "business"},
        {"region": "3", "months": "6"},
    ]
    client.get("/economy")  # warm
    economy = [timed(lambda q=q: ok(client.get("/economy", params=q))) for q in questions * (REQUESTS // 20 + 1)]
    economy += [timed(lambda: ok(client.get("/economy/multipliers"))) for _ in range(REQUESTS // 20 + 1)]

    def month_at_request_time() -> None:
        month = START + YEAR // 2
        with engine.connect() as connection:
            connection.execute(
                text(
                    "SELECT count(*), sum(amount), count(DISTINCT from_address) FROM transfers "
                    "WHERE kind = 'payment' AND block_time >= :a AND block_time < :b"
                ),
                {"a": month, "b": month + YEAR // 12},
            ).all()

    economy_reference = [timed(month_at_request_time) for _ in range(5)]
    account = [timed(lambda t=t: ok(client.get(f"/accounts/{t}"))) for t in targets]
    pages = [timed(lambda t=t: history(t)) / 2 for t in targets]
    reference = [timed(lambda t=t: or_query(t)) for t in targets[: REQUESTS // 4]]
    for name, samples in (
        ("account", account),
        ("history_page", pages),
        ("reference_or_query", reference),
        ("economy", economy),
        ("reference_month_at_request_time", economy_reference),
    ):
        p50, p99 = percentiles(samples)
        print(f"api_{name}_p50_ms={p50:.2f}")
        print(f"api_{name}_p99_ms={p99:.2f}", flush=True)
    print(f"api_economy_p99_vs_100ms_target={percentiles(economy)[1] / ECONOMY_TARGET_MS:.3f}")
    print(f"api_history_p99_vs_50ms_target={percentiles(pages)[1] / TARGET_MS:.3f}")


if __name__ == "__main__":
    main()
