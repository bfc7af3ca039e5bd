"""Councils' bonus allowances in the wallet. A council issues them to its staff from a CSV
(`issue-allowances`: the file rules, the one pass over the whole file before anything is signed,
the journal and the resume of `batch-pay`) and sees its runs (`allowance-runs`: issued, spent,
lapsed, by category and by business). A holder sees its allowances with their expiry, warned
before they lapse (`allowances`), and spends them by paying (`pay`: allowances first).

A run is found again by its council and reference (by default the file's name): a re-run of the
same file, or of a corrected one, issues only the lines the chain shows not issued in it.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from next_contracts.amounts import checked_address, format_amount
from next_contracts.vocabulary import Category, MemberKind, MemberStatus, fee_for, reference
from next_contracts.words import moment, say
from next_wallet import batch, keystore
from next_wallet.batch_journal import exclusive_run
from next_wallet.bonus_logs import council_runs, issued_in
from next_wallet.config import Config
from next_wallet.errors import BadInputError, InsufficientCreditError, NeedsNodeError, NotMemberError
from next_wallet.gateway_ledger import keep_reference_words, open_ledger
from next_wallet.ledger import Ledger
from next_wallet.prompts import confirm, unlock

if TYPE_CHECKING:
    from next_wallet.output import Output

WARN_DAYS = 30  # an allowance lapsing within this many days is flagged
DAY = 86_400
MAX_REGIONS = 4


@dataclass(frozen=True)
class RunTerms:
    """Where and until when a run's allowances may be spent."""

    expires_at: int
    categories: int  # 0: any category
    regions: tuple[int, ...]  # none: any region

    @property
    def words(self) -> str:
        categories, places = where(self.categories, self.regions)
        return say("wallet.allow.terms", moment=moment(self.expires_at), categories=categories, places=places)


def where(categories: int, regions: tuple[int, ...] | list[int]) -> tuple[str, str]:
    """Categories and regions in the reader's words: ("culture, commerce local", "in regions 1, 2")."""
    named = ", ".join(say(f"category.{c.value}") for c in Category.of_mask(categories))
    listed = ", ".join(map(str, regions))
    places = say("wallet.allow.in_regions" if len(regions) > 1 else "wallet.allow.in_region", regions=listed)
    return named or say("wallet.allow.any_category"), places if regions else say("wallet.allow.any_region")


def parse_expiry(text: str) -> int:
    """A date (2027-01-31: the end of that day, UTC) or an ISO date and time, as a timestamp."""
    try:
        if len(text) == 10:
            day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
            return int(day.timestamp()) + DAY - 1
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadInputError.said("wallet.allow.bad_expiry", text=repr(text)) from None
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


def parse_regions(text: str | None) -> tuple[int, ...]:
    if not text:
        return ()
    try:
        regions = tuple(dict.fromkeys(int(part) for part in text.split(",") if part.strip()))
    except ValueError:
        raise BadInputError.said("wallet.allow.bad_regions", text=repr(text)) from None
    if len(regions) > MAX_REGIONS or any(not 0 < r < 2**16 for r in regions):
        raise BadInputError.said("wallet.allow.regions_range", most=MAX_REGIONS)
    return regions


def parse_categories(text: str | None) -> int:
    return Category.mask(parsed_categories(text or ""))


def parsed_categories(text: str) -> tuple[Category, ...]:
    """Categories from "culture,local-shop"; the unknown ones named, with the known."""
    try:
        return Category.parse(text)
    except ValueError:
        unknown = ", ".join(n.strip() for n in text.split(",") if n.strip().lower() not in {c.value for c in Category})
        raise BadInputError.said(
            "wallet.no_category", unknown=unknown, known=", ".join(c.value for c in Category)
        ) from None


def _node(args: argparse.Namespace) -> Ledger:
    config = Config.load()
    rpc = getattr(args, "rpc", None) or config.rpc_url
    if not rpc:
        raise NeedsNodeError.said("wallet.allow.needs_node")
    ledger = Ledger(replace(config, rpc_url=rpc))
    ledger.check_chain()
    return ledger


# issue-allowances -------------------------------------------------------------------------------


def cmd_issue_allowances(args: argparse.Namespace, out: Output) -> None:
    """One run at a time on a journal, as `batch-pay`: a second one started meanwhile is refused."""
    path = Path(args.file)
    lines, problems = batch.read_lines(path)
    journal_path = Path(args.journal or f"{path}.journal.json")
    with exclusive_run(journal_path):
        _issue(args, out, path, journal_path, lines, problems)


