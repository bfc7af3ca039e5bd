"""People have names: a member's profile, written and signed by the member, kept by the gateway
(db/kept.py), shown by the rules of privacy below, and hidden by a registrar when abusive.

- A business's or a council's profile (its name, town, categories, description and hours) is
  public, as a shop's sign is: `GET /directory` lists them by category and town.
- An individual's name is shown to the members it has paid or been paid by, and to staff; to
  everyone only if it chose so (`public`).
- A profile a registrar hid is shown to its member and to staff only, with why.

A profile is a message in lines (`message`), signed by the member's key (EIP-191, as the sign-in):
the gateway keeps the message and the signature, so that no operator can put a name in a
member's mouth. The wallet and the web app build the same lines (next_contracts/profiles.py).
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from eth_account import Account
from eth_account.messages import encode_defunct
from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import and_, or_, select, union
from sqlmodel import col
from web3 import Web3

from next_contracts.profiles import categories_of, profile_message
from next_contracts.vocabulary import MemberKind, MemberStatus, Role
from next_node.api.access import SignedIn, Viewer
from next_node.api.deps import ContextDep, SessionDep
from next_node.api.errors import BadInput, NotAllowed, NotFound
from next_node.api.params import ADDRESS, AddressPath
from next_node.api.principals import Principal
from next_node.db.kept import PROFILES
from next_node.db.models import Member, Transfer

router = APIRouter(tags=["profiles"])
MAX_CATEGORIES = 5
MAX_NAMES = 200  # addresses one POST /names asks about
SIGNED_WITHIN = 10 * 60  # seconds: a signed profile older than this is refused (a replay)
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no profile, or not one the viewer may see"}}
ONE_LINE = r"^[^\r\n\x00-\x1f\x7f]*$"  # one line of text: what the message's lines hold


Category = Annotated[str, Field(min_length=1, max_length=40, pattern=ONE_LINE)]


class ProfileFields(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=80, pattern=ONE_LINE)]
    town: Annotated[str, Field(max_length=80, pattern=ONE_LINE)] = ""
    categories: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=40, pattern=ONE_LINE)]], Field(max_length=MAX_CATEGORIES)
    ] = []
    description: Annotated[str, Field(max_length=500, pattern=ONE_LINE)] = ""
    hours: Annotated[str, Field(max_length=200, pattern=ONE_LINE)] = ""
    public: bool = False  # an individual's choice to be named to everyone

    @field_validator("name", "town", "description", "hours")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        return value.strip()

    @field_validator("categories")
    @classmethod
    def _words(cls, value: list[str]) -> list[str]:
        words = categories_of(value)
        if any("," in w or not w for w in words):
            raise ValueError("a category is a word or words without a comma")
        return words


class ProfileIn(ProfileFields):
    signed_at: Annotated[int, Field(ge=0, le=2**40)]  # unix seconds, the member's time
    signature: Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{130}$")]


class ProfilePublic(ProfileFields):
    address: str
    kind: str | None  # the member's kind on the chain: individual, business, council
    hidden: bool = False  # hidden by a registrar: shown to its member and staff only
    hidden_reason: str | None = None
    message: str | None = None  # what the member signed, and its signature: for its member and staff
    signature: str | None = None


class Moderation(BaseModel):
    hidden: bool
    reason: Annotated[str, Field(max_length=200, pattern=ONE_LINE)] = ""


class NamesRequest(BaseModel):
    addresses: Annotated[list[Annotated[str, Field(pattern=ADDRESS)]], Field(max_length=MAX_NAMES)]


class Names(BaseModel):
    names: dict[str, str]  # checksummed address -> name, for those the viewer may see


class DirectoryPage(BaseModel):
    items: list[ProfilePublic]
    next_cursor: str | None


def message(address: str, chain_id: int, fields: ProfileFields, signed_at: int) -> str:
    """The lines a member signs for its profile (next_contracts.profiles: the wallet signs the same)."""
    return profile_message(
        address,
        chain_id,
        name=fields.name,
        town=fields.town,
        categories=fields.categories,
        description=fields.description,
        hours=fields.hours,
        public=fields.public,
        signed_at=signed_at,
    )


@router.put("/accounts/{address}/profile", responses={400: {"description": "a bad signature"}, 403: {}})
def write_profile(
    context: ContextDep, session: SessionDep, address: AddressPath, viewer: SignedIn, body: Annotated[ProfileIn, Body()]
) -> ProfilePublic:
    """OWNER only, a member. Writes the account's profile: its fields, with `signed_at` and the
    member's EIP-191 signature of their lines (`message` above); 400 if the signature is not the
    account's or is more than 10 minutes old, or older than the profile it replaces. A profile a
    registrar hid stays hidden."""
    if viewer.address != address.lower() or not viewer.member:
        raise NotAllowed("gateway.profile_own_only")
    now = int(time.time())
    if not now - SIGNED_WITHIN <= body.signed_at <= now + 60:
        raise BadInput("gateway.profile_stale", signed_at=body.signed_at, now=now)
    lines = message(address, context.deployment.chain_id, body, body.signed_at)
    try:
        signer = Account.recover_message(encode_defunct(text=lines), signature=body.signature)
    except ValueError as error:
        raise BadInput("gateway.signature_unreadable") from error
    if signer.lower() != address.lower():
        raise BadInput("gateway.profile_other_signer", signer=signer, address=Web3.to_checksum_address(address))
    row = session.execute(select(PROFILES).where(PROFILES.c.address == address.lower())).mappings().first()
    if row is not None and row["signed_at"] >= body.signed_at:
        raise BadInput("gateway.profile_newer")
    values = {
        "name": body.name,
        "town": body.town,
        "categories": ",".join(body.categories),
        "description": body.description,
        "hours": body.hours,
        "public": body.public,
        "signed_at": body.signed_at,
        "message": lines,
        "signature": body.signature,
    }
    if row is None:
        session.execute(PROFILES.insert().values(address=address.lower(), **values))
    else:
        session.execute(PROFILES.update().where(PROFILES.c.address == address.lower()).values(**values))
    session.commit()
    return _shown(session, address.lower(), viewer, full=True)  # type: ignore[return-value]


@router.get("/accounts/{address}/profile", responses=NOT_FOUND)
def read_profile(session: SessionDep, address: AddressPath, viewer: Viewer) -> ProfilePublic:
    """PUBLIC for a business or a council; an individual's for the members it paid or was paid
    by, staff, and everyone if it chose so; a hidden one for its member and staff only (404 for
    anyone else, the same as no profile)."""
    shown = _shown(session, address.lower(), viewer, full=viewer is not None and _full(viewer, address))
    if shown is None:
        raise NotFound("gateway.no_profile_shown", address=address)
    return shown


@router.post("/accounts/{address}/profile/moderation", responses={**NOT_FOUND, 403: {}})
def moderate_profile(
    session: SessionDep, address: AddressPath, viewer: SignedIn, body: Annotated[Moderation, Body()]
) -> ProfilePublic:
    """REGISTRAR only. Hides an abusive profile (its member and staff still see it, with the
    reason), or shows it again."""
    if Role.REGISTRAR.value not in viewer.roles:
        raise NotAllowed("gateway.registrar_hides")
    done = session.execute(
        PROFILES.update()
        .where(PROFILES.c.address == address.lower())
        .values(hidden_by=viewer.address if body.hidden else None, hidden_reason=body.reason if body.hidden else None)
    )
    if done.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound("gateway.no_profile", address=address)
    session.commit()
    return _shown(session, address.lower(), viewer, full=True)  # type: ignore[return-value]


@router.post("/names")
def names(session: SessionDep, viewer: Viewer, body: Annotated[NamesRequest, Body()]) -> Names:
    """PUBLIC (businesses' and councils' names), more when signed in: the names the viewer may see
    among up to 200 addresses, by the rules of GET /accounts/{address}/profile. What the web app
    shows wherever an address stands."""
    wanted = list(dict.fromkeys(a.lower() for a in body.addresses))
    if not wanted:
        return Names(names={})
    rows = session.execute(
        select(PROFILES.c.address, PROFILES.c.name, PROFILES.c.public, PROFILES.c.hidden_by, col(Member.kind))
        .join(Member, col(Member.address) == PROFILES.c.address, isouter=True)
        .where(PROFILES.c.address.in_(wanted))
    ).all()
    private = [r.address for r in rows if not _open(r.kind, r.public) and r.hidden_by is None]
    known = _counterparties(session, viewer, private)
    return Names(
        names={
            Web3.to_checksum_address(r.address): r.name
            for r in rows
            if _may_see(viewer, r.address, r.kind, r.public, r.hidden_by, known)
        }
    )


@router.get("/directory")
def directory(
    session: SessionDep,
    category: Annotated[str | None, Query(max_length=40, pattern=ONE_LINE)] = None,
    town: Annotated[str | None, Query(max_length=80, pattern=ONE_LINE)] = None,
    q: Annotated[
        str | None, Query(max_length=80, pattern=ONE_LINE, description="words in the name or the description")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(pattern=ADDRESS)] = None,
) -> DirectoryPage:
    """PUBLIC. The businesses and councils that wrote a profile, active members not hidden, by
    address: filtered by a category, a town (both exact, case aside) and words."""
    query = (
        select(PROFILES, col(Member.kind))
        .join(Member, col(Member.address) == PROFILES.c.address)
        .where(
            col(Member.kind).in_((MemberKind.BUSINESS.value, MemberKind.COUNCIL.value)),
            col(Member.status) == MemberStatus.ACTIVE.value,
            PROFILES.c.hidden_by.is_(None),
        )
    )
    if category:
        word = category.strip().lower()
        query = query.where(
            or_(
                PROFILES.c.categories == word,
                PROFILES.c.categories.startswith(word + ","),
                PROFILES.c.categories.endswith("," + word),
                PROFILES.c.categories.contains("," + word + ","),
            )
        )
    if town:
        query = query.where(PROFILES.c.town.ilike(_literal(town.strip()), escape="\\"))
    if q:
        for word in q.split()[:5]:
            pattern = f"%{_literal(word)}%"
            query = query.where(
                or_(PROFILES.c.name.ilike(pattern, escape="\\"), PROFILES.c.description.ilike(pattern, escape="\\"))
            )
    if cursor:
        query = query.where(PROFILES.c.address > cursor.lower())
    rows = session.execute(query.order_by(PROFILES.c.address).limit(limit + 1)).mappings().all()
    items = [_public(r, r["kind"], full=False) for r in rows[:limit]]
    return DirectoryPage(items=items, next_cursor=rows[limit - 1]["address"] if len(rows) > limit else None)


def _literal(text: str) -> str:
    """`text` for LIKE, its wildcards taken as themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _open(kind: str | None, public: bool) -> bool:
    """A business's and a council's profile are public, an individual's if it chose so."""
    return public or kind in (MemberKind.BUSINESS.value, MemberKind.COUNCIL.value)


