"""The index's schema version: an index of another version is rebuilt from the chain, never
migrated in place.

The index is a copy of what the chain says, so the safe migration is to drop it and index the
chain again. `ensure_schema` does it in one database transaction: it deletes the version row, drops
every table of the index, creates them anew and writes the version row again. PostgreSQL runs
DDL in the transaction; on SQLite the first statement (a DELETE) opens the transaction that the
DROPs and CREATEs then join, so either way a crash leaves the old index or an empty new one,
never half of each. (And should a DROP ever commit on its own, the version row went first: the
next start finds no version and rebuilds again.) The indexer then fills the new tables batch by
batch, each batch with its cursor: a crash during the re-indexing resumes it where it stopped,
and until it is done /health says the index is behind.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import SQLModel

from next_node.db.models import SCHEMA_VERSION, SchemaVersion
from next_node.errors import DeploymentMismatchError

log = logging.getLogger("next_node.db")
VERSION = SchemaVersion.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Rebuild:
    """An index that `ensure_schema` dropped, to be indexed again from the chain."""

    previous: int | None  # its version; None when it had none (older than versions) or was unreadable
    followed: str | None = None  # the contracts it followed, when they are what changed
    contracts: str | None = None  # the contracts to follow now

    def __str__(self) -> str:
        if self.previous == SCHEMA_VERSION:
            return (
                f"the index follows {self.followed}, the deployment has {self.contracts}: rebuilding it from the chain"
            )
        was = "no schema version" if self.previous is None else f"schema version {self.previous}"
        return f"the index has {was}, this node writes version {SCHEMA_VERSION}: rebuilding it from the chain"


def schema_version(engine: Engine) -> int | None:
    """The index's version, or None when it has none."""
    SQLModel.metadata.create_all(engine)  # creates what is missing, the version table included
    with engine.connect() as connection:
        return connection.execute(select(VERSION.c.version).where(VERSION.c.id == 1)).scalar_one_or_none()


def ensure_schema(engine: Engine, *, chain_id: int, ledger: str, contracts: str) -> Rebuild | None:
    """Makes the index's tables those of SCHEMA_VERSION, following `contracts` (see SyncState); a
    Rebuild when an index of another version, or of fewer contracts, (with data in it) was dropped
    for that, None when it was current or empty."""
    version = schema_version(engine)
    followed = _followed(engine) if version == SCHEMA_VERSION else None
    if version == SCHEMA_VERSION and followed in (None, contracts):
        return None
    indexed = _indexed(engine)
    with engine.begin() as connection:
        if indexed is not None and (indexed[0], indexed[1].lower()) != (chain_id, ledger.lower()):
            raise DeploymentMismatchError(
                f"this database indexes ledger {indexed[1]} on chain {indexed[0]}, not {ledger} on chain {chain_id}"
            )
        connection.execute(delete(VERSION))  # first, so that nothing half-done ever carries a version
        SQLModel.metadata.drop_all(connection)
        SQLModel.metadata.create_all(connection)
        connection.execute(insert(VERSION).values(id=1, version=SCHEMA_VERSION))
    rebuild = Rebuild(version, followed, contracts) if indexed is not None else None
    if rebuild is not None:
        log.warning("%s", rebuild)
    return rebuild


def _followed(engine: Engine) -> str | None:
    """The contracts a current index follows, None when it has no cursor yet."""
    with engine.connect() as connection:
        row = connection.execute(text("SELECT contracts FROM sync_state WHERE id = 1")).first()
    return str(row[0]) if row is not None else None


def _indexed(engine: Engine) -> tuple[int, str] | None:
    """The chain and ledger the index holds, if it holds any (read the way every version wrote it)."""
    try:
        with engine.connect() as connection:
            row = connection.execute(text("SELECT chain_id, ledger FROM sync_state WHERE id = 1")).first()
    except SQLAlchemyError:
        return None  # a shape this node does not know: nothing to compare, the index is rebuilt
    return (int(row[0]), str(row[1])) if row is not None else None
