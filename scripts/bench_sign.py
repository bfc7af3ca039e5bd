"""`make bench-sign`: how fast the wallet signs payments, with coincurve against eth-keys' pure
Python backend, side by side in one run, on one core.

eth-keys picks its backend when a key object is made (ECC_BACKEND_CLASS, else coincurve when it is
installed): so two accounts are made from one key, one under each backend, and each signs the same
payments (real `pay` transactions for the ledger, as the wallet builds them).

Prints name=value lines; the last is sign_speedup_vs_pure_python.
"""

from __future__ import annotations

import os
import time

from eth_account import Account
from eth_keys.backends import CoinCurveECCBackend, NativeECCBackend
from web3 import Web3

from next_contracts import LEDGER, load_artifact

SECONDS = float(os.environ.get("SECONDS_PER_SIDE", "3"))


def account_with(backend: type, key: bytes):  # type: ignore[no-untyped-def]
    os.environ["ECC_BACKEND_CLASS"] = f"{backend.__module__}.{backend.__name__}"
    try:
        account = Account.from_key(key)
    finally:
        del os.environ["ECC_BACKEND_CLASS"]
    assert type(account._key_obj.backend) is backend, account._key_obj.backend
    return account


def rate(account, transactions: list[dict]) -> float:  # type: ignore[no-untyped-def]
    signed, started = 0, time.perf_counter()
    while time.perf_counter() - started < SECONDS:
        for tx in transactions:
            account.sign_transaction(tx)
        signed += len(transactions)
    return signed / (time.perf_counter() - started)


def main() -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as asked
    key = Account.create().key
    ledger = Web3().eth.contract(address="0x" + "ab" * 20, abi=load_artifact(LEDGER).abi)
    transactions = [
        {
            "to": ledger.address,
            "value": 0,
            "gas": 120_000,
            "gasPrice": 0,
            "chainId": 5134420,
            "nonce": n,
            "data": ledger.functions.pay(
                "0x" + f"{n + 1:040x}", 1_250 + n, n.to_bytes(32, "big")
            )._encode_transaction_data(),
        }
        for n in range(100)
    ]
    fast_account, slow_account = account_with(CoinCurveECCBackend, key), account_with(NativeECCBackend, key)
    assert fast_account.sign_transaction(transactions[0]) == slow_account.sign_transaction(transactions[0])
    fast = rate(fast_account, transactions)
    slow = rate(slow_account, transactions)
    print(f"sign_coincurve_tx_per_s={fast:.0f}")
    print(f"sign_pure_python_tx_per_s={slow:.0f}")
    print(f"sign_speedup_vs_pure_python={fast / slow:.1f}")


if __name__ == "__main__":
    main()
