"""`make bench-e2e`: payments per second from a signed raw transaction to its indexed row.

The embedded chain at one block a second, the indexer following it. Members' payments are signed
beforehand, then sent as fast as one client can, and timed until the last one is in the index.
Two rounds in one run: straight to the node's JSON-RPC, and through the gateway's relay (POST /tx,
which checks each transaction and runs a pre-flight call first). The last line is the relay's
rate over the direct one.

The relay allows 120 transactions a minute per IP and per sender by default: a gateway's operator
sets that in its AuthSettings (`relay_rate`). This benchmark measures the relay's own throughput,
so it configures the gateway with a limit above what it sends (RELAY_RATE, 1000000/minute), and
says so in its output. Size: PAYMENTS (2,000) in the environment; `make bench-smoke` runs it tiny.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path

from eth_account import Account
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session

from next_contracts import LEDGER, load_artifact
from next_contracts.deploy import DeployConfig, deploy
from next_contracts.rpc import connect
from next_contracts.transact import send, submit
from next_node.api.app import create_app
from next_node.api.auth import AuthSettings
from next_node.chain.embedded import ChainSettings, EmbeddedChain
from next_node.db.engine import make_engine
from next_node.db.models import Transfer
from next_node.indexer.sync import Indexer, IndexerSettings
from scripts._postgres import free_port

PAYMENTS = int(os.environ.get("PAYMENTS", "2000"))
PAYERS = min(100, PAYMENTS)
RELAY_RATE = os.environ.get("RELAY_RATE", "1000000/minute")
INDEX_TIMEOUT_S = 600.0  # a run that has not indexed every payment by then fails, loudly


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="next-bench-e2e-") as folder:
        settings = ChainSettings(Path(folder), free_port(), block_time=1, persist=False)
        with EmbeddedChain(settings) as chain:
            w3 = chain.start()
            operator = w3.eth.accounts[0]
            deployment = deploy(w3, operator, DeployConfig.single_operator(operator))
            ledger = w3.eth.contract(deployment.ledger, abi=load_artifact(LEDGER).abi)
            send(
                w3,
                operator,
                {
                    "to": ledger.address,
                    "data": ledger.functions.setDefaultCreditLine(0, 10**9, 10**12)._encode_transaction_data(),
                },
            )
            payers = [Account.create() for _ in range(PAYERS)]
            nonce = w3.eth.get_transaction_count(operator)
            for i, payer in enumerate(payers):  # submitted together: a few blocks, not one each
                data = ledger.functions.admit(payer.address, 0, 1, b"\x01" * 32)._encode_transaction_data()
                last = submit(w3, operator, {"to": ledger.address, "data": data, "nonce": nonce + i, "gas": 200_000})
            w3.eth.wait_for_transaction_receipt(last, timeout=120)

            engine = make_engine(f"sqlite:///{Path(folder) / 'index.db'}")
            indexer = Indexer(
                engine, connect(settings.rpc_url, trust_env=False), deployment, IndexerSettings(poll_interval=0.05)
            )
            stop = threading.Event()
            thread = threading.Thread(target=indexer.run, args=(stop.is_set,), daemon=True)
            thread.start()
            client = TestClient(create_app(engine, deployment, w3, AuthSettings(relay_rate=RELAY_RATE)))
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
                    "data": ledger.functions.pay(
                        payee.address, 100 + n, n.to_bytes(32, "big")
                    )._encode_transaction_data(),
                }
                nonces[payer.address] += 1
                return payer.sign_transaction(tx).raw_transaction.to_0x_hex()

            def round_trip(name: str, submit) -> float:
                with Session(engine) as session:
                    before = session.execute(select(func.count()).select_from(Transfer)).scalar_one()
                raws = [signed(n) for n in range(PAYMENTS)]
                started = time.perf_counter()
                for raw in raws:
                    submit(raw)
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

            def relay(raw: str) -> None:
                response = client.post("/tx", json={"raw": raw})
                assert response.status_code == 202, response.text

            print(f"e2e_payments={PAYMENTS}")
            print(f"e2e_relay_rate_limit={RELAY_RATE}")  # the gateway's relay_rate, set for this benchmark
            direct = round_trip("direct", lambda raw: w3.eth.send_raw_transaction(raw))
            relayed = round_trip("relay", relay)
            stop.set()
            thread.join(timeout=10)
            print(f"e2e_relay_vs_direct={relayed / direct:.2f}")


if __name__ == "__main__":
    main()
