"""The gateway's JSON-RPC endpoint for wallets other than ours (`/rpc`): ethers.js pays with its
defaults (no gas settings at all), through the relay's checks; nothing private can be read through
it; what other wallets sign by default and the chain would refuse is said in words."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import requests
from eth_account import Account

from next_contracts.deploy import Deployment
from next_contracts.rpc import connect
from next_contracts.transact import send
from next_node.chain.embedded import dev_operator
from next_node.db.engine import make_engine
from tests.node.helpers import running_gateway
from tests.node.node_process import start, stop
from tests.node.test_api import ledger_of, signed_payment
from tests.node.test_relay import members  # noqa: F401 (a fixture: alice and bob, active members)
from tests.support.ports import free_port

SCRIPT = Path(__file__).parent / "ethers_pay.cjs"


@pytest.fixture(scope="module")
def gateway(w3, deployment, members, tmp_path_factory):  # noqa: F811
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('rpc') / 'index.db'}")
    with running_gateway(engine, deployment, w3) as url:
        yield url


def pay_with_ethers(gateway: str, payer: object, ledger: str, payee: str, amount: int) -> dict:
    """What ethers_pay.cjs did and read: `payer` pays `payee` through the gateway's /rpc."""
    key = payer.key.to_0x_hex()  # type: ignore[attr-defined]
    ran = subprocess.run(
        ["node", str(SCRIPT), gateway, key, ledger, payee, str(amount)], capture_output=True, text=True, timeout=180
    )
    assert ran.returncode == 0, ran.stderr
    return json.loads(ran.stdout)  # type: ignore[no-any-return]


def rpc(url: str, method: str, *params: object, **headers: str) -> dict:
    body = {"jsonrpc": "2.0", "id": 7, "method": method, "params": list(params)}
    answer = requests.post(f"{url}/rpc", json=body, headers=headers, timeout=30)
    assert answer.status_code == 200
    return answer.json()


def test_ethers_pays_with_its_defaults_through_the_gateway(w3, deployment, members, gateway):  # noqa: F811
    alice, bob = members
    ledger = ledger_of(w3, deployment)
    before = ledger.functions.balanceOf(bob.address).call()
    result = pay_with_ethers(gateway, alice, deployment.ledger, bob.address, 1250)
    assert result["chainId"] == str(deployment.chain_id) and result["symbol"] == ledger.functions.symbol().call()
    assert result["feeBps"] == ledger.functions.feeBps().call()
    # Its defaults, as the endpoint answers them: a legacy transaction at a gas price of 0.
    assert (result["gasPrice"], result["maxFeePerGas"], result["type"], result["status"]) == ("0", None, 0, 1)
    assert ledger.functions.balanceOf(bob.address).call() == before + 1250
    assert "balanceRead" not in result and "not a public view" in result["balanceRefused"]
    assert "strangerPaid" not in result and "the relay carries only" in result["strangerRefused"]


def test_what_a_wallet_reads_keeps_the_gateways_privacy(w3, deployment, members, gateway):  # noqa: F811
    alice, bob = members
    send_raw = signed_payment(w3, deployment, alice, bob.address, 100)
    sent = rpc(gateway, "eth_sendRawTransaction", send_raw)
    assert sent["result"].startswith("0x") and sent["id"] == 7
    w3.eth.wait_for_transaction_receipt(sent["result"])
    receipt = rpc(gateway, "eth_getTransactionReceipt", sent["result"])["result"]
    assert receipt["status"] == "0x1" and receipt["logs"] == []  # who was paid, how much: not here
    block = rpc(gateway, "eth_getBlockByNumber", receipt["blockNumber"], True)["result"]
    assert block["transactions"] == [] and "baseFeePerGas" not in block
    assert rpc(gateway, "eth_getBalance", alice.address, "latest")["result"] == "0x0"
    transfers = {"address": deployment.ledger, "fromBlock": "0x0", "toBlock": "latest"}
    assert "only the governor's logs" in rpc(gateway, "eth_getLogs", transfers)["error"]["message"]
    # A fixed estimate: the same for a payment the ledger would take and one it would refuse.
    call = {"from": alice.address, "to": deployment.ledger}
    ledger = ledger_of(w3, deployment)
    small = ledger.encode_abi("pay", [bob.address, 1, b"\x00" * 32])
    huge = ledger.encode_abi("pay", [bob.address, 10**15, b"\x00" * 32])
    estimates = [rpc(gateway, "eth_estimateGas", call | {"data": data})["result"] for data in (small, huge)]
    assert estimates[0] == estimates[1] and int(estimates[0], 16) >= 100_000


