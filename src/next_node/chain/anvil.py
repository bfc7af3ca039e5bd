"""anvil, a development chain, for the tests and benchmarks that need what only a simulator does:
a block per transaction at once, unlocked test accounts, and cheats (evm_snapshot and evm_revert
to make a reorganisation, anvil_setStorageAt to tamper with a ledger the auditor must catch).

`next-node up` runs geth instead (`embedded`): anvil keeps no historical state and its saved state
is one JSON file rewritten whole. Here nothing is saved: each chain lives as long as its test.
Same chain id and free gas (zero base fee and gas price) as the cooperative's chain.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from web3 import Web3

from next_contracts.rpc import connect
from next_node.chain.embedded import CHAIN_ID, HOST
from next_node.chain.guard import DataDirLock, die_with_parent, ensure_port_free, stop_process
from next_node.errors import ChainUnavailableError, NodeError

__all__ = ["AnvilChain", "AnvilSettings", "find_anvil"]


@dataclass(frozen=True)
class AnvilSettings:
    data_dir: Path
    rpc_port: int = 8545
    chain_id: int = CHAIN_ID
    block_time: int = 0  # 0: a block per transaction
    unlocked_accounts: int = 10  # anvil's well-known test accounts

    @property
    def rpc_url(self) -> str:
        return f"http://{HOST}:{self.rpc_port}"


def find_anvil() -> str:
    """anvil from $NEXT_ANVIL, beside the running Python (the Makefile links the npm-pinned binary
    into .venv/bin), or on the PATH."""
    beside = Path(sys.executable).parent / "anvil"
    found = os.environ.get("NEXT_ANVIL") or (str(beside) if beside.exists() else shutil.which("anvil"))
    if not found:
        raise NodeError("anvil not found: run `make setup` (it installs the pinned anvil), or set NEXT_ANVIL")
    return found


class AnvilChain:
    """anvil as a child process; a context manager that stops it."""

    def __init__(self, settings: AnvilSettings) -> None:
        self.settings = settings
        self.process: subprocess.Popen[bytes] | None = None
        self._lock = DataDirLock(settings.data_dir)

    def start(self, timeout: float = 30.0) -> Web3:
        settings = self.settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        lock = self._lock.acquire()
        try:
            ensure_port_free(HOST, settings.rpc_port)
            log_file = (settings.data_dir / "anvil.log").open("ab")
            self.process = subprocess.Popen(
                self._command(),
                stdout=log_file,
                stderr=subprocess.STDOUT,
                pass_fds=(lock,),
                preexec_fn=die_with_parent(),
                start_new_session=True,
            )
            log_file.close()
            self._lock.record(chain=self.process.pid)
            return self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def _command(self) -> list[str]:
        settings = self.settings
        mining = ["--block-time", str(settings.block_time)] if settings.block_time else []
        return [
            find_anvil(),
            "--host", HOST,
            "--port", str(settings.rpc_port),
            "--chain-id", str(settings.chain_id),
            "--accounts", str(settings.unlocked_accounts),
            "--block-base-fee-per-gas", "0",
            "--gas-price", "0",
            "--disable-min-priority-fee",  # else eth_gasPrice suggests a 1 gwei tip
            *mining,
        ]  # fmt: skip

    def wait_ready(self, timeout: float) -> Web3:
        w3 = connect(self.settings.rpc_url, trust_env=False, timeout=2)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._ensure_running()
            try:
                _ = w3.eth.chain_id
            except Exception:  # not listening yet
                time.sleep(0.1)
                continue
            self._ensure_running()
            return connect(self.settings.rpc_url, trust_env=False, timeout=60)
        raise ChainUnavailableError(f"anvil did not answer on {self.settings.rpc_url} within {timeout:.0f} s")

    def _ensure_running(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise ChainUnavailableError(
                f"anvil exited with {self.process.returncode} (see {self.settings.data_dir / 'anvil.log'})"
            )

    def exit_code(self) -> int | None:
        return self.process.poll() if self.process is not None else None

    def stop(self, timeout: float = 30.0) -> None:
        if self.process is not None:
            stop_process(self.process, timeout)
        self._lock.release()

    def __enter__(self) -> AnvilChain:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
