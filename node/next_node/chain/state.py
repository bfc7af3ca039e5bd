"""The embedded chain's saved state: what a restart needs, written so that a crash never corrupts it.

What anvil must be given again on restart:
- the genesis timestamp (`chain.json`): anvil makes a new block 0 on every start, stamped with the
  time unless told, and the header hash covers the timestamp. A second block 0 in the saved blocks
  then takes the number 0 at random on a later load, and block 1's parent no longer is block 0;
- the blocks, transactions with their receipts and call traces, and the current accounts
  (`chain-state.json.gz`, anvil's own dump, gzip-compressed by anvil: about 1/25 of the JSON;
  unpacked for anvil's --load-state at start).
  Not the state at every past block (`--preserve-historical-states`): that copy of every account
  per block is what grew to hundreds of megabytes and took seconds to write at each dump.

Every write goes to a temporary file, is synced, then renamed over the old one: a crash leaves
the previous complete save, never half a file. anvil itself writes nothing (no `--dump-state`,
whose file is rewritten in place).
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import threading
import time
from pathlib import Path

from web3 import Web3

from next_node.errors import NodeError

STATE_FILE = "chain-state.json.gz"
LEGACY_STATE_FILE = "chain-state.json"  # anvil's --state file, written by next-node before this format
GENESIS_FILE = "chain.json"
UNPACKED_FILE = "chain-state.loading.json"  # for anvil to read at start only


class ChainStateError(NodeError):
    """The saved chain state cannot be read or loaded."""


def write_atomically(path: Path, data: bytes) -> None:
    """`data` in `path` entirely or not at all, even on a crash or power loss."""
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


class ChainState:
    """The saved state of the chain kept in `data_dir`."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / STATE_FILE
        self.legacy_path = data_dir / LEGACY_STATE_FILE
        self.genesis_path = data_dir / GENESIS_FILE
        self.unpacked_path = data_dir / UNPACKED_FILE
        self._writing = threading.Lock()  # the periodic saver and an explicit save share one temporary file

    def genesis_timestamp(self) -> int:
        """The timestamp of this data directory's block 0: recorded on first start, read back after."""
        if self.legacy_path.exists() and not self.path.exists():
            self._migrate_legacy()
        if self.genesis_path.exists():
            try:
                return int(json.loads(self.genesis_path.read_text())["genesis_timestamp"])
            except (ValueError, KeyError, TypeError) as error:
                raise ChainStateError(f"{self.genesis_path} is damaged: {error}") from error
        timestamp = int(time.time())
        self._record_genesis(timestamp)
        return timestamp

    def unpack(self) -> Path | None:
        """The last save as the JSON file anvil's --load-state reads (its RPC takes no more than
        2 MB); None on a new chain. Delete it with `discard_unpacked` once anvil has started."""
        if not self.path.exists():
            return None
        try:
            with gzip.open(self.path) as packed, self.unpacked_path.open("wb") as unpacked:
                shutil.copyfileobj(packed, unpacked, 1 << 20)
        except (OSError, EOFError) as error:
            raise ChainStateError(f"{self.path} cannot be read: {error}") from error
        return self.unpacked_path

    def discard_unpacked(self) -> None:
        self.unpacked_path.unlink(missing_ok=True)

    def save(self, w3: Web3) -> int:
        """Saves what a restart needs; returns the size written. (One save at a time: a dump is
        written only if no later one was.)"""
        with self._writing:
            answer = w3.provider.make_request("anvil_dumpState", [False])  # type: ignore[arg-type]
            if "error" in answer:
                raise ChainStateError(f"anvil could not dump its state: {answer['error']}")
            data = bytes.fromhex(answer["result"].removeprefix("0x"))
            write_atomically(self.path, data)
        return len(data)

    def _record_genesis(self, timestamp: int) -> None:
        write_atomically(self.genesis_path, json.dumps({"genesis_timestamp": timestamp}).encode() + b"\n")

    def _migrate_legacy(self) -> None:
        """An anvil --state file, as next-node wrote it before, into this format. Such a file holds
        one block 0 per start: the chain's own is the first made, so the earliest, and the others
        are dropped; so are the historical states."""
        try:
            state = json.loads(self.legacy_path.read_bytes())
            geneses = [b for b in state["blocks"] if int(b["header"]["number"], 16) == 0]
            first = min(geneses, key=lambda b: int(b["header"]["timestamp"], 16))
        except (ValueError, KeyError, TypeError) as error:
            raise ChainStateError(f"{self.legacy_path} is not an anvil state file with a block 0: {error}") from error
        state["blocks"] = [b for b in state["blocks"] if b is first or int(b["header"]["number"], 16) != 0]
        state["historical_states"] = None
        self._record_genesis(int(first["header"]["timestamp"], 16))
        write_atomically(self.path, gzip.compress(json.dumps(state).encode(), compresslevel=6))
        self.legacy_path.unlink()  # all it held that a restart needs is in the new file
