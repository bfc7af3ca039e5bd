"""The embedded chain of `make run`: anvil, configured as the cooperative's chain, on loopback.

- a chain id of the project's own: 0x4e5854, "NXT" in ASCII (not 1337 or 31337, which every
  development chain uses, so that no wallet signs for one of those by mistake);
- zero base fee and gas price: members never need a native coin;
- one block a second, like the production QBFT network;
- state kept in the data directory (see `state`): saved every SAVE_SECONDS while blocks come (less
  often on a chain so large that a save takes long) and on every clean stop, reloaded on start,
  under the same block 0;
- never two nodes on one data directory, never an attach to a chain this node did not start, and
  anvil stops with the node whatever stops the node (see `guard`).

The node's operator is the first key of a mnemonic made on first start and kept (mode 0600) in the
data directory; it signs here, so no secret is ever on anvil's command line (gas is free: the key
needs no coin). anvil unlocks no account of the `next-node up` chain; the test and benchmark chains
keep anvil's well-known test accounts (`unlocked_accounts`). Production runs Besu validators
instead, with keys in keystores.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from next_contracts.rpc import connect
from next_node.chain.guard import DataDirLock, die_with_parent, ensure_port_free
from next_node.chain.signals import signals_deferred
from next_node.chain.state import STATE_FILE, ChainState
from next_node.errors import ChainUnavailableError, NodeError

__all__ = ["CHAIN_ID", "HOST", "MNEMONIC_FILE", "STATE_FILE", "ChainSettings", "EmbeddedChain", "dev_mnemonic"]

CHAIN_ID = 0x4E5854  # "NXT"
HOST = "127.0.0.1"  # the RPC is never exposed: members reach the chain through the gateway
MNEMONIC_FILE = "dev-mnemonic.txt"
SAVE_SECONDS = 10.0  # the most a crash of the whole machine loses, on a chain whose save is quick
SAVE_COST_SHARE = 20  # and at most 1/20 of the time goes to saving: the wait is 20 times the last save

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChainSettings:
    data_dir: Path
    rpc_port: int = 8545
    chain_id: int = CHAIN_ID
    block_time: int = 1  # 0: a block per transaction (tests)
    persist: bool = True  # keep the state in the data directory (False: benchmarks and tests)
    unlocked_accounts: int = 10  # anvil's well-known test accounts (tests); `next-node up`: none

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


def dev_operator(data_dir: Path) -> LocalAccount:
    """The node's operator on a dev chain: the first key of the data directory's mnemonic (the
    account anvil derived from it when it was given the mnemonic, so older chains keep their roles)."""
    Account.enable_unaudited_hdwallet_features()
    account: LocalAccount = Account.from_mnemonic(dev_mnemonic(data_dir))
    return account


class EmbeddedChain:
    """anvil as a child process; a context manager that stops it (and so saves its state)."""

    def __init__(self, settings: ChainSettings) -> None:
        self.settings = settings
        self.process: subprocess.Popen[bytes] | None = None
        self.state = ChainState(settings.data_dir)
        self._lock = DataDirLock(settings.data_dir)
        self._stop_saving = threading.Event()
        self._saver: threading.Thread | None = None

    @property
    def operator(self) -> LocalAccount:
        return dev_operator(self.settings.data_dir)

    def start(self, timeout: float = 30.0) -> Web3:
        """Starts anvil on the saved state, or on a new chain; returns a client for it. Raises
        NodeError if another node holds the data directory or anything listens on the RPC port."""
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
                pass_fds=(lock,),  # anvil holds the lock too: while it lives, no other node starts here
                preexec_fn=die_with_parent(),  # the parent-death signal; started before other threads
                start_new_session=True,  # Ctrl-C reaches the node, which saves before stopping anvil
            )
            log_file.close()
            self._lock.record(anvil=self.process.pid)
            w3 = self.wait_ready(timeout)
            if settings.persist:
                self._resume(w3)
            return w3
        except BaseException:
            self._end(save=False)
            raise
        finally:
            self.state.discard_unpacked()  # anvil read it before it answered

    def _command(self) -> list[str]:
        settings = self.settings
        mining = ["--block-time", str(settings.block_time)] if settings.block_time else []
        command = [
            find_anvil(),
            "--host",
            HOST,
            "--port",
            str(settings.rpc_port),
            "--chain-id",
            str(settings.chain_id),
            "--accounts",
            str(settings.unlocked_accounts),
            "--block-base-fee-per-gas",
            "0",
            "--gas-price",
            "0",
            "--disable-min-priority-fee",  # else eth_gasPrice suggests a 1 gwei tip
        ]
        if not settings.persist:
            return [*command, *mining]
        # The same block 0 on every start; no block until the clock is right (see _resume).
        command += ["--timestamp", str(self.state.genesis_timestamp()), "--no-mining"]
        saved = self.state.unpack()
        return command if saved is None else [*command, "--load-state", str(saved)]

    def _resume(self, w3: Web3) -> None:
        """Sets the clock back to the present (the pinned genesis timestamp set it to block 0's
        time), never behind the last block, then starts mining."""
        if w3.eth.get_block(0)["timestamp"] != self.state.genesis_timestamp():
            raise NodeError(  # another process answered on the port before this node's anvil
                f"the chain on {self.settings.rpc_url} is not this node's (another block 0): "
                "is another node running there?"
            )
        head = w3.eth.get_block("latest")
        _rpc(w3, "anvil_setTime", max(int(time.time()), int(head["timestamp"]) + 1))
        if self.settings.block_time:
            _rpc(w3, "evm_setIntervalMining", self.settings.block_time)
        else:
            _rpc(w3, "evm_setAutomine", True)
        self._stop_saving.clear()
        self._saver = threading.Thread(target=self._save_periodically, name="chain-saver", daemon=True)
        self._saver.start()

    def _save_periodically(self) -> None:
        w3 = connect(self.settings.rpc_url, trust_env=False, timeout=600)  # a client of this thread's own
        wait, saved_head = SAVE_SECONDS, -1
        while not self._stop_saving.wait(wait):
            try:
                head = w3.eth.block_number
                if head == saved_head:
                    continue
                began = time.monotonic()
                self.state.save(w3)
                saved_head = head
                wait = max(SAVE_SECONDS, SAVE_COST_SHARE * (time.monotonic() - began))
            except Exception as error:  # the next round retries; the last complete save stays
                log.warning("saving the chain state failed (retrying in %.0f s): %s", wait, error)

    def wait_ready(self, timeout: float) -> Web3:
        """Polls until this node's anvil answers; returns a client for it (with a normal request
        timeout, not the polling one: a large batch payment can take seconds to mine)."""
        w3 = connect(self.settings.rpc_url, trust_env=False, timeout=2)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._ensure_running()
            try:
                chain_id = w3.eth.chain_id
            except Exception:  # not listening yet
                time.sleep(0.1)
                continue
            self._ensure_running()  # the answer came from this node's anvil, not another process
            if chain_id != self.settings.chain_id:
                raise NodeError(
                    f"the node on port {self.settings.rpc_port} has chain id {chain_id}, "
                    f"not {self.settings.chain_id}: is another node running there?"
                )
            return connect(self.settings.rpc_url, trust_env=False, timeout=60)
        raise ChainUnavailableError(f"anvil did not answer on {self.settings.rpc_url} within {timeout:.0f} s")

    def _ensure_running(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            log_path = self.settings.data_dir / "anvil.log"
            lines = log_path.read_text(errors="replace").strip().splitlines() if log_path.exists() else []
            raise ChainUnavailableError(
                f"anvil exited with {self.process.returncode}"
                + (f": {lines[-1].strip()}" if lines else "")
                + f" (see {log_path})"
            )

    def exit_code(self) -> int | None:
        """anvil's exit code once it has exited (under a running node: it died), else None."""
        return self.process.poll() if self.process is not None else None

    def save(self) -> None:
        """Saves the state now (besides the periodic saves and the one on stop)."""
        if self.settings.persist:
            self.state.save(connect(self.settings.rpc_url, trust_env=False, timeout=600))

    def stop(self, timeout: float = 30.0) -> None:
        """Saves the state (a second Ctrl-C or SIGTERM cannot cut that short), stops anvil, and
        releases the data directory."""
        self._end(save=True, timeout=timeout)

    def _end(self, *, save: bool, timeout: float = 30.0) -> None:
        with signals_deferred():
            self._stop_saving.set()
            if self._saver is not None:
                self._saver.join()
                self._saver = None
            running = self.process is not None and self.process.poll() is None
            if running and save and self.settings.persist:
                try:
                    self.state.save(connect(self.settings.rpc_url, trust_env=False, timeout=600))
                except Exception as error:
                    log.error("could not save the chain state on stop (the last periodic save stays): %s", error)
            if running and self.process is not None:
                self.process.terminate()
                try:
                    self.process.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            self._lock.release()

    def __enter__(self) -> EmbeddedChain:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _rpc(w3: Web3, method: str, *params: object) -> None:
    answer = w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
    if "error" in answer:
        raise ChainUnavailableError(f"anvil refused {method}: {answer['error']}")
