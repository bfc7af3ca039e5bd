"""The embedded chain's saved state: a save larger than anvil's RPC accepts still loads, and a data
directory from before (anvil's own --state file, one block 0 per start) is taken over intact."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from next_contracts.rpc import connect
from next_node.chain.embedded import STATE_FILE, ChainSettings, EmbeddedChain, find_anvil
from next_node.chain.guard import LOCK_FILE, DataDirInUseError, DataDirLock
from next_node.chain.state import LEGACY_STATE_FILE
from scripts._postgres import free_port
from tests.node.node_process import wait_until


def test_a_save_larger_than_the_rpc_accepts_is_loaded(tmp_path):
    """anvil's JSON-RPC refuses requests over 2 MB; a long chain's save is larger than that."""
    settings = ChainSettings(tmp_path, free_port(), block_time=0)
    codes = {f"0x{i:040x}": "0x" + os.urandom(40_000).hex() for i in range(1, 61)}  # does not compress
    with EmbeddedChain(settings) as chain:
        w3 = chain.start()
        for address, code in codes.items():
            w3.provider.make_request("anvil_setCode", [address, code])  # type: ignore[arg-type]
        w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        head = w3.eth.get_block("latest")
    assert (tmp_path / STATE_FILE).stat().st_size > 2_000_000
    with EmbeddedChain(settings) as chain:
        w3 = chain.start()
        assert w3.eth.get_block(head["number"])["hash"] == head["hash"]
        for address, code in codes.items():
            assert w3.eth.get_code(w3.to_checksum_address(address)).to_0x_hex() == code


def test_an_anvil_state_file_from_before_is_taken_over_with_its_own_block_0(tmp_path):
    legacy = tmp_path / LEGACY_STATE_FILE
    port = free_port()
    for _ in range(3):  # as next-node ran anvil before: each start added a block 0 to the file
        # A block 0 of a later second than every one in the file, so another hash: the start of the
        # anvil before may have stamped its block 0 seconds after it was launched, on a loaded machine.
        stamped = max(map(_timestamp, _geneses(legacy)), default=0)
        wait_until(lambda stamped=stamped: int(time.time()) > stamped)
        anvil = subprocess.Popen(
            [find_anvil(), "--port", str(port), "--state", str(legacy)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        w3 = connect(f"http://127.0.0.1:{port}", trust_env=False, timeout=2)
        wait_until(lambda w3=w3: _answers(w3))
        w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        anvil.terminate()
        anvil.wait()
    geneses = _geneses(legacy)
    assert len(geneses) == 3
    first = min(map(_timestamp, geneses))
    with EmbeddedChain(ChainSettings(tmp_path, free_port(), block_time=0)) as chain:
        w3 = chain.start()
        chain_blocks = [w3.eth.get_block(n) for n in range(w3.eth.block_number + 1)]
        assert len(chain_blocks) >= 4
        assert chain_blocks[0]["timestamp"] == first
        for parent, block in itertools.pairwise(chain_blocks):
            assert block["parentHash"] == parent["hash"]
    assert not legacy.exists()  # its content is in the new save
    assert (tmp_path / STATE_FILE).exists()


def _geneses(state_file: Path) -> list[dict[str, str]]:
    """The headers of the blocks 0 in an anvil --state file (none if there is no file yet)."""
    if not state_file.exists():
        return []
    blocks = json.loads(state_file.read_text())["blocks"]
    return [b["header"] for b in blocks if int(b["header"]["number"], 16) == 0]


def _timestamp(header: dict[str, str]) -> int:
    return int(header["timestamp"], 16)


def _answers(w3: object) -> bool:
    try:
        return bool(w3.eth.chain_id)  # type: ignore[attr-defined]
    except Exception:
        return False


def test_a_save_killed_in_the_middle_leaves_the_previous_save_whole(tmp_path):
    """SIGKILL while a save is being written (its temporary file exists): the state file still holds
    a whole earlier save, never a cut one (anvil's own --state file was rewritten in place)."""
    target = tmp_path / STATE_FILE
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, itertools; from pathlib import Path\n"
            "from next_node.chain.state import write_atomically\n"
            "for n in itertools.count():\n"
            "    write_atomically(Path(sys.argv[1]), bytes([n % 256]) * 30_000_000)\n",
            str(target),
        ]
    )
    try:
        wait_until(target.exists)  # one whole save made
        temporary = target.with_name(target.name + ".tmp")
        wait_until(temporary.exists)  # and the next one under way
        writer.kill()
        writer.wait()
    finally:
        writer.kill()
    saved = target.read_bytes()
    assert len(saved) == 30_000_000 and saved.count(saved[:1]) == len(saved)


def test_the_lock_names_the_node_and_its_anvil_to_a_second_node(tmp_path: Path) -> None:
    (tmp_path / LOCK_FILE).write_text('{"node": 1, "anvil": 2}')  # left by a node long stopped
    lock = DataDirLock(tmp_path)
    lock.acquire()
    assert lock.holder() == {"node": os.getpid()}
    lock.record(anvil=4242)
    assert lock.holder() == {"node": os.getpid(), "anvil": 4242}
    try:
        with pytest.raises(DataDirInUseError, match=rf"next-node pid {os.getpid()}, anvil pid 4242"):
            DataDirLock(tmp_path).acquire()
    finally:
        lock.release()
