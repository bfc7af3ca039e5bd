"""One geth v1.13 node as a child process: a clique signer (or a follower) of the cooperative's chain.

geth v1.13.15 is the last release that seals clique; the Makefile builds it once from the Go module
proxy into a cache outside the repository (`GETH_CACHE`). Each node:
- answers JSON-RPC on 127.0.0.1 only, with the public namespaces (eth, net, web3, txpool); the
  operator's namespaces (miner, clique votes, admin) are on its IPC socket, which only this
  machine's processes of the same user reach;
- keeps every past state (`--gcmode archive`), so that `next-audit --at` an old block works after
  restarts, and syncs in full (every block executed);
- dials only the peers it is given (static peers, no discovery, loopback only: `--netrestrict`);
- seals with its validator key, unlocked from its keystore with a password file; geth's
  `--miner.gasprice` is raised to 1 gwei when given 0, so the price is set to 0 over IPC after
  each start (`set_free_gas`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_keys.datatypes import PrivateKey
from web3 import IPCProvider, Web3

from next_contracts import keyfile
from next_node.chain.clique import GAS_LIMIT
from next_node.chain.guard import stop_process
from next_node.errors import ChainUnavailableError, NodeError

GETH_VERSION = "1.13.15"
HOST = "127.0.0.1"
PUBLIC_APIS = "eth,net,web3,txpool"
# The keystore's password sits beside it (a node restarts unattended), so a slow key derivation
# would protect nothing and cost every start a second: geth's own "light" scrypt.
LIGHT_SCRYPT = 1 << 12
IPC_PATH_MAX = 100  # a Unix socket's path is at most 107 bytes; past it, the socket goes in /tmp


def geth_cache() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "next-node" / f"geth-v{GETH_VERSION}" / "geth"


def find_geth() -> str:
    """geth from $NEXT_GETH, the Makefile's cache, or the PATH."""
    cached = geth_cache()
    found = os.environ.get("NEXT_GETH") or (str(cached) if cached.exists() else shutil.which("geth"))
    if not found:
        raise NodeError(
            f"geth not found: run `make run` (it builds geth v{GETH_VERSION} once into {cached.parent}), "
            "or set NEXT_GETH"
        )
    return found


def write_validator_key(home: Path, account: LocalAccount, password: str) -> None:
    """The validator's key in geth's keystore (Web3 Secret Storage) under `home`."""
    keystore = home / "keystore"
    keystore.mkdir(parents=True, exist_ok=True)
    encrypted = keyfile.encrypt(account.key, password, kdf="scrypt", iterations=LIGHT_SCRYPT)
    path = keystore / f"validator--{account.address[2:].lower()}.json"
    path.touch(mode=0o600)
    path.write_text(json.dumps(encrypted))


def write_node_key(home: Path, private_key: bytes) -> None:
    """The node's peer-to-peer identity, where geth reads it (its enode is the public key)."""
    path = home / "geth" / "nodekey"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(private_key.hex())


def enode(node_key: bytes, port: int, host: str = HOST) -> str:
    public = PrivateKey(node_key).public_key.to_bytes().hex()
    return f"enode://{public}@{host}:{port}"


