"""Where a password comes from: the prompt, or an environment variable or file named by a flag.
Never the command line, where other users and shell histories would see it."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from next_wallet.errors import AbortedError, BadInputError


def password(*, env: str | None, file: Path | None, confirm: bool = False, label: str = "") -> str:
    if env:
        value = os.environ.get(env)
        if value is None:
            raise BadInputError(f"the environment variable {env} is not set")
        return value
    if file:
        try:
            return file.read_text().rstrip("\n")
        except OSError as error:
            raise BadInputError(f"cannot read the password file {file}: {error.strerror}") from None
    if not sys.stdin.isatty():
        raise BadInputError("no terminal to ask the password on: use --password-env or --password-file")
    try:
        first = getpass.getpass(f"Password for {label}: ")
        if confirm and getpass.getpass("Again: ") != first:
            raise BadInputError("the two passwords differ")
    except (EOFError, KeyboardInterrupt):
        raise AbortedError("aborted") from None
    if confirm and len(first) < 8:
        raise BadInputError("choose a password of at least 8 characters")
    return first


def private_key_text(*, file: str | None) -> str:
    """A private key, read like a password: from `file`, else hidden at a prompt on a terminal, else
    one line of stdin (a pipe). Never from the command line, never echoed."""
    if file:
        try:
            return Path(file).read_text()
        except OSError as error:
            raise BadInputError(f"cannot read the key file {file}: {error.strerror}") from None
    if sys.stdin.isatty():
        try:
            return getpass.getpass("Private key (hidden, 64 hexadecimal digits): ")
        except (EOFError, KeyboardInterrupt):
            raise AbortedError("aborted") from None
    return sys.stdin.readline()
