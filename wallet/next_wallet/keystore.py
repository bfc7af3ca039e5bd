"""Keystores: Web3 Secret Storage v3 (scrypt, eth-account's defaults), one file per key, mode 0600,
named by a label. Keys and passwords never leave this module in clear except to sign."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from eth_utils.address import to_checksum_address

from next_wallet.config import home
from next_wallet.errors import BadInputError, KeystoreDecryptError, KeystoreError

LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class Keystore:
    label: str
    address: str
    path: Path


def directory() -> Path:
    return home() / "keystores"


def _path(label: str) -> Path:
    if not LABEL.match(label):
        raise BadInputError(f"not a valid label: {label!r} (letters, digits, . _ - ; up to 64)")
    return directory() / f"{label}.json"


def _write(label: str, private_key: bytes, password: str) -> Keystore:
    path = _path(label)
    if path.exists():
        raise KeystoreError(f"a keystore named {label!r} exists already")
    encrypted = Account.encrypt(private_key, password)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Created with 0600 from the start: never readable by others, not even for an instant.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        json.dump(encrypted, file)
    return Keystore(label, Account.from_key(private_key).address, path)


def create(label: str, password: str) -> Keystore:
    return _write(label, Account.create().key, password)


def import_key(label: str, key_text: str, password: str) -> Keystore:
    text = key_text.strip().removeprefix("0x")
    if not re.fullmatch(r"[0-9a-fA-F]{64}", text):
        raise BadInputError("not a private key: expected 64 hexadecimal digits")
    return _write(label, bytes.fromhex(text), password)


def _read(label: str) -> dict[str, Any]:
    path = _path(label)
    if not path.exists():
        raise KeystoreError(f"no keystore named {label!r} in {directory()}")
    try:
        data = json.loads(path.read_text())
        if not isinstance(data, dict) or ("crypto" not in data and "Crypto" not in data):
            raise ValueError("no crypto section")
        return data
    except (ValueError, OSError) as error:
        raise KeystoreError(f"the keystore {label!r} is corrupted: {type(error).__name__}") from None


def listing() -> list[Keystore]:
    found = []
    for path in sorted(directory().glob("*.json")) if directory().exists() else []:
        try:
            address = "0x" + str(json.loads(path.read_text())["address"]).removeprefix("0x")
            found.append(Keystore(path.stem, to_checksum_address(address), path))
        except (ValueError, KeyError, OSError):
            found.append(Keystore(path.stem, "(corrupted)", path))
    return found


def address_of(label: str) -> ChecksumAddress:
    return to_checksum_address("0x" + str(_read(label).get("address", "")).removeprefix("0x"))


def unlock(label: str, password: str) -> LocalAccount:
    data = _read(label)
    try:
        key = Account.decrypt(data, password)
    except ValueError as error:
        if "MAC mismatch" in str(error):
            raise KeystoreDecryptError(label) from None
        raise KeystoreError(f"the keystore {label!r} is corrupted") from None
    account: LocalAccount = Account.from_key(key)
    return account
