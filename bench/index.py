"""`make bench-index`: the indexer's catch-up rate against the naive path, in one run.

On one chain of 100,000 payments (PAYMENTS to change it), each path indexes from scratch into a
fresh database, SQLite then PostgreSQL:
- ours: raw eth_getLogs in ranges of blocks, eth_abi on topics and data, a few bulk statements and
  the cursor in one transaction per range;
- naive: the same ranges of blocks through web3's get_logs and `contract.events.X().process_log`,
  then one ORM object per event (and the members' balances changed through the ORM), flushed and
  committed once per range with the cursor, as ours is. The two differ only in how they decode and
  how they write.

The naive path is timed on the first NAIVE_EVENTS events (20,000) of the same chain: at a few
hundred events a second it would take longer than everything else together, and its rate only
falls as its tables grow, so this flatters it, never us.

Each database starts as the store of a running community would be: STORE_MEMBERS (1,000,000)
members already in `members` (synthetic, at addresses the chain never uses), so that every look-up
and update of a member runs against a table of that size; the catch-up then writes the chain's
members and events beside them.

Sizes: PAYMENTS (100,000), MEMBERS (2,000), STORE_MEMBERS and NAIVE_EVENTS in the environment;
`make bench-smoke` runs it tiny. Prints name=value lines; the last is index_speedup_vs_naive, the lower of the two
databases'.
"""

from __future__ import annotations

import os
import shutil
import time

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session
from web3 import Web3

from bench.busy_chain import BusyChain, busy_chain
from next_contracts import LEDGER, load_artifact
from next_contracts.rpc import connect
from next_contracts.vocabulary import MemberKind
from next_node.db.bulk import insert_rows
from next_node.db.engine import make_engine
from next_node.db.models import Member, SyncState, Transfer
from next_node.indexer.sync import Indexer, IndexerSettings
from tests.support.postgres import create_database, postgres_server

BATCH_BLOCKS = int(os.environ.get("BATCH_BLOCKS", "2000"))  # the node's default (--batch-blocks)


def ours(engine: Engine, chain: BusyChain) -> int:
    indexer = Indexer(
        engine, connect(chain.rpc_url, trust_env=False), chain.deployment, IndexerSettings(batch_blocks=BATCH_BLOCKS)
    )
    events = 0
    while (step := indexer.step()) is not None:
        events += step.events
    # Where the time went (sync.PHASES): fetching the logs, decoding, the blocks' headers, writing.
    for phase, seconds in indexer.phase_seconds.items():
        print(f"index_{engine.dialect.name}_{phase}_s={seconds:.2f}", flush=True)
    return events


def naive(engine: Engine, chain: BusyChain, limit: int) -> int:
    """What an indexer written the obvious way does, for the events this chain holds, until it has
    indexed `limit` events: ranges of BATCH_BLOCKS, one commit (events and cursor) per range; a
    range cut short by `limit` is committed up to its last whole block."""
    w3: Web3 = connect(chain.rpc_url, trust_env=False)
    ledger = w3.eth.contract(Web3.to_checksum_address(chain.deployment.ledger), abi=load_artifact(LEDGER).abi)
    decoders = {e.topic: e for e in (getattr(ledger.events, a["name"])() for a in ledger.abi if a["type"] == "event")}
    head, start, events = w3.eth.block_number, chain.deployment.deploy_block, 0
    with Session(engine) as session:
        session.add(
            SyncState(
                id=1,
                chain_id=chain.deployment.chain_id,
                ledger=ledger.address.lower(),
                deploy_block=start,
                last_block=start - 1,
            )
        )
        session.commit()
    while start <= head and events < limit:
        end = min(head, start + BATCH_BLOCKS - 1)
        end_of_last = start - 1
        with Session(engine) as session:
            for log in w3.eth.get_logs({"address": ledger.address, "fromBlock": start, "toBlock": end}):
                if events >= limit and log["blockNumber"] > end_of_last:
                    end = end_of_last
                    break
                end_of_last = log["blockNumber"]
                event = decoders[log["topics"][0].to_0x_hex()].process_log(log)
                a = event.args
                if event.event == "MemberAdmitted":
                    session.add(
                        Member(
                            address=a.account.lower(),
                            kind=MemberKind.of(a.kind).value,
                            region=a.region,
                            status="active",
                            kyc_hash="0x" + a.kycHash.hex(),
                            balance=0,
                            credit_limit=a.creditLimit,
                            ceiling=a.ceiling,
                            admitted_block=event.blockNumber,
                            updated_block=event.blockNumber,
                        )
                    )
                elif event.event == "Transferred":
                    session.add(
                        Transfer(
                            block_number=event.blockNumber,
                            log_index=event.logIndex,
                            tx_hash=event.transactionHash.to_0x_hex(),
                            block_time=0,
                            from_address=a["from"].lower(),
                            to_address=a["to"].lower(),
                            amount=a.amount,
                            fee=a.fee,
                            ref="0x" + a.ref.hex(),
                            kind="payment",
                        )
                    )
                    for address, delta in ((a["from"], -(a.amount + a.fee)), (a["to"], a.amount)):
                        member = session.get(Member, address.lower())
                        if member is not None:
                            member.balance += delta
                else:
                    continue
                events += 1
            sync = session.get(SyncState, 1)
            assert sync is not None
            sync.last_block = end
            session.commit()
        start = end + 1
    return events


