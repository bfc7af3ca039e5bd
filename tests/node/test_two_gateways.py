"""Two gateway processes (`next-node serve`) on one PostgreSQL database, each following its own
validator, behind what would be one load balancer: they answer as one. A nonce issued by one is
spent once on either, a token of one is good on the other, a client's requests count against one
limit, and a payment relayed through one is seen through the other. Given several validators
(`--rpc-url A,B`), a gateway and the indexer go on when the first one dies."""

from __future__ import annotations

import os
import subprocess
import time
import uuid

import httpx
import pytest
from eth_account import Account

from next_contracts import LEDGER, load_artifact
from next_contracts.deploy import DeployConfig, deploy
from next_contracts.login import signed_login
from next_node.chain.embedded import CHAIN_ID
from tests.node.node_process import NODE
from tests.node.test_network import three  # noqa: F401  (the fixture: three validators)
from tests.support.chain import call
from tests.support.polling import wait_until
from tests.support.ports import free_port
from tests.support.postgres import create_database, drop_database

pytestmark = pytest.mark.slow  # a network of validators and two gateways

DOMAIN = "gateway.test"  # the public name both answer for


@pytest.fixture
def shared_database(postgres):
    name = f"t_{uuid.uuid4().hex[:12]}"
    yield create_database(postgres, name)
    drop_database(postgres, name)


