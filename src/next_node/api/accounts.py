"""Accounts, their transfers, and the member directory."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import and_, func, union_all
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from web3 import Web3

from next_contracts.vocabulary import MemberKind, MemberStatus, TransferKind
from next_node.api.access import OwnerOrStaff, Staff
from next_node.api.credit import available_credits
from next_node.api.deps import SessionDep
from next_node.api.errors import NotFound
from next_node.api.params import AddressCursor, AddressPath, IdCursor, Limit
from next_node.api.references import kept_words
from next_node.api.regions import across
from next_node.api.schemas import (
    AccountPage,
    AccountPublic,
    BonusRun,
    BonusRunPage,
    MemberPage,
    MemberPublic,
    TransferPage,
    TransferPublic,
)
from next_node.api.snapshot import CONFLICT, accounts_at, begin_snapshot, require_indexed
from next_node.db.models import BonusEvent, Member, Transfer

router = APIRouter(tags=["accounts"])


def checksum(address: str) -> str:
    return Web3.to_checksum_address(address)


def account_public(member: Member, available_credit: int) -> AccountPublic:
    return AccountPublic(
        address=checksum(member.address),
        balance=member.balance,
        credit_limit=member.credit_limit,
        available_credit=available_credit,
        ceiling=member.ceiling,
        status=member.status,
        kind=member.kind,
        region=member.region,
        successor=checksum(member.successor) if member.successor else None,
    )


def get_member(session: SessionDep, address: str) -> Member:
    member = session.get(Member, address.lower())
    if member is None:
        raise NotFound("gateway.no_member", address=address)
    return member


DENIED: dict[int | str, dict[str, Any]] = {
    401: {"description": "no valid token"},
    403: {"description": "not allowed to see this"},
}
MEMBER_DENIED: dict[int | str, dict[str, Any]] = {404: {"description": "not a member"}, **DENIED}


@router.get("/accounts", responses={**DENIED, **CONFLICT})
def list_accounts(
    session: SessionDep,
    _viewer: Staff,
    limit: Annotated[int, Query(ge=1, le=1_000, description="items per page (1 to 1000)")] = 200,
    cursor: AddressCursor = None,
    at_block: Annotated[
        int | None, Query(ge=0, le=2**63 - 1, description="every page as it was at this block (409 if not indexed)")
    ] = None,
) -> AccountPage:
    """STAFF. Every account, in full, by address: what an auditor compares with its own replay.
    With `at_block`, each page describes that block, however far the index has gone since, so
    that the pages of a live gateway make one snapshot (next_node/api/snapshot.py)."""
    indexed = begin_snapshot(session)
    if at_block is not None:
        require_indexed(indexed, at_block)
    query = select(Member)
    if cursor is not None:
        query = query.where(col(Member.address) > cursor.lower())
    members = session.exec(query.order_by(col(Member.address)).limit(limit + 1)).all()
    block = indexed if at_block is None else at_block
    accounts = accounts_at(session, list(members[:limit]), block, indexed)
    available = available_credits(session, accounts, block, current=at_block is None)
    return AccountPage(
        items=[account_public(Member.model_construct(**a), available[a["address"]]) for a in accounts],
        next_cursor=members[limit - 1].address if len(members) > limit else None,
        indexed_block=block,
    )


@router.get("/accounts/{address}", responses=MEMBER_DENIED)
def read_account(session: SessionDep, address: AddressPath, _viewer: OwnerOrStaff) -> AccountPublic:
    """OWNER_OR_STAFF. Balance, credit limit, available credit, ceiling, status, kind and region of a
    member, at the indexed block. The available credit is the ledger's rule (api/credit.py): a
    running stimulus counts, a council's allowances hold credit back, an inactive account has none."""
    indexed = begin_snapshot(session)
    member = get_member(session, address)
    state = accounts_at(session, [member], indexed, indexed)[0]
    return account_public(member, available_credits(session, [state], indexed, current=True)[member.address])


