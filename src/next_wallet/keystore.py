"""Keystores: Web3 Secret Storage v3 (scrypt, eth-account's defaults), one file per key, mode 0600,
named by a label. Keys and passwords never leave this module in clear except to sign.

A keystore's `address` field is only what the file says: it is checked against the key each time
the key is unlocked, and a keystore without one (the spec's own test vectors) is said to be so."""

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
from eth_utils.address import is_hex_address, to_checksum_address

from next_contracts import keyfile
from next_contracts.words import say
from next_wallet.config import home
from next_wallet.errors import BadInputError, KeystoreDecryptError, KeystoreError

LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
KDFS = ("scrypt", "pbkdf2")
NO_ADDRESS = "(no address stated)"


@dataclass(frozen=True)
class Keystore:
    label: str
    address: str
    path: Path


def directory() -> Path:
    return home() / "keystores"


def _path(label: str) -> Path:
    if not LABEL.match(label):
        raise BadInputError.said("wallet.keystore.bad_label", label=repr(label))
    return directory() / f"{label}.json"


def check_free(label: str) -> Path:
    """The path for a new keystore named `label`; refuses an invalid or taken label before any
    key or password is asked."""
    path = _path(label)
    if path.exists():
        raise KeystoreError.said("wallet.keystore.exists", label=repr(label))
    return path


def write_new(path: Path, data: dict[str, Any]) -> None:
    """Writes a keystore document to a new file, never over an existing one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Created with 0600 from the start: never readable by others, not even for an instant.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        json.dump(data, file)


def _save(label: str, data: dict[str, Any]) -> Path:
    path = check_free(label)
    write_new(path, data)
    return path


def _write(label: str, private_key: bytes, password: str) -> Keystore:
    check_free(label)
    path = _save(label, keyfile.encrypt(private_key, password))
    return Keystore(label, Account.from_key(private_key).address, path)


def create(label: str, password: str) -> Keystore:
    return _write(label, Account.create().key, password)


def import_key(label: str, key_text: str, password: str) -> Keystore:
    text = key_text.strip().removeprefix("0x")
    if not re.fullmatch(r"[0-9a-fA-F]{64}", text):
        raise BadInputError.said("wallet.keystore.not_key")
    return _write(label, bytes.fromhex(text), password)


def parse(text: str, what: str) -> dict[str, Any]:
    """A Web3 Secret Storage v3 document (geth, MetaMask, ethers.js, eth-account), scrypt or pbkdf2."""
    try:
        data: dict[str, Any] = json.loads(text)
    except ValueError:
        raise KeystoreError.said("wallet.keystore.not_json", what=what) from None
    crypto = data.get("crypto", data.get("Crypto")) if isinstance(data, dict) else None
    if not isinstance(crypto, dict) or data.get("version") != 3:
        raise KeystoreError.said("wallet.keystore.not_v3", what=what)
    if crypto.get("kdf") not in KDFS:
        raise KeystoreError.said("wallet.keystore.kdf", what=what, kdf=repr(crypto.get("kdf")), known=", ".join(KDFS))
    return data


def _read(label: str) -> dict[str, Any]:
    path = _path(label)
    if not path.exists():
        raise KeystoreError.said("wallet.keystore.missing", label=repr(label), directory=directory())
    try:
        text = path.read_text()
    except OSError as error:
        raise KeystoreError.said("wallet.keystore.unreadable", label=repr(label), error=error.strerror) from None
    try:
        return parse(text, say("wallet.keystore.named", label=repr(label)))
    except KeystoreError:
        raise KeystoreError.said("wallet.keystore.corrupted", label=repr(label)) from None


def _stated(data: dict[str, Any]) -> ChecksumAddress | None:
    """The address the file states, if it states a valid one."""
    stated = data.get("address")
    if not isinstance(stated, str) or not is_hex_address("0x" + stated.removeprefix("0x")):
        return None
    return to_checksum_address("0x" + stated.removeprefix("0x"))


def listing() -> list[Keystore]:
    found = []
    for path in sorted(directory().glob("*.json")) if directory().exists() else []:
        try:
            stated = _stated(parse(path.read_text(), path.name))
            found.append(Keystore(path.stem, stated or NO_ADDRESS, path))
        except (KeystoreError, OSError):
            found.append(Keystore(path.stem, "(corrupted)", path))
    return found


def stated_address(label: str) -> ChecksumAddress | None:
    return _stated(_read(label))


def address_of(label: str) -> ChecksumAddress:
    """The address the keystore states (checked against the key whenever it is unlocked)."""
    stated = stated_address(label)
    if stated is None:
        raise KeystoreError.said("wallet.keystore.no_address", label=repr(label), name=label)
    return stated


def _decrypt(data: dict[str, Any], password: str, what: str) -> LocalAccount:
    try:
        key = Account.decrypt(data, password)
    except ValueError as error:
        if "MAC mismatch" in str(error):
            raise KeystoreDecryptError(what) from None
        raise KeystoreError.said("wallet.keystore.corrupted", label=repr(what)) from None
    except (KeyError, TypeError):
        raise KeystoreError.said("wallet.keystore.corrupted", label=repr(what)) from None
    account: LocalAccount = Account.from_key(key)
    stated = _stated(data)
    if data.get("address") is not None and stated != account.address:
        raise KeystoreError.said(
            "wallet.keystore.wrong_address", label=repr(what), stated=data.get("address"), actual=account.address
        )
    return account


def unlock(label: str, password: str) -> LocalAccount:
    """The key, once it decrypts with `password` and belongs to the address the file states."""
    return _decrypt(_read(label), password, label)


def unlock_and_record(label: str, password: str) -> tuple[LocalAccount, bool]:
    """Unlocks the key, and writes its address into a keystore that stated none (as some wallets
    write them), so that the commands that read it before asking a password can: True if it did."""
    data = _read(label)
    account = _decrypt(data, password, label)
    if _stated(data) is not None:
        return account, False
    path, spare = _path(label), _path(label).with_suffix(".json.new")
    spare.unlink(missing_ok=True)  # a spare left by an earlier crash here
    write_new(spare, {**data, "address": account.address[2:].lower()})
    os.replace(spare, path)  # whole or not at all: the keystore is never half-written
    return account, True


def read_external(file: Path) -> dict[str, Any]:
    """Another wallet's keystore file, checked for shape before any password is asked."""
    try:
        text = file.read_text()
    except OSError as error:
        raise KeystoreError.said("wallet.file_unreadable", file=file, error=error.strerror) from None
    return parse(text, str(file))


def import_keystore(label: str, data: dict[str, Any], password: str, what: str) -> Keystore:
    """Stores a copy of another wallet's keystore once it decrypts with `password` and its stated
    address (if any) is its key's; a copy without an address gets the derived one."""
    check_free(label)
    account = _decrypt(data, password, what)
    path = _save(label, {**data, "address": account.address[2:].lower()})
    return Keystore(label, account.address, path)