def _spawn(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "NEXT_PUBLIC_DOMAIN": DOMAIN, "NEXT_RELAY_RATE": "6/minute"}
    return subprocess.Popen([*NODE, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2).json()["status"] == "ok"
    except (httpx.HTTPError, ValueError, KeyError):
        return False


def _health(url: str) -> object:
    try:
        return httpx.get(f"{url}/health", timeout=2).json()
    except (httpx.HTTPError, ValueError) as error:
        return error


def test_two_gateways_on_one_database_answer_as_one(three, shared_database, tmp_path):  # noqa: F811
    net = three
    w3 = net.w3("validator-0", timeout=30)
    operator, alice, bob = Account.create(), Account.create(), Account.create()
    deployment = deploy(w3, operator, DeployConfig.single_operator(operator.address))
    ledger = w3.eth.contract(deployment.ledger, abi=load_artifact(LEDGER).abi)
    for member in (alice, bob):
        call(w3, operator, ledger.functions.admit(member.address, 0, 1, b"\x01" * 32))
        call(w3, operator, ledger.functions.setCreditLine(member.address, 10_000, 10_000))
    deployment.write(tmp_path / "deployment.json")
    common = ["--data-dir", str(tmp_path), "--database", shared_database]
    both = f"{net.rpc_url('validator-0')},{net.rpc_url('validator-2')}"  # the first preferred, while it answers
    indexer = _spawn("index", "--follow", "--rpc-url", both, *common)
    ports = [free_port(), free_port()]
    gateways = [
        _spawn("serve", "--rpc-url", url, "--api-port", str(port), *common)
        for url, port in zip((both, net.rpc_url("validator-1")), ports, strict=True)
    ]
    a, b = (f"http://127.0.0.1:{port}" for port in ports)
    try:
        deadline = time.monotonic() + 60
        while not (_healthy(a) and _healthy(b)):
            exited = [g.communicate()[0] for g in gateways if g.poll() is not None]
            assert not exited and time.monotonic() < deadline, f"not healthy: {_health(a)} {_health(b)} {exited}"
            time.sleep(0.5)

        # A nonce from A signs in at B, once; the token works on A.
        offer = httpx.get(f"{a}/auth/nonce").json()
        login = signed_login(offer, alice)
        answer = httpx.post(f"{b}/auth/login", json=login)
        assert answer.status_code == 200, answer.text
        token = answer.json()["token"]
        me = httpx.get(f"{a}/accounts/{alice.address}", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200, me.text
        again = httpx.post(f"{a}/auth/login", json=login)
        assert again.status_code == 401 and "already used" in again.json()["detail"]

        # A payment relayed through A is seen through B.
        data = ledger.encode_abi("pay", args=[bob.address, 1_234, os.urandom(32)])
        tx = {"to": deployment.ledger, "data": data, "gas": 200_000, "gasPrice": 0, "nonce": 0, "chainId": CHAIN_ID}
        relayed = httpx.post(f"{a}/tx", json={"raw": alice.sign_transaction(tx).raw_transaction.to_0x_hex()})
        assert relayed.status_code == 202, relayed.text
        tx_hash = relayed.json()["tx_hash"]
        wait_until(
            lambda: httpx.get(f"{b}/tx/{tx_hash}").json()["status"] == "success",
            timeout=60,
            every=0.5,
            message="B never saw the payment relayed through A",
        )
        head = w3.eth.block_number
        wait_until(
            lambda: min(httpx.get(f"{g}/blocks/head").json()["indexed_block"] for g in (a, b)) >= head,
            timeout=60,
            every=0.5,
            message="the index did not catch up",
        )
        assert httpx.get(f"{a}/stats").json() == httpx.get(f"{b}/stats").json()

        # Validator 0 dies: A and the indexer follow validator 2 instead; a payment relayed through
        # A is mined, and both gateways index it.
        net.kill("validator-0")
        data = ledger.encode_abi("pay", args=[bob.address, 4_321, os.urandom(32)])
        tx = {"to": deployment.ledger, "data": data, "gas": 200_000, "gasPrice": 0, "nonce": 1, "chainId": CHAIN_ID}
        relayed = httpx.post(f"{a}/tx", json={"raw": alice.sign_transaction(tx).raw_transaction.to_0x_hex()})
        assert relayed.status_code == 202, relayed.text
        tx_hash = relayed.json()["tx_hash"]
        wait_until(
            lambda: httpx.get(f"{a}/tx/{tx_hash}").json()["status"] == "success",
            timeout=60,
            every=0.5,
            message="A did not carry a payment once its first validator was down",
        )
        mined = net.w3("validator-1", timeout=30).eth.get_transaction_receipt(tx_hash)["blockNumber"]
        wait_until(
            lambda: min(httpx.get(f"{g}/blocks/head").json()["indexed_block"] for g in (a, b)) >= mined,
            timeout=60,
            every=0.5,
            message="the indexer did not go on with the other validator",
        )
        # /health says "behind" for a moment while the index catches up: both come back to "ok".
        wait_until(lambda: _healthy(a) and _healthy(b), timeout=60, every=0.5,
                   message=f"not healthy after the kill: {_health(a)} {_health(b)}")  # fmt: skip

        # One limit for the client across both: 6 relay requests a minute from this IP (the two
        # payments above were 2), whichever gateway takes them.
        codes = [httpx.post(f"{g}/tx", json={"raw": "0x00"}).status_code for g in (a, b, a, b, a, b)]
        assert codes == [400] * 4 + [429] * 2, codes
    finally:
        for process in (*gateways, indexer):
            process.terminate()
        for process in (*gateways, indexer):
            process.wait(timeout=30)


def test_a_nonce_is_spent_once_and_a_counter_counts_every_hit_under_concurrency(database_url):
    """20 threads race to spend one nonce: one wins. 50 hits race on one counter: each gets its own
    count, 1 to 50, and a new window starts once the last one expired."""
    from concurrent.futures import ThreadPoolExecutor

    from next_node.db.engine import make_engine
    from next_node.db.shared import Nonces, SqlStorage

    engine = make_engine(database_url, pool_size=20) if "postgresql" in database_url else make_engine(database_url)
    nonces = Nonces(engine)
    nonce = nonces.issue(60)
    with ThreadPoolExecutor(20) as pool:
        assert sorted(pool.map(lambda _: nonces.spend(nonce), range(20))) == [False] * 19 + [True]
    assert not nonces.spend(nonces.issue(-1))  # expired at once
    storage = SqlStorage(engine)
    with ThreadPoolExecutor(10) as pool:
        assert sorted(pool.map(lambda _: storage.incr("relay/ip:1", 60), range(50))) == list(range(1, 51))
    assert storage.get("relay/ip:1") == 50
    assert storage.incr("short", -1) == 1 and storage.incr("short", 60) == 1  # the old window had expired
