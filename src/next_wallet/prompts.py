"""What a command asks the user before anything is signed: a confirmation (on a terminal, or
`--yes` in scripts), and the password that unlocks a keystore."""

from __future__ import annotations

import argparse
import sys

from eth_account.signers.local import LocalAccount

from next_contracts.words import say
from next_wallet import keystore
from next_wallet.errors import AbortedError
from next_wallet.passwords import password


def confirm(args: argparse.Namespace, question: str) -> None:
    if args.yes:
        return
    if not sys.stdin.isatty():
        raise AbortedError.said("wallet.confirm.no_terminal")
    try:
        answer = input(f"{question} {say('wallet.confirm.choices')} ")
    except EOFError:
        answer = ""
    if answer.strip().lower() not in ("y", "yes", "o", "oui"):
        raise AbortedError.said("wallet.confirm.nothing_sent")


def unlock(args: argparse.Namespace, label: str) -> LocalAccount:
    """The keystore's key, with the password of --password-env, --password-file, or asked hidden."""
    return keystore.unlock(label, password(env=args.password_env, file=args.password_file, label=label))
