"""The embedded chain of `make run`: anvil, configured as the cooperative's chain, on loopback.

- a chain id of the project's own: 0x4e5854, "NXT" in ASCII (not 1337 or 31337, which every
  development chain uses, so that no wallet signs for one of those by mistake);
- zero base fee and gas price: members never need a native coin;
- one block a second, like the production QBFT network;
- state kept in the data directory, dumped every few seconds and on exit, reloaded on start
  (blocks, logs and the current state; not the historical states, see `start`).

The dev accounts come from a mnemonic made on first start and kept (mode 0600) in the data
directory; anvil unlocks them on its loopback RPC only. Production runs Besu validators instead,
with keys in keystores.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from web3 import Web3

from next_contracts.rpc import connect
from next_node.errors import ChainUnavailableError, NodeError

CHAIN_ID = 0x4E5854  # "NXT"
HOST = "127.0.0.1"  # the RPC is never exposed: members reach the chain through the gateway
STATE_FILE = "chain-state.json"
MNEMONIC_FILE = "dev-mnemonic.txt"
STATE_DUMP_SECONDS = 5


@dataclass(frozen=True)
class ChainSettings:
    data_dir: Path
    rpc_port: int = 8545
    chain_id: int = CHAIN_ID
    block_time: int = 1  # 0: a block per transaction (tests)
    persist: bool = True  # keep the state in the data directory (False: benchmarks and tests)

    @property
    def rpc_url(self) -> str:
        return f"http://{HOST}:{self.rpc_port}"


def find_anvil() -> str:
    """anvil from $NEXT_ANVIL, beside the running Python (the Makefile links the npm-pinned binary
    into .venv/bin), or on the PATH."""
    beside = Path(sys.executable).parent / "anvil"
    found = os.environ.get("NEXT_ANVIL") or (str(beside) if beside.exists() else shutil.which("anvil"))
    if not found:
        raise NodeError("anvil not found: run `make run` (it installs the pinned anvil), or set NEXT_ANVIL")
    return found


def dev_mnemonic(data_dir: Path) -> str:
    """The data directory's own dev mnemonic, made on first start."""
    path = data_dir / MNEMONIC_FILE
    if not path.exists():
        Account.enable_unaudited_hdwallet_features()
        _, mnemonic = Account.create_with_mnemonic()  # entropy from os.urandom
        path.touch(mode=0o600)
        path.write_text(mnemonic + "\n")
    return path.read_text().strip()


class EmbeddedChain:
    """anvil as a child process; a context manager that stops it (and so dumps its state)."""

    def __init__(self, settings: ChainSettings) -> None:
        self.settings = settings
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> Web3:
        data_dir = self.settings.data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        command = [
            find_anvil(),
            "--host",
            HOST,
            "--port",
            str(self.settings.rpc_port),
            "--chain-id",
            str(self.settings.chain_id),
            *(["--block-time", str(self.settings.block_time)] if self.settings.block_time else []),
            "--block-base-fee-per-gas",
            "0",
            "--gas-price",
            "0",
            "--disable-min-priority-fee",  # else eth_gasPrice suggests a 1 gwei tip
            "--mnemonic",
            dev_mnemonic(data_dir),
            "--state",
            str(data_dir / STATE_FILE),
            "--state-interval",
            str(STATE_DUMP_SECONDS),
            "--preserve-historical-states",
        ]
        log = (data_dir / "anvil.log").open("ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        return self.wait_ready(timeout)

    def wait_ready(self, timeout: float) -> Web3:
        """Polls until the chain answers; returns a client for it (with a normal request timeout,
        not the polling one: a large batch payment can take seconds to mine)."""
        w3 = connect(self.settings.rpc_url, trust_env=False, timeout=2)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise ChainUnavailableError(
                    f"anvil exited with {self.process.returncode}; see {self.settings.data_dir / 'anvil.log'}"
                )
            try:
                chain_id = w3.eth.chain_id
            except Exception:  # not listening yet
                time.sleep(0.1)
                continue
            if chain_id != self.settings.chain_id:
                raise NodeError(
                    f"the node on port {self.settings.rpc_port} has chain id {chain_id}, "
                    f"not {self.settings.chain_id}: is another node running there?"
                )
            return connect(self.settings.rpc_url, trust_env=False, timeout=60)
        raise ChainUnavailableError(f"anvil did not answer on {self.settings.rpc_url} within {timeout:.0f} s")

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM, so that anvil writes its state file, then wait."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> EmbeddedChain:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
