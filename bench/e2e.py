"""`make bench-e2e`: payments per second from a signed raw transaction to its indexed row.

The embedded chain at one block a second, the indexer following it. Members' payments are signed
beforehand, then sent by CLIENTS (32) concurrent clients, as members' apps send them, and timed
until the last one is in the index. Two rounds in one run: straight to the node's JSON-RPC, and
through the gateway's relay (POST /tx, which checks each transaction and runs a pre-flight call
first), served by `next-node serve` in a process of its own, as in production. Each payer's
payments go through one client, in nonce order. The last line is the relay's rate over the direct
one.

The relay allows 120 transactions a minute per IP and per sender by default: a gateway's operator
sets that with NEXT_RELAY_RATE. This benchmark measures the relay's own throughput, so it gives
its gateway a limit above what it sends (RELAY_RATE, 1000000/minute), and says so in its output.
Size: PAYMENTS (6,000: with fewer, the one-second blocks are a large part of the time) and CLIENTS
in the environment; `make bench-smoke` runs it tiny.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import requests
from eth_account import Account
from sqlalchemy import func, select
from sqlmodel import Session

from next_contracts import LEDGER, load_artifact
from next_contracts.deploy import DeployConfig, deploy
from next_contracts.rpc import connect
from next_contracts.transact import send, submit
from next_node.chain.anvil import AnvilChain, AnvilSettings
from next_node.db.engine import make_engine
from next_node.db.models import Transfer
from next_node.indexer.supervisor import Supervisor
from next_node.indexer.sync import Indexer, IndexerSettings
from tests.support.ports import free_port

PAYMENTS = int(os.environ.get("PAYMENTS", "6000"))
CLIENTS = int(os.environ.get("CLIENTS", "32"))
PAYERS = min(100, PAYMENTS)
RELAY_RATE = os.environ.get("RELAY_RATE", "1000000/minute")
INDEX_TIMEOUT_S = 600.0  # a run that has not indexed every payment by then fails, loudly


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="next-bench-e2e-") as folder:
        settings = AnvilSettings(Path(folder), free_port(), block_time=1)
        with AnvilChain(settings) as chain:
            w3 = chain.start()
            operator = w3.eth.accounts[0]
            deployment = deploy(w3, operator, DeployConfig.single_operator(operator))
            ledger = w3.eth.contract(deployment.ledger, abi=load_artifact(LEDGER).abi)
            send(
                w3,
                operator,
                {
                    "to": ledger.address,
                    "data": ledger.encode_abi("setDefaultCreditLine", args=[0, 10**9, 10**12]),
                },
            )
            payers = [Account.create() for _ in range(PAYERS)]
            nonce = w3.eth.get_transaction_count(operator)
            for i, payer in enumerate(payers):  # submitted together: a few blocks, not one each
                data = ledger.encode_abi("admit", args=[payer.address, 0, 1, b"\x01" * 32])
                last = submit(w3, operator, {"to": ledger.address, "data": data, "nonce": nonce + i, "gas": 200_000})
            w3.eth.wait_for_transaction_receipt(last, timeout=120)

            engine = make_engine(f"sqlite:///{Path(folder) / 'index.db'}")
            indexer = Indexer(
                engine, connect(settings.rpc_url, trust_env=False), deployment, IndexerSettings(poll_interval=0.05)
            )
            stop = threading.Event()
            thread = threading.Thread(target=Supervisor(indexer).run, args=(stop.is_set,), daemon=True)
            thread.start()
            record = Path(folder) / "deployment.json"
            deployment.write(record)
            gateway = start_gateway(settings.rpc_url, record, f"sqlite:///{Path(folder) / 'index.db'}")
            nonces = dict.fromkeys((p.address for p in payers), 0)

            def signed(n: int) -> str:
                payer, payee = payers[n % PAYERS], payers[(n + 1) % PAYERS]
                tx = {
                    "to": ledger.address,
                    "gas": 120_000,
                    "gasPrice": 0,
                    "chainId": deployment.chain_id,
                    "nonce": nonces[payer.address],
                    "value": 0,
                    "data": ledger.encode_abi("pay", args=[payee.address, 100 + n, n.to_bytes(32, "big")]),
                }
                nonces[payer.address] += 1
                return payer.sign_transaction(tx).raw_transaction.to_0x_hex()

            def round_trip(name: str, client: Callable[[], Callable[[str], None]]) -> float:
                with Session(engine) as session:
                    before = session.execute(select(func.count()).select_from(Transfer)).scalar_one()
                raws = [signed(n) for n in range(PAYMENTS)]
                # A payer's payments all go through one client, in nonce order.
                lanes = [[raws[n] for n in range(PAYMENTS) if n % PAYERS % CLIENTS == c] for c in range(CLIENTS)]
                started = time.perf_counter()
                with ThreadPoolExecutor(CLIENTS) as pool:
                    for done in [pool.submit(send_all, client, lane) for lane in lanes]:
                        done.result()
                sent = time.perf_counter() - started
                deadline = time.monotonic() + INDEX_TIMEOUT_S
                while True:
                    with Session(engine) as session:
                        done = session.execute(select(func.count()).select_from(Transfer)).scalar_one() - before
                    if done >= PAYMENTS:
                        break
                    if time.monotonic() > deadline:
                        raise SystemExit(f"{name}: {done} of {PAYMENTS} payments indexed after {INDEX_TIMEOUT_S:.0f} s")
                    time.sleep(0.02)
                rate = PAYMENTS / (time.perf_counter() - started)
                print(f"e2e_{name}_send_s={sent:.2f}")
                print(f"e2e_{name}_payments_per_s={rate:.0f}", flush=True)
                return rate

            # Both sides' clients are the same kind (requests, one kept-alive session per client
            # thread), so that what differs is the path, not the clients' own cost on this machine.
            def direct_client() -> Callable[[str], None]:
                session = _session()

                def send_raw(raw: str) -> None:
                    body = {"jsonrpc": "2.0", "id": 1, "method": "eth_sendRawTransaction", "params": [raw]}
                    answer = session.post(settings.rpc_url, json=body, timeout=60).json()
                    assert "error" not in answer, answer

                return send_raw

            def relay_client() -> Callable[[str], None]:
                session = _session()

                def relay(raw: str) -> None:
                    response = session.post(f"{gateway.url}/tx", json={"raw": raw}, timeout=60)
                    assert response.status_code == 202, response.text

                return relay

            try:
                print(f"e2e_payments={PAYMENTS}")
                print(f"e2e_clients={CLIENTS}")
                print(f"e2e_relay_rate_limit={RELAY_RATE}")  # the gateway's NEXT_RELAY_RATE, set for this benchmark
                direct = round_trip("direct", direct_client)
                relayed = round_trip("relay", relay_client)
            finally:
                gateway.stop()
                stop.set()
                thread.join(timeout=10)
            print(f"e2e_relay_vs_direct={relayed / direct:.2f}")


def _session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    return session


def send_all(client: Callable[[], Callable[[str], None]], raws: list[str]) -> None:
    send = client()
    for raw in raws:
        send(raw)


@dataclass
class Gateway:
    process: subprocess.Popen[bytes]
    url: str

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_gateway(rpc_url: str, record: Path, database: str) -> Gateway:
    """`next-node serve` on a free port, with the benchmark's relay limit; returns once it answers."""
    port = free_port()
    command = [sys.executable, "-m", "next_node.cli", "serve", "--rpc-url", rpc_url, "--deployment", str(record)]
    command += ["--database", database, "--api-port", str(port)]
    env = os.environ | {"NEXT_RELAY_RATE": RELAY_RATE}
    gateway = Gateway(subprocess.Popen(command, env=env, cwd=record.parent), f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{gateway.url}/health", timeout=2, trust_env=False).status_code < 500:
                return gateway
        except httpx.TransportError:
            pass
        if gateway.process.poll() is not None or time.monotonic() > deadline:
            gateway.stop()
            raise SystemExit(f"next-node serve did not answer on port {port} within 60 s")
        time.sleep(0.1)


if __name__ == "__main__":
    main()
