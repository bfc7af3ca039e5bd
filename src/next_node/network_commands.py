"""`next-node network ...`: a network of geth clique validators on this machine.

next-node network init  [--validators N]   the genesis, keys and node settings, in one directory
next-node network up                        every validator, and the node following one of them
next-node network stop|start|restart N      one validator, the others going on (under `up`)
next-node network add                       a new validator: started, synced, then voted in (under `up`)
next-node network vote --add|--remove ADDR  the running validators vote a signer in or out
next-node network besu --hosts H1,H2,...    the production files of a Besu QBFT network

`up` is in cli.py (it runs the node as `next-node up` does); the others are here.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

from eth_utils.address import is_address, to_checksum_address

from next_contracts.rpc import connect
from next_node.chain import network
from next_node.chain.embedded import CHAIN_ID
from next_node.chain.guard import DataDirLock
from next_node.errors import ChainUnavailableError, NodeError

DEFAULT_DIR = Path("network")


def add_parsers(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    """Adds `network` and its subcommands; returns the `up` parser, for cli.py to complete."""
    parser = commands.add_parser(
        "network",
        help="a network of geth clique validators on this machine",
        description="Writes and runs a network of geth validators (clique proof of authority) on "
        "127.0.0.1, each with its own keys, database and ports, and votes validators in and out.",
    )
    sub = parser.add_subparsers(dest="network_command", required=True)

    init = sub.add_parser("init", help="write a new network's genesis, keys and node settings")
    _directory(init)
    init.add_argument("--validators", type=int, default=3, help="how many validators (default: 3)")
    init.add_argument("--chain-id", type=int, default=CHAIN_ID, help=f"the chain id (default: {CHAIN_ID})")
    init.add_argument("--block-time", type=int, default=1, help="seconds between blocks (default: 1)")
    init.add_argument("--rpc-port", type=int, default=8545, help="the first validator's RPC port; the next follow")
    init.add_argument("--p2p-port", type=int, default=30303, help="the first validator's peer port; the next follow")
    init.add_argument(
        "--metrics-port",
        type=int,
        default=6060,
        help="the first validator's metrics port for Prometheus (geth's, on 127.0.0.1); the next follow; 0: none",
    )

    up = sub.add_parser(
        "up",
        help="run every validator and the node (indexer and API) following one of them, until Ctrl-C",
        description="Starts each validator of the directory, deploys the ledger on first start, "
        "indexes the chain from one validator and serves the API.",
    )
    up.add_argument("--follow", default="validator-0", help="the validator the node reads (default: validator-0)")

    add = sub.add_parser("add", help="a new validator: keys and node settings; it seals once voted in")
    _directory(add)
    add.add_argument("--rpc-port", type=int, required=True, help="its RPC port on 127.0.0.1")
    add.add_argument("--p2p-port", type=int, required=True, help="its peer port on 127.0.0.1")

    for command, words in (
        ("start", "start a validator `network stop` stopped (the running `network up` starts it)"),
        ("stop", "stop one validator, and keep it stopped until `network start` (the others go on)"),
        ("restart", "stop one validator, then start it again (an upgrade, a new setting)"),
    ):
        one = sub.add_parser(command, help=words, description=words[0].upper() + words[1:] + ".")
        _directory(one)
        one.add_argument("validator", help="its name or number: validator-1, or 1")

    vote = sub.add_parser(
        "vote",
        help="the running validators vote a signer in (--add) or out (--remove)",
        description="Each running validator proposes the change; clique applies it once more than "
        "half of the signers voted, over the next blocks (check with the auditor's report).",
    )
    _directory(vote)
    choice = vote.add_mutually_exclusive_group(required=True)
    choice.add_argument("--add", metavar="ADDRESS", type=_address, help="the validator address to make a signer")
    choice.add_argument("--remove", metavar="ADDRESS", type=_address, help="the signer to drop")

    besu = sub.add_parser(
        "besu",
        help="write the production files of a Hyperledger Besu QBFT network",
        description="Genesis (QBFT, London, zero base fee), static nodes, local permissioning and a "
        "directory per validator (config.toml and its key) for Besu; the accounts allowed are the "
        "index's active members and role holders when --database is given (else none yet: run "
        "`next-node allowlist` once the gateway indexes the ledger).",
    )
    besu.add_argument("--out", type=Path, required=True, help="a new directory for the files")
    besu.add_argument("--hosts", required=True, help="the validators' hosts, comma-separated (one validator each)")
    besu.add_argument("--chain-id", type=int, default=CHAIN_ID, help=f"the chain id (default: {CHAIN_ID})")
    besu.add_argument("--block-time", type=int, default=1, help="seconds between blocks (default: 1)")
    besu.add_argument("--database", help="the gateway's index, to allow its members and staff at once")
    besu.add_argument(
        "--allow",
        metavar="ADDRESS",
        type=_address,
        action="append",
        default=[],
        help="an account allowed to send from the first block: the key that deploys the ledger (repeatable)",
    )
    return up  # type: ignore[no-any-return]


def _address(text: str) -> str:
    if not is_address(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not an address (0x and 40 hex digits)")
    return str(to_checksum_address(text))


def _directory(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", type=Path, default=DEFAULT_DIR, help=f"the network's directory (default: ./{DEFAULT_DIR})"
    )


def init(args: argparse.Namespace) -> int:
    count = args.validators
    layout = network.init(
        args.data_dir,
        count,
        chain_id=args.chain_id,
        period=args.block_time,
        rpc_ports=range(args.rpc_port, args.rpc_port + count),
        p2p_ports=range(args.p2p_port, args.p2p_port + count),
        metrics_ports=range(args.metrics_port, args.metrics_port + count) if args.metrics_port else None,
    )
    for v in layout.validators:
        metrics = f"  metrics 127.0.0.1:{v.metrics_port}" if v.metrics_port else ""
        print(f"{v.name}  {v.address}  rpc 127.0.0.1:{v.rpc_port}  peers 127.0.0.1:{v.p2p_port}{metrics}")
    print(f"network of {count} validators in {args.data_dir}: `next-node network up --data-dir {args.data_dir}`")
    return 0


def add(args: argparse.Namespace) -> int:
    """Writes the validator; with `network up` running, waits until it runs and has caught up with
    the chain, and only then puts the vote (a signer that cannot seal yet would slow the chain)."""
    validator = network.add_validator(args.data_dir, args.rpc_port, args.p2p_port)
    print(f"{validator.name}  {validator.address}  rpc 127.0.0.1:{validator.rpc_port}")
    if _network_up(args.data_dir) is None:
        print(f"it starts with the next `network up`; vote it in: next-node network vote --add {validator.address}")
        return 0
    _wait_for(args.data_dir, validator.name, running=True)
    network.introduce(args.data_dir, validator)  # the running ones dial it too, not only it them
    height = _wait_synced(args.data_dir, validator)
    print(f"{validator.name} runs and has caught up with the chain (block {height})", flush=True)
    voters = network.propose(args.data_dir, validator.address, True)
    print(f"add {validator.address}: proposed by {', '.join(voters)}")
    return 0


def one_validator(args: argparse.Namespace) -> int:
    """`network start|stop|restart NAME`: asks the running `network up`, which owns the processes,
    through the validator's `held` file; waits until it is done."""
    layout = network.Layout.read(args.data_dir)
    name = args.validator if args.validator.startswith("validator-") else f"validator-{args.validator}"
    layout.index(name)  # a name of the layout, or NodeError
    if _network_up(args.data_dir) is None:
        raise NodeError(f"no `next-node network up` runs on {args.data_dir}: it runs the validators; start it first")
    held = args.data_dir / name / network.HELD_FILE
    if args.network_command in ("stop", "restart"):
        held.touch()
        _wait_for(args.data_dir, name, running=False)
        print(f"{name}: stopped", flush=True)
    if args.network_command in ("start", "restart"):
        held.unlink(missing_ok=True)
        _wait_for(args.data_dir, name, running=True)
        print(f"{name}: running")
    return 0


