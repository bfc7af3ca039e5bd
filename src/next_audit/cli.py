"""next-audit: verifies the contracts, the chain, the ledger and (optionally) the gateway.

    next-audit --rpc URL [--gateway URL] [--deployment FILE] [--at BLOCK] [--json FILE]

Exit codes (their sum when several kinds fail; see next_audit.report): 0 everything holds,
1 the audit could not run (or a check was not run), 2 bad command line, 4 contracts, 8 chain,
16 ledger state, 32 ledger rules, 64 gateway, 128 consensus (a block sealed out of turn or by an
outsider).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from pathlib import Path
from typing import Any

from eth_account import Account
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from next_audit import build_cache
from next_audit.bonuses import BonusAudit
from next_audit.chain import ChainVerifier
from next_audit.clearing import ClearingAudit
from next_audit.commons import CommonsAudit
from next_audit.consensus import CliqueVerifier, QbftVerifier, is_clique, is_qbft
from next_audit.contracts import verify_contracts
from next_audit.errors import AuditError, GatewayError, GatewayUnavailable
from next_audit.gateway import Gateway, compare_accounts, compare_history, compare_stats
from next_audit.governance import GovernanceAudit
from next_audit.history import HistoryRecorder
from next_audit.ledger_state import Ledger
from next_audit.replay import Replayer
from next_audit.report import Check, Failure, Report
from next_audit.rpc import Rpc
from next_audit.sentences import money, phrase
from next_audit.state import StateReader, compare
from next_contracts import LEDGER, load_artifact
from next_contracts.deploy import Deployment
from next_contracts.help_texts import asked_language, speak
from next_contracts.login import LoginError, login
from next_contracts.messages import LANGUAGES, language_of_environment, say

NODE_CATCH_UP_SECONDS = 60.0  # how long the auditor's node may take to reach the gateway's block


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="next-audit", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rpc", required=True, help="JSON-RPC URL of a node of your own")
    p.add_argument("--gateway", help="gateway URL to cross-check (the audit then runs at the block of its /stats)")
    p.add_argument("--token", help="a gateway access token, if you have one already")
    p.add_argument("--keystore", type=Path, help="an auditor's keystore: sign in to the gateway with it (EIP-4361)")
    p.add_argument("--password-env", metavar="VAR", default="NEXT_AUDIT_PASSWORD", help="the keystore's password")
    p.add_argument("--deployment", type=Path, default=Path("data/deployment.json"), help="the deployment record")
    p.add_argument("--at", type=int, metavar="BLOCK", help="the block to audit (default: the head, or the gateway's)")
    p.add_argument("--json", metavar="FILE", help="write the JSON report there (- for standard output)")
    p.add_argument("--sources", type=Path, help="rebuild from this checkout instead of the shipped build input")
    p.add_argument(
        "--solc",
        type=Path,
        help="solc 0.8.30 (default: solc-v0.8.30 in $SOLCX_BINARY_PATH or ~/.solcx, as py-solc-x keeps it)",
    )
    p.add_argument(
        "--fresh-build",
        action="store_true",
        help="compile the shipped sources even if this machine's build cache holds their output "
        "(~/.cache/next-audit/builds, keyed by the compiler's version and the sources)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument(
        "--lang",
        choices=LANGUAGES,
        help="the language of the report's sentences (default: the terminal's, from LANG; English if it names neither)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    language = asked_language(argv) or language_of_environment()
    args = speak(parser(), language, "audit").parse_args(argv)
    console = Console(stderr=args.json == "-", highlight=False)
    try:
        report = audit(args, Console(stderr=True, quiet=args.quiet))
    except AuditError as error:
        print(say("audit.run.cannot", language, error=error.said(language)), file=sys.stderr)
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
        raise AuditError("audit.run.bad_record", path=args.deployment, error=error) from error
    rpc = Rpc(args.rpc)
    chain_id = int(rpc.call("eth_chainId"), 16)
    if chain_id != deployment.chain_id:
        raise AuditError("audit.run.other_chain", chain=chain_id, expected=deployment.chain_id)
    # One block B for the whole run, chosen once: --at, else the block of the gateway's /stats (its
    # first read), else the head. Nothing below reads "latest" again.
    link = GatewayLink(args)
    block = args.at if args.at is not None else link.block
    head = _head_reaching(rpc, block if args.at is None and block is not None else 0)
    block = head if block is None else block
    if not deployment.deploy_block <= block <= head:
        raise AuditError("audit.run.block_out_of_range", block=block, deployed=deployment.deploy_block, head=head)

    head_block = rpc.call("eth_getBlockByNumber", hex(block), False)
    report = Report(chain_id, deployment.ledger, deployment.deploy_block, block, head_block["hash"])
    report.language = args.lang or language_of_environment()
    check = report.check
    contracts = check("contracts.bytecode", Failure.CONTRACTS, "codes")
    chain = check("chain.integrity", Failure.CHAIN, "blocks")
    rules = check("ledger.rules", Failure.LEDGER_RULES, "events")
    authority = check("ledger.authority", Failure.LEDGER_RULES, "changes")
    reserve = check("ledger.reserve", Failure.LEDGER_RULES, "figures")
    zero_sum = check("ledger.zero_sum", Failure.LEDGER_RULES, "sums")
    state = check("ledger.state", Failure.LEDGER_STATE, "values")
    positions = check("clearing.positions", Failure.LEDGER_STATE, "pairs")
    votes = check("governance.votes", Failure.LEDGER_RULES, "items")
    genesis = rpc.call("eth_getBlockByNumber", "0x0", False)
    _pin_genesis(genesis, deployment, chain, report)
    consensus = _consensus(genesis, report)

    # The rebuild runs the compiler for seconds in a process of its own: let it overlap the replay.
    pool = ThreadPoolExecutor(max_workers=1)
    cache = None if args.fresh_build else build_cache.default_folder()
    build = pool.submit(verify_contracts, Rpc(args.rpc), deployment, block, contracts, args.sources, args.solc, cache)
    abi = load_artifact(LEDGER).abi
    replayer = Replayer(abi, deployment.ledger, deployment.deploy_tx, rules, authority)
    governance = _governance(deployment, votes)
    replayer.governance = governance
    if deployment.bonus_allowances:
        replayer.bonuses = BonusAudit(deployment.bonus_allowances.lower(), replayer.ledger, rules, authority)
    if deployment.commons_rewards:
        voters = frozenset(a.lower() for a in (deployment.governor, deployment.timelock) if a)
        replayer.commons = CommonsAudit(
            deployment.commons_rewards.lower(), replayer.ledger, rules, authority, voters, deployment.chain_id
        )
    if deployment.regional_clearing:
        replayer.clearing = ClearingAudit(deployment.regional_clearing.lower())
    history = HistoryRecorder(abi, deployment.ledger, deployment.commons_rewards) if link.gateway else None
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=progress_console, transient=True) as bars:
        blocks_task = bars.add_task("blocks", total=block + 1)
        verifier = ChainVerifier(
            rpc,
            deployment.ledger,
            chain,
            lambda _n: bars.advance(blocks_task),
            consensus.apply if consensus is not None else None,
            governance.addresses if governance is not None else (),
            deployment.bonus_allowances,
            deployment.commons_rewards,
            deployment.regional_clearing,
        )
        for tx in verifier.walk(block, deployment.deploy_block):
            if governance is not None:
                tx = governance.apply(tx)  # first: the ledger's changes in it may be a vote's execution
            replayer.apply(tx)
            if history is not None:
                history.apply(tx)
        if verifier.hashes.get(deployment.deploy_block) != deployment.deploy_block_hash:
            chain.fail(f"block {deployment.deploy_block}", "audit.chain.not_deploy_block")
        if verifier.hashes.get(block) != head_block["hash"]:
            chain.fail(
                f"block {block}", "audit.chain.rewound", before=head_block["hash"], after=verifier.hashes.get(block)
            )
        ledger = replayer.ledger
        accounts_task = bars.add_task("accounts", total=len(ledger.accounts))
        try:
            compare(ledger, StateReader(rpc, deployment.ledger, block), state, zero_sum,
                    lambda n: bars.advance(accounts_task, n))  # fmt: skip
        except AuditError as error:
            state.fail(f"block {block}", "audit.state.unserved", error=error)
    if replayer.clearing is not None:
        mine = {p: ledger.accounts[p].balance for p in replayer.clearing.partners if p in ledger.accounts}
        replayer.clearing.check_positions(rpc, block, mine, positions)
    # A ledger deployed before the regions has no clearing, and no position to check: 0 pairs.
    report.build = build.result()
    pool.shutdown()
    reserve.checked += 1
    if ledger.reserve != ledger.fees_collected - ledger.debt_covered - ledger.projects_paid or ledger.reserve < 0:
        reserve.fail(
            "reserve",
            "audit.reserve.off",
            reserve=money(ledger.reserve),
            fees=money(ledger.fees_collected),
            covered=money(ledger.debt_covered),
            projects=money(ledger.projects_paid),
        )
    if args.gateway:
        link.cross_check(report, replayer.ledger, history, block, replayer.available)
    report.figures.update(ledger.figures())
    if governance is not None:
        report.figures.update(governance.figures())
    if replayer.bonuses is not None:
        report.figures.update(replayer.bonuses.figures())
    if replayer.commons is not None:
        report.figures.update(replayer.commons.figures())
    if consensus is not None:
        report.figures["signers"] = consensus.signers
        report.figures["blocks_sealed"] = consensus.sealed
    report.events = ledger.events
    report.seconds = time.perf_counter() - started
    return report


def _governance(deployment: Deployment, check: Check) -> GovernanceAudit | None:
    """The governance audit of a deployment with a governor; a record from before governance has
    none, and the check says so."""
    if not (deployment.governor and deployment.constitution and deployment.timelock):
        check.skip("audit.governance.none")
        return None
    admin = str(deployment.config.get("admin") or deployment.timelock)
    return GovernanceAudit(deployment.governor, deployment.constitution, deployment.timelock, admin, check)


def _pin_genesis(genesis: dict[str, Any], deployment: Deployment, chain: Check, report: Report) -> None:
    """Block 0 (and so the first signers, in its extra data, which its hash covers) is the one the
    operator's record names: a node serving another chain is named, never taken at its word."""
    pinned = deployment.genesis_hash
    report.figures["genesis"] = genesis["hash"] if pinned else f"{genesis['hash']} (not pinned: the record has none)"
    if pinned and genesis["hash"].lower() != pinned.lower():
        chain.fail("block 0", "audit.chain.other_genesis", genesis=genesis["hash"], pinned=pinned)


