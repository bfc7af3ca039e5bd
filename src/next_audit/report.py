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
from dataclasses import KW_ONLY, asdict, dataclass, field
from enum import IntEnum
from typing import Any

from rich.console import Console
from rich.table import Table

from next_audit.sentences import Argument, arguments, spoken
from next_contracts.messages import amount, catalogue, grouped, number, say

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
    code: str  # what was found, a sentence of the catalogue (next_audit.sentences)
    args: dict[str, Argument] = field(default_factory=dict)

    def said(self, language: str) -> str:
        return spoken(self.code, self.args, language)

    @property
    def message(self) -> str:
        """In the program's own words, English."""
        return self.said("en")


@dataclass
class Check:
    name: str
    kind: Failure
    _: KW_ONLY  # the rest by name: a third positional argument (the old description) is refused
    findings: list[Finding] = field(default_factory=list)
    unit: str = "items"  # what `checked` counts: blocks, accounts, events, figures, rows
    checked: int = 0  # how many of them the check covered
    why_not_run: tuple[str, dict[str, Argument]] | None = None  # a code and its arguments

    def fail(self, subject: object, code: str, /, **args: object) -> None:
        self.findings.append(Finding(str(subject), code, arguments(args)))

    def skip(self, code: str, /, **args: object) -> None:
        """The check could not run: it neither passes nor fails, and the report says why."""
        self.why_not_run = (code, arguments(args))

    def not_run_said(self, language: str) -> str | None:
        return None if self.why_not_run is None else spoken(*self.why_not_run, language)

    @property
    def not_run(self) -> str | None:
        """Why the check did not run, in English; None if it ran."""
        return self.not_run_said("en")

    def description_said(self, language: str) -> str:
        """What the check verifies (the catalogue's audit.what.NAME)."""
        return say(f"audit.what.{self.name}", language)

    @property
    def description(self) -> str:
        return self.description_said("en")

    @property
    def status(self) -> str:
        if self.findings:
            return "fail"
        return "not run" if self.not_run is not None else "pass"

    @property
    def covered(self) -> str:
        return self.covered_said("en")

    def covered_said(self, language: str) -> str:
        return f"{grouped(self.checked, language)} {say(f'audit.unit.{self.unit}', language)}"


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
    language: str = "en"  # of the sentences it writes: the findings, the reasons, the summary

    def check(self, name: str, kind: Failure, unit: str = "items") -> Check:
        check = Check(name, kind, unit=unit)
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
        """The report as data: each finding and reason as a code with its arguments (for a reader
        that says them in its own language) and as a sentence in the report's language."""
        language = self.language
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
            "language": language,
            "checks": [
                {
                    "name": c.name,
                    "kind": c.kind.name.lower(),
                    "description": c.description_said(language),
                    "unit": c.unit,
                    "checked": c.checked,
                    "status": c.status,
                    "covered": c.covered_said(language),
                    "not_run": c.not_run_said(language),
                    "not_run_code": None if c.why_not_run is None else c.why_not_run[0],
                    "not_run_args": None if c.why_not_run is None else c.why_not_run[1],
                    "findings": [{**asdict(f), "message": f.said(language)} for f in c.findings],
                }
                for c in self.checks
            ],
            "result": self.result,
            "exit_code": self.exit_code,
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def render(self, console: Console) -> None:
        language = self.language

        def line(code: str, /, **args: object) -> str:
            return say(code, language, **args)

        console.print(
            line(
                "audit.cli.title",
                ledger=self.ledger,
                chain=self.chain_id,
                start=self.from_block,
                end=self.to_block,
                head=self.head_hash,
            )
        )
        console.print(
            line("audit.cli.events", events=grouped(self.events, language), seconds=number(self.seconds, language, 1))
        )
        if self.build:
            console.print(
                line(
                    "audit.cli.rebuilt",
                    compiler=self.build.get("compiler"),
                    sources=len(self.build.get("sources", {})),
                    metadata=self.build.get("metadata_ipfs"),
                    keccak=self.build["runtime_keccak256"],
                )
                + (line("audit.cli.cached") if self.build.get("cached") else "")
            )
        figures = Table(title=line("audit.cli.figures"), show_header=False)
        for name, value in self.figures.items():
            unit = FIGURE_UNITS.get(name)
            shown = amount(value, language) if unit == "money" and isinstance(value, int) else _figure(value, language)
            figures.add_row(line(f"audit.figure.{name}") if f"audit.figure.{name}" in catalogue() else name, shown)
        console.print(figures)
        checks = Table(title=line("audit.cli.checks"))
        for column in ("audit.check", "audit.status", "audit.covered", "audit.what"):
            checks.add_column(line(column))
        for c in self.checks:
            result = {
                "pass": f"[green]{line('audit.pass')}[/]",
                "fail": f"[red]{line('audit.fail').upper()} ({len(c.findings)})[/]",
                "not run": f"[yellow]{line('audit.not_run')}[/]",
            }
            not_run = c.not_run_said(language)
            what = line("audit.cli.not_run", why=not_run) if not_run is not None else c.description_said(language)
            checks.add_row(c.name, result[c.status], c.covered_said(language), what)
        console.print(checks)
        for c in self.checks:
            for finding in c.findings[:MAX_FINDINGS_SHOWN]:
                console.print(f"[red]{c.name}[/]: {finding.subject}: {finding.said(language)}", highlight=False)
            if len(c.findings) > MAX_FINDINGS_SHOWN:
                more = line("audit.cli.more", count=len(c.findings) - MAX_FINDINGS_SHOWN)
                console.print(f"[red]{c.name}[/]: {more}")
        if self.exit_code == 0:
            verdict = f"[green]{line('audit.cli.passed')}[/]"
        elif self.exit_code == int(Failure.NOT_RUN):
            verdict = f"[yellow]{line('audit.cli.incomplete', code=self.exit_code)}[/]"
        else:
            verdict = f"[red]{line('audit.cli.failed', code=self.exit_code)}[/]"
        console.print(verdict)


def _figure(value: Any, language: str) -> str:
    if isinstance(value, float):
        return number(value, language, 4)
    if isinstance(value, int) and not isinstance(value, bool):
        return grouped(value, language)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)
