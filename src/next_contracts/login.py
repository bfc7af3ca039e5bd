"""Sign-In with Ethereum (EIP-4361) against a gateway, from a local key: what the wallet's `login`
and the auditor's cross-check do. The message is built and the signature checked by `siwe`, the
reference implementation; the key signs it as personal_sign does (EIP-191)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from siwe import SiweMessage

from next_contracts.errors import NextContractsError

STATEMENT = "Sign in to the NExT gateway to see my own account."


class LoginError(NextContractsError):
    """The gateway refused the login, or did not answer; `status` is its HTTP status, if any."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Session:
    token: str
    address: str
    expires_at: str  # ISO 8601


def login(gateway_url: str, account: LocalAccount, *, timeout: float = 30.0) -> Session:
    base = gateway_url.rstrip("/")
    http = requests.Session()
    http.trust_env = False
    try:
        offer = _json(http.get(f"{base}/auth/nonce", timeout=timeout))
        answer = _json(http.post(f"{base}/auth/login", json=signed_login(offer, account), timeout=timeout))
    except requests.RequestException as error:
        raise LoginError(f"the gateway at {base} does not answer: {error}") from error
    return Session(token=answer["token"], address=answer["address"], expires_at=answer["expires_at"])


def signed_login(offer: dict[str, Any], account: LocalAccount) -> dict[str, str]:
    """The body of POST /auth/login for the gateway's nonce offer (GET /auth/nonce): the standard
    EIP-4361 message for it, signed by `account`."""
    message = SiweMessage(
        domain=offer["domain"],
        address=account.address,
        statement=STATEMENT,
        uri=offer["uri"],
        version="1",
        chain_id=offer["chain_id"],
        nonce=offer["nonce"],
        issued_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    ).prepare_message()
    signature = account.sign_message(encode_defunct(text=message)).signature.to_0x_hex()
    return {"message": message, "signature": signature}


def _json(response: requests.Response) -> dict:  # type: ignore[type-arg]
    if response.status_code != 200:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        raise LoginError(f"the gateway refused the login: {detail}", response.status_code)
    data: dict = response.json()  # type: ignore[type-arg]
    return data