def _issue(
    args: argparse.Namespace, out: Output, path: Path, journal_path: Path, lines: list[batch.Line], problems: list[str]
) -> None:
    ledger = _node(args)
    council = keystore.address_of(args.label)
    terms = RunTerms(parse_expiry(args.expires), parse_categories(args.categories), parse_regions(args.regions))
    ref_text = args.ref or path.name
    ref = reference(ref_text)
    out.note(keep_reference_words(ledger.config, council, ref_text, args.label))
    journal = batch.Journal.open(journal_path, council, ref)
    batch.settle(ledger, journal)
    batch.wait_idle(ledger, council)
    account = ledger.account(council)
    if account.status is not MemberStatus.ACTIVE or account.kind is not MemberKind.COUNCIL:
        status, kind = say(f"status.is.{account.status.value}"), say(f"member.kind.{account.kind.value}")
        raise NotMemberError.said("wallet.allow.not_council", council=council, status=status, kind=kind)
    runs = [
        (run.run_id, RunTerms(run.expires_at, run.categories, run.regions))
        for run in council_runs(ledger.bonuses, council)
        if run.ref == ref
    ]
    run_id = runs[-1][0] if runs else None
    if runs and runs[-1][1] != terms:
        opened = runs[-1][1].words
        raise BadInputError.said(
            "wallet.allow.other_terms", run=run_id, ref=repr(ref_text), opened=opened, terms=terms.words
        )
    found = batch.plan(lines, issued_in(ledger.bonuses, run_id) if run_id else [], ref_text, batch.ISSUING)
    problems = problems + [say("wallet.batch.line", number=number, problem=why) for number, why in found.problems]
    holders = ledger.accounts([line.address for line in found.todo])
    for line in found.todo:
        holder = holders[line.address.lower()]
        if holder.status is not MemberStatus.ACTIVE:
            cannot = say(
                "wallet.allow.cannot_hold", address=line.address, status=say(f"status.is.{holder.status.value}")
            )
            problems.append(say("wallet.batch.line", number=line.number, problem=cannot))
    total = sum(line.amount for line in found.todo)
    needed = total + fee_for(total, int(ledger.contract.functions.feeBps().call()))
    available = ledger.available_credit(council)
    short = None
    if found.todo and needed > available:
        figures = {
            "total": format_amount(total),
            "needed": format_amount(needed),
            "available": format_amount(available),
        }
        short = InsufficientCreditError.said("wallet.allow.no_credit", **figures)
    if problems:
        for problem in sorted(problems, key=batch.line_number):
            print(problem, file=sys.stderr)
        if short:
            print(short, file=sys.stderr)
        raise BadInputError.said("wallet.batch.bad_lines", count=len(problems))
    if short:
        raise short
    if not out.as_json:
        head = say("wallet.allow.run", run=run_id) if run_id else say("wallet.allow.new_run")
        print(say("wallet.allow.head", head=head, ref=repr(ref_text), terms=terms.words))
        shown = {"total": format_amount(total), "needed": format_amount(needed)}
        print(
            say("wallet.allow.plan", done=len(found.done), todo=len(found.todo))
            + (say("wallet.allow.plan_total", **shown) if found.todo else "")
        )
    hashes: list[str] = []
    if found.todo:
        confirm(args, say("wallet.allow.confirm"))
        key = unlock(args, args.label)
        if run_id is None:
            run_id = _open_run(ledger, key, terms, ref)
        bonuses = ledger.bonuses.functions
        issue_to = run_id

        def make_call(holders: list[str], amounts: list[int]) -> Any:
            return bonuses.issue(issue_to, holders, amounts)

        issuing, lines_word = TextColumn(say("wallet.allow.issuing")), TextColumn(say("wallet.batch.lines"))
        columns = (issuing, BarColumn(), MofNCompleteColumn(), lines_word)
        with Progress(*columns, disable=out.as_json or not sys.stderr.isatty()) as bar:
            task = bar.add_task("issue", total=len(found.todo))
            hashes = batch.pay(
                ledger,
                key,
                found.todo,
                journal,
                ref,
                args.chunk,
                lambda n: bar.advance(task, n),
                make_call,
                batch.ISSUING,
            )
    out.result(
        {
            "run_id": run_id,
            "ref": ref_text,
            "expires_at": terms.expires_at,
            "categories": [c.value for c in Category.of_mask(terms.categories)],
            "regions": list(terms.regions),
            "lines": len(lines),
            "already_issued": len(found.done),
            "issued": len(found.todo),
            "total": total,
            "transactions": hashes,
        },
        "\n".join([say("wallet.allow.issued", count=len(found.todo), run=run_id, transactions=len(hashes)), *hashes]),
    )


def _open_run(ledger: Ledger, key: Any, terms: RunTerms, ref: bytes) -> int:
    """Opens the run (the contract's refusal in words first); its number, from the receipt."""
    call = ledger.bonuses.functions.openRun(terms.expires_at, terms.categories, list(terms.regions), ref)
    tx_hash = ledger.send_signed(key.sign_transaction(ledger.build(key.address, call)).raw_transaction)
    receipt = ledger.wait(tx_hash)
    opened = ledger.bonuses.events.BonusRunOpened().process_receipt(receipt)
    return int(opened[0].args.runId)


# allowance-runs -----------------------------------------------------------------------------------


def cmd_allowance_runs(args: argparse.Namespace, out: Output) -> None:
    """The council's runs with what each issued, spent and lost to lapsing, by category and by
    business (the payee's categories as the registry has them now): through a node's logs, or a
    gateway's index."""
    config = Config.load()
    ledger = open_ledger(replace(config, rpc_url=args.rpc) if args.rpc else config)
    council = checked_address(args.address) if args.address else keystore.address_of(args.label)
    report = ledger.run_reports(council)
    out.result({"council": council, "runs": report}, _runs_text(council, report, out))


