"""Where a password comes from: the prompt, or an environment variable or file named by a flag.
Never the command line, where other users and shell histories would see it."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from next_contracts.words import say
from next_wallet.errors import AbortedError, BadInputError


def password(*, env: str | None, file: Path | None, confirm: bool = False, label: str = "") -> str:
    if env:
        value = os.environ.get(env)
        if value is None:
            raise BadInputError.said("wallet.password.env_unset", env=env)
        return value
    if file:
        try:
            return file.read_text().rstrip("\n")
        except OSError as error:
            raise BadInputError.said("wallet.password.file_unreadable", file=file, error=error.strerror) from None
    if not sys.stdin.isatty():
        raise BadInputError.said("wallet.password.no_terminal")
    try:
        first = getpass.getpass(say("wallet.password.prompt", label=label))
        if confirm and getpass.getpass(say("wallet.password.again")) != first:
            raise BadInputError.said("wallet.password.differ")
    except (EOFError, KeyboardInterrupt):
        raise AbortedError.said("wallet.aborted") from None
    if confirm and len(first) < 8:
        raise BadInputError.said("wallet.password.short")
    return first


def private_key_text(*, file: str | None) -> str:
    """A private key, read like a password: from `file`, else hidden at a prompt on a terminal, else
    one line of stdin (a pipe). Never from the command line, never echoed."""
    if file:
        try:
            return Path(file).read_text()
        except OSError as error:
            raise BadInputError.said("wallet.key.file_unreadable", file=file, error=error.strerror) from None
    if sys.stdin.isatty():
        try:
            return getpass.getpass(say("wallet.key.prompt"))
        except (EOFError, KeyboardInterrupt):
            raise AbortedError.said("wallet.aborted") from None
    return sys.stdin.readline()
