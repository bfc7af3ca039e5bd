"""Who sees what: every access rule of the gateway, in one place.

- PUBLIC: anyone. /health, /blocks/head, /ledger, GET /tx/{tx_hash}, /auth/nonce and
  POST /auth/login, /openapi.json, /docs, /redoc and /docs-assets/* (docs.py), and /stats with
  small groups suppressed and every public figure derived from what it shows (stats.py).
- SIGNED_IN: a valid token (auth.py): a member, whatever its status, or a staff role holder; every
  rule below but the relay's starts with it.
- OWNER_OR_STAFF: an account and its history, to that account's own key or to staff:
  /accounts/{address}, its /transfers and /bonus-runs, and its /batch-payments (its payments under
  a reference, and its transactions waiting in the pool: batch_check.py).
- STAFF: registrars, the credit committee and auditors: every account (/accounts), the member
  directory (/members), the index's event rows (/audit/events/{table}, audit_routes.py), and
  /stats in full.
- OWNER: from one's own account only, staff cannot act for a member (403): the pre-flight
  (POST /accounts/{address}/preflight, payments.py) and the batch check
  (POST /accounts/{address}/batch-check, batch_check.py).
- ACTIVE MEMBERS, by signature: the relay (POST /tx) takes no token, since the transaction's own
  signature names its sender, who must be an active member (relay.py).

Roles and statuses are read from the chain (hasRole, accountOf), cached for a few seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Annotated, Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.abi import function_signature_to_4byte_selector
from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from hexbytes import HexBytes
from web3 import Web3

from next_node.api.auth import address_of_token, unauthorized
from next_node.api.deps import Context, ContextDep
from next_node.api.params import AddressPath

STAFF_ROLES = ("REGISTRAR_ROLE", "CREDIT_COMMITTEE_ROLE", "AUDITOR_ROLE")
STATUSES = ("none", "active", "frozen", "excluded", "migrated")
CACHE_SECONDS = 5.0
MIN_GROUP = 5  # a public breakdown never shows a group of fewer members than this

# accountOf(address) answers a static struct: balance, credit limit, ceiling, status, kind, region.
ACCOUNT_STATE = ("int256", "uint256", "uint256", "uint8", "uint8", "uint16")
ACCOUNT_OF = function_signature_to_4byte_selector("accountOf(address)")
HAS_ROLE = function_signature_to_4byte_selector("hasRole(bytes32,address)")

log = logging.getLogger("next_node.api")
_bearer = HTTPBearer(auto_error=False, description="the token of POST /auth/login")


@dataclass(frozen=True)
class Principal:
    address: str  # lowercase
    status: str  # the member status on the chain; "none" for a non-member
    roles: frozenset[str]

    @property
    def member(self) -> bool:
        return self.status != "none"

    @property
    def staff(self) -> bool:
        return bool(self.roles)


class PrincipalCache:
    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def get(self, address: str) -> Principal | None:
        with self._lock:
            entry = self._entries.get(address)
        return entry[1] if entry and entry[0] > time.monotonic() else None

    def put(self, principal: Principal) -> None:
        with self._lock:
            if len(self._entries) > 100_000:
                self._entries.clear()
            self._entries[principal.address] = (time.monotonic() + CACHE_SECONDS, principal)


def principal(context: Context, address: str) -> Principal:
    """The address's status and staff roles, as the ledger holds them now."""
    cached = context.principals.get(address)
    if cached is not None:
        return cached
    calls = principal_calls(context, address)
    try:
        answers = context.w3.provider.make_batch_request(calls)  # type: ignore[attr-defined]
        if not isinstance(answers, list) or len(answers) != len(calls):
            raise ValueError(f"the chain answered the batch with {answers!r:.200}")
        return principal_from(context, address, sorted(answers, key=lambda a: int(a["id"])))
    except Exception as error:  # the chain is down: no decision on access without it
        log.warning("cannot read the roles of %s: %s", address, error)
        raise HTTPException(503, "the chain does not answer; try again later") from error


