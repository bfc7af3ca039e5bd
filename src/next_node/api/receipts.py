"""A transaction's receipt, for the members it paid or that paid in it: what a member shows the
other party (a shop, a council's finance staff) after paying, by a link to the web app's receipt
page. Only a party (or staff) reads it: anyone else, and a transaction not indexed yet, get 404,
so that a hash tells a stranger nothing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel
from sqlmodel import col, select

from next_contracts.vocabulary import TransferKind
from next_node.api.access import SignedIn
from next_node.api.accounts import checksum
from next_node.api.deps import SessionDep
from next_node.api.errors import NotFound
from next_node.api.references import kept_words
from next_node.api.regions import across
from next_node.db.models import Transfer

router = APIRouter(tags=["accounts"])


class ReceiptLine(BaseModel):
    from_address: str
    to_address: str
    amount: int
    fee: int
    ref: str
    ref_words: str | None = None  # a long reference's words, when a member gave them (api/references.py)
    kind: str  # payment, bonus, across ... (next_node.db.models.Transfer)
    # A payment across regions: the member on the other side, and its region.
    counterparty: str | None = None
    counterparty_region: int | None = None


class Receipt(BaseModel):
    tx_hash: str
    block_number: int
    block_time: int
    lines: list[ReceiptLine]  # what the viewer may see of it: its own lines, every line for staff


@router.get("/receipts/{tx_hash}", responses={401: {"description": "no valid token"}, 404: {"description": "none"}})
def read_receipt(
    session: SessionDep, tx_hash: Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{64}$")], viewer: SignedIn
) -> Receipt:
    """SIGNED IN, a party to it (or STAFF). The transfers of a transaction that the viewer made or
    received: date, block, parties, amount, fee and reference; 404 for anyone else, and until the
    index has the transaction's block."""
    rows = session.exec(
        select(Transfer).where(Transfer.tx_hash == tx_hash.lower()).order_by(col(Transfer.log_index))
    ).all()
    mine = [r for r in rows if viewer.staff or viewer.address in (r.from_address, r.to_address)]
    if not mine:
        raise NotFound("gateway.no_receipt", tx_hash=tx_hash)
    others = across(
        session, viewer.address, [tx_hash.lower()] if any(r.kind == TransferKind.ACROSS for r in mine) else []
    )
    other, other_region = others.get(tx_hash.lower(), (None, None))
    words = kept_words(session, (r.ref for r in mine))
    return Receipt(
        tx_hash=mine[0].tx_hash,
        block_number=mine[0].block_number,
        block_time=mine[0].block_time,
        lines=[
            ReceiptLine(
                from_address=checksum(r.from_address),
                to_address=checksum(r.to_address),
                amount=r.amount,
                fee=r.fee,
                ref=r.ref,
                ref_words=words.get(r.ref),
                kind=r.kind,
                counterparty=checksum(other) if other and r.kind == TransferKind.ACROSS else None,
                counterparty_region=other_region if r.kind == TransferKind.ACROSS else None,
            )
            for r in mine
        ],
    )