def test_what_other_wallets_sign_by_default_is_refused_in_words(w3, deployment, members, gateway):  # noqa: F811
    alice, bob = members
    ledger = ledger_of(w3, deployment)
    base = {
        "to": deployment.ledger,
        "data": ledger.encode_abi("pay", [bob.address, 1, b"\x00" * 32]),
        "gas": 200_000,
        "chainId": deployment.chain_id,
        "nonce": w3.eth.get_transaction_count(alice.address),
        "value": 0,
    }
    priced = alice.sign_transaction(base | {"gasPrice": 10**9}).raw_transaction.to_0x_hex()
    said = rpc(gateway, "eth_sendRawTransaction", priced)["error"]
    assert "sign it with a gas price of 0" in said["message"] and said["data"] == {"code": "gateway.tx_gas_price"}
    typed = base | {"maxFeePerGas": 10**9, "maxPriorityFeePerGas": 0, "type": 2}
    fee_market = alice.sign_transaction(typed).raw_transaction.to_0x_hex()
    french = rpc(gateway, "eth_sendRawTransaction", fee_market, **{"Accept-Language": "fr"})["error"]
    assert "signez une transaction classique (type 0)" in french["message"]
    network = requests.get(f"{gateway}/network", timeout=30).json()
    assert network["chainId"] == hex(deployment.chain_id) and network["rpcUrls"] == [f"{gateway}/rpc"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"not json", -32700),
        (json.dumps([{"jsonrpc": "2.0", "id": n, "method": "eth_chainId"} for n in range(21)]).encode(), -32600),
        (json.dumps({"jsonrpc": "2.0", "id": 1, "method": "debug_traceTransaction", "params": []}).encode(), -32601),
        (json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_call", "params": "x"}).encode(), -32602),
        (
            json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_sendRawTransaction", "params": ["0x01"]}).encode(),
            -32000,
        ),
    ],
)
def test_a_bad_call_is_a_json_rpc_error_never_a_5xx(gateway, body, code):
    answer = requests.post(f"{gateway}/rpc", data=body, headers={"Content-Type": "application/json"}, timeout=30)
    assert answer.status_code == 200
    found = answer.json()
    assert (found[0] if isinstance(found, list) else found)["error"]["code"] == code


def test_ethers_pays_on_the_default_chain_through_next_node_up(tmp_path):
    """The same on what `make run` starts (geth, whose own eth_gasPrice suggests 1 gwei): the
    endpoint's fee data is what makes ethers.js sign at 0."""
    port = free_port()
    node = start(tmp_path, port)
    try:
        w3 = connect(f"http://127.0.0.1:{port}", trust_env=False)
        deployment = Deployment.read(tmp_path / "deployment.json")
        ledger = ledger_of(w3, deployment)
        operator = dev_operator(tmp_path)
        alice, bob = Account.create(), Account.create()
        for member in (alice, bob):  # admitted, then a line (the node's default lines are nothing)
            admit = ledger.encode_abi("admit", [member.address, 0, 1, b"\x01" * 32])
            send(w3, operator, {"to": deployment.ledger, "data": admit})
            line = ledger.encode_abi("setCreditLine", [member.address, 5_000, 5_000])
            send(w3, operator, {"to": deployment.ledger, "data": line})
        url = node.api_url  # type: ignore[attr-defined]
        result = pay_with_ethers(url, alice, deployment.ledger, bob.address, 700)
        assert (result["gasPrice"], result["type"], result["status"]) == ("0", 0, 1)
        assert ledger.functions.balanceOf(bob.address).call() == 700
    finally:
        stop(node)


def test_a_flood_of_calls_is_refused_before_it_reaches_the_chain(w3, deployment, tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'flood.db'}")
    with running_gateway(engine, deployment, w3) as url:
        batch = [{"jsonrpc": "2.0", "id": n, "method": "eth_blockNumber", "params": []} for n in range(20)]
        answers = [requests.post(f"{url}/rpc", json=batch, timeout=30).json() for _ in range(31)]
    codes = [answer.get("error", {}).get("code") for batch_answers in answers for answer in batch_answers]
    assert codes[:600] == [None] * 600 and set(codes[600:]) == {-32005}  # 600 a minute from one address
