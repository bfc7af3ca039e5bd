"""Who is asking: an address with its member status and staff roles as the chain holds them, kept
a few seconds (a frozen member or a revoked auditor loses access within that time)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from next_contracts.vocabulary import MemberStatus

CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class Principal:
    address: str  # lowercase
    status: MemberStatus  # on the chain; NONE for a non-member
    roles: frozenset[str]

    @property
    def member(self) -> bool:
        return self.status is not MemberStatus.NONE

    @property
    def staff(self) -> bool:
        return bool(self.roles)


class PrincipalCache:
    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def get(self, address: str) -> Principal | None:
        with self._lock:
            entry = self._entries.get(address)
        return entry[1] if entry and entry[0] > time.monotonic() else None

    def put(self, principal: Principal) -> None:
        with self._lock:
            if len(self._entries) > 100_000:
                self._entries.clear()
            self._entries[principal.address] = (time.monotonic() + CACHE_SECONDS, principal)
