"""What the audit found: checks with their findings, the figures, and the exit code.

The exit code is the sum of one bit per kind of failure, so that a script learns every kind that
failed from the code alone:

     0  everything holds
     1  the audit, or a check that was asked for, could not run (node unreachable, unreadable
        deployment record, no gateway token, no Node.js for the compiler, ...)
     2  bad command line
     4  contracts: the deployed code is not the code rebuilt from source
     8  chain: a block's links, hash, transactions or receipts do not hold
    16  ledger state: an account, the reserve or a role on-chain differs from the replay of events
    32  ledger rules: zero sum, a limit or ceiling, the reserve, or a role holder's authority broken
    64  gateway: the gateway serves an account, a figure or a history row that differs from the
        replay
   128  consensus: a block sealed by a key outside the signer set of its time, or against the
        engine's rules (clique: turn, frequency, votes, checkpoints)

Each check ends in one of three states: "pass" (it covered `checked` items and found nothing),
"fail" (findings), or "not run" (it could not run, and says why): a check that compared nothing
never passes, and a requested check that did not run sets bit 1.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import IntEnum
from typing import Any

from rich.console import Console
from rich.table import Table

MAX_FINDINGS_SHOWN = 20  # in the readable summary; the JSON report keeps every finding


class Failure(IntEnum):
    NOT_RUN = 1
    USAGE = 2
    CONTRACTS = 4
    CHAIN = 8
    LEDGER_STATE = 16
    LEDGER_RULES = 32
    GATEWAY = 64
    CONSENSUS = 128


# The unit of each figure the replay reports, for a reader that formats them (the web app's audit
# page): money in hundredths, a ratio, basis points; a figure not named here is a count or words.
FIGURE_UNITS = {
    **dict.fromkeys(
        (
            "circulation",
            "credit_in_use",
            "reserve",
            "fees_collected",
            "debt_covered",
            "projects_paid",
            "debt_uncovered",
            "bonus_issued",
            "bonus_spent",
            "commons_paid",
        ),
        "money",
    ),
    "coverage_ratio": "ratio",
    "fee_bps": "bps",
    "coverage_floor_bps": "bps",
}


@dataclass(frozen=True)
class Finding:
    subject: str  # an account address, a block number, a contract, a figure
    message: str


@dataclass
class Check:
    name: str
    kind: Failure
    description: str
    findings: list[Finding] = field(default_factory=list)
    unit: str = "items"  # what `checked` counts: blocks, accounts, events, figures, rows
    checked: int = 0  # how many of them the check covered
    not_run: str | None = None  # why the check could not run, if it did not

    def fail(self, subject: object, message: str) -> None:
        self.findings.append(Finding(str(subject), message))

    def skip(self, reason: str) -> None:
        """The check could not run: it neither passes nor fails, and the report says why."""
        self.not_run = reason

    @property
    def status(self) -> str:
        if self.findings:
            return "fail"
        return "not run" if self.not_run is not None else "pass"

    @property
    def covered(self) -> str:
        return f"{self.checked:,} {self.unit}"


@dataclass
class Report:
    chain_id: int
    ledger: str
    from_block: int
    to_block: int
    head_hash: str
    figures: dict[str, Any] = field(default_factory=dict)
    build: dict[str, Any] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    events: int = 0
    seconds: float = 0.0

    def check(self, name: str, kind: Failure, description: str, unit: str = "items") -> Check:
        check = Check(name, kind, description, unit=unit)
        self.checks.append(check)
        return check

    @property
    def exit_code(self) -> int:
        code = 0
        for check in self.checks:
            if check.findings:
                code |= int(check.kind)
            elif check.not_run is not None:
                code |= int(Failure.NOT_RUN)
        return code

    @property
    def result(self) -> str:
        """pass; fail (a check found something); incomplete (nothing found, but a check did not run)."""
        code = self.exit_code
        return "pass" if code == 0 else "incomplete" if code == int(Failure.NOT_RUN) else "fail"

    def to_json(self) -> str:
        data = {
            "chain_id": self.chain_id,
            "ledger": self.ledger,
            "from_block": self.from_block,
            "to_block": self.to_block,
            "head_hash": self.head_hash,
            "events": self.events,
            "seconds": round(self.seconds, 3),
            "figures": self.figures,
            "units": {name: FIGURE_UNITS[name] for name in self.figures if name in FIGURE_UNITS},
            "build": self.build,
            "checks": [
                {
                    **asdict(c),
                    "kind": c.kind.name.lower(),
                    "status": c.status,
                    "covered": c.covered,
                    "findings": [asdict(f) for f in c.findings],
                }
                for c in self.checks
            ],
            "result": self.result,
            "exit_code": self.exit_code,
        }
        return json.dumps(data, indent=2) + "\n"

    def render(self, console: Console) -> None:
        console.print(
            f"[bold]Audit of ledger {self.ledger}[/] on chain {self.chain_id}, "
            f"blocks {self.from_block} to {self.to_block} (head {self.head_hash})"
        )
        console.print(f"{self.events:,} events replayed in {self.seconds:.1f} s")
        if self.build:
            console.print(
                f"rebuilt with solc {self.build.get('compiler')}, {len(self.build.get('sources', {}))} sources, "
                f"metadata {self.build.get('metadata_ipfs')}; deployed code keccak256 {self.build['runtime_keccak256']}"
                + (" (the compiler's output read from this machine's build cache)" if self.build.get("cached") else "")
            )
        figures = Table(title="Figures at the audited block", show_header=False)
        for name, value in self.figures.items():
            shown = _units(value) if name in AMOUNTS and isinstance(value, int) else _figure(value)
            figures.add_row(name.replace("_", " "), shown)
        console.print(figures)
        checks = Table(title="Checks")
        for column in ("check", "result", "covered", "what it verifies"):
            checks.add_column(column)
        for c in self.checks:
            result = {
                "pass": "[green]pass[/]",
                "fail": f"[red]FAIL ({len(c.findings)})[/]",
                "not run": "[yellow]not run[/]",
            }
            what = f"not run: {c.not_run}" if c.status == "not run" else c.description
            checks.add_row(c.name, result[c.status], c.covered, what)
        console.print(checks)
        for c in self.checks:
            for finding in c.findings[:MAX_FINDINGS_SHOWN]:
                console.print(f"[red]{c.name}[/]: {finding.subject}: {finding.message}", highlight=False)
            if len(c.findings) > MAX_FINDINGS_SHOWN:
                console.print(
                    f"[red]{c.name}[/]: and {len(c.findings) - MAX_FINDINGS_SHOWN} more (see the JSON report)"
                )
        if self.exit_code == 0:
            verdict = "[green]all checks pass[/]"
        elif self.exit_code == int(Failure.NOT_RUN):
            verdict = f"[yellow]audit incomplete: a check did not run, exit {self.exit_code}[/]"
        else:
            verdict = f"[red]audit failed, exit {self.exit_code}[/]"
        console.print(verdict)


# Figures that are amounts (integers in hundredths in the JSON report), shown in units.
AMOUNTS = frozenset({"circulation", "credit_in_use", "reserve", "fees_collected", "debt_covered", "debt_uncovered"})


def _units(hundredths: int) -> str:
    """An amount as a reader of either language cannot misread: 1 234 567.89 NXT (thin grouping by
    spaces, a point for the cents), never "5,226" for 52.26."""
    sign, units, cents = "-" if hundredths < 0 else "", abs(hundredths) // 100, abs(hundredths) % 100
    return f"{sign}{units:,}.{cents:02d} NXT".replace(",", " ")


def _figure(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)