def _network_up(directory: Path) -> int | None:
    """The pid of the `network up` that holds the directory, if it runs."""
    pid = DataDirLock(directory).holder().get("node")
    if not isinstance(pid, int) or not (directory / network.STATUS_FILE).exists():
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, another user's
    return pid


def _status(directory: Path) -> dict[str, Any]:
    try:
        found: dict[str, Any] = json.loads((directory / network.STATUS_FILE).read_text())
        return found
    except (OSError, ValueError):
        return {}


def _wait_for(directory: Path, name: str, *, running: bool, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while _status(directory).get("validators", {}).get(name, {}).get("running") is not running:
        if time.monotonic() > deadline:
            state = "running" if running else "stopped"
            raise ChainUnavailableError(f"{name} is not {state} after {timeout:.0f} s (see {directory / name}.log)")
        time.sleep(0.5)


def _wait_synced(directory: Path, validator: network.Validator, timeout: float = 300.0) -> int:
    """Until the validator's head is within a block of the highest head of the others."""
    layout = network.Layout.read(directory)
    others = [v for v in layout.validators if v.name != validator.name]
    deadline = time.monotonic() + timeout
    while True:
        heads = []
        for other in others:
            try:
                heads.append(connect(other.rpc_url, trust_env=False, timeout=5, retries=False).eth.block_number)
            except Exception:  # one down: the others say where the chain is
                continue
        try:
            mine = int(connect(validator.rpc_url, trust_env=False, timeout=5, retries=False).eth.block_number)
        except Exception:
            mine = -1
        if heads and mine >= max(heads) - 1:
            return mine
        if time.monotonic() > deadline:
            raise ChainUnavailableError(f"{validator.name} did not catch up within {timeout:.0f} s (at {mine})")
        time.sleep(1)


def vote(args: argparse.Namespace) -> int:
    address, authorize = (args.add, True) if args.add else (args.remove, False)
    voters = network.propose(args.data_dir, address, authorize)
    print(f"{'add' if authorize else 'remove'} {address}: proposed by {', '.join(voters)}")
    return 0


def besu_files(args: argparse.Namespace) -> int:
    from next_node.allowlist import allowed_accounts
    from next_node.chain import besu
    from next_node.db.engine import make_engine

    hosts = [h.strip() for h in args.hosts.split(",") if h.strip()]
    if not hosts:
        raise NodeError("--hosts names no host")
    if args.out.exists() and any(args.out.iterdir()):
        raise NodeError(f"{args.out} is not empty: choose a new directory (keys are never overwritten)")
    if not args.database and not args.allow:
        raise NodeError(
            "Besu would take transactions from nobody but the validators, so the ledger could not be deployed: "
            "give --allow ADDRESS (the deployer's key), or --database (a gateway's index)"
        )
    accounts = (allowed_accounts(make_engine(args.database)) if args.database else set()) | set(args.allow)
    validators = besu.new_validators(hosts)
    besu.write_network(args.out, validators, args.chain_id, accounts, block_period=args.block_time)
    for v in validators:
        print(f"{v.name}  {v.address}  {v.host}:{v.p2p_port}  ({args.out / v.name})")
    print(
        f"Besu QBFT network of {len(validators)} validators in {args.out}; {len(accounts)} accounts allowed, and the "
        "validators; start each inside its directory: cd validator-N && besu --config-file=config.toml (or its "
        "besu.service)"
    )
    return 0