@dataclass(frozen=True)
class GethNode:
    """How to run one geth node (`home` is its --datadir)."""

    home: Path
    chain_id: int
    rpc_port: int
    log_file: Path
    signer: str | None = None  # the address it seals with, its key in home/keystore
    password_file: Path | None = None
    p2p_port: int = 0  # 0 with no peers: a node alone
    static_peers: Sequence[str] = field(default_factory=tuple)
    host: str = HOST  # where its RPC and peer port listen (a test host's address in a namespace)
    netrestrict: str = "127.0.0.0/8"  # the only network its peers may be on
    netns: str | None = None  # a network namespace to run in (the tests' hosts), else this host's
    metrics_port: int = 0  # geth's own metrics for Prometheus on this port of `host` (0: none)

    @property
    def rpc_url(self) -> str:
        return f"http://{self.host}:{self.rpc_port}"

    @property
    def ipc_path(self) -> Path:
        path = self.home / "geth.ipc"
        if len(str(path)) > IPC_PATH_MAX:  # the same name from every process (not hash(): salted)
            return Path("/tmp") / f"next-geth-{hashlib.sha256(str(self.home.resolve()).encode()).hexdigest()[:16]}.ipc"
        return path

    def initialised(self) -> bool:
        return (self.home / "geth" / "chaindata").is_dir()

    def init(self, genesis_file: Path) -> None:
        """Writes block 0 from the genesis file into a new database."""
        result = subprocess.run(
            [find_geth(), "--datadir", str(self.home), "init", str(genesis_file)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["no message"])[-1]
            raise NodeError(f"geth init failed: {last}")

    def command(self) -> list[str]:
        inside = ["ip", "netns", "exec", self.netns] if self.netns else []  # it execs geth: same pid
        command = [
            *inside,
            find_geth(),
            "--datadir", str(self.home),
            "--config", str(self.write_config()),
            "--networkid", str(self.chain_id),
            "--ipcpath", str(self.ipc_path),
            "--http", "--http.addr", self.host, "--http.port", str(self.rpc_port), "--http.api", PUBLIC_APIS,
            "--authrpc.addr", HOST, "--authrpc.port", "0",  # unused (no merge), but geth always opens it
            "--syncmode", "full", "--gcmode", "archive",
            "--nat", "none", "--netrestrict", self.netrestrict,
            "--miner.gaslimit", str(GAS_LIMIT),
            # A council's run or a busy hour sends thousands at once: room for them in the pool
            # (geth keeps 5,120 by default, then refuses zero-priced transactions as underpriced).
            "--txpool.globalslots", "131072", "--txpool.accountslots", "4096",
            "--txpool.globalqueue", "16384", "--txpool.accountqueue", "1024",
            "--rpc.txfeecap", "0",  # fees are zero: no cap to apply
            # Each block built once, when its parent arrives: by default geth rebuilds the block it
            # waits to seal every 2 s from scratch, and a signer that sealed the block before
            # (clique lets it sign one block in two) rebuilds one it may not seal. On two cores with
            # three validators those rebuilds took the CPU the chain needed (bench-network: 831 ->
            # 919-1,045 payments/s in five runs, with the prefetcher off too). With one block a second nothing
            # waits longer: a transaction that comes after the build goes in the next block, as it
            # did with 2 s.
            "--miner.recommit", "1h",
            # The state prefetcher runs each block's transactions a second time ahead of the
            # import, to warm caches a small state does not need: CPU taken from the validators.
            "--cache.noprefetch",
            "--verbosity", "3",
        ]  # fmt: skip
        if self.metrics_port:  # /debug/metrics/prometheus, on the node's own address only
            command += ["--metrics", "--metrics.addr", self.host, "--metrics.port", str(self.metrics_port)]
        if self.signer is not None:
            assert self.password_file is not None
            command += [
                "--mine", "--miner.etherbase", self.signer,
                "--unlock", self.signer, "--password", str(self.password_file),
                "--allow-insecure-unlock",  # the HTTP RPC has no namespace that uses the key
            ]  # fmt: skip
        return command

    def write_config(self) -> Path:
        """geth's TOML for what has no flag: the peer port on this host only, and the static peers
        (dialled again whenever they drop; no discovery)."""
        peers = ", ".join(json.dumps(p) for p in self.static_peers)
        path = self.home / "p2p.toml"
        self.home.mkdir(parents=True, exist_ok=True)
        path.write_text(
            "[Node.P2P]\n"
            # A network's validator takes peers even alone: a validator added later dials it.
            f"MaxPeers = {50 if self.static_peers or self.p2p_port else 0}\n"
            "NoDiscovery = true\n"
            f'ListenAddr = "{self.host}:{self.p2p_port}"\n'
            f"StaticNodes = [{peers}]\n"
            f"TrustedNodes = [{peers}]\n"
        )
        return path

    def start(self, *, pass_fds: Sequence[int] = (), preexec_fn: Callable[[], None] | None = None) -> GethProcess:
        log = self.log_file.open("ab")
        try:
            process = subprocess.Popen(
                self.command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=tuple(pass_fds),
                preexec_fn=preexec_fn,
                start_new_session=True,  # Ctrl-C reaches the node, which stops geth itself
            )
        finally:
            log.close()
        return GethProcess(self, process)


def ipc_call(path: Path, method: str, *params: Any) -> Any:
    """A call on a node's IPC socket (the miner, clique and admin namespaces)."""
    if not path.exists():
        raise ChainUnavailableError(f"no geth listens on {path}: is the node running?")
    try:
        answer = Web3(IPCProvider(str(path), timeout=30)).provider.make_request(method, list(params))  # type: ignore[arg-type]
    except OSError as error:  # a socket file left by a geth that was killed
        raise ChainUnavailableError(f"no geth listens on {path}: is the node running? ({error})") from error
    if "error" in answer:
        raise ChainUnavailableError(f"geth refused {method}: {answer['error']}")
    return answer["result"]


class GethProcess:
    """A running geth node."""

    def __init__(self, node: GethNode, process: subprocess.Popen[bytes]) -> None:
        self.node = node
        self.process = process

    @property
    def pid(self) -> int:
        return self.process.pid

    def exit_code(self) -> int | None:
        return self.process.poll()

    def wait_ready(self, timeout: float) -> None:
        """Waits until the RPC answers with this chain's id, then sets the minimum gas price to 0."""
        from next_contracts.rpc import connect

        w3 = connect(self.node.rpc_url, trust_env=False, timeout=2, retries=False)
        deadline = time.monotonic() + timeout
        while True:
            self._ensure_running()
            try:
                chain_id = w3.eth.chain_id
                if self.node.ipc_path.exists():  # its own socket: the answer was this node's
                    break
            except Exception:  # not listening yet
                pass
            if time.monotonic() > deadline:
                raise ChainUnavailableError(
                    f"geth did not answer on {self.node.rpc_url} within {timeout:.0f} s (see {self.node.log_file})"
                )
            time.sleep(0.1)
        self._ensure_running()  # the answer came from this node, not another process on the port
        if chain_id != self.node.chain_id:
            raise NodeError(
                f"the node on {self.node.rpc_url} has chain id {chain_id}, not {self.node.chain_id}: "
                "is another node running there?"
            )
        self.set_free_gas()

    def admin(self, method: str, *params: Any) -> Any:
        return ipc_call(self.node.ipc_path, method, *params)

    def set_free_gas(self) -> None:
        self.admin("miner_setGasPrice", "0x0")

    def _ensure_running(self) -> None:
        if self.process.poll() is not None:
            log_path = self.node.log_file
            lines = log_path.read_text(errors="replace").strip().splitlines() if log_path.exists() else []
            fatal = [line for line in lines if "Fatal" in line or "ERROR" in line or "panic" in line]
            raise ChainUnavailableError(
                f"geth exited with {self.process.returncode}"
                + (f": {(fatal or lines)[-1].strip()}" if lines else "")
                + f" (see {log_path})"
            )

    def stop(self, timeout: float = 60.0) -> None:
        """SIGTERM (geth writes its caches and closes its database), SIGKILL past the timeout."""
        stop_process(self.process, timeout)
