"""A reference's words. The chain holds a payment's or a run's reference in 32 bytes: up to 32
bytes of text stay readable there, a longer text goes as its keccak256 (a batch's file name,
"primes décembre 2026 service jeunesse"). A member who used such a reference gives its words here;
the gateway keeps them under their hash, and says them wherever it shows that reference (history,
receipts, bonus runs), to whoever may see the reference at all.

Only the text whose hash it is can be kept under a hash, so nobody can put other words on a
reference; and giving words shows nothing of anyone's payments.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Annotated

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from next_contracts.vocabulary import reference
from next_node.api.access import SignedIn
from next_node.api.deps import ContextDep, SessionDep
from next_node.api.errors import Unprocessable
from next_node.api.ratelimit import limit
from next_node.db.kept import REFERENCE_WORDS

router = APIRouter()

MAX_WORDS = 200  # characters: a file's name, an invoice's label


class ReferenceWords(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_WORDS)


class KeptReference(BaseModel):
    ref: str  # the bytes32 on-chain
    text: str
    kept: bool  # false for a text of up to 32 bytes: the chain keeps it readable by itself


@router.post("/references", responses={401: {"description": "no valid token"}, 422: {}})
def keep_reference(
    request: Request,
    session: SessionDep,
    context: ContextDep,
    viewer: SignedIn,
    body: Annotated[ReferenceWords, Body()],
) -> KeptReference:
    """SIGNED IN, at the relay's rate (a member gives words as often as it pays, never a flood of
    rows). Keeps the words of a reference longer than 32 bytes under the hash the chain holds; the
    same words again change nothing."""
    limit(request, context.auth.relay_rate, "references")
    limit(request, context.auth.relay_rate, "references", address=viewer.address)
    text = body.text
    if not text.isprintable() or text != text.strip():
        raise Unprocessable("gateway.reference_unprintable")
    ref = "0x" + reference(text).hex()
    if len(text.encode()) <= 32:
        return KeptReference(ref=ref, text=text, kept=False)
    if session.execute(select(REFERENCE_WORDS.c.ref).where(REFERENCE_WORDS.c.ref == ref)).first() is None:
        try:
            session.execute(REFERENCE_WORDS.insert().values(ref=ref, text=text, kept_at=int(time.time())))
            session.commit()
        except IntegrityError:  # another request kept the same words first
            session.rollback()
    return KeptReference(ref=ref, text=text, kept=True)


def kept_words(session: SessionDep, refs: Iterable[str | None]) -> dict[str, str]:
    """The kept words of those references that have some, by reference (lowercase hex)."""
    wanted = sorted({ref.lower() for ref in refs if ref})
    if not wanted:
        return {}
    rows = session.execute(
        select(REFERENCE_WORDS.c.ref, REFERENCE_WORDS.c.text).where(REFERENCE_WORDS.c.ref.in_(wanted))
    )
    return {ref: text for ref, text in rows.all()}
