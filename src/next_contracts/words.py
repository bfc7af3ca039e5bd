"""The language a context speaks: for the wallet, --lang, else the terminal's (LANGUAGE, LC_ALL,
LC_MESSAGES, LANG, as gettext reads them), English when neither names French or English (C, POSIX,
unset); for the gateway, each request's Accept-Language while it reads a file or a proposal by the
shared rules (`speaking`). Every sentence comes from the one catalogue (messages.json); a French
reader gets French amounts and dates too, an English reader English ones.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from next_contracts import messages

LANGUAGES = messages.LANGUAGES
# A context's own: the CLI sets it once; the gateway, reading an uploaded file by the wallet's
# rules, says its problems in each client's language (`speaking`), request by request.
_language: ContextVar[str] = ContextVar("next_wallet_language", default="en")


def use_language(language: str | None) -> str:
    """Every sentence of this context in `language`, or in the terminal's when None."""
    chosen = language or messages.language_of_environment(os.environ, default="en")
    _language.set(chosen)
    return chosen


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """The wallet's sentences in `language` within the block only."""
    token = _language.set(language)
    try:
        yield
    finally:
        _language.reset(token)


def language() -> str:
    return _language.get()


def named_language() -> str:
    """The language the terminal names (LANG and the rest), "" when it names neither."""
    return messages.language_of_environment(os.environ, default="")


def say(code: str, /, **args: Any) -> str:
    """The sentence `code` of the catalogue in the wallet's language."""
    return messages.say(code, _language.get(), **args)


def percent(basis_points: int) -> str:
    return messages.percent(basis_points, _language.get())


def moment(seconds: int | str) -> str:
    """A time (Unix seconds, or an ISO 8601 text kept as it is) as the reader writes it."""
    return messages.moment(seconds, _language.get()) if isinstance(seconds, int) else seconds
