"""`make bench-sign`: how fast the wallet signs payments, with coincurve against eth-keys' pure
Python backend, side by side in one run, on one core.

Each side signs the same payments (real `pay` transactions for the ledger, as the wallet builds
them) with the same key; only eth-keys' backend differs (coincurve, which the wallet depends on for
this very reason, and the pure-Python one it falls back to without a word).

Prints name=value lines; the last is sign_speedup_vs_pure_python.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from eth_account import Account
from eth_keys.backends import CoinCurveECCBackend, NativeECCBackend
from web3 import Web3

from next_contracts import LEDGER, load_artifact

SECONDS = float(os.environ.get("SECONDS_PER_SIDE", "3"))


@contextmanager
def backend(cls: type) -> Iterator[None]:
    """Signing with `cls` meanwhile. eth-keys asks for its backend (ECC_BACKEND_CLASS, else coincurve
    when installed) each time a key object signs, and eth-account makes a key object per signature."""
    os.environ["ECC_BACKEND_CLASS"] = f"{cls.__module__}.{cls.__name__}"
    try:
        assert type(Account.from_key(b"\x01" * 32)._key_obj.backend) is cls
        yield
    finally:
        del os.environ["ECC_BACKEND_CLASS"]


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
    ledger = Web3().eth.contract(address=Web3.to_checksum_address("0x" + "ab" * 20), abi=load_artifact(LEDGER).abi)
    transactions = [
        {
            "to": ledger.address,
            "value": 0,
            "gas": 120_000,
            "gasPrice": 0,
            "chainId": 5134420,
            "nonce": n,
            "data": ledger.encode_abi(
                "pay", args=[Web3.to_checksum_address(f"0x{n + 1:040x}"), 1_250 + n, n.to_bytes(32, "big")]
            ),
        }
        for n in range(100)
    ]
    account = Account.from_key(key)
    with backend(CoinCurveECCBackend):
        reference = account.sign_transaction(transactions[0])
        fast = rate(account, transactions)
    with backend(NativeECCBackend):
        # The same signature (RFC 6979 is deterministic), made by the other backend.
        assert account.sign_transaction(transactions[0]) == reference
        slow = rate(account, transactions)
    print(f"sign_coincurve_tx_per_s={fast:.0f}")
    print(f"sign_pure_python_tx_per_s={slow:.0f}")
    print(f"sign_speedup_vs_pure_python={fast / slow:.1f}")


if __name__ == "__main__":
    main()