def fill_store(engine: Engine, count: int) -> None:
    """`count` members at addresses 0x00..01, 0x00..02, ... (no key has them), written in bulk."""
    with Session(engine) as session, session.begin():
        for start in range(0, count, 100_000):
            rows = [
                {
                    "address": f"0x{i + 1:040x}",
                    "kind": "business" if i % 10 == 0 else "individual",
                    "region": i % 13,
                    "status": "active",
                    "kyc_hash": "0x" + "ab" * 32,
                    "balance": 0,
                    "credit_limit": 100_000,
                    "ceiling": 10_000_000,
                    "admitted_block": 0,
                    "updated_block": 0,
                    "successor": None,
                }
                for i in range(start, min(start + 100_000, count))
            ]
            insert_rows(session, Member.__table__, rows)  # type: ignore[attr-defined]
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))


def measure(name: str, path, engine: Engine, chain: BusyChain) -> float:
    started = time.perf_counter()
    events = path(engine, chain)
    rate = events / (time.perf_counter() - started)
    print(f"{name}_events={events}", flush=True)
    print(f"{name}_events_per_s={rate:.0f}", flush=True)
    return rate


def main() -> None:
    payments = int(os.environ.get("PAYMENTS", "100000"))
    members = int(os.environ.get("MEMBERS", "2000"))
    store_members = int(os.environ.get("STORE_MEMBERS", "1000000"))
    started = time.perf_counter()
    with busy_chain(members, payments) as chain, postgres_server() as server:
        print(f"chain_payments={payments}")
        print(f"chain_members={members}")
        print(f"chain_build_s={time.perf_counter() - started:.1f}", flush=True)
        print(f"store_members={store_members}", flush=True)
        speedups = []
        for database in ("sqlite", "postgres"):
            # The store is filled once per database, then copied for each path.
            if database == "sqlite":
                template = make_engine(f"sqlite:////tmp/next-bench-store-{os.getpid()}.db")
            else:
                template = make_engine(create_database(server, "bench_store"))
            started = time.perf_counter()
            fill_store(template, store_members)
            template.dispose()
            print(f"store_fill_{database}_s={time.perf_counter() - started:.1f}", flush=True)
            engines = {}
            for path in ("ours", "naive"):
                if database == "sqlite":
                    shutil.copy(f"/tmp/next-bench-store-{os.getpid()}.db", f"/tmp/next-bench-{path}-{os.getpid()}.db")
                    url = f"sqlite:////tmp/next-bench-{path}-{os.getpid()}.db"
                else:
                    url = create_database(server, f"bench_{path}", template="bench_store")
                engines[path] = make_engine(url)
            fast = measure(f"index_{database}", ours, engines["ours"], chain)
            limit = int(os.environ.get("NAIVE_EVENTS", "20000"))
            slow = measure(f"naive_{database}", lambda e, c, n=limit: naive(e, c, n), engines["naive"], chain)
            speedups.append(fast / slow)
            print(f"index_speedup_vs_naive_{database}={fast / slow:.1f}", flush=True)
            for engine in engines.values():
                engine.dispose()
            if database == "sqlite":
                for path in ("ours", "naive", "store"):
                    for suffix in ("", "-wal", "-shm"):
                        if os.path.exists(f"/tmp/next-bench-{path}-{os.getpid()}.db{suffix}"):
                            os.remove(f"/tmp/next-bench-{path}-{os.getpid()}.db{suffix}")
        print(f"index_speedup_vs_naive={min(speedups):.1f}")


if __name__ == "__main__":
    main()
