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

import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import SplitResult, urlsplit

import jwt
from fastapi import APIRouter, Body, HTTPException, Request
from pydantic import BaseModel, Field, ValidationError
from siwe import SiweMessage, VerificationError
from web3 import Web3

from next_node.api.deps import ContextDep
from next_node.api.ratelimit import Network, limit

router = APIRouter(tags=["auth"])
ALGORITHM = "HS256"
# An EIP-4361 message is a few hundred bytes: refused above these bounds before anything parses it.
MAX_MESSAGE = 2048
MAX_MESSAGE_LINES = 24
MAX_LINE = 512
ADDRESS_SUBJECT = re.compile(r"0x[0-9a-f]{40}")


@dataclass
class AuthSettings:
    """`domain` is the gateway's public host[:port], which every message and token must name."""

    domain: str = "127.0.0.1:8000"
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    token_seconds: int = 15 * 60
    nonce_seconds: int = 5 * 60
    login_rate: str = "20/minute"  # per IP and per address
    relay_rate: str = "120/minute"  # per IP and per sender
    trusted_proxies: tuple[Network, ...] = ()  # whose X-Forwarded-For names the client (ratelimit.py)

    @property
    def uri(self) -> str:
        return f"http://{self.domain}" if self.domain.startswith(("127.", "localhost")) else f"https://{self.domain}"

    @staticmethod
    def secret_from_file(path: Path) -> bytes:
        """The signing key kept in the data directory (mode 0600), so that tokens survive a restart
        and every gateway process on the directory signs alike. Made whole beside it, then linked
        into place: a process starting at the same moment reads the one key, never half of it."""
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fresh = path.with_name(f".{path.name}.{os.getpid()}")
            fresh.touch(mode=0o600)
            fresh.write_bytes(secrets.token_bytes(32))
            try:
                os.link(fresh, path)  # fails if another process made it first: theirs stands
            except FileExistsError:
                pass
            finally:
                fresh.unlink()
        return path.read_bytes()


class NonceOffer(BaseModel):
    nonce: str
    domain: str
    uri: str
    chain_id: int
    expires_in: int


class Login(BaseModel):
    message: str = Field(max_length=MAX_MESSAGE, description="the signed EIP-4361 message, at most 2048 characters")
    signature: str = Field(max_length=200, description="0x and the 65-byte signature in hex")


class Token(BaseModel):
    token: str
    address: str
    expires_at: datetime


def issue_token(settings: AuthSettings, address: str, chain_id: int, now: datetime | None = None) -> Token:
    now = now or datetime.now(UTC)
    expires = now + timedelta(seconds=settings.token_seconds)
    claims = {"sub": address.lower(), "chain_id": chain_id, "aud": settings.domain, "iat": now, "exp": expires}
    return Token(
        token=jwt.encode(claims, settings.secret, algorithm=ALGORITHM),
        address=Web3.to_checksum_address(address),
        expires_at=expires,
    )


def address_of_token(settings: AuthSettings, token: str, chain_id: int) -> str:
    """The address a valid token is bound to; HTTPException 401 otherwise, saying why."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            settings.secret,
            algorithms=[ALGORITHM],
            audience=settings.domain,
            options={"require": ["exp", "sub"]},
        )
    except jwt.ExpiredSignatureError as error:
        raise unauthorized("the token has expired; log in again") from error
    except jwt.InvalidAudienceError as error:
        raise unauthorized(f"the token is for another gateway, not {settings.domain}") from error
    except jwt.InvalidTokenError as error:
        raise unauthorized("the token is not valid") from error
    if claims.get("chain_id") != chain_id:
        theirs = claims.get("chain_id")
        named = f"chain {theirs}" if isinstance(theirs, int) else "another chain"
        raise unauthorized(f"the token is for {named}, this ledger is on chain {chain_id}")
    subject = claims["sub"]
    if not isinstance(subject, str) or not ADDRESS_SUBJECT.fullmatch(subject):
        raise unauthorized("the token does not name an account")
    return subject


def parse_message(text: str) -> SiweMessage:
    """The EIP-4361 message, parsed by siwe's regular-expression parser (its ABNF parser takes
    seconds on a few kilobytes), after bounding its lines; HTTPException 400 when it is not one."""
    lines = text.split("\n")
    if len(lines) > MAX_MESSAGE_LINES or max(len(line) for line in lines) > MAX_LINE:
        raise HTTPException(400, f"not an EIP-4361 message: more than {MAX_MESSAGE_LINES} lines or a line over "
                                 f"{MAX_LINE} characters")  # fmt: skip
    try:
        return SiweMessage.from_message(text, abnf=False)
    except Exception as error:
        raise HTTPException(400, f"not an EIP-4361 message: {_first_reason(error)}") from error


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


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


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
    from next_node.api.access import principal  # access depends on this module's token functions

    auth = context.auth
    limit(request, auth.login_rate, "login")
    message = parse_message(body.message)
    if not context.nonces.spend(message.nonce):
        raise unauthorized("the nonce is unknown, expired or already used; ask for a new one")
    if message.chain_id != context.deployment.chain_id:
        raise unauthorized(f"the message is for chain {message.chain_id}, this ledger is on chain "
                           f"{context.deployment.chain_id}")  # fmt: skip
    if not same_origin(str(message.uri), auth.uri):
        raise unauthorized(f"the message's URI {str(message.uri)[:100]!r} is not this gateway's ({auth.uri})")
    try:
        message.verify(body.signature, domain=auth.domain)
    except VerificationError as error:
        raise unauthorized(f"the message does not verify: {type(error).__name__}") from error
    except Exception as error:
        raise unauthorized("the signature is malformed") from error
    # Counted per address only now that the signer is known: bogus logins naming a member, from
    # anywhere, must not lock that member out (they count against their own IP above).
    limit(request, auth.login_rate, "login", address=message.address)
    who = principal(context, message.address.lower())
    if not who.member and not who.staff:
        raise HTTPException(403, f"{message.address} is not a member of this ledger")
    return issue_token(auth, message.address, context.deployment.chain_id)