def _runs_text(council: str, report: list[dict[str, Any]], out: Output) -> str:
    if not report:
        return say("wallet.allow.no_runs", council=council)
    lines = []
    for run in report:
        terms = RunTerms(run["expires_at"], Category.mask(map(Category, run["categories"])), tuple(run["regions"]))
        state = say(f"run.state.{run['state']}") if run["state"] in ("open", "expired") else run["state"]
        lines.append(
            say("wallet.allow.run_line", run=run["run_id"], ref=repr(run["ref"]), state=state, terms=terms.words)
        )
        lines.append(
            say(
                "wallet.allow.run_figures",
                issued=out.amount(run["issued"]),
                holders=run["holders"],
                spent=out.amount(run["spent"]),
            )
            + (
                say("wallet.allow.lapsed", amount=out.amount(run["lapsed"]))
                if run["state"] == "expired"
                else say("wallet.allow.left", amount=out.amount(run["outstanding"]))
            )
        )
        if run["by_category"]:
            spent = ", ".join(f"{_category(k)} {out.amount(v)}" for k, v in sorted(run["by_category"].items()))
            lines.append(say("wallet.allow.by_category", spent=spent))
        for payee, amount in sorted(run["by_business"].items(), key=lambda item: -item[1]):
            lines.append(f"    {payee} {out.amount(amount)}")
    return "\n".join(lines)


# allowances -------------------------------------------------------------------------------------


def cmd_allowances(args: argparse.Namespace, out: Output) -> None:
    """A holder's live allowances, the soonest to expire first, each flagged when it lapses within
    WARN_DAYS days."""
    holder = checked_address(args.address) if args.address else keystore.address_of(args.label)
    ledger = open_ledger(Config.load())
    ledger.check_chain()
    held = ledger.allowances(holder)
    now = int(time.time())
    items = [
        a.to_dict()
        | {
            "category_names": [c.value for c in Category.of_mask(a.categories)],
            "days_left": max(0, (a.expires_at - now) // DAY),
            "lapses_soon": a.expires_at - now <= WARN_DAYS * DAY,
        }
        for a in held
    ]
    total = sum(a.remaining for a in held)
    text = [
        say("wallet.allow.count", count=len(held), total=out.amount(total))
        if held
        else say("wallet.allow.none", holder=holder)
    ]
    for allowance, item in zip(held, items, strict=True):
        text.append(
            say(
                "wallet.allow.line",
                amount=out.amount(allowance.remaining),
                council=allowance.council,
                run=allowance.run_id,
                moment=moment(allowance.expires_at),
                where=" ".join(where(allowance.categories, allowance.regions)),
            )
            + (say("wallet.allow.lapses_in", days=item["days_left"]) if item["lapses_soon"] else "")
        )
    out.result({"holder": holder, "total": total, "allowances": items}, "\n".join(text))
    if any(item["lapses_soon"] for item in items) and not out.as_json:
        print(f"next-wallet: {say('wallet.allow.warning', days=WARN_DAYS)}", file=sys.stderr)


def _category(name: str) -> str:
    return say(f"category.{name}") if name in {c.value for c in Category} else name


# the parser -------------------------------------------------------------------------------------


def add_commands(add: Any) -> None:
    sub = add(
        "issue-allowances",
        "a council: issue bonus allowances from a CSV (address;amount[;name]), each line once",
        secret=True,
        confirm=True,
    )
    sub.add_argument("label", help="the council's keystore")
    sub.add_argument("file", help="the CSV file, as for batch-pay")
    sub.add_argument("--expires", required=True, help="when they lapse: a date (2027-01-31, end of day UTC)")
    sub.add_argument(
        "--categories", help=f"where they may be spent: {', '.join(c.value for c in Category)} (default: any)"
    )
    sub.add_argument("--regions", help="in which regions, up to 4: 1,2 (default: any)")
    sub.add_argument("--ref", help="the run's reference (default: the file's name): one run per council and ref")
    sub.add_argument(
        "--chunk", type=int, default=100, choices=range(1, 301), metavar="1..300", help="lines per transaction"
    )
    sub.add_argument("--journal", help="the journal file (default: FILE.journal.json)")
    sub.add_argument("--rpc", metavar="URL", help="a node's JSON-RPC URL (default: the config's)")
    sub.set_defaults(run=cmd_issue_allowances)
    sub = add("allowance-runs", "a council's bonus allowance runs: issued, spent, lapsed, by category and business")
    sub.add_argument("label", nargs="?", help="the council's keystore")
    sub.add_argument("--address", help="any council's address instead")
    sub.add_argument("--rpc", metavar="URL", help="a node's JSON-RPC URL (default: the config's)")
    sub.set_defaults(run=cmd_allowance_runs)
    sub = add("allowances", "your bonus allowances: what is left, until when, and where they may be spent")
    sub.add_argument("label", nargs="?", help="a keystore's label")
    sub.add_argument("--address", help="any holder's address instead (staff, or a node's wallet)")
    sub.set_defaults(run=cmd_allowances)
