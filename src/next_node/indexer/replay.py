"""The stored events, back as `Event`s in chain order: to rebuild the derived tables after a rewind
without asking the chain for anything."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select, true
from sqlalchemy.orm import Session
from sqlmodel import col

from next_contracts.vocabulary import MemberKind, MemberStatus
from next_node.db.models import BonusEvent, FeeChange, LedgerEvent, MemberEvent, ProjectEvent, Transfer, WriteOff
from next_node.indexer.decode import Event


def _event(name: str, row: Any, contract: str = "ledger", **args: Any) -> Event:
    return Event(
        contract=contract,
        name=name,
        args=args,
        block_number=row.block_number,
        block_hash="",
        block_time=row.block_time,
        tx_hash=row.tx_hash,
        log_index=row.log_index,
    )


def _transfers(row: Any) -> Event:
    return _event(
        "Transferred",
        row,
        **{"from": row.from_address, "to": row.to_address},
        amount=row.amount,
        fee=row.fee,
        ref=row.ref,
        kind=row.kind,  # named live by the events around it
    )


def _bonus_spendings(row: Any) -> Event:
    # Only the spendings: they tag the Transferred after them with their run, for the economics.
    return _event("AllowanceSpent", row, contract="bonuses", runId=row.run_id)


def _member_events(row: Any) -> Event:
    if row.event == "admitted":
        return _event(
            "MemberAdmitted",
            row,
            account=row.account,
            kind=MemberKind(row.kind).code,
            region=row.region,
            kycHash=row.kyc_hash,
            creditLimit=row.credit_limit,
            ceiling=row.ceiling,
        )
    if row.event == "status_changed":
        return _event("MemberStatusChanged", row, account=row.account, newStatus=MemberStatus(row.status).code)
    if row.event == "credit_line_set":
        return _event("CreditLineSet", row, account=row.account, creditLimit=row.credit_limit, ceiling=row.ceiling)
    if row.event == "credit_policy_applied":
        return _event("CreditPolicyApplied", row, account=row.account, newLimit=row.credit_limit)
    return _event("AccountMigrated", row, **{"from": row.account, "to": row.other})


def _write_offs(row: Any) -> Event:
    return _event(
        "DebtWrittenOff",
        row,
        account=row.account,
        debt=row.debt,
        covered=row.covered,
        uncovered=row.uncovered,
        ref=row.ref,
    )


def _fee_changes(row: Any) -> Event:
    return _event("FeeChanged", row, previousFeeBps=row.previous_fee_bps, newFeeBps=row.new_fee_bps)


def _ledger_events(row: Any) -> Event:
    if row.event == "stimulus_set":  # the economics follows each stimulus's money
        return _event(
            "StimulusSet",
            row,
            allRegions=row.region is None,
            region=row.region or 0,
            allKinds=row.kind is None,
            kind=MemberKind(row.kind or "individual").code,
            extraCredit=row.extra_credit,
            endsAt=row.ends_at,
        )
    name = {"paused": "Paused", "unpaused": "Unpaused"}.get(row.event, "DefaultCreditLineSet")
    return _event(name, row, account=row.account)


def _project_events(row: Any) -> Event:
    # Of the project events, only the floor's changes derive state (ledger_state); the rest are
    # kept as they are, and replay as a name no handler takes.
    name = "CoverageFloorSet" if row.event == "floor_set" else "ProjectRecorded"
    return _event(name, row, newFloorBps=row.floor_bps)


SOURCES = (
    (Transfer, _transfers),
    (MemberEvent, _member_events),
    (WriteOff, _write_offs),
    (FeeChange, _fee_changes),
    (LedgerEvent, _ledger_events),
    (ProjectEvent, _project_events),
    (BonusEvent, _bonus_spendings),
)
WHERE: dict[type, Any] = {BonusEvent: col(BonusEvent.event) == "spent"}


def stored_events(session: Session) -> Iterator[Event]:
    """Every stored event that changes derived state, in (block, log index) order."""
    streams = []
    for model, to_event in SOURCES:
        rows = session.execute(
            select(model)
            .where(WHERE.get(model, true()))
            .order_by(model.block_number, model.log_index)  # type: ignore[arg-type]
            .execution_options(yield_per=10_000)
        ).scalars()
        streams.append(map(to_event, rows))  # map binds to_event now; a generator would bind it late
    return heapq.merge(*streams, key=lambda e: (e.block_number, e.log_index))
