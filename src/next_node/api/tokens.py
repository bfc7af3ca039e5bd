"""The gateway's access tokens: its settings, and the short-lived HS256 JWT that POST /auth/login
issues (auth.py) and every signed-in route checks (access.py), bound to an address, the chain id,
this gateway's domain and an expiry."""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from pydantic import BaseModel
from web3 import Web3

from next_node.api.errors import NotSignedIn
from next_node.api.ratelimit import Network

ALGORITHM = "HS256"
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
    """The address a valid token is bound to; NotSignedIn otherwise, saying why."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            settings.secret,
            algorithms=[ALGORITHM],
            audience=settings.domain,
            options={"require": ["exp", "sub"]},
        )
    except jwt.ExpiredSignatureError as error:
        raise unauthorized("gateway.token_expired") from error
    except jwt.InvalidAudienceError as error:
        raise unauthorized("gateway.token_other_gateway", domain=settings.domain) from error
    except jwt.InvalidTokenError as error:
        raise unauthorized("gateway.token_invalid") from error
    if claims.get("chain_id") != chain_id:
        theirs = claims.get("chain_id")
        raise unauthorized(
            "gateway.token_other_chain", theirs=theirs if isinstance(theirs, int) else "?", chain=chain_id
        )
    subject = claims["sub"]
    if not isinstance(subject, str) or not ADDRESS_SUBJECT.fullmatch(subject):
        raise unauthorized("gateway.token_no_account")
    return subject


def unauthorized(code: str, **args: Any) -> NotSignedIn:
    return NotSignedIn(code, **args)
