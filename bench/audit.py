"""`make bench-audit`: the auditor's rate over 100,000 payments, beside the gateway's indexer.

On one chain of 100,000 payments and 1,000 members (PAYMENTS and MEMBERS in the environment;
`make bench-smoke` runs it tiny), in one run:
- the full audit, as `next-audit` runs it: the rebuild of the contracts, every block's header hash,
  transactions and receipts roots, the replay of every event with its rules, and every account
  compared with the contract by eth_call;
- the reference: the gateway's indexer catching up on the same chain into a fresh SQLite database,
  which reads the same events and checks nothing.

The audit runs twice, as an auditor runs it night after night: first on a machine that never
compiled these sources (its build cache empty: the compiler's ~12 s of one core bound the run), then
again, reading the compiler's output kept by the first (next_audit/build_cache.py); everything
else is done again in full. Prints name=value lines, both audits'; the last is audit_rate_vs_index,
the second audit's events/s over the indexer's.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from bench.busy_chain import busy_chain
from next_audit import cli
from next_node.db.engine import make_engine
from next_node.indexer.sync import Indexer, IndexerSettings


def main() -> None:
    payments = int(os.environ.get("PAYMENTS", "100000"))
    members = int(os.environ.get("MEMBERS", "1000"))
    with busy_chain(members=members, payments=payments) as chain, tempfile.TemporaryDirectory() as work:
        record = Path(work) / "deployment.json"
        chain.deployment.write(record)
        report_file = Path(work) / "report.json"
        os.environ["XDG_CACHE_HOME"] = str(Path(work) / "cache")  # empty: the first audit compiles
        seconds = []
        argv = ["--rpc", chain.rpc_url, "--deployment", str(record), "--quiet", "--json", str(report_file)]
        for _ in range(2):
            started = time.perf_counter()
            code = cli.main(argv)
            seconds.append(time.perf_counter() - started)
            if code != 0:
                raise SystemExit(f"the audit of a clean chain failed with exit {code}")
        report = json.loads(report_file.read_text())
        if not report["build"].get("cached"):
            raise SystemExit("the second audit did not read the build the first one kept")
        events = int(report["events"])
        cold_seconds, audit_seconds = seconds

        engine = make_engine(f"sqlite:///{Path(work) / 'index.db'}")
        indexer = Indexer(engine, chain.w3, chain.deployment, IndexerSettings(batch_blocks=2_000))
        started = time.perf_counter()
        while indexer.step() is not None:
            pass
        index_seconds = time.perf_counter() - started

    print(f"payments={payments}")
    print(f"events={events}")
    print(f"audit_cold_seconds={cold_seconds:.2f}")
    print(f"audit_cold_events_per_s={events / cold_seconds:.0f}")
    print(f"audit_seconds={audit_seconds:.2f}")
    print(f"audit_events_per_s={events / audit_seconds:.0f}")
    print(f"index_seconds={index_seconds:.2f}")
    print(f"index_events_per_s={events / index_seconds:.0f}")
    print(f"audit_cold_rate_vs_index={index_seconds / cold_seconds:.2f}")
    print(f"audit_rate_vs_index={index_seconds / audit_seconds:.2f}")


if __name__ == "__main__":
    main()
