"""Sign-In with Ethereum (EIP-4361) and the gateway's access tokens.

1. GET /auth/nonce gives a single-use nonce, with the domain, URI and chain id the message must name.
2. The member signs the standard EIP-4361 message with its wallet key (personal_sign).
3. POST /auth/login checks the message and signature (siwe, the reference implementation), spends
   the nonce, checks on the chain that the signer is a member or holds a staff role, and answers
   a short-lived token (HS256 JWT) bound to the address, the chain id, this domain and an expiry.

Roles and statuses are not put in the token: they are read from the chain on each request (see
access.py), so that a frozen member or a revoked auditor loses access at once.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import jwt
from fastapi import APIRouter, Body, HTTPException, Request
from pydantic import BaseModel
from siwe import SiweMessage, VerificationError
from web3 import Web3

from next_node.api.deps import ContextDep
from next_node.api.ratelimit import limit

router = APIRouter(tags=["auth"])
ALGORITHM = "HS256"


@dataclass
class AuthSettings:
    """`domain` is the gateway's public host[:port], which every message and token must name."""

    domain: str = "127.0.0.1:8000"
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    token_seconds: int = 15 * 60
    nonce_seconds: int = 5 * 60
    login_rate: str = "20/minute"  # per IP and per address
    relay_rate: str = "120/minute"  # per IP and per sender

    @property
    def uri(self) -> str:
        return f"http://{self.domain}" if self.domain.startswith(("127.", "localhost")) else f"https://{self.domain}"

    @staticmethod
    def secret_from_file(path: Path) -> bytes:
        """The signing key kept in the data directory (mode 0600), so that tokens survive a restart."""
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_bytes(secrets.token_bytes(32))
        return path.read_bytes()


class Nonces:
    """Issued nonces until used or expired. In memory: one gateway process serves the API."""

    def __init__(self) -> None:
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self, seconds: int) -> str:
        nonce = secrets.token_hex(16)
        now = time.monotonic()
        with self._lock:
            self._expiry = {n: t for n, t in self._expiry.items() if t > now}  # forget the expired
            self._expiry[nonce] = now + seconds
        return nonce

    def spend(self, nonce: str) -> bool:
        """True once for a live nonce; a nonce used twice, never issued or expired gives False."""
        with self._lock:
            expiry = self._expiry.pop(nonce, None)
        return expiry is not None and expiry > time.monotonic()


class NonceOffer(BaseModel):
    nonce: str
    domain: str
    uri: str
    chain_id: int
    expires_in: int


class Login(BaseModel):
    message: str
    signature: str


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
        raise unauthorized(f"the token is for chain {claims.get('chain_id')}, this ledger is on chain {chain_id}")
    return str(claims["sub"])


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
        400: {"description": "not an EIP-4361 message"},
        401: {"description": "bad signature, nonce, domain, chain or expiry"},
        403: {"description": "not a member"},
        429: {"description": "too many requests"},
    },
)
def login(request: Request, context: ContextDep, body: Annotated[Login, Body()]) -> Token:
    """Checks a signed EIP-4361 message and answers an access token for its address."""
    from next_node.api.access import principal  # access depends on this module's token functions

    auth = context.auth
    limit(request, auth.login_rate, "login")
    try:
        message = SiweMessage.from_message(body.message)
    except Exception as error:
        raise HTTPException(400, f"not an EIP-4361 message: {str(error)[:200]}") from error
    limit(request, auth.login_rate, "login", address=message.address)
    if not context.nonces.spend(message.nonce):
        raise unauthorized("the nonce is unknown, expired or already used; ask for a new one")
    if message.chain_id != context.deployment.chain_id:
        raise unauthorized(f"the message is for chain {message.chain_id}, this ledger is on chain "
                           f"{context.deployment.chain_id}")  # fmt: skip
    try:
        message.verify(body.signature, domain=auth.domain)
    except VerificationError as error:
        raise unauthorized(f"the message does not verify: {type(error).__name__}") from error
    except Exception as error:
        raise unauthorized("the signature is malformed") from error
    who = principal(context, message.address.lower())
    if not who.member and not who.staff:
        raise HTTPException(403, f"{message.address} is not a member of this ledger")
    return issue_token(auth, message.address, context.deployment.chain_id)
