"""Web3 Secret Storage (keystore v3) files that every reader takes.

eth-account (through eth-keyfile) writes the AES-CTR IV as an integer's hex, dropping its leading
zero bytes: one keystore in 256 has a 15-byte IV. eth-account reads it back, but geth panics on it
("bad IV length": Go's AES-CTR wants 16 bytes) and ethers.js refuses it. The IV is that integer
written on 16 bytes, so padding the hex gives the same key file, whole.
"""

from __future__ import annotations

from typing import Any

from eth_account import Account

IV_HEX = 32  # 16 bytes


def encrypt(private_key: bytes, password: str, **options: Any) -> dict[str, Any]:
    """Account.encrypt, with the IV written on its 16 bytes."""
    keystore: dict[str, Any] = Account.encrypt(private_key, password, **options)
    params = keystore["crypto"]["cipherparams"]
    params["iv"] = params["iv"].zfill(IV_HEX)
    return keystore
