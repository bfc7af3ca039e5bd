"""Sign-In with Ethereum (EIP-4361) and the gateway's access tokens.

1. GET /auth/nonce gives a single-use nonce, with the domain, URI and chain id the message must name.
2. The member signs the standard EIP-4361 message with its wallet key (personal_sign).
3. POST /auth/login bounds the message (2 KiB, 24 lines of 512 characters: an EIP-4361 message is
   a few hundred bytes, and parsing kilobytes of junk cost seconds), checks the message and
   signature (siwe, the reference implementation), spends the nonce, checks on the chain that the
   signer is a member or holds a staff role, and answers a short-lived token (HS256 JWT) bound to
   the address, the chain id, this domain and an expiry. Logins count per IP, and per address only
   once the signature is valid (ratelimit.py).

Roles and statuses are not put in the token: they are read from the chain on each request (see
access.py), so that a frozen member or a revoked auditor loses access at once.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import SplitResult, urlsplit

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, Field, ValidationError
from siwe import SiweMessage, VerificationError

from next_node.api.access import principal
from next_node.api.deps import ContextDep
from next_node.api.errors import BadInput, NotAllowed
from next_node.api.ratelimit import limit
from next_node.api.tokens import Token, issue_token, unauthorized

router = APIRouter(tags=["auth"])
# An EIP-4361 message is a few hundred bytes: refused above these bounds before anything parses it.
MAX_MESSAGE = 2048
MAX_MESSAGE_LINES = 24
MAX_LINE = 512


class NonceOffer(BaseModel):
    nonce: str
    domain: str
    uri: str
    chain_id: int
    expires_in: int


class Login(BaseModel):
    message: str = Field(max_length=MAX_MESSAGE, description="the signed EIP-4361 message, at most 2048 characters")
    signature: str = Field(max_length=200, description="0x and the 65-byte signature in hex")


def parse_message(text: str) -> SiweMessage:
    """The EIP-4361 message, parsed by siwe's regular-expression parser (its ABNF parser takes
    seconds on a few kilobytes), after bounding its lines; BadInput when it is not one."""
    lines = text.split("\n")
    if len(lines) > MAX_MESSAGE_LINES or max(len(line) for line in lines) > MAX_LINE:
        raise BadInput("gateway.siwe_too_long", lines=MAX_MESSAGE_LINES, characters=MAX_LINE)
    try:
        return SiweMessage.from_message(text, abnf=False)
    except Exception as error:
        raise BadInput("gateway.siwe_unreadable", reason=_first_reason(error)) from error


def same_origin(uri: str, origin: str) -> bool:
    """EIP-4361: the URI a member signed must be the gateway's own (its scheme, host and port; any
    path under it), or a message signed for another site would open a session here."""
    try:
        signed, ours = urlsplit(uri), urlsplit(origin)
        return (signed.scheme.lower(), signed.hostname, _port(signed)) == (ours.scheme, ours.hostname, _port(ours))
    except ValueError:  # a port that is not a number, a bad IPv6 host
        return False


def _port(url: SplitResult) -> int | None:
    return url.port or {"http": 80, "https": 443}.get(url.scheme.lower())


def _first_reason(error: Exception) -> str:
    """A parse error in words: pydantic's first message, without its repr of the input."""
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"{where}: {first['msg']}" if where else str(first["msg"])
    return str(error).splitlines()[0][:200] if str(error) else type(error).__name__


@router.get("/auth/nonce", responses={429: {"description": "too many requests"}})
def nonce(request: Request, context: ContextDep) -> NonceOffer:
    """A single-use nonce, and the domain, URI and chain id the signed message must state."""
    auth = context.auth
    limit(request, auth.login_rate, "login")
    return NonceOffer(
        nonce=context.nonces.issue(auth.nonce_seconds),
        domain=auth.domain,
        uri=auth.uri,
        chain_id=context.deployment.chain_id,
        expires_in=auth.nonce_seconds,
    )


@router.post(
    "/auth/login",
    responses={
        400: {"description": "not an EIP-4361 message, or one with more than 24 lines or a line over 512"},
        401: {"description": "bad signature, nonce, domain, chain or expiry"},
        403: {"description": "not a member"},
        413: {"description": "a body over 64 KiB"},
        422: {"description": "a message over 2 KiB or a signature over 200 characters"},
        429: {"description": "too many requests"},
    },
)
def login(request: Request, context: ContextDep, body: Annotated[Login, Body()]) -> Token:
    """Checks a signed EIP-4361 message and answers an access token for its address."""

    auth = context.auth
    limit(request, auth.login_rate, "login")
    message = parse_message(body.message)
    if not context.nonces.spend(message.nonce):
        raise unauthorized("gateway.nonce_unknown")
    if message.chain_id != context.deployment.chain_id:
        raise unauthorized("gateway.siwe_other_chain", theirs=message.chain_id, chain=context.deployment.chain_id)
    if not same_origin(str(message.uri), auth.uri):
        raise unauthorized("gateway.siwe_other_uri", uri=repr(str(message.uri)[:100]), ours=auth.uri)
    try:
        message.verify(body.signature, domain=auth.domain)
    except VerificationError as error:
        raise unauthorized("gateway.siwe_not_verified", reason=type(error).__name__) from error
    except Exception as error:
        raise unauthorized("gateway.signature_malformed") from error
    # Counted per address only now that the signer is known: bogus logins naming a member, from
    # anywhere, must not lock that member out (they count against their own IP above).
    limit(request, auth.login_rate, "login", address=message.address)
    who = principal(context, message.address.lower())
    if not who.member and not who.staff:
        raise NotAllowed("gateway.not_member_of_ledger", address=message.address)
    return issue_token(auth, message.address, context.deployment.chain_id)
