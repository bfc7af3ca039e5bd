"""A network of geth clique validators on one machine: what `next-node network` writes and runs.

`init` writes, under one directory, everything N validators need: the genesis naming them as
signers, and per validator its keys (the validator's in a keystore, its peer identity), a password
file (mode 0600) and its ports. `network.json` records the layout. Each validator dials every
other as a static peer, on loopback only.

Clique seals a block in turn, and a signer may seal at most one block in any SIGNER_LIMIT
consecutive ones: with 3 signers, 2 keep the chain going and 1 alone cannot. Validators are added
and removed by a vote of more than half of the current signers (`propose`), taken block by block.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from ipaddress import ip_network
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.address import to_checksum_address
from web3 import Web3

from next_contracts.rpc import connect
from next_node.chain import clique
from next_node.chain.embedded import dev_operator
from next_node.chain.failover import RpcFailover
from next_node.chain.geth import GethNode, GethProcess, enode, ipc_call, write_node_key, write_validator_key
from next_node.chain.guard import DataDirLock, die_with_parent, ensure_port_free
from next_node.chain.signals import signals_deferred
from next_node.errors import ChainUnavailableError, NodeError

log = logging.getLogger("next_node.chain")
LAYOUT_FILE = "network.json"
GENESIS_FILE = "genesis.json"


@dataclass(frozen=True)
class Validator:
    name: str
    address: str
    rpc_port: int
    p2p_port: int
    enode: str
    host: str = "127.0.0.1"  # where it listens: loopback, or a test host's address
    netns: str | None = None  # the network namespace of that test host
    metrics_port: int = 0  # geth's metrics for Prometheus (/debug/metrics/prometheus); 0: none

    @property
    def rpc_url(self) -> str:
        return f"http://{self.host}:{self.rpc_port}"


@dataclass(frozen=True)
class Layout:
    chain_id: int
    period: int
    validators: tuple[Validator, ...]

    @classmethod
    def read(cls, directory: Path) -> Layout:
        path = directory / LAYOUT_FILE
        try:
            data = json.loads(path.read_text())
            return cls(data["chain_id"], data["period"], tuple(Validator(**v) for v in data["validators"]))
        except FileNotFoundError:
            raise NodeError(f"no network in {directory}: run `next-node network init` first") from None
        except (ValueError, KeyError, TypeError) as error:
            raise NodeError(f"{path} is not a network layout: {error}") from error

    def write(self, directory: Path) -> None:
        data = {"chain_id": self.chain_id, "period": self.period, "validators": [asdict(v) for v in self.validators]}
        (directory / LAYOUT_FILE).write_text(json.dumps(data, indent=2) + "\n")

    def index(self, name: str) -> int:
        for i, validator in enumerate(self.validators):
            if validator.name == name:
                return i
        raise NodeError(f"no validator named {name} (they are {', '.join(v.name for v in self.validators)})")


def _new_validator(
    directory: Path,
    name: str,
    rpc_port: int,
    p2p_port: int,
    host: str = "127.0.0.1",
    netns: str | None = None,
    metrics_port: int = 0,
) -> Validator:
    home = directory / name
    account = Account.create()
    password = secrets.token_hex(32)
    home.mkdir(parents=True)
    password_file = home / "password"
    password_file.touch(mode=0o600)
    password_file.write_text(password)
    write_validator_key(home, account, password)
    node_key = secrets.token_bytes(32)
    write_node_key(home, node_key)
    return Validator(
        name, account.address, rpc_port, p2p_port, enode(node_key, p2p_port, host), host, netns, metrics_port
    )


def init(
    directory: Path,
    validators: int,
    *,
    chain_id: int,
    period: int = 1,
    rpc_ports: Iterable[int] | None = None,
    p2p_ports: Iterable[int] | None = None,
    hosts: Sequence[tuple[str, str]] | None = None,
    metrics_ports: Iterable[int] | None = None,
) -> Layout:
    """Writes a new network of `validators` signers into `directory` (which must not hold one);
    `hosts`, (address, network namespace) per validator, puts each on a test host of its own."""
    if validators < 1:
        raise NodeError("a network needs at least one validator")
    if (directory / LAYOUT_FILE).exists():
        raise NodeError(f"{directory} already holds a network: choose another directory")
    directory.mkdir(parents=True, exist_ok=True)
    rpcs = list(rpc_ports) if rpc_ports is not None else [8545 + i for i in range(validators)]
    p2ps = list(p2p_ports) if p2p_ports is not None else [30303 + i for i in range(validators)]
    places: list[tuple[str, str | None]] = list(hosts) if hosts is not None else [("127.0.0.1", None)] * validators
    metrics = list(metrics_ports) if metrics_ports is not None else [0] * validators
    members = tuple(
        _new_validator(directory, f"validator-{i}", rpcs[i], p2ps[i], places[i][0], places[i][1], metrics[i])
        for i in range(validators)
    )
    spec = clique.genesis(chain_id, [v.address for v in members], period=period)
    clique.write_genesis(directory / GENESIS_FILE, spec)
    layout = Layout(chain_id, period, members)
    for validator in members:
        node(directory, layout, validator).init(directory / GENESIS_FILE)
    layout.write(directory)
    return layout


def add_validator(directory: Path, rpc_port: int, p2p_port: int) -> Validator:
    """A new node with its keys, on the network's genesis, following the chain: it seals only once
    the signers voted it in (`propose`)."""
    layout = Layout.read(directory)
    name = f"validator-{len(layout.validators)}"
    validator = _new_validator(directory, name, rpc_port, p2p_port)
    layout = Layout(layout.chain_id, layout.period, (*layout.validators, validator))
    node(directory, layout, validator).init(directory / GENESIS_FILE)
    layout.write(directory)
    return validator


def node(directory: Path, layout: Layout, validator: Validator) -> GethNode:
    home = directory / validator.name
    return GethNode(
        home=home,
        chain_id=layout.chain_id,
        rpc_port=validator.rpc_port,
        log_file=directory / f"{validator.name}.log",
        signer=validator.address,
        password_file=home / "password",
        p2p_port=validator.p2p_port,
        static_peers=tuple(v.enode for v in layout.validators if v is not validator),
        host=validator.host,
        netrestrict="127.0.0.0/8" if validator.netns is None else str(ip_network(f"{validator.host}/24", strict=False)),
        netns=validator.netns,
        metrics_port=validator.metrics_port,
    )


class Network:
    """The validators of a network directory as child processes."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.layout = Layout.read(directory)
        self.processes: dict[str, GethProcess] = {}

    def start(self, names: Iterable[str] | None = None, timeout: float = 60.0) -> None:
        """Starts the named validators (all by default) and waits until each answers."""
        chosen = [v for v in self.layout.validators if names is None or v.name in set(names)]
        for validator in chosen:
            running = self.processes.get(validator.name)
            if running is not None and running.exit_code() is None:
                continue
            if validator.netns is None:  # a test host's ports are its own
                ensure_port_free("127.0.0.1", validator.rpc_port)
                ensure_port_free("127.0.0.1", validator.p2p_port)
            # Each dies with this process, whatever kills it (started from the main thread).
            geth = node(self.directory, self.layout, validator)
            self.processes[validator.name] = geth.start(preexec_fn=die_with_parent())
        for validator in chosen:
            self.processes[validator.name].wait_ready(timeout)

    def rpc_url(self, name: str) -> str:
        return self.layout.validators[self.layout.index(name)].rpc_url

    def w3(self, name: str, timeout: float = 10.0) -> Web3:
        return connect(self.rpc_url(name), trust_env=False, timeout=timeout)

    def running(self) -> list[str]:
        return [name for name, p in self.processes.items() if p.exit_code() is None]

    def kill(self, name: str) -> None:
        """SIGKILL, as a crash or a pulled cable would stop it."""
        process = self.processes[name].process
        process.kill()
        process.wait()

    def stop(self, names: Iterable[str] | None = None) -> None:
        for name in list(self.processes) if names is None else list(names):
            self.processes[name].stop()

    def propose(self, address: str, authorize: bool) -> list[str]:
        """Each running validator votes to add (or drop) `address` as a signer (module `propose`)."""
        return propose(self.directory, address, authorize)

    def signers(self, name: str) -> list[str]:
        return [to_checksum_address(a) for a in self.processes[name].admin("clique_getSigners", None)]

    def wait_synced(self, timeout: float = 60.0) -> int:
        """Waits until every running node has the same hash at the lowest head among them;
        returns that height."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                clients = [self.w3(name, timeout=5) for name in self.running()]
                height = min(c.eth.block_number for c in clients)
                hashes = {c.eth.get_block(height)["hash"] for c in clients}
                if len(hashes) == 1:
                    return height
            except Exception as error:  # a node between blocks or restarting
                last: Any = error
            else:
                last = f"{len(hashes)} different blocks at height {height}"
            if time.monotonic() > deadline:
                raise ChainUnavailableError(f"the nodes did not agree within {timeout:.0f} s: {last}")
            time.sleep(0.5)

    def __enter__(self) -> Network:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def introduce(directory: Path, newcomer: Validator) -> None:
    """Each running validator adds the newcomer as a trusted peer (its static peers were written
    before it existed): the newcomer syncs from whichever connects first."""
    layout = Layout.read(directory)
    for validator in layout.validators:
        if validator.name == newcomer.name:
            continue
        geth = node(directory, layout, validator)
        try:
            ipc_call(geth.ipc_path, "admin_addTrustedPeer", newcomer.enode)
            ipc_call(geth.ipc_path, "admin_addPeer", newcomer.enode)
        except ChainUnavailableError:
            continue  # not running: it dials the newcomer from its static peers at its next start


def propose(directory: Path, address: str, authorize: bool) -> list[str]:
    """Every validator of the directory that runs (another process's, over their IPC sockets)
    votes to add (or drop) `address`; returns who voted."""
    layout = Layout.read(directory)
    voters = []
    for validator in layout.validators:
        geth = node(directory, layout, validator)
        try:
            ipc_call(geth.ipc_path, "clique_propose", to_checksum_address(address), authorize)
        except ChainUnavailableError:
            continue  # not running: it votes when the operator runs the command again
        voters.append(validator.name)
    if not voters:
        raise ChainUnavailableError(f"no validator of {directory} is running: start the network first")
    return voters


# How far behind the head `network up` indexes. Clique replaces blocks at the head when signers
# race, and a 2 | 1 partition healed replaced 2 of the majority's blocks in an operator's run
# (the README's one-block promise was wrong); tests/node/test_partition.py measures each side's
# depth at its heal (0 and 0 in the runs here, 7 December 2026) and fails if it ever reaches this.
# Twice the deepest seen: an index that never needs a rewind in practice, 4 s behind at 1 block/s.
NETWORK_CONFIRMATIONS = 4
HELD_FILE = "held"  # in a validator's directory: `network stop` asked it stopped, until `network start`
STATUS_FILE = "network-status.json"  # what `network up` runs now, for `network start|stop|add`
MAX_BACKOFF = 30.0  # seconds between a failing validator's restarts, at most


class NetworkChain:
    """The validators of a network directory under `next-node network up`, each a service of its
    own: one that dies is restarted with a back-off (1 s, 2 s, 4 s ... 30 s) while the others go
    on; one held by `network stop` stays stopped until `network start`; one `network add` wrote is
    started. The node's gateway and indexer read the chain through a failover (failover.py) that
    prefers `follow` and goes to another validator while it is down. The embedded chain's
    interface (cli.run_node), for a network."""

    def __init__(self, directory: Path, follow: str = "validator-0") -> None:
        self.network = Network(directory)
        self.follow = follow
        self.network.layout.index(follow)  # a name of the layout, or NodeError
        self._lock = DataDirLock(directory)
        self._failover: RpcFailover | None = None
        self._watching = threading.Event()  # set: the supervisor stops acting
        self._all_stopped = threading.Event()  # set: every validator stopped, the supervisor may end
        self._acting = threading.Lock()  # the supervisor's step, or the stop: one at a time
        self._watch: threading.Thread | None = None
        self._failures: dict[str, int] = {}  # crashes in a row, each within a minute of its start
        self._next_start: dict[str, float] = {}
        self._started_at: dict[str, float] = {}
        self._released: set[str] = set()  # stopped by `network stop`: started at once when released
        self._layout_mtime = 0.0

    @property
    def operator(self) -> LocalAccount:
        return dev_operator(self.network.directory)

    @property
    def rpc_url(self) -> str:
        """The followed validator's own RPC, for people and wallets (a stable address)."""
        return self.network.rpc_url(self.follow)

    @property
    def node_url(self) -> str:
        """What the node's own gateway and indexer read: the failover, once started."""
        return self._failover.url if self._failover is not None else self.rpc_url

    @property
    def log_file(self) -> Path:
        return self.network.directory / f"{self.follow}.log"

    def start(self, timeout: float = 60.0) -> Web3:
        self._lock.acquire()
        try:
            held = [v.name for v in self.network.layout.validators if self.held(v.name)]
            self.network.start([v.name for v in self.network.layout.validators if v.name not in held], timeout=timeout)
            self._started_at = dict.fromkeys(self.network.processes, time.monotonic())
            self._released = set(held)
            self._lock.record(chain=self.network.processes[self.follow].pid)
            order = sorted(self.network.layout.validators, key=lambda v: v.name != self.follow)
            self._failover = RpcFailover([v.rpc_url for v in order], [v.name for v in order])
            self._failover.start()
            self._layout_mtime = (self.network.directory / LAYOUT_FILE).stat().st_mtime
            self._write_status()
            self._watch = threading.Thread(target=self._supervise, name="validators", daemon=True)
            self._watch.start()
            return connect(self.node_url, trust_env=False, timeout=60)
        except BaseException:
            self.stop()
            raise

    def held(self, name: str) -> bool:
        return (self.network.directory / name / HELD_FILE).exists()

    def exit_code(self) -> int | None:
        """None while the node serves: a validator that exits is restarted, not the node's end."""
        return None

    def _supervise(self) -> None:
        while not self._watching.wait(1.0):
            try:
                self._look()
            except Exception as error:  # a supervisor that dies would leave the validators alone
                log.warning("supervising the validators: %s", error)
        # The validators this thread started die with it (die_with_parent: a thread's children):
        # it lives on until they stopped cleanly.
        self._all_stopped.wait(120)

    def _look(self) -> None:
        with self._acting:
            if not self._watching.is_set():
                self._act()

    def _act(self) -> None:
        directory = self.network.directory
        mtime = (directory / LAYOUT_FILE).stat().st_mtime
        if mtime != self._layout_mtime:  # `network add` wrote a validator: started below
            self._layout_mtime = mtime
            self.network.layout = Layout.read(directory)
        now = time.monotonic()
        for validator in self.network.layout.validators:
            name = validator.name
            process = self.network.processes.get(name)
            alive = process is not None and process.exit_code() is None
            if self.held(name):
                if alive:
                    print(f"{name}: stopping, as `network stop` asked", flush=True)
                    self.network.stop([name])
                self._released.add(name)
                continue
            if alive:
                continue
            if name not in self._next_start:  # found dead (or new, or released) now
                self._next_start[name] = now + self._backoff(name, process, now)
            if now < self._next_start.get(name, now):
                continue
            try:
                self.network.start([name], timeout=60)
            except (ChainUnavailableError, NodeError) as error:
                self._failures[name] = self._failures.get(name, 0) + 1
                self._next_start.pop(name, None)
                print(f"{name}: did not start ({error})", flush=True)
                continue
            self._started_at[name] = time.monotonic()
            self._next_start.pop(name, None)
            print(f"{name}: running (pid {self.network.processes[name].pid})", flush=True)
        self._write_status()

    def _backoff(self, name: str, process: GethProcess | None, now: float) -> float:
        """How long to wait before starting `name`: nothing for a new validator or one `network
        start` released; after a crash, 1 s, doubled for each crash within a minute of its start."""
        if process is None or name in self._released:
            self._released.discard(name)
            print(f"{name}: starting", flush=True)
            return 0.0
        crashed_soon = now - self._started_at.get(name, 0.0) < 60
        self._failures[name] = self._failures.get(name, 0) + 1 if crashed_soon else 0
        wait = min(2.0 ** self._failures[name], MAX_BACKOFF)
        print(f"{name}: exited with {process.exit_code()}; restarting in {wait:.0f} s", flush=True)
        return wait

    def _write_status(self) -> None:
        status = {
            v.name: {
                "running": v.name in self.network.running(),
                "held": self.held(v.name),
                "pid": self.network.processes[v.name].pid if v.name in self.network.processes else None,
            }
            for v in self.network.layout.validators
        }
        following = self._failover.following if self._failover else self.follow
        path = self.network.directory / STATUS_FILE
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"following": following, "validators": status}, indent=2) + "\n")
        temporary.replace(path)

    def stop(self) -> None:
        with signals_deferred():
            self._watching.set()
            with self._acting:  # a start or stop under way ends first
                self.network.stop()
            self._all_stopped.set()
            if self._watch is not None:
                self._watch.join(timeout=70)
            if self._failover is not None:
                self._failover.stop()
            (self.network.directory / STATUS_FILE).unlink(missing_ok=True)
            self._lock.release()

    def __enter__(self) -> NetworkChain:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
