"""Asking the user to confirm before anything is signed: on a terminal, or `--yes` in scripts."""

from __future__ import annotations

import argparse
import sys

from next_wallet.errors import AbortedError


def confirm(args: argparse.Namespace, question: str) -> None:
    if args.yes:
        return
    if not sys.stdin.isatty():
        raise AbortedError("not confirmed: no terminal to ask on (add --yes to confirm in scripts)")
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        answer = ""
    if answer.strip().lower() not in ("y", "yes", "o", "oui"):
        raise AbortedError("nothing was sent")
