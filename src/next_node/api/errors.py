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

from next_contracts.messages import language_of_header, say
from next_node.errors import ChainUnavailableError

log = logging.getLogger("next_node.api")


class Refusal(HTTPException):
    """A route's refusal by its code in the catalogue (next_contracts/messages.json) and its
    arguments: answered as `{"detail": sentence, "code": code, "args": args}`, the sentence in the
    client's language (Accept-Language), so a client can show it or put the code in its own words."""

    def __init__(self, status_code: int, code: str, headers: dict[str, str] | None = None, **args: Any) -> None:
        super().__init__(status_code, say(code, "en", **args), headers)
        self.code, self.arguments = code, args

    def answer(self, language: str) -> dict[str, Any]:
        return said(self.code, language, self.arguments)


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
    """The HTTPExceptions that routes raise, whose words may quote what the client sent."""
    if error.status_code in (204, 304):
        return SafeJSONResponse(None, status_code=error.status_code, headers=error.headers)
    if isinstance(error, Refusal):
        request.state.refusal_code = error.code  # the operator's metrics count refusals by it
        answer = error.answer(language_of_header(request.headers.get("accept-language")))
        return SafeJSONResponse(answer, status_code=error.status_code, headers=error.headers)
    return SafeJSONResponse({"detail": error.detail}, status_code=error.status_code, headers=error.headers)


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
    app.add_exception_handler(OperationalError, database_unavailable)
    app.add_exception_handler(ChainUnavailableError, chain_unavailable)
