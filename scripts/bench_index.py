"""`make bench-index`: the indexer's catch-up rate against the naive path, in one run.

On one chain of 100,000 payments (PAYMENTS to change it), each path indexes from scratch into a
fresh database, SQLite then PostgreSQL:
- ours: raw eth_getLogs in ranges of blocks, eth_abi on topics and data, a few bulk statements and
  the cursor in one transaction per range;
- naive: the same ranges through web3's get_logs and `contract.events.X().process_log`, then one
  ORM insert (and balance update) per event.

The naive path is timed on the first NAIVE_EVENTS events (20,000) of the same chain: at a few
hundred events a second it would take longer than everything else together, and its rate only
falls as its tables grow, so this flatters it, never us.

Prints name=value lines; the last is index_speedup_vs_naive, the lower of the two databases'.
"""

from __future__ import annotations

import os
import time

from sqlalchemy.engine import Engine
from sqlmodel import Session
from web3 import Web3

from next_contracts import LEDGER, load_artifact
from next_contracts.rpc import connect
from next_node.db.engine import make_engine
from next_node.db.models import Member, SyncState, Transfer
from next_node.indexer.decode import MEMBER_KINDS
from next_node.indexer.sync import Indexer, IndexerSettings
from scripts._bench_chain import BusyChain, busy_chain
from scripts._postgres import create_database, postgres_server

BATCH_BLOCKS = 2_000
NAIVE_BATCH_BLOCKS = 10  # a batch payment of 500 lines a block: 5,000 events a range


def ours(engine: Engine, chain: BusyChain) -> int:
    indexer = Indexer(
        engine, connect(chain.rpc_url, trust_env=False), chain.deployment, IndexerSettings(batch_blocks=BATCH_BLOCKS)
    )
    events = 0
    while (step := indexer.step()) is not None:
        events += step.events
    return events


def naive(engine: Engine, chain: BusyChain, limit: int) -> int:
    """What an indexer written the obvious way does, for the events this chain holds, until it has
    indexed `limit` events (whole ranges of NAIVE_BATCH_BLOCKS)."""
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
        end = min(head, start + NAIVE_BATCH_BLOCKS - 1)
        with Session(engine) as session:
            for log in w3.eth.get_logs({"address": ledger.address, "fromBlock": start, "toBlock": end}):
                event = decoders[log["topics"][0].to_0x_hex()].process_log(log)
                a = event.args
                if event.event == "MemberAdmitted":
                    session.add(
                        Member(
                            address=a.account.lower(),
                            kind=MEMBER_KINDS[a.kind],
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
                session.flush()  # one INSERT (and UPDATEs) per event
                events += 1
            sync = session.get(SyncState, 1)
            assert sync is not None
            sync.last_block = end
            session.commit()
        start = end + 1
    return events


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
    started = time.perf_counter()
    with busy_chain(members, payments) as chain, postgres_server() as server:
        print(f"chain_payments={payments}")
        print(f"chain_members={members}")
        print(f"chain_build_s={time.perf_counter() - started:.1f}", flush=True)
        speedups = []
        for database in ("sqlite", "postgres"):
            engines = {}
            for path in ("ours", "naive"):
                if database == "sqlite":
                    url = f"sqlite:////tmp/next-bench-{path}-{os.getpid()}.db"
                else:
                    url = create_database(server, f"bench_{path}")
                engines[path] = make_engine(url)
            fast = measure(f"index_{database}", ours, engines["ours"], chain)
            limit = int(os.environ.get("NAIVE_EVENTS", "20000"))
            slow = measure(f"naive_{database}", lambda e, c, n=limit: naive(e, c, n), engines["naive"], chain)
            speedups.append(fast / slow)
            print(f"index_speedup_vs_naive_{database}={fast / slow:.1f}", flush=True)
            for engine in engines.values():
                engine.dispose()
            if database == "sqlite":
                for path in ("ours", "naive"):
                    for suffix in ("", "-wal", "-shm"):
                        if os.path.exists(f"/tmp/next-bench-{path}-{os.getpid()}.db{suffix}"):
                            os.remove(f"/tmp/next-bench-{path}-{os.getpid()}.db{suffix}")
        print(f"index_speedup_vs_naive={min(speedups):.1f}")


if __name__ == "__main__":
    main()
