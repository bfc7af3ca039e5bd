"""Errors said in words: a sentence of the one catalogue (messages.json), in the language of the
context that raises it (next_contracts.words), keeping its code and arguments so that the gateway
can say it again in its client's language.

`BadInput` is the rules' own: a malformed amount, address, file line or proposal value, named with
what is wrong. The wallet answers it with its exit code 11, the gateway with a 422.
"""

from __future__ import annotations

from typing import Any, Self

from next_contracts.errors import NextContractsError
from next_contracts.words import say


class SaidError(NextContractsError):
    code: str | None = None  # its sentence's code in the catalogue, when said from it
    arguments: dict[str, Any] = {}  # noqa: RUF012 (replaced, never changed)

    @classmethod
    def said(cls, code: str, /, **args: Any) -> Self:
        """The error whose message is the catalogue's sentence `code`, in the context's language."""
        error = cls(say(code, **args))
        error.code, error.arguments = code, args
        return error


class BadInput(SaidError, ValueError):
    """A malformed amount, address, file line or proposal value."""
