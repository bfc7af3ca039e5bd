"""How the gateway answers what goes wrong, in one place: any body a client sends gets a 4xx, never
a 500, and an index database or a chain that does not answer is a 503.

FastAPI's own validation answer echoes the client's input back, and its JSON encoder then fails on
what a client can put in a body (a lone surrogate, `1e999999` parsed as infinity, bytes that are not
UTF-8): the answer became a 500. Here the input is never echoed, and every JSON answer is written
in ASCII, so that a string from a client's body, escaped, can always be sent back."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException
from web3.exceptions import ContractCustomError, ContractLogicError, TransactionNotFound

from next_contracts.errors import DecodedError, amount_in, describe, error_from_exception, withhold_figures
from next_contracts.messages import language_of_header, say
from next_contracts.vocabulary import role_name
from next_node.errors import ChainUnavailableError

log = logging.getLogger("next_node.api")


class Refusal(Exception):
    """A request the gateway refuses, by its code in the catalogue (next_contracts/messages.json) and
    its arguments. Its kind says what it means; one handler (below) maps each kind to its HTTP status
    and answers `{"detail": sentence, "code": code, "args": args}`, the sentence in the client's
    language (Accept-Language), so a client can show it or put the code in its own words."""

    def __init__(self, code: str, **args: Any) -> None:
        super().__init__(say(code, "en", **args))
        self.code, self.arguments = code, args

    def answer(self, language: str) -> dict[str, Any]:
        return said(self.code, language, self.arguments)


class BadInput(Refusal):
    """What the client sent cannot be read or is not what this route takes."""


class Unprocessable(Refusal):
    """Read, but its content is not acceptable (a kind that does not exist, words that cannot print)."""


class NotSignedIn(Refusal):
    """No valid sign-in token."""


class NotAllowed(Refusal):
    """Signed in, but this member may not see or do it."""


class NotFound(Refusal):
    """Nothing of that name in the index (or not shown to this member)."""


class StateConflict(Refusal):
    """Well-formed, but the state of the index or the chain refuses it now."""


class TooManyRequests(Refusal):
    """Past the rate this gateway allows; `retry` is in seconds."""

    def __init__(self, retry: int) -> None:
        super().__init__("gateway.too_many", retry=retry)
        self.retry = retry


class LedgerWouldRefuse(Exception):
    """The chain says the ledger would revert this transaction (credit, ceiling, status ...): a
    409 with the ledger's typed error in words. The typed error's bytes go with it, for a wallet to
    put in its own words, except where they hold another account's figures (its balance, limit or
    ceiling), never shown to `viewer`, the member who asked. A batch judged line by line gives its
    `words` instead."""

    def __init__(
        self,
        viewer: str,
        error: ContractCustomError | ContractLogicError | None = None,
        words: str | None = None,
    ) -> None:
        super().__init__(words or str(error))
        self.viewer, self.error, self.words = viewer, error, words

    def answer(self, language: str) -> dict[str, Any]:
        """`{"detail", "error_data", "words"}`: the refusal in words, in `language`."""
        if self.words is not None:
            detail, data, words = self.words, None, self.words
        else:
            assert self.error is not None
            decoded = error_from_exception(self.error)
            if decoded is not None:
                decoded, withheld = withhold_figures(decoded, self.viewer)
                data = None if withheld else self.error.data
                detail, words = in_words(decoded), describe(decoded, amount_in(language), language)
            else:  # a revert without one of the ledger's typed errors: the node's reason string, if any
                detail, data = (self.error.message or "no reason given"), None
                words = detail
        return {"detail": f"the ledger would refuse it: {detail}", "error_data": data, "words": words}


STATUS: dict[type[Refusal], int] = {
    BadInput: 400,
    NotSignedIn: 401,
    NotAllowed: 403,
    NotFound: 404,
    StateConflict: 409,
    Unprocessable: 422,
    TooManyRequests: 429,
}


def in_words(decoded: DecodedError) -> str:
    """A typed error with its facts in clean words: a role by its name (REGISTRAR_ROLE), other
    bytes in hex, never Python's repr of them."""

    def word(value: object) -> str:
        if isinstance(value, bytes):
            return role_name(value)
        return str(value)

    return f"{decoded.name}({', '.join(f'{k}={word(v)}' for k, v in decoded.args.items())})"


