"""A council's bonus runs, from the index: what each issued, to how many holders, what was spent,
by business and by category, and what is left or lapsed. With `ref`, the run under that reference
and its issued lines, from which a wallet resumes an interrupted issue through the gateway."""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlmodel import Session, col, func, select
from web3 import Web3

from next_contracts.bonuses import RunLog, run_report
from next_node.api.access import OwnerOrStaff
from next_node.api.credit import recovered_keys
from next_node.api.deps import ContextDep, SessionDep
from next_node.api.errors import NotFound
from next_node.api.params import AddressPath
from next_node.api.references import kept_words
from next_node.api.snapshot import begin_snapshot
from next_node.db.models import Block, BonusEvent

router = APIRouter(tags=["bonus allowances"])
MAX_RUNS = 200  # a council's runs shown, the latest (the contract keeps 16 open at once)


class IssuedLine(BaseModel):
    holder: str
    amount: int  # hundredths
    tx_hash: str


class RunPublic(BaseModel):
    run_id: int
    ref: str  # its text when the wallet wrote text, else its hash
    ref_hash: str  # the bytes32 on-chain
    expires_at: int
    categories: list[str]  # none: any category
    regions: list[int]  # none: any region
    state: str  # open, expired
    holders: int
    issued: int
    spent: int
    outstanding: int  # still spendable (0 once expired)
    lapsed: int  # left unspent at the expiry
    by_category: dict[str, int]  # spending by the payees' categories now; a business in two counts in each
    by_business: dict[str, int]
    issued_lines: list[IssuedLine] | None  # with `ref` only


class RunsPublic(BaseModel):
    council: str
    indexed_block: int
    runs: list[RunPublic]


def _categories(session: Session, accounts: set[str]) -> dict[str, int]:
    """The latest categories the registrars set for `accounts` (0 for a member never categorised)."""
    found: dict[str, int] = dict.fromkeys(accounts, 0)
    if accounts:
        rows = session.exec(
            select(BonusEvent.account, BonusEvent.categories)
            .where(BonusEvent.event == "categories", col(BonusEvent.account).in_(accounts))
            .order_by(col(BonusEvent.block_number), col(BonusEvent.log_index))
        ).all()
        for account, categories in rows:
            found[account or ""] = categories or 0
    return found


@router.get(
    "/accounts/{address}/allowance-runs",
    responses={
        401: {"description": "no valid token"},
        403: {"description": "another member's account"},
        404: {"description": "this deployment has no bonus allowances"},
    },
)
def allowance_runs(
    context: ContextDep,
    session: SessionDep,
    address: AddressPath,
    viewer: OwnerOrStaff,
    ref: Annotated[str | None, Query(pattern=r"^0x[0-9a-fA-F]{64}$", description="a run's bytes32 reference")] = None,
) -> RunsPublic:
    """OWNER or STAFF. The council's bonus runs at the indexed block, the latest last; with `ref`,
    only the runs under that reference, with their issued lines."""
    if context.deployment.bonus_allowances is None:
        raise NotFound("gateway.no_allowances")
    indexed = begin_snapshot(session)
    council = address.lower()
    keys = recovered_keys(session, [council], indexed)[council]  # a recovery carried the old key's runs
    query = select(BonusEvent).where(BonusEvent.event == "opened", col(BonusEvent.council).in_(keys))
    if ref is not None:
        query = query.where(BonusEvent.ref == ref.lower())
    opened = list(session.exec(query.order_by(col(BonusEvent.run_id).desc()).limit(MAX_RUNS)).all())[::-1]
    run_ids = [row.run_id for row in opened]
    issued: dict[int, list[BonusEvent]] = defaultdict(list)
    spent: dict[int, list[tuple[str, int]]] = defaultdict(list)
    if run_ids:
        rows = session.exec(
            select(BonusEvent)
            .where(col(BonusEvent.event).in_(("issued", "spent")), col(BonusEvent.run_id).in_(run_ids))
            .order_by(col(BonusEvent.block_number), col(BonusEvent.log_index))
        ).all()
        for row in rows:
            if row.event == "issued":
                issued[row.run_id or 0].append(row)
            else:
                spent[row.run_id or 0].append((row.account or "", row.amount or 0))
    payees = {payee for lines in spent.values() for payee, _ in lines}
    categories: dict[str, int] = {Web3.to_checksum_address(a): c for a, c in _categories(session, payees).items()}
    latest = session.exec(select(func.max(Block.timestamp))).one() or 0
    now = max(int(time.time()), int(latest))
    runs = []
    words = kept_words(session, (row.ref for row in opened))
    for row in opened:
        run_id = row.run_id or 0
        log = RunLog(
            run_id,
            council,
            row.expires_at or 0,
            row.categories or 0,
            tuple(int(r) for r in (row.regions or "").split(",") if r),
            bytes.fromhex((row.ref or "0x")[2:]),
        )
        report = run_report(
            log,
            [(line.holder or "", line.amount or 0) for line in issued[run_id]],
            spent[run_id],
            lambda payee: categories.get(payee, 0),
            now,
        )
        lines = None
        if ref is not None:
            lines = [
                IssuedLine(
                    holder=Web3.to_checksum_address(line.holder or ""), amount=line.amount or 0, tx_hash=line.tx_hash
                )
                for line in issued[run_id]
            ]
        if row.ref in words:  # a long reference: its words, as a member gave them
            report["ref"] = words[row.ref]
        runs.append(RunPublic(**report, ref_hash=row.ref or "", issued_lines=lines))
    return RunsPublic(council=Web3.to_checksum_address(council), indexed_block=indexed, runs=runs)
