"""`next-node`: the community-currency node on one machine.

next-node up      start the embedded chain, deploy the ledger on first start, serve until Ctrl-C
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from next_contracts.deploy import DeployConfig
from next_node.chain.embedded import CHAIN_ID, ChainSettings, EmbeddedChain
from next_node.deployment import ensure_deployed
from next_node.errors import NodeError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="next-node", description="The community-currency node.")
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser(
        "up",
        help="run the embedded node until Ctrl-C",
        description="Starts the embedded chain (anvil, on 127.0.0.1 only), deploys the ledger on first "
        "start, and runs until Ctrl-C. A second run resumes the same chain from the data directory.",
    )
    up.add_argument(
        "--data-dir",
        type=Path,
        default=Path("data"),
        help="where the chain state, deployment record and index live (default: ./data)",
    )
    up.add_argument(
        "--rpc-port", type=int, default=8545, help="the chain's JSON-RPC port on 127.0.0.1 (default: 8545)"
    )
    up.add_argument(
        "--chain-id",
        type=int,
        default=CHAIN_ID,
        help=f"the chain id of a new chain (default: {CHAIN_ID}, 'NXT' in ASCII)",
    )
    up.add_argument("--block-time", type=int, default=1, help="seconds between blocks (default: 1)")
    up.add_argument(
        "--deploy-config",
        type=Path,
        help="TOML of roles and fee for the first deployment (default: every role to the first dev account)",
    )
    return parser


def up(args: argparse.Namespace) -> int:
    settings = ChainSettings(args.data_dir, args.rpc_port, args.chain_id, args.block_time)
    config = DeployConfig.from_toml(args.deploy_config) if args.deploy_config else None
    stopping = False

    def on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    with EmbeddedChain(settings) as chain:
        w3 = chain.start()
        deployment, fresh = ensure_deployed(w3, args.data_dir, config)
        print(f"chain     {settings.rpc_url}  (chain id {w3.eth.chain_id}, block {w3.eth.block_number})")
        print(f"ledger    {deployment.ledger}  ({'deployed now' if fresh else 'resumed'})")
        print(f"data      {args.data_dir.resolve()}")
        print("Ctrl-C stops the node.", flush=True)
        try:
            while not stopping:
                time.sleep(0.5)
                if chain.process is not None and chain.process.poll() is not None:
                    raise NodeError(f"the chain stopped (exit {chain.process.returncode}); see its log")
        except KeyboardInterrupt:
            pass
        print("stopping: saving the chain state ...", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return up(args)
    except NodeError as error:
        print(f"next-node: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