def _full(viewer: Principal, address: str) -> bool:
    return viewer.address == address.lower() or viewer.staff


def _may_see(
    viewer: Principal | None, address: str, kind: str | None, public: bool, hidden_by: str | None, known: set[str]
) -> bool:
    if viewer is not None and _full(viewer, address):
        return True
    if hidden_by is not None:
        return False
    return _open(kind, public) or address in known


def _counterparties(session: SessionDep, viewer: Principal | None, addresses: list[str]) -> set[str]:
    """Those of `addresses` that the viewer paid or was paid by."""
    if viewer is None or not addresses:
        return set()
    me = viewer.address
    paid: Any = select(col(Transfer.to_address).label("other")).where(
        and_(col(Transfer.from_address) == me, col(Transfer.to_address).in_(addresses))
    )
    was_paid: Any = select(col(Transfer.from_address).label("other")).where(
        and_(col(Transfer.to_address) == me, col(Transfer.from_address).in_(addresses))
    )
    return {row[0] for row in session.execute(union(paid, was_paid)).all()}


def _shown(session: SessionDep, address: str, viewer: Principal | None, *, full: bool) -> ProfilePublic | None:
    row = (
        session.execute(
            select(PROFILES, col(Member.kind))
            .join(Member, col(Member.address) == PROFILES.c.address, isouter=True)
            .where(PROFILES.c.address == address)
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    known = set() if full else _counterparties(session, viewer, [address])
    if not full and not _may_see(viewer, address, row["kind"], row["public"], row["hidden_by"], known):
        return None
    return _public(row, row["kind"], full=full)


def _public(row: Any, kind: str | None, *, full: bool) -> ProfilePublic:
    return ProfilePublic(
        address=Web3.to_checksum_address(row["address"]),
        kind=kind,
        name=row["name"],
        town=row["town"],
        categories=[c for c in row["categories"].split(",") if c],
        description=row["description"],
        hours=row["hours"],
        public=row["public"],
        hidden=row["hidden_by"] is not None,
        hidden_reason=row["hidden_reason"] if full else None,
        message=row["message"] if full else None,
        signature=row["signature"] if full else None,
    )