def principal_calls(context: Context, address: str) -> list[tuple[str, list[object]]]:
    """The JSON-RPC calls that read an address's status and each staff role, to send in one batch
    (one block; four sequential calls made the relay four times slower), alone or with others'.
    The calldata is encoded with eth_abi directly: web3's contract functions cost milliseconds."""
    ledger, account = context.ledger.address, Web3.to_checksum_address(address)
    datas = [ACCOUNT_OF + abi_encode(["address"], [account])]
    datas += [HAS_ROLE + abi_encode(["bytes32", "address"], [context.role_ids[name], account]) for name in STAFF_ROLES]
    return [("eth_call", [{"to": ledger, "data": HexBytes(data).to_0x_hex()}, "latest"]) for data in datas]


def principal_from(context: Context, address: str, answers: list[dict[str, Any]]) -> Principal:
    """The principal from the answers to `principal_calls`, in their order; cached."""
    if any("error" in answer for answer in answers):
        raise ValueError(f"the chain answered the batch with {answers!r:.200}")
    account, *held = (HexBytes(answer["result"]) for answer in answers)
    status = STATUSES[abi_decode(ACCOUNT_STATE, account)[3]]
    roles = frozenset(name for name, flag in zip(STAFF_ROLES, held, strict=True) if int.from_bytes(flag, "big"))
    who = Principal(address, status, roles)
    context.principals.put(who)
    return who


def optional_viewer(
    context: ContextDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal | None:
    """PUBLIC: the caller if it sent a token (which must then be valid), else None."""
    if credentials is None:
        return None
    address = address_of_token(context.auth, credentials.credentials, context.deployment.chain_id)
    return principal(context, address)


def signed_in(viewer: Annotated[Principal | None, Depends(optional_viewer)]) -> Principal:
    """SIGNED_IN: a member or staff with a valid token."""
    if viewer is None:
        raise unauthorized("sign in first: GET /auth/nonce, then POST /auth/login")
    if not viewer.member and not viewer.staff:
        raise HTTPException(403, f"{viewer.address} is no longer a member or staff")
    return viewer


def staff(viewer: Annotated[Principal, Depends(signed_in)]) -> Principal:
    """STAFF: a registrar, the credit committee or an auditor."""
    if not viewer.staff:
        raise HTTPException(403, "only registrars, the credit committee and auditors see this")
    return viewer


def owner_or_staff(
    viewer: Annotated[Principal, Depends(signed_in)],
    address: AddressPath,
) -> Principal:
    """OWNER_OR_STAFF: the account's own key, or staff."""
    if viewer.address != address.lower() and not viewer.staff:
        raise HTTPException(403, "a member sees its own account only")
    return viewer


def suppress_small_groups(counts: dict[str, int | None]) -> dict[str, int | None]:
    """A breakdown with every group of fewer than MIN_GROUP members shown as null, and next smallest
    groups hidden with them until the hidden groups, taken together, are at least two and hold at
    least MIN_GROUP members (and more than one each): the breakdown's total may be known from
    elsewhere, and then only the hidden groups' sum can be derived, never one of them."""
    sizes = {name: n or 0 for name, n in counts.items()}
    hidden = {name for name, n in sizes.items() if n < MIN_GROUP}

    def exposed() -> bool:
        total = sum(sizes[name] for name in hidden)
        return bool(hidden) and (len(hidden) < 2 or total < max(MIN_GROUP, len(hidden) + 1))

    while exposed() and len(hidden) < len(sizes):
        hidden.add(min((n, name) for name, n in sizes.items() if name not in hidden)[1])
    return {name: (None if name in hidden else n) for name, n in sizes.items()}


Viewer = Annotated[Principal | None, Depends(optional_viewer)]
SignedIn = Annotated[Principal, Depends(signed_in)]
Staff = Annotated[Principal, Depends(staff)]
OwnerOrStaff = Annotated[Principal, Depends(owner_or_staff)]
