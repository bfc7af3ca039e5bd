"""The embedded chain of `make run`: one geth node sealing a clique chain alone, on loopback.

- a chain id of the project's own: 0x4e5854, "NXT" in ASCII (not 1337 or 31337, which every
  development chain uses, so that no wallet signs for one of those by mistake);
- free gas (no base fee: the genesis stops at Berlin, see `clique`) and a zero gas price:
  members never need a native coin;
- one block a second, like the production QBFT network (a block as soon as a transaction waits
  with --block-time 0);
- geth's own database in the data directory (`chain/`), every past state kept (archive), so a
  restart resumes the same chain under the same block 0 and an audit at an old block works;
- never two nodes on one data directory, never an attach to a chain this node did not start, and
  geth stops with the node whatever stops the node (see `guard`).

Two keys, made on first start and kept in the data directory: the validator's, which seals blocks
(geth's keystore, its password in `validator.password`, mode 0600), and the node's operator, the
first key of a mnemonic (`dev-mnemonic.txt`, mode 0600), which deployed the ledger and holds every
staff role on this development chain. A network of several validators: `next-node network`.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from next_contracts.rpc import connect
from next_node.chain import clique
from next_node.chain.geth import GethNode, GethProcess, write_validator_key
from next_node.chain.guard import DataDirLock, die_with_parent, ensure_port_free
from next_node.chain.signals import signals_deferred
from next_node.errors import NodeError

__all__ = ["CHAIN_ID", "HOST", "MNEMONIC_FILE", "ChainSettings", "EmbeddedChain", "dev_mnemonic", "dev_operator"]

CHAIN_ID = 0x4E5854  # "NXT"
HOST = "127.0.0.1"  # the RPC is never exposed: members reach the chain through the gateway
MNEMONIC_FILE = "dev-mnemonic.txt"
GENESIS_FILE = "genesis.json"
PASSWORD_FILE = "validator.password"
CHAIN_DIR = "chain"  # geth's --datadir
LOG_FILE = "geth.log"
ANVIL_STATE_FILES = ("chain-state.json.gz", "chain-state.json")  # what next-node kept before geth

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChainSettings:
    data_dir: Path
    rpc_port: int = 8545
    chain_id: int = CHAIN_ID  # of a new chain; a resumed chain keeps its own
    block_time: int = 1  # of a new chain; 0: a block as soon as a transaction waits

    @property
    def rpc_url(self) -> str:
        return f"http://{HOST}:{self.rpc_port}"


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
    """The node's operator on a dev chain: the first key of the data directory's mnemonic."""
    Account.enable_unaudited_hdwallet_features()
    account: LocalAccount = Account.from_mnemonic(dev_mnemonic(data_dir))
    return account


class EmbeddedChain:
    """geth as a child process; a context manager that stops it."""

    def __init__(self, settings: ChainSettings) -> None:
        self.settings = settings
        self.geth: GethProcess | None = None
        self._lock = DataDirLock(settings.data_dir)

    @property
    def operator(self) -> LocalAccount:
        return dev_operator(self.settings.data_dir)

    @property
    def log_file(self) -> Path:
        return self.settings.data_dir / LOG_FILE

    @property
    def rpc_url(self) -> str:
        return self.settings.rpc_url

    @property
    def node_url(self) -> str:
        """What the node's gateway and indexer read: the one geth (a network's is a failover)."""
        return self.settings.rpc_url

    def start(self, timeout: float = 60.0) -> Web3:
        """Starts geth on the data directory's chain, made first if there is none; returns a client
        for it. Raises NodeError if another node holds the data directory or anything listens on
        the RPC port."""
        settings = self.settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        lock = self._lock.acquire()
        try:
            ensure_port_free(HOST, settings.rpc_port)
            node = self._node()
            if not node.initialised():
                self._create(node)
                node = self._node()
            self.geth = node.start(pass_fds=(lock,), preexec_fn=die_with_parent())
            self._lock.record(chain=self.geth.pid)
            self.geth.wait_ready(timeout)
            return connect(settings.rpc_url, trust_env=False, timeout=60)
        except BaseException:
            self.stop()
            raise

    def _node(self) -> GethNode:
        data_dir = self.settings.data_dir
        genesis_file = data_dir / GENESIS_FILE
        chain_id, signer = self.settings.chain_id, None
        if genesis_file.exists():  # a resumed chain keeps its own id and validator
            spec = json.loads(genesis_file.read_text())
            chain_id, signer = spec["config"]["chainId"], clique.genesis_signers(spec)[0]
        return GethNode(
            home=data_dir / CHAIN_DIR,
            chain_id=chain_id,
            rpc_port=self.settings.rpc_port,
            log_file=data_dir / LOG_FILE,
            signer=signer,
            password_file=data_dir / PASSWORD_FILE,
        )

    def _create(self, node: GethNode) -> None:
        """A new chain: the validator's key, the genesis naming it, block 0 written by geth."""
        data_dir = self.settings.data_dir
        if any((data_dir / name).exists() for name in ANVIL_STATE_FILES):
            raise NodeError(
                f"{data_dir} holds a chain of anvil, the engine of next-node before geth, which geth cannot "
                "load: keep it aside and start on a new data directory (--data-dir)"
            )
        validator = Account.create()
        password = data_dir / PASSWORD_FILE
        password.touch(mode=0o600)
        password.write_text(secrets.token_hex(32))
        write_validator_key(node.home, validator, password.read_text())
        spec = clique.genesis(self.settings.chain_id, [validator.address], period=self.settings.block_time)
        clique.write_genesis(data_dir / GENESIS_FILE, spec)
        node.init(data_dir / GENESIS_FILE)
        log.info("new chain %s with validator %s", self.settings.chain_id, validator.address)

    def exit_code(self) -> int | None:
        """geth's exit code once it has exited (under a running node: it died), else None."""
        return self.geth.exit_code() if self.geth is not None else None

    def stop(self, timeout: float = 60.0) -> None:
        """Stops geth (it closes its database cleanly) and releases the data directory."""
        with signals_deferred():  # a second Ctrl-C must not cut geth's shutdown short
            if self.geth is not None:
                self.geth.stop(timeout)
            self._lock.release()

    def __enter__(self) -> EmbeddedChain:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
