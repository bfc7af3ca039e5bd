"""Available credit as the ledger's own `availableCredit` rule has it, from the index at a block:
nothing for an account that is not active (frozen, excluded, migrated, moved: the ledger refuses
its payments); else its balance plus its credit limit plus the largest running stimulus of its
scopes (its region and kind, its region, its kind, everyone), less, for a council, the credit its
live bonus allowances hold back (what they may still spend, with the fee of that), never below 0.

The figures come from the index alone, so that a member reads its credit while the chain is away;
"now" is the time of the last indexed block that holds an event at or before the block asked for
(and, for the current state, the clock when it is later).
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

from sqlmodel import Session, col, func, select

from next_contracts.vocabulary import MemberKind, MemberStatus, fee_for
from next_node.db.models import Block, BonusEvent, FeeChange, LedgerEvent, MemberEvent

Scope = tuple[int | None, str | None]  # (region, kind); None for all


def available_credits(session: Session, accounts: list[dict[str, Any]], block: int, *, current: bool) -> dict[str, int]:
    """Each account's available credit at `block` (accounts as `snapshot.accounts_at` gives them).
    `current`: `block` is the indexed head and the answer is for now (a stimulus that ended since
    the last event has ended), as the ledger would answer a call now."""
    indexed_time = session.exec(select(func.max(Block.timestamp)).where(col(Block.number) <= block)).one() or 0
    now = max(int(indexed_time), int(time.time())) if current else int(indexed_time)
    stimuli = _live_stimuli(session, block, now)
    councils = [a["address"] for a in accounts if a["kind"] == MemberKind.COUNCIL.value]
    held = _held(session, councils, block, now) if councils else {}
    found = {}
    for account in accounts:
        if account["status"] != MemberStatus.ACTIVE.value:
            found[account["address"]] = 0
            continue
        region, kind = account["region"], account["kind"]
        scopes = ((region, kind), (region, None), (None, kind), (None, None))
        extra = max((stimuli.get(scope, 0) for scope in scopes), default=0)
        available = account["balance"] + account["credit_limit"] + extra - held.get(account["address"], 0)
        found[account["address"]] = max(available, 0)
    return found


def _live_stimuli(session: Session, block: int, now: int) -> dict[Scope, int]:
    """The extra credit of each scope's stimulus, if it still runs at `now`: the last one set wins."""
    rows = session.exec(
        select(LedgerEvent)
        .where(LedgerEvent.event == "stimulus_set", col(LedgerEvent.block_number) <= block)
        .order_by(col(LedgerEvent.block_number), col(LedgerEvent.log_index))
    ).all()
    latest: dict[Scope, tuple[int, int]] = {}
    for row in rows:
        latest[(row.region, row.kind)] = (row.extra_credit or 0, row.ends_at or 0)
    return {scope: extra for scope, (extra, ends_at) in latest.items() if ends_at > now and extra}


def _held(session: Session, councils: list[str], block: int, now: int) -> dict[str, int]:
    """What each council's unexpired runs may still spend, with its fee at the ledger's rate:
    BonusAllowances.creditHeldBy. A run follows its council's key through a recovery."""
    keys = recovered_keys(session, councils, block)
    owner_of = {old: council for council, olds in keys.items() for old in olds}
    opened = session.exec(
        select(BonusEvent.run_id, BonusEvent.council, BonusEvent.expires_at).where(
            BonusEvent.event == "opened",
            col(BonusEvent.council).in_(list(owner_of)),
            col(BonusEvent.block_number) <= block,
        )
    ).all()
    live = {
        int(run_id or 0): owner_of[council or ""] for run_id, council, expires_at in opened if (expires_at or 0) > now
    }
    if not live:
        return {}
    outstanding: dict[int, int] = defaultdict(int)
    for event, run_id, amount in session.exec(
        select(BonusEvent.event, BonusEvent.run_id, BonusEvent.amount).where(
            col(BonusEvent.event).in_(("issued", "spent")),
            col(BonusEvent.run_id).in_(list(live)),
            col(BonusEvent.block_number) <= block,
        )
    ):
        outstanding[run_id or 0] += (amount or 0) if event == "issued" else -(amount or 0)
    fee_bps = fee_bps_at(session, block)
    held: dict[str, int] = defaultdict(int)
    for run_id, council in live.items():
        held[council] += outstanding[run_id] + fee_for(outstanding[run_id], fee_bps)
    return held


def recovered_keys(session: Session, accounts: list[str], block: int) -> dict[str, set[str]]:
    """Each account and the keys it was recovered from, one migration after another, up to `block`
    (what a recovery carried to it: a council's runs, a holder's allowances)."""
    migrations = dict(
        session.exec(
            select(MemberEvent.other, MemberEvent.account).where(
                MemberEvent.event == "migrated", col(MemberEvent.block_number) <= block
            )
        ).all()
    )
    found = {}
    for account in accounts:
        keys, key = {account}, account
        while (key := migrations.get(key)) is not None and key not in keys:  # type: ignore[assignment]
            keys.add(key)
        found[account] = keys
    return found


def fee_bps_at(session: Session, block: int) -> int:
    """The ledger's fee at `block` (the deployment's first rate is a FeeChanged from 0 too)."""
    fee = session.exec(
        select(FeeChange.new_fee_bps)
        .where(col(FeeChange.block_number) <= block)
        .order_by(col(FeeChange.block_number).desc(), col(FeeChange.log_index).desc())
        .limit(1)
    ).first()
    return int(fee or 0)
