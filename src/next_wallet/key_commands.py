"""Commands about keys: `create`, `import` (a private key), `list`, `address`, `import-keystore`
(a keystore made by geth, MetaMask or ethers.js) and `nonce` (the next nonce, for `sign --nonce` on
an offline machine)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from next_contracts.words import say
from next_wallet import keystore
from next_wallet.config import Config
from next_wallet.errors import BadInputError, NotSignedInError
from next_wallet.gateway_ledger import open_ledger
from next_wallet.passwords import password, private_key_text

if TYPE_CHECKING:
    from next_wallet.output import Output

Add = Callable[..., argparse.ArgumentParser]


def cmd_create(args: argparse.Namespace, out: Output) -> None:
    keystore.check_free(args.label)  # before a password is chosen for nothing
    secret = password(env=args.password_env, file=args.password_file, confirm=True, label=args.label)
    created = keystore.create(args.label, secret)
    out.result(
        {"label": created.label, "address": created.address, "keystore": str(created.path)},
        say("wallet.key.created", label=created.label, address=created.address, path=created.path),
    )


def cmd_import(args: argparse.Namespace, out: Output) -> None:
    keystore.check_free(args.label)  # a bad or taken label is said before anything secret is typed
    key_text = private_key_text(file=args.key_file)
    secret = password(env=args.password_env, file=args.password_file, confirm=True, label=args.label)
    imported = keystore.import_key(args.label, key_text, secret)
    out.result(
        {"label": imported.label, "address": imported.address},
        say("wallet.key.imported", label=imported.label, address=imported.address),
    )


def cmd_list(args: argparse.Namespace, out: Output) -> None:
    found = keystore.listing()
    out.result(
        {"keystores": [{"label": k.label, "address": k.address} for k in found]},
        "\n".join(f"{k.label}\t{k.address}" for k in found) or say("wallet.key.none"),
    )


def cmd_address(args: argparse.Namespace, out: Output) -> None:
    """The address the keystore states; with --verify, the key's own (asks the password), which is
    then written into a keystore that stated none."""
    if not args.verify:
        address = keystore.address_of(args.label)
        out.result({"label": args.label, "address": address, "verified": False}, address)
        return
    secret = password(env=args.password_env, file=args.password_file, label=args.label)
    account, recorded = keystore.unlock_and_record(args.label, secret)
    note = "\n" + say("wallet.key.recorded", label=repr(args.label)) if recorded else ""
    out.result(
        {"label": args.label, "address": account.address, "verified": True, "recorded": recorded},
        account.address + note,
    )


def cmd_import_keystore(args: argparse.Namespace, out: Output) -> None:
    """Checks the label, then the file's shape, then asks its password: it must decrypt, and the
    address it states (if any) must be its key's. A copy (its own KDF kept) goes to keystores/."""
    file = Path(args.file)
    label = args.label or file.stem
    if not keystore.LABEL.match(label):
        raise BadInputError.said("wallet.key.bad_file_label", name=file.name, file=file)
    keystore.check_free(label)
    data = keystore.read_external(file)
    secret = password(env=args.password_env, file=args.password_file, label=str(file))
    imported = keystore.import_keystore(label, data, secret, str(file))
    kdf = data.get("crypto", data.get("Crypto", {})).get("kdf")
    out.result(
        {"label": imported.label, "address": imported.address, "keystore": str(imported.path), "kdf": kdf},
        say("wallet.key.imported_checked", label=imported.label, address=imported.address, kdf=kdf),
    )


def next_nonce(config: Config, address: str) -> int:
    """The nonce the account's next transaction must carry: from the node, or from the gateway's
    pre-flight of a read-only call from one's own account (it needs the sign-in)."""
    ledger = open_ledger(config)
    return int(ledger.build(address, ledger.contract.functions.balanceOf(address))["nonce"])  # type: ignore[arg-type]


def nonce_for_balance(config: Config, args: argparse.Namespace, address: str) -> int | None:
    """The next nonce for `balance`, when it is the user's own account or a node is at hand."""
    if config.rpc_url:
        return next_nonce(config, address)
    if not args.label or args.address or args.as_label:
        return None  # the gateway pre-flights only one's own account
    try:
        return next_nonce(config, address)
    except NotSignedInError:
        return None  # the balance was shown with a token; the nonce is not worth failing for


def cmd_nonce(args: argparse.Namespace, out: Output) -> None:
    address = keystore.address_of(args.label)
    nonce = next_nonce(Config.load(), address)
    out.result({"label": args.label, "address": address, "nonce": nonce}, str(nonce))


def add_commands(add: Add) -> None:
    """Adds the commands to the parser; each names its function as `run`."""
    sub = add(
        "import-keystore",
        "import a keystore made by geth, MetaMask or ethers.js (v3, scrypt or pbkdf2): checked with its password",
        secret=True,
    )
    sub.add_argument("file", help="the keystore file (JSON)")
    sub.add_argument("label", nargs="?", help="its label here (default: the file's name)")
    sub.set_defaults(run=cmd_import_keystore)
    sub = add("nonce", "the account's next nonce, for `sign --nonce` on an offline machine")
    sub.add_argument("label")
    sub.set_defaults(run=cmd_nonce)
