"""The journal of a bonus run: what this wallet signed and sent, chunk by chunk, keyed by sender
and reference, written and fsynced before each broadcast.

It is a record, not the judge of what is paid: the chain is (the sender's Transferred events under
the run's reference, batch.plan). The journal holds no signed bytes, so nothing in it can ever be
broadcast again; a chunk signed but never sent loses its nonce to the next transaction signed.
One journal file may hold several runs (another reference, another sender), and a corrected file
uses the same journal as the first one.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from next_wallet.errors import BadInputError

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
                raise BadInputError(
                    f"the journal {path} is unreadable ({error}); the chain, not the journal, says what is "
                    "paid: give another --journal"
                ) from None
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