def _consensus(genesis: dict[str, Any], report: Report) -> CliqueVerifier | QbftVerifier | None:
    """The seal check of a clique or QBFT chain, told by its block 0 (pinned by the record); a
    development chain (anvil) has no seal to check, and the report says so."""
    engine = "qbft" if is_qbft(genesis) else "clique" if is_clique(genesis) else None
    if engine is None:
        report.figures["consensus"] = "none: a development chain without seals"
        return None
    report.figures["consensus"] = engine
    check = report.check("chain.consensus", Failure.CONSENSUS, "blocks")
    return QbftVerifier(genesis, check) if engine == "qbft" else CliqueVerifier(genesis, check)


def _head_reaching(rpc: Rpc, block: int) -> int:
    """The node's head, once it has reached `block` (a gateway may read a node ahead of the
    auditor's own); polled with a bounded deadline."""
    deadline = time.monotonic() + NODE_CATCH_UP_SECONDS
    while True:
        head = int(rpc.call("eth_blockNumber"), 16)
        if head >= block or time.monotonic() > deadline:
            return head
        time.sleep(0.5)


class GatewayLink:
    """The gateway side of an audit: the sign-in, the first read that fixes the audited block, and
    the three gateway checks, each reported as not run (with the reason) when it cannot be."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.url: str | None = args.gateway
        self.gateway: Gateway | None = None
        self.stats: dict[str, Any] | None = None
        self.block: int | None = None
        self.unavailable: AuditError | None = None  # why the gateway cannot be audited
        if self.url is None:
            return
        token = args.token or _login(args)
        if token is None:
            self.unavailable = AuditError("audit.gateway.no_token")
            return
        self.gateway = Gateway(self.url, token)
        try:
            self.stats = self.gateway.settled_stats()
        except GatewayError as error:
            self.unavailable = error
            return
        self.block = int(self.stats["indexed_block"])

    def cross_check(
        self,
        report: Report,
        replayed: Ledger,
        history: HistoryRecorder | None,
        block: int,
        available: Callable[[str], int],
    ) -> None:
        accounts = report.check("gateway.accounts", Failure.GATEWAY, "accounts")
        stats = report.check("gateway.stats", Failure.GATEWAY, "figures")
        rows = report.check("gateway.history", Failure.GATEWAY, "rows")
        gateway, served_stats = self.gateway, self.stats
        if gateway is None or history is None or served_stats is None:
            for check in (accounts, stats, rows):
                if self.unavailable is not None:
                    check.skip(self.unavailable.code, **self.unavailable.arguments)
                else:
                    check.skip("audit.gateway.none")
            return
        indexed = served_stats["indexed_block"]
        if indexed < block:
            for check in (accounts, stats, rows):
                check.skip("audit.gateway.behind", indexed=indexed, block=block)
            return
        # An earlier block (--at): the gateway gives its figures as they were then (/stats?at_block=).
        stats_then: Callable[[], dict[str, Any]] = (
            (lambda: served_stats) if indexed == block else (lambda: gateway.stats(at_block=block))
        )
        steps: list[tuple[Check, Callable[[], None]]] = [
            (accounts, lambda: compare_accounts(gateway, replayed, block, accounts, available)),
            (stats, lambda: compare_stats(stats_then(), replayed, stats)),
            (rows, lambda: compare_history(gateway, history, block, rows)),
        ]
        for position, (check, step) in enumerate(steps):
            if check.not_run is not None:
                continue
            try:
                step()
            except GatewayUnavailable as error:
                reason = phrase(error.code, **error.arguments)
                for later, _ in steps[position:]:
                    if later.not_run is None and error.status == HTTPStatus.CONFLICT:  # the index went back
                        later.skip("audit.gateway.went_back", block=block, error=reason)
                    elif later.not_run is None:
                        later.skip(error.code, **error.arguments)
                return
            except GatewayError as error:
                check.fail(self.url, error.code, **error.arguments)


def _login(args: argparse.Namespace) -> str | None:
    """Signs in to the gateway with the auditor's key: the gateway shows every account only to a
    holder of AUDITOR_ROLE (or of another staff role), read from the chain."""
    if args.keystore is None:
        return None
    try:
        key = Account.decrypt(json.loads(args.keystore.read_text()), os.environ.get(args.password_env, ""))
    except (OSError, ValueError) as error:
        raise AuditError("audit.run.bad_keystore", path=args.keystore, error=error) from error
    try:
        return login(args.gateway, Account.from_key(key)).token
    except LoginError as error:
        raise AuditError("audit.error", error=error) from error  # the gateway's own words


if __name__ == "__main__":
    sys.exit(main())
