"""Reading the index as it was at one block, while the indexer keeps writing.

An auditor compares a live gateway with its own replay at one block B. Two things make that
possible here: every query of a request reads the same committed state (a read snapshot: SQLite's
deferred transaction in WAL mode, PostgreSQL's REPEATABLE READ), and an account is rolled back from
the indexed block to B by undoing the few events indexed after B: its balance less the transfers
after B; its status, kind, region, credit line and successor replayed from its member events up
to B when it has any after B. An account admitted (or migrated to) after B did not exist at B.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from next_node.api.errors import StateConflict
from next_node.db.models import Member, MemberEvent, SyncState, Transfer
from next_node.indexer import members

ROLLED_BACK = ("balance", "credit_limit", "ceiling", "status", "kind", "region", "successor")
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "the index is not at that block: not there yet, or rewound below it"}
}


def begin_snapshot(session: Session) -> int:
    """Pins every later read of `session` to one committed state; returns its indexed block.
    Call it before any other query of the session."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")  # deferred: the first read takes the snapshot, kept to the end
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    sync = session.get(SyncState, 1)
    return sync.last_block if sync else 0


def require_indexed(indexed: int, block: int) -> None:
    if block > indexed:
        raise StateConflict("gateway.index_behind", indexed=indexed, block=block)


def accounts_at(session: Session, members: list[Member], block: int, indexed: int) -> list[dict[str, Any]]:
    """`members` (as indexed at `indexed`) as they were at `block`; those not yet members are left out."""
    states = {m.address: {name: getattr(m, name) for name in ("address", *ROLLED_BACK)} for m in members}
    if block >= indexed or not states:
        return list(states.values())
    later = select(Transfer.from_address, Transfer.to_address, Transfer.amount, Transfer.fee)
    for source, target, amount, fee in session.exec(later.where(col(Transfer.block_number) > block)):
        if source in states:
            states[source]["balance"] += amount + fee
        if target in states:
            states[target]["balance"] -= amount
    changed = set()
    for account, other in session.exec(
        select(MemberEvent.account, MemberEvent.other).where(col(MemberEvent.block_number) > block)
    ):
        changed |= {a for a in (account, other) if a in states}
    if changed:
        for address, fields in _replay_member_events(session, changed, block).items():
            states[address].update(fields)
    return [s for s in states.values() if s["status"] != "none"]


def _replay_member_events(session: Session, addresses: set[str], block: int) -> dict[str, dict[str, Any]]:
    """The fields of `addresses` at `block`, from their member events up to it (and those of the
    keys they were migrated from, whose fields a migration copies)."""
    keys = set(addresses)
    while True:  # follow migrations back to the first key: new keys take the old key's fields
        sources = set(
            session.exec(
                select(MemberEvent.account).where(
                    MemberEvent.event == "migrated",
                    col(MemberEvent.other).in_(keys),
                    col(MemberEvent.block_number) <= block,
                )
            )
        )
        if sources <= keys:
            break
        keys |= sources
    involved = col(MemberEvent.account).in_(keys) | col(MemberEvent.other).in_(keys)
    events = session.exec(
        select(MemberEvent)
        .where(involved, col(MemberEvent.block_number) <= block)
        .order_by(col(MemberEvent.block_number), col(MemberEvent.log_index))
    ).all()
    fields = {key: members.blank() for key in keys}
    for event in events:
        account = fields.setdefault(event.account, members.blank())
        if event.event == "admitted":
            members.admitted(
                account, kind=event.kind, region=event.region, credit_limit=event.credit_limit, ceiling=event.ceiling
            )
        elif event.event == "status_changed":
            members.status_changed(account, event.status)
        elif event.event == "credit_line_set":
            members.credit_line_set(account, credit_limit=event.credit_limit, ceiling=event.ceiling)
        elif event.event == "migrated" and event.other is not None:
            members.migrated(account, fields.setdefault(event.other, members.blank()), event.other)
    return {address: fields[address] for address in addresses}
