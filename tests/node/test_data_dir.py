"""The data directory: one node at a time, and no chain of another engine taken for its own."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from next_node.chain.guard import LOCK_FILE, DataDirInUseError, DataDirLock
from tests.node.node_process import NODE
from tests.support.ports import free_port


def test_a_data_directory_of_the_anvil_node_is_refused_in_words(tmp_path: Path) -> None:
    """next-node ran anvil before geth, and saved its state in chain-state.json.gz: geth cannot load
    it, and a new chain beside a deployment record of the old one would be refused later in worse
    words. The node says what it found, and touches nothing."""
    (tmp_path / "chain-state.json.gz").write_bytes(b"anvil's state")
    process = subprocess.run(
        [*NODE, "up", "--data-dir", str(tmp_path), "--rpc-port", str(free_port()), "--api-port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == 1, process.stderr
    assert "holds a chain of anvil" in process.stderr and "Traceback" not in process.stderr
    assert not (tmp_path / "chain").exists() and not (tmp_path / "genesis.json").exists()


def test_the_lock_names_the_node_and_its_chain_to_a_second_node(tmp_path: Path) -> None:
    (tmp_path / LOCK_FILE).write_text('{"node": 1, "chain": 2}')  # left by a node long stopped
    lock = DataDirLock(tmp_path)
    lock.acquire()
    assert lock.holder() == {"node": os.getpid()}
    lock.record(chain=4242)
    assert lock.holder() == {"node": os.getpid(), "chain": 4242}
    try:
        with pytest.raises(DataDirInUseError, match=rf"next-node pid {os.getpid()}, chain pid 4242"):
            DataDirLock(tmp_path).acquire()
    finally:
        lock.release()
