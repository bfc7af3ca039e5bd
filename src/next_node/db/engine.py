"""Opening the index: SQLite (WAL) by default, PostgreSQL by URL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel, create_engine

from next_node.db import models  # noqa: F401  (registers the tables)
from next_node.db.kept import create_kept

CREATE_LOCK = 0x4E5854  # the advisory lock of table creation ("NXT")


def make_engine(url: str, *, sqlite_busy_timeout: float = 30.0, **kwargs: Any) -> Engine:
    """An engine for `url` (sqlite:///path or postgresql+psycopg://...), tables created. On SQLite,
    a write waits up to `sqlite_busy_timeout` seconds for a lock another process holds."""
    if url.startswith("sqlite"):
        connect_args = {"check_same_thread": False, "timeout": sqlite_busy_timeout}
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True, **kwargs)
    _create_tables(engine)
    return engine


def _create_tables(engine: Engine) -> None:
    """Creates what is missing. Processes starting together on a new database (an indexer and two
    gateways) each find the tables missing and create them: on PostgreSQL one at a time, under a
    lock of the transaction; elsewhere, the loser of a race finds them there on a second look."""
    for attempt in range(3):
        try:
            with engine.begin() as connection:
                if engine.dialect.name == "postgresql":
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CREATE_LOCK})
                SQLModel.metadata.create_all(connection)
                create_kept(connection)  # what the gateway keeps apart from the index (profiles)
            return
        except DBAPIError:
            if attempt == 2:
                raise


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # WAL: the API reads while the indexer writes. NORMAL is safe in WAL mode: a crash may lose the
    # last commit on power loss, never consistency, and the cursor is in the same commit.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
