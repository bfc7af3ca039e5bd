"""next-audit: verifies the contracts, the chain, the ledger and (optionally) the gateway.

    next-audit --rpc URL [--gateway URL] [--deployment FILE] [--at BLOCK] [--json FILE]

Exit codes (their sum when several kinds fail; see next_audit.report): 0 everything holds,
1 the audit could not run, 2 bad command line, 4 contracts, 8 chain, 16 ledger state,
32 ledger rules, 64 gateway.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from eth_account import Account
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from next_audit.chain import ChainVerifier
from next_audit.contracts import verify_contracts
from next_audit.gateway import Gateway, GatewayError, cross_check
from next_audit.replay import Replayer
from next_audit.report import Failure, Report
from next_audit.rpc import Rpc, RpcError
from next_audit.state import StateReader, compare
from next_contracts import LEDGER, load_artifact
from next_contracts.deploy import Deployment
from next_contracts.login import LoginError, login


class AuditError(Exception):
    """The audit cannot run at all."""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="next-audit", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rpc", required=True, help="JSON-RPC URL of a node of your own")
    p.add_argument("--gateway", help="gateway URL to cross-check (the audit then runs at its indexed block)")
    p.add_argument("--token", help="a gateway access token, if you have one already")
    p.add_argument("--keystore", type=Path, help="an auditor's keystore: sign in to the gateway with it (EIP-4361)")
    p.add_argument("--password-env", metavar="VAR", default="NEXT_AUDIT_PASSWORD", help="the keystore's password")
    p.add_argument("--deployment", type=Path, default=Path("data/deployment.json"), help="the deployment record")
    p.add_argument("--at", type=int, metavar="BLOCK", help="the block to audit (default: the head, or the gateway's)")
    p.add_argument("--json", metavar="FILE", help="write the JSON report there (- for standard output)")
    p.add_argument("--sources", type=Path, help="rebuild from this checkout instead of the shipped build input")
    p.add_argument("--solc", type=Path, help="the pinned compiler (default: the project's solcjs wrapper)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    console = Console(stderr=args.json == "-", highlight=False)
    try:
        report = audit(args, Console(stderr=True, quiet=args.quiet))
    except (AuditError, RpcError, GatewayError) as error:
        print(f"next-audit: {error}", file=sys.stderr)
        return int(Failure.NOT_RUN)
    if args.json == "-":
        sys.stdout.write(report.to_json())
    elif args.json:
        Path(args.json).write_text(report.to_json())
    report.render(console)
    return report.exit_code


def audit(args: argparse.Namespace, progress_console: Console) -> Report:
    started = time.perf_counter()
    try:
        deployment = Deployment.read(args.deployment)
    except (OSError, ValueError, TypeError) as error:
        raise AuditError(f"cannot read the deployment record {args.deployment}: {error}") from error
    rpc = Rpc(args.rpc)
    chain_id, head = (int(x, 16) for x in rpc.batch([("eth_chainId", []), ("eth_blockNumber", [])]))
    if chain_id != deployment.chain_id:
        raise AuditError(f"the node is on chain {chain_id}, the deployment on chain {deployment.chain_id}")
    gateway = Gateway(args.gateway, args.token or _login(args)) if args.gateway else None
    block = args.at if args.at is not None else (gateway.indexed_block() if gateway else head)
    if not deployment.deploy_block <= block <= head:
        raise AuditError(f"block {block} is not between the deployment's {deployment.deploy_block} and the head {head}")

    head_block = rpc.call("eth_getBlockByNumber", hex(block), False)
    report = Report(chain_id, deployment.ledger, deployment.deploy_block, block, head_block["hash"])
    contracts = report.check("contracts.bytecode", Failure.CONTRACTS, "deployed code = code rebuilt from source")
    chain = report.check("chain.integrity", Failure.CHAIN, "parent links, header hashes, tx and receipt roots")
    rules = report.check("ledger.rules", Failure.LEDGER_RULES, "limits, ceilings, fees, statuses, write-offs")
    authority = report.check("ledger.authority", Failure.LEDGER_RULES, "each change made by a holder of its role")
    reserve = report.check("ledger.reserve", Failure.LEDGER_RULES, "reserve = fees - debt covered")
    zero_sum = report.check("ledger.zero_sum", Failure.LEDGER_RULES, "balances and reserve sum to zero")
    state = report.check("ledger.state", Failure.LEDGER_STATE, "each account = contract state by eth_call")

    # The rebuild runs the compiler for seconds in a process of its own: let it overlap the replay.
    pool = ThreadPoolExecutor(max_workers=1)
    build = pool.submit(verify_contracts, Rpc(args.rpc), deployment, block, contracts, args.sources, args.solc)
    replayer = Replayer(load_artifact(LEDGER).abi, deployment.ledger, deployment.deploy_tx, rules, authority)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=progress_console, transient=True) as bars:
        blocks_task = bars.add_task("blocks", total=block + 1)
        verifier = ChainVerifier(rpc, deployment.ledger, chain, lambda _n: bars.advance(blocks_task))
        for tx in verifier.walk(block, deployment.deploy_block):
            replayer.apply(tx)
        if verifier.hashes.get(deployment.deploy_block) != deployment.deploy_block_hash:
            chain.fail(f"block {deployment.deploy_block}", "is not the deployment block the record names")
        ledger = replayer.ledger
        accounts_task = bars.add_task("accounts", total=len(ledger.accounts))
        try:
            compare(ledger, StateReader(rpc, deployment.ledger, block), state, zero_sum,
                    lambda n: bars.advance(accounts_task, n))  # fmt: skip
        except RpcError as error:
            state.fail(f"block {block}", f"the node does not serve the ledger's state there: {error}")
    report.build = build.result()
    pool.shutdown()
    reserve.checked += 1
    if ledger.reserve != ledger.fees_collected - ledger.debt_covered or ledger.reserve < 0:
        reserve.fail(
            "reserve",
            f"{ledger.reserve}, not the fees {ledger.fees_collected} less the debt covered {ledger.debt_covered}",
        )
    if gateway is not None:
        accounts = report.check("gateway.accounts", Failure.GATEWAY, "each account served = the replay")
        stats = report.check("gateway.stats", Failure.GATEWAY, "/stats = the replay's figures")
        try:
            cross_check(gateway, ledger, block, accounts, stats)
        except GatewayError as error:
            accounts.fail(args.gateway, str(error))
    report.figures.update(ledger.figures())
    report.events = ledger.events
    report.seconds = time.perf_counter() - started
    return report


def _login(args: argparse.Namespace) -> str | None:
    """Signs in to the gateway with the auditor's key: the gateway shows every account only to a
    holder of AUDITOR_ROLE (or of another staff role), read from the chain."""
    if args.keystore is None:
        return None
    try:
        key = Account.decrypt(json.loads(args.keystore.read_text()), os.environ.get(args.password_env, ""))
    except (OSError, ValueError) as error:
        raise AuditError(f"cannot open the keystore {args.keystore}: {error}") from error
    try:
        return login(args.gateway, Account.from_key(key)).token
    except LoginError as error:
        raise AuditError(str(error)) from error


if __name__ == "__main__":
    sys.exit(main())
