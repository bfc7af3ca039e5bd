"""The journal of a bonus run: what this wallet signed and sent, chunk by chunk, keyed by sender
and reference, written and fsynced before each broadcast.

It is a record, not the judge of what is paid: the chain is (the sender's Transferred events under
the run's reference, batch.plan). The journal holds no signed bytes, so nothing in it can ever be
broadcast again; a chunk signed but never sent loses its nonce to the next transaction signed.
One journal file may hold several runs (another reference, another sender), and a corrected file
uses the same journal as the first one. One run at a time uses a journal: each holds an exclusive
lock on the file beside it (FILE.journal.json.lock) from its start to its end, so that two runs
started at the same moment cannot both see a line unpaid and both pay it.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from next_contracts.words import say
from next_wallet.errors import BadInputError, BusyError

FINISHED = ("confirmed", "reverted", "never sent", "dropped", "refused")


@dataclass
class Journal:
    path: Path
    key: str  # "sender/ref", both lowercase hex
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def open(cls, path: Path, sender: str, ref: bytes) -> Journal:
        key = f"{sender.lower()}/0x{ref.hex()}"
        runs: dict[str, dict[str, Any]] = {}
        if path.exists():
            try:
                data = json.loads(path.read_text())
            except (OSError, ValueError) as error:
                raise BadInputError(say("wallet.journal.unreadable", path=path, error=error)) from None
            runs = data.get("runs", {}) if isinstance(data, dict) else {}  # an older journal holds no run
        runs.setdefault(key, {"chunks": []})
        return cls(path, key, runs)

    @property
    def chunks(self) -> list[dict[str, Any]]:
        chunks: list[dict[str, Any]] = self.runs[self.key]["chunks"]
        return chunks

    def unfinished(self) -> list[dict[str, Any]]:
        return [c for c in self.chunks if c["status"] not in FINISHED]

    def save(self) -> None:
        temporary = self.path.with_name(self.path.name + ".tmp")
        with open(temporary, "w") as file:
            json.dump({"version": 2, "runs": self.runs}, file, indent=1)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.path)  # atomic: the journal is always one whole version


@contextmanager
def exclusive_run(journal: Path) -> Iterator[None]:
    """Holds the journal's lock (flock, released by the system when the process ends, however it
    ends) for the whole run; refuses at once, naming the holder's pid, when another run holds it.
    The lock file stays: removing it would let a third run lock a new file beside a held one."""
    fd = os.open(journal.with_name(journal.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            raise BusyError(say("wallet.journal.busy", pid=holder)) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # releases the lock
