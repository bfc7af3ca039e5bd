"""A local chain full of payments, for the benchmarks: anvil with a block per transaction, a
ledger, `members` members, and `payments` payment events made by batch payments (a council paying
its staff), which emit exactly what single payments emit, only faster to produce."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from web3 import Web3

from next_contracts import LEDGER, load_artifact
from next_contracts.deploy import DeployConfig, Deployment, deploy
from next_contracts.transact import calldata, send, submit
from next_node.chain.anvil import AnvilChain, AnvilSettings
from tests.support.ports import free_port

LINES_PER_BATCH = 500


@dataclass
class BusyChain:
    w3: Web3
    deployment: Deployment
    rpc_url: str


@contextmanager
def busy_chain(members: int, payments: int) -> Iterator[BusyChain]:
    with tempfile.TemporaryDirectory(prefix="next-bench-") as data:
        settings = AnvilSettings(Path(data), free_port(), block_time=0)
        with AnvilChain(settings) as chain:
            w3 = chain.start()
            operator = w3.eth.accounts[0]
            deployment = deploy(w3, operator, DeployConfig.single_operator(operator))
            ledger = w3.eth.contract(deployment.ledger, abi=load_artifact(LEDGER).abi)

            def call(sender: object, fn: object) -> None:
                send(w3, sender, {"to": ledger.address, "data": calldata(fn)})  # type: ignore[arg-type, attr-defined]

            call(operator, ledger.functions.setDefaultCreditLine(0, 10**9, 10**15))
            call(operator, ledger.functions.setDefaultCreditLine(2, 10**15, 10**15))
            council = Account.create()
            call(operator, ledger.functions.admitCouncil(council.address, 1, b"\x01" * 32))
            staff = [Account.create().address for _ in range(members)]
            nonce = w3.eth.get_transaction_count(operator)
            for i, member in enumerate(staff):  # submitted together, mined one a block
                data = ledger.encode_abi("admit", args=[member, 0, 1 + i % 2, b"\x02" * 32])
                last = submit(w3, operator, {"to": ledger.address, "data": data, "nonce": nonce + i, "gas": 200_000})
            w3.eth.wait_for_transaction_receipt(last, timeout=600)
            made, batch = 0, 0
            while made < payments:
                lines = min(LINES_PER_BATCH, payments - made)
                payees = [staff[(made + j) % members] for j in range(lines)]
                amounts = [100 + (made + j) % 997 for j in range(lines)]
                call(council, ledger.functions.payBatch(payees, amounts, batch.to_bytes(32, "big")))
                made, batch = made + lines, batch + 1
            yield BusyChain(w3, deployment, settings.rpc_url)
