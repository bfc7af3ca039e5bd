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
- AUDITOR: how each member voted on a proposal (/proposals/{id}/votes): auditors only, as a
  secret ballot's count is checked by its scrutineers; a member sees its own votes
  (/accounts/{address}/votes: OWNER_OR_AUDITOR). Proposals and their totals are PUBLIC
  (/proposals, governance.py).
- OWNER: from one's own account only, staff cannot act for a member (403): the pre-flight
  (POST /accounts/{address}/preflight, payments.py) and the batch check
  (POST /accounts/{address}/batch-check, batch_check.py).
- ACTIVE MEMBERS, by signature: the relay (POST /tx) takes no token, since the transaction's own
  signature names its sender, who must be an active member (relay.py).

Roles and statuses are read from the chain (hasRole, accountOf), cached for a few seconds.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from hexbytes import HexBytes
from web3 import Web3

from next_contracts.accounts import account_of_call, decode_account, has_role_call
from next_contracts.vocabulary import STAFF_ROLES, Role
from next_node.api.deps import Context, ContextDep
from next_node.api.errors import NotAllowed
from next_node.api.params import AddressPath
from next_node.api.principals import Principal
from next_node.api.tokens import address_of_token, unauthorized
from next_node.errors import ChainUnavailableError

MIN_GROUP = 5  # a public breakdown never shows a group of fewer members than this


log = logging.getLogger("next_node.api")
_bearer = HTTPBearer(auto_error=False, description="the token of POST /auth/login")


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
        raise ChainUnavailableError() from error  # the cause stays in the log, not in the answer


def principal_calls(context: Context, address: str) -> list[tuple[str, list[object]]]:
    """The JSON-RPC calls that read an address's status and each staff role, to send in one batch
    (one block; four sequential calls made the relay four times slower), alone or with others'.
    The calldata is encoded with eth_abi directly: web3's contract functions cost milliseconds."""
    ledger, account = context.ledger.address, Web3.to_checksum_address(address)
    return [account_of_call(ledger, account)] + [has_role_call(ledger, role.id, account) for role in STAFF_ROLES]


def principal_from(context: Context, address: str, answers: list[dict[str, Any]]) -> Principal:
    """The principal from the answers to `principal_calls`, in their order; cached."""
    if any("error" in answer for answer in answers):
        raise ValueError(f"the chain answered the batch with {answers!r:.200}")
    account, *held = (HexBytes(answer["result"]) for answer in answers)
    status = decode_account(address, account).status
    roles = frozenset(role.value for role, flag in zip(STAFF_ROLES, held, strict=True) if int.from_bytes(flag, "big"))
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
        raise unauthorized("gateway.sign_in_first")
    if not viewer.member and not viewer.staff:
        raise NotAllowed("gateway.no_longer_member", address=viewer.address)
    return viewer


def staff(viewer: Annotated[Principal, Depends(signed_in)]) -> Principal:
    """STAFF: a registrar, the credit committee or an auditor."""
    if not viewer.staff:
        raise NotAllowed("gateway.staff_only")
    return viewer


def owner_or_staff(
    viewer: Annotated[Principal, Depends(signed_in)],
    address: AddressPath,
) -> Principal:
    """OWNER_OR_STAFF: the account's own key, or staff."""
    if viewer.address != address.lower() and not viewer.staff:
        raise NotAllowed("gateway.own_account_only")
    return viewer


def auditor(viewer: Annotated[Principal, Depends(signed_in)]) -> Principal:
    """AUDITOR: a holder of AUDITOR_ROLE."""
    if Role.AUDITOR.value not in viewer.roles:
        raise NotAllowed("gateway.auditors_only_votes")
    return viewer


def owner_or_auditor(viewer: Annotated[Principal, Depends(signed_in)], address: AddressPath) -> Principal:
    """OWNER_OR_AUDITOR: the account's own key, or an auditor."""
    if viewer.address != address.lower() and Role.AUDITOR.value not in viewer.roles:
        raise NotAllowed("gateway.own_votes_only")
    return viewer


def owner(viewer: Annotated[Principal, Depends(signed_in)], address: AddressPath) -> Principal:
    """OWNER: the account's own key only; staff cannot act for a member."""
    if viewer.address != address.lower():
        raise NotAllowed("gateway.owner_only")
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
Owner = Annotated[Principal, Depends(owner)]
Auditor = Annotated[Principal, Depends(auditor)]
OwnerOrAuditor = Annotated[Principal, Depends(owner_or_auditor)]