@router.get("/accounts/{address}/transfers", responses=MEMBER_DENIED)
def read_transfers(
    session: SessionDep,
    address: AddressPath,
    _viewer: OwnerOrStaff,
    limit: Limit = 50,
    cursor: IdCursor = None,
) -> TransferPage:
    """OWNER_OR_STAFF. The account's transfers, in and out, newest first; `next_cursor` fetches the
    next page. A holder's spendings of its bonus allowances are its own too, though its council's
    account pays them: direction "out", `allowance_of` the council."""
    member = get_member(session, address)
    before = int(cursor) if cursor else None
    spent = select(BonusEvent.tx_hash).where(BonusEvent.event == "spent", BonusEvent.holder == member.address)
    sides = []
    for where in (
        col(Transfer.from_address) == member.address,
        col(Transfer.to_address) == member.address,
        and_(col(Transfer.kind) == TransferKind.BONUS.value, col(Transfer.tx_hash).in_(spent)),
    ):
        query = select(Transfer).where(where)
        if before is not None:
            query = query.where(col(Transfer.id) < before)
        # Each side walks its own index; the merge keeps the newest `limit`.
        sides.append(sa_select(query.order_by(col(Transfer.id).desc()).limit(limit + 1).subquery()))
    both = union_all(*sides).subquery()
    rows = session.execute(sa_select(both).order_by(both.c.id.desc()).limit(limit + 1)).mappings().all()
    others = across(session, member.address, (r["tx_hash"] for r in rows[:limit] if r["kind"] == TransferKind.ACROSS))
    words = kept_words(session, (r["ref"] for r in rows[:limit]))
    items = []
    for row in rows[:limit]:
        other, other_region = others.get(row["tx_hash"], (None, None))
        items.append(
            TransferPublic(
                **{
                    **row,
                    "from_address": checksum(row["from_address"]),
                    "to_address": checksum(row["to_address"]),
                    "direction": "in" if row["to_address"] == member.address else "out",
                    "allowance_of": _allowance_of(row, member.address),
                    "counterparty": checksum(other) if other else None,
                    "counterparty_region": other_region,
                    "ref_words": words.get(row["ref"]),
                }
            )
        )
    next_cursor = str(items[-1].id) if len(rows) > limit else None
    return TransferPage(items=items, next_cursor=next_cursor)


def _allowance_of(row: Any, member: str) -> str | None:
    """The council whose allowance paid a holder's spending (a bonus transfer of another's account)."""
    mine = member in (row["from_address"], row["to_address"])
    return checksum(row["from_address"]) if row["kind"] == TransferKind.BONUS and not mine else None


@router.get("/accounts/{address}/bonus-runs", responses=MEMBER_DENIED)
def read_bonus_runs(
    session: SessionDep,
    address: AddressPath,
    _viewer: OwnerOrStaff,
    limit: Limit = 50,
    cursor: IdCursor = None,
) -> BonusRunPage:
    """OWNER_OR_STAFF. The batch payments the account made (a council's staff bonuses), newest
    first: one line per transaction that paid several members, with their count and total."""
    member = get_member(session, address)
    first_id = func.min(Transfer.id).label("first_id")
    query = (
        sa_select(
            first_id,
            col(Transfer.tx_hash),
            func.min(Transfer.block_number),
            func.min(Transfer.block_time),
            func.min(Transfer.ref),
            func.count(),
            func.sum(Transfer.amount),
            func.sum(Transfer.fee),
        )
        .where(col(Transfer.from_address) == member.address, col(Transfer.kind) == TransferKind.PAYMENT.value)
        .group_by(col(Transfer.tx_hash))
        .having(func.count() > 1)
    )
    if cursor is not None:
        query = query.having(func.min(Transfer.id) < int(cursor))
    rows = session.execute(query.order_by(first_id.desc()).limit(limit + 1)).all()
    words = kept_words(session, (row[4] for row in rows[:limit]))
    items = [
        BonusRun(
            tx_hash=tx,
            block_number=n,
            block_time=t,
            ref=ref,
            ref_words=words.get(ref),
            lines=lines,
            total=int(total),
            fees=int(fees),
        )
        for _id, tx, n, t, ref, lines, total, fees in rows[:limit]
    ]
    return BonusRunPage(items=items, next_cursor=str(rows[limit - 1][0]) if len(rows) > limit else None)


@router.get("/members", responses=DENIED)
def list_members(
    session: SessionDep,
    _viewer: Staff,
    kind: MemberKind | None = None,
    region: Annotated[int | None, Query(ge=0, le=65_535)] = None,
    status: MemberStatus | None = None,
    limit: Limit = 50,
    cursor: AddressCursor = None,
) -> MemberPage:
    """STAFF. Members, by address, filtered by kind, region and status."""
    query = select(Member)
    if kind is not None:
        query = query.where(Member.kind == kind.value)
    if region is not None:
        query = query.where(Member.region == region)
    if status is not None:
        query = query.where(Member.status == status.value)
    if cursor is not None:
        query = query.where(col(Member.address) > cursor.lower())
    members = session.exec(query.order_by(col(Member.address)).limit(limit + 1)).all()
    items = [
        MemberPublic(address=checksum(m.address), kind=m.kind, region=m.region, status=m.status)
        for m in members[:limit]
    ]
    next_cursor = members[limit - 1].address if len(members) > limit else None
    return MemberPage(items=items, next_cursor=next_cursor)
