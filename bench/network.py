"""`make bench-network`: payments per second from signed to indexed on a 3-validator geth network.

Three clique validators on loopback, one block a second; the indexer follows validator-0. Payments
are signed beforehand by PAYERS members, then sent by CLIENTS concurrent senders, each to the
validator of its own (a payer's payments through one sender, in nonce order), in JSON-RPC batches
of BATCH transactions, as an operator's bulk path would; timed until the last is in the index.
Then RELAY_PAYMENTS more through the gateway's relay (POST /tx, one call each, 32 clients, as
members' apps send them), served by `next-node serve` following validator-1. The last line is the
network's rate, signed to indexed. SHOW_BLOCKS=1 prints the busy blocks (number, payments,
seconds since the first); KEEP_LOGS=folder keeps the validators' logs there (how each block was
built, sealed, imported or replaced). When the index does not get every payment, where they are is
printed: each validator's head, the payments it has mined, its pool.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy import func, select
from sqlmodel import Session

from bench.e2e import RELAY_RATE, _session, start_gateway
from next_contracts import LEDGER, load_artifact
from next_contracts.deploy import DeployConfig, deploy
from next_contracts.rpc import connect
from next_contracts.transact import send, submit
from next_node.chain import network
from next_node.chain.embedded import CHAIN_ID
from next_node.db.engine import make_engine
from next_node.db.models import Transfer
from next_node.indexer.supervisor import Supervisor
from next_node.indexer.sync import Indexer, IndexerSettings
from tests.support.ports import free_port

PAYMENTS = int(os.environ.get("PAYMENTS", "20000"))
RELAY_PAYMENTS = int(os.environ.get("RELAY_PAYMENTS", "3000"))
PAYERS = min(int(os.environ.get("PAYERS", "400")), PAYMENTS)
CLIENTS = int(os.environ.get("CLIENTS", "6"))
RELAY_CLIENTS = 32
BATCH = int(os.environ.get("BATCH", "100"))
VALIDATORS = 3
INDEX_TIMEOUT_S = float(os.environ.get("INDEX_TIMEOUT_S", "600"))
# clique replaces a block at the head now and then; 2 blocks behind, the index sees almost none of
# it (a rewind rebuilds the derived tables from every event kept).
CONFIRMATIONS = 2


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="next-bench-network-") as folder:
        directory = Path(folder) / "net"
        network.init(directory, VALIDATORS, chain_id=CHAIN_ID, rpc_ports=[free_port() for _ in range(VALIDATORS)],
                     p2p_ports=[free_port() for _ in range(VALIDATORS)])  # fmt: skip
        with network.Network(directory) as net:
            net.start()
            net.wait_synced(timeout=60)
            try:
                run(net, Path(folder))
            finally:  # the validators' logs, to read how the blocks were built and imported
                if keep := os.environ.get("KEEP_LOGS"):
                    for log in directory.glob("*.log"):
                        shutil.copy(log, Path(keep) / log.name)


def run(net: network.Network, folder: Path) -> None:
    w3 = net.w3("validator-0", timeout=60)
    operator = Account.create()
    deployment = deploy(w3, operator, DeployConfig.single_operator(operator.address))
    ledger = w3.eth.contract(deployment.ledger, abi=load_artifact(LEDGER).abi)
    line = ledger.encode_abi("setDefaultCreditLine", args=[0, 10**12, 10**12])
    send(w3, operator, {"to": ledger.address, "data": line})
    payers = [Account.create() for _ in range(PAYERS)]
    nonce = w3.eth.get_transaction_count(operator.address)
    for i, payer in enumerate(payers):  # submitted together: a few blocks, not one each
        data = ledger.encode_abi("admit", args=[payer.address, 0, 1, b"\x01" * 32])
        last = submit(w3, operator, {"to": ledger.address, "data": data, "nonce": nonce + i, "gas": 200_000})
    w3.eth.wait_for_transaction_receipt(last, timeout=300)

    engine = make_engine(f"sqlite:///{folder / 'index.db'}")
    indexer = Indexer(engine, connect(net.rpc_url("validator-0"), trust_env=False, timeout=60), deployment,
                      IndexerSettings(poll_interval=0.05, confirmations=CONFIRMATIONS))  # fmt: skip
    stop = threading.Event()
    thread = threading.Thread(target=Supervisor(indexer).run, args=(stop.is_set,), daemon=True)
    thread.start()
    nonces = dict.fromkeys((p.address for p in payers), 0)

    def signed(n: int) -> tuple[LocalAccount, str]:
        payer, payee = payers[n % PAYERS], payers[(n + 1) % PAYERS]
        data = ledger.encode_abi("pay", args=[payee.address, 100 + n % 997, n.to_bytes(32, "big")])
        tx = {"to": ledger.address, "gas": 120_000, "gasPrice": 0, "chainId": CHAIN_ID,
              "nonce": nonces[payer.address], "value": 0, "data": data}  # fmt: skip
        nonces[payer.address] += 1
        return payer, payer.sign_transaction(tx).raw_transaction.to_0x_hex()

    def indexed() -> int:
        with Session(engine) as session:
            return int(session.execute(select(func.count()).select_from(Transfer)).scalar_one())

    def timed(name: str, count: int, lanes: list[list[str]], client: Callable[[int], Callable[[list[str]], None]],
              workers: int) -> float:  # fmt: skip
        before = indexed()
        started = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            for done in [pool.submit(client(c), lane) for c, lane in enumerate(lanes)]:
                done.result()
        sent = time.perf_counter() - started
        deadline = time.monotonic() + INDEX_TIMEOUT_S
        while indexed() - before < count:
            if time.monotonic() > deadline:
                diagnose(net, payers, nonces, indexer)
                raise SystemExit(
                    f"{name}: {indexed() - before} of {count} payments indexed after {INDEX_TIMEOUT_S:.0f} s"
                )
            time.sleep(0.02)
        rate = count / (time.perf_counter() - started)
        head = w3.eth.block_number
        blocks = [w3.eth.get_block(n) for n in range(max(1, head - 60), head + 1)]
        sizes = [len(b["transactions"]) for b in blocks]
        if os.environ.get("SHOW_BLOCKS"):
            first = blocks[0]["timestamp"]
            print([(b["number"], len(b["transactions"]), b["timestamp"] - first) for b in blocks if b["transactions"]])
        print(f"network_{name}_largest_block={max(sizes)}")
        print(f"network_{name}_send_s={sent:.2f}")
        print(f"network_{name}_payments_per_s={rate:.0f}", flush=True)
        return rate

    def batch_sender(c: int) -> Callable[[list[str]], None]:
        url, session = net.rpc_url(f"validator-{c % VALIDATORS}"), _session()

        def send_lane(raws: list[str]) -> None:
            for start in range(0, len(raws), BATCH):
                body = [{"jsonrpc": "2.0", "id": i, "method": "eth_sendRawTransaction", "params": [raw]}
                        for i, raw in enumerate(raws[start : start + BATCH])]  # fmt: skip
                answers = session.post(url, json=body, timeout=120).json()
                errors = [a["error"] for a in answers if "error" in a]
                assert not errors, errors[:3]

        return send_lane

    gateway = None
    try:
        print(f"network_validators={VALIDATORS}")
        print(f"network_payments={PAYMENTS}")
        print(f"network_senders={CLIENTS}")
        print(f"network_batch={BATCH}")
        raws = [signed(n) for n in range(PAYMENTS)]
        lanes = [[raw for payer, raw in raws if payers.index(payer) % CLIENTS == c] for c in range(CLIENTS)]
        direct = timed("direct", PAYMENTS, lanes, batch_sender, CLIENTS)
        record = folder / "deployment.json"
        deployment.write(record)
        gateway = start_gateway(net.rpc_url("validator-1"), record, f"sqlite:///{folder / 'gateway.db'}")

        def relay_client(_c: int) -> Callable[[list[str]], None]:
            session = _session()

            def relay(raws: list[str]) -> None:
                for raw in raws:
                    response = session.post(f"{gateway.url}/tx", json={"raw": raw}, timeout=60)  # type: ignore[union-attr]
                    assert response.status_code == 202, response.text

            return relay

        print(f"network_relay_payments={RELAY_PAYMENTS}")
        print(f"network_relay_rate_limit={RELAY_RATE}")
        raws = [signed(PAYMENTS + n) for n in range(RELAY_PAYMENTS)]
        lanes = [[raw for payer, raw in raws if payers.index(payer) % RELAY_CLIENTS == c] for c in range(RELAY_CLIENTS)]
        timed("relay", RELAY_PAYMENTS, lanes, relay_client, RELAY_CLIENTS)
    finally:
        if gateway is not None:
            gateway.stop()
        stop.set()
        thread.join(timeout=10)
    print(f"network_payments_per_s={direct:.0f}")


def diagnose(net: network.Network, payers: list[LocalAccount], nonces: dict[str, int], indexer: Indexer) -> None:
    """Where the missing payments are, when the index does not get them all: each validator's head,
    the payments it holds mined (the payers' nonces) and its pool, and the index's cursor."""
    signed = sum(nonces.values())
    for name in net.running():
        w3 = net.w3(name, timeout=30)
        head = w3.eth.get_block("latest")
        mined = sum(w3.eth.get_transaction_count(p.address) for p in payers)
        pool = w3.provider.make_request("txpool_status", [])["result"]  # type: ignore[arg-type]
        print(f"{name}: head {head['number']} {head['hash'].to_0x_hex()[:12]}, {mined} of {signed} payments "
              f"mined, pool pending {int(pool['pending'], 16)} queued {int(pool['queued'], 16)}")  # fmt: skip
    print(f"index: cursor {indexer.cursor()}, last head {indexer.last_head}")


if __name__ == "__main__":
    main()