def said(code: str, language: str, args: dict[str, Any]) -> dict[str, Any]:
    """A refusal's body: the sentence in `language`, its code and its arguments."""
    return {"detail": say(code, language, **args), "code": code, "args": args}


def chain_call(call: Any) -> Any:
    """`call()`, a read from the chain; a contract's revert stays what it is (the route answers it),
    any other failure is the chain not answering: a 503, the cause in the log, not in the answer."""
    try:
        return call()
    except (ContractCustomError, ContractLogicError, TransactionNotFound):
        raise
    except Exception as error:
        raise ChainUnavailableError() from error


class SafeJSONResponse(JSONResponse):
    """JSON in ASCII: a lone surrogate stays the escape `\\ud800` instead of failing to encode."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
    """422 with where and why, but not the input (which may be unencodable, and is the client's own)."""
    detail = [
        {"loc": [part if isinstance(part, int) else str(part) for part in problem["loc"]], "msg": problem["msg"]}
        | {"type": problem["type"]}
        for problem in error.errors()
    ]
    return SafeJSONResponse({"detail": detail}, status_code=422)


async def http_error(request: Request, error: HTTPException) -> JSONResponse:
    """The framework's own HTTPExceptions (a route that does not exist, a method it does not take)."""
    if error.status_code in (204, 304):
        return SafeJSONResponse(None, status_code=error.status_code, headers=error.headers)
    return SafeJSONResponse({"detail": error.detail}, status_code=error.status_code, headers=error.headers)


async def refused(request: Request, error: Refusal) -> JSONResponse:
    """Every refusal of a route, by its kind; its words may quote what the client sent."""
    request.state.refusal_code = error.code  # the operator's metrics count refusals by it
    headers: dict[str, str] = {}
    if isinstance(error, NotSignedIn):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(error, TooManyRequests):
        headers["Retry-After"] = str(error.retry)
    status = next(STATUS[kind] for kind in type(error).__mro__ if kind in STATUS)
    answer = error.answer(language_of_header(request.headers.get("accept-language")))
    return SafeJSONResponse(answer, status_code=status, headers=headers or None)


async def ledger_would_refuse(request: Request, error: LedgerWouldRefuse) -> JSONResponse:
    """409: the ledger's refusal in words, in the client's language."""
    answer = error.answer(language_of_header(request.headers.get("accept-language")))
    return SafeJSONResponse(answer, status_code=409)


def _said(request: Request, code: str, **args: Any) -> dict[str, Any]:
    return said(code, language_of_header(request.headers.get("accept-language")), args)


async def database_unavailable(request: Request, error: Exception) -> JSONResponse:
    log.error("database error on %s: %s", request.url.path, error)
    return SafeJSONResponse(_said(request, "gateway.database_down"), status_code=503)


async def chain_unavailable(request: Request, error: Exception) -> JSONResponse:
    """The chain down, slow, or refusing reads (from the chain watch, or a route's call): the one
    503 of every route that needs the chain, with the cause in brackets when there is one."""
    cause = f" ({str(error)[:200]})" if str(error) else ""
    return SafeJSONResponse(_said(request, "gateway.chain_down", cause=cause), status_code=503)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Refusal, refused)  # type: ignore[arg-type]
    app.add_exception_handler(LedgerWouldRefuse, ledger_would_refuse)  # type: ignore[arg-type]
    app.add_exception_handler(OperationalError, database_unavailable)
    app.add_exception_handler(ChainUnavailableError, chain_unavailable)
