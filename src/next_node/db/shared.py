"""Sign-in nonces and rate-limit counters in the database, so that several gateway processes on one
database (each following its own validator, behind one load balancer) answer as one gateway: a
nonce issued by one is spent once on any, and a client's requests count against one limit.

Both are single statements, atomic on SQLite and PostgreSQL alike: a spend is a DELETE that
removes the live nonce or nothing; a hit is an INSERT ... ON CONFLICT DO UPDATE ... RETURNING that
starts a new window once the last one expired. The counters serve the `limits` library's fixed
window strategy as its storage (its memory, Redis and memcached storages hold nothing a second
process of ours can see without another server).
"""

from __future__ import annotations

import secrets
import time

from limits.storage import Storage
from sqlalchemy import delete, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from next_node.db.models import AuthNonce, RateCounter

NONCES = AuthNonce.__table__  # type: ignore[attr-defined]
COUNTERS = RateCounter.__table__  # type: ignore[attr-defined]
SWEEP_EVERY = 100  # issues between two deletions of expired nonces


class Nonces:
    """Single-use sign-in nonces, shared by every gateway process on the database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._issued = 0

    def issue(self, seconds: int) -> str:
        nonce = secrets.token_hex(16)
        now = time.time()
        with self.engine.begin() as connection:
            connection.execute(NONCES.insert().values(nonce=nonce, expires_at=now + seconds))
            self._issued += 1
            if self._issued % SWEEP_EVERY == 0:
                connection.execute(delete(NONCES).where(NONCES.c.expires_at <= now))
        return nonce

    def spend(self, nonce: str) -> bool:
        """True once for a live nonce, on whichever process; never for one used twice, never
        issued or expired."""
        with self.engine.begin() as connection:
            spent = connection.execute(delete(NONCES).where(NONCES.c.nonce == nonce, NONCES.c.expires_at > time.time()))
        return spent.rowcount == 1


_HIT = text(
    "INSERT INTO rate_counters (key, count, expires_at) VALUES (:key, :amount, :now + :expiry) "
    "ON CONFLICT (key) DO UPDATE SET "
    "count = CASE WHEN rate_counters.expires_at <= :now THEN :amount ELSE rate_counters.count + :amount END, "
    "expires_at = CASE WHEN rate_counters.expires_at <= :now THEN :now + :expiry ELSE rate_counters.expires_at END "
    "RETURNING count"
)


class SqlStorage(Storage):
    """The `limits` storage of counters in the gateway's database."""

    STORAGE_SCHEME = None  # made directly, never from a URI

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        with self.engine.begin() as connection:
            count = connection.execute(_HIT, {"key": key, "amount": amount, "now": time.time(), "expiry": expiry})
            return int(count.scalar_one())

    def get(self, key: str) -> int:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(COUNTERS.c.count).where(COUNTERS.c.key == key, COUNTERS.c.expires_at > time.time())
            ).first()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        with self.engine.connect() as connection:
            row = connection.execute(select(COUNTERS.c.expires_at).where(COUNTERS.c.key == key)).first()
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True

    def reset(self) -> int | None:
        with self.engine.begin() as connection:
            return int(connection.execute(delete(COUNTERS)).rowcount)

    def clear(self, key: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(COUNTERS).where(COUNTERS.c.key == key))
