"""A council's bonus run: a CSV of payees and amounts (batch_csv), checked whole against the chain
before anything is signed (batch_check), then paid in payBatch chunks.

Each line is paid exactly once, across any number of runs, of the same file or of a corrected
one. What is paid is what the chain shows: the sender's payments under the run's reference
(`ref`, by default the file's name). A run
1. settles what the journal left in flight (mined, reverted, or never sent), and waits (bounded)
   until none of the sender's transactions waits in the pool: nothing unseen can land later;
2. pays a line only if the chain shows no payment to its payee under the ref. A payee paid under
   the ref with another amount is refused, with its line number: it is never guessed whether the
   file or the chain is right, and nothing is signed;
3. signs each chunk, journals it, then broadcasts it, and waits for its receipt. A reverted chunk
   is marked so in the journal; its lines stay unpaid on the chain, and the next run pays them.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount

from next_contracts.accounts import refusal_sentence
from next_contracts.amounts import format_amount
from next_contracts.batch_csv import Line, read_lines
from next_contracts.vocabulary import MemberStatus
from next_contracts.words import language, say
from next_wallet.batch_check import Paid
from next_wallet.batch_journal import Journal
from next_wallet.errors import (
    BadInputError,
    InsufficientCreditError,
    NotMemberError,
    RefusedError,
    SentUnconfirmedError,
    UnreachableError,
    WalletError,
)
from next_wallet.ledger import LedgerClient

__all__ = ["Journal", "Line", "Plan", "pay", "plan", "prepare", "read_lines", "settle", "wait_idle"]
IDLE_WAIT_SECONDS = 120


@dataclass(frozen=True)
class Verbs:
    """What a batch does to each line, in its messages: pays it, or issues a bonus allowance."""

    name: str  # "pay" or "issue", the catalogue's wallet.verb.NAME.*

    @property
    def done(self) -> str:  # "paid"
        return say(f"wallet.verb.{self.name}.done")

    @property
    def does(self) -> str:  # "pays"
        return say(f"wallet.verb.{self.name}.does")

    @property
    def undone(self) -> str:  # "unpaid"
        return say(f"wallet.verb.{self.name}.undone")


PAYING = Verbs("pay")
ISSUING = Verbs("issue")


@dataclass(frozen=True)
class Plan:
    todo: list[Line]  # what the chain shows unpaid under the ref
    done: list[Line]  # paid under the ref, with the same amount
    problems: list[tuple[int, str]]  # (line number, why)
    others: list[Paid]  # paid under the ref to payees that are not in this file


def settle(ledger: LedgerClient, journal: Journal) -> None:
    """What an earlier run signed or sent, and did not see through: its fate, from the chain."""
    for chunk in journal.unfinished():
        state = ledger.state(chunk["tx_hash"])
        if state == "pending":
            try:
                ledger.wait(chunk["tx_hash"])
                state = "success"
            except RefusedError:
                state = "reverted"
        chunk["status"] = {"success": "confirmed", "reverted": "reverted"}.get(
            state, "never sent" if chunk["status"] == "signed" else "dropped"
        )
        journal.save()


def wait_idle(ledger: LedgerClient, sender: str) -> None:
    """Until none of the sender's transactions waits in the pool (bounded): what the chain shows is
    then all that will ever be paid by what was sent before."""
    deadline = time.monotonic() + IDLE_WAIT_SECONDS
    while (waiting := ledger.pending_transactions(sender)) > 0:
        if time.monotonic() > deadline:
            raise RefusedError.said("wallet.batch.waiting", waiting=waiting, sender=sender)
        time.sleep(0.5)


def plan(lines: list[Line], paid: list[Paid], ref_text: str, verbs: Verbs = PAYING) -> Plan:
    """Which lines the chain shows paid under the ref, which not, and which disagree with it."""
    by_payee: dict[str, list[Paid]] = {}
    for payment in paid:
        by_payee.setdefault(payment.to.lower(), []).append(payment)
    todo, done, problems = [], [], []
    for line in lines:
        payments = by_payee.pop(line.address.lower(), [])
        amount = sum(p.amount for p in payments)
        if not payments:
            todo.append(line)
        elif amount == line.amount and len(payments) == 1:
            done.append(line)
        else:
            problems.append(
                (
                    line.number,
                    say(
                        "wallet.batch.disagrees",
                        address=line.address,
                        done=verbs.done,
                        amount=format_amount(amount),
                        ref=repr(ref_text),
                        hashes=", ".join(p.tx_hash for p in payments),
                        wanted=format_amount(line.amount),
                    ),
                )
            )
    others = [p for payments in by_payee.values() for p in payments]
    return Plan(todo, done, problems, others)


@dataclass(frozen=True)
class Prepared:
    plan: Plan
    total: int  # of the lines to pay
    fees: int


def prepare(
    ledger: LedgerClient,
    sender: str,
    lines: list[Line],
    problems: list[str],
    journal: Journal,
    ref: bytes,
    ref_text: str,
) -> Prepared:
    """The whole file against the chain, before anything is signed: prints every bad line (with
    the file's own `problems`) and raises one error, or says what is left to pay."""
    settle(ledger, journal)
    wait_idle(ledger, sender)
    found = plan(lines, ledger.payments_under(sender, ref), ref_text) if lines else Plan([], [], [], [])
    problems = problems + [say("wallet.batch.line", number=number, problem=why) for number, why in found.problems]
    check = ledger.check_batch(sender, [(line.address, line.amount) for line in found.todo]) if found.todo else None
    payer: WalletError | None = None
    if check is not None:
        todo = found.todo
        problems += [
            say(
                "wallet.batch.line",
                number=todo[index].number,
                problem=f"{todo[index].address} {refusal_sentence(why, language())}",
            )
            for index, why in check.refusals.items()
        ]
        if check.payer_status is not MemberStatus.ACTIVE:
            status = say(f"status.is.{check.payer_status.value}")
            payer = NotMemberError.said("wallet.batch.payer_not_member", sender=sender, status=status)
        elif check.paused:
            payer = RefusedError.said("wallet.batch.paused")
        elif not check.credit_ok:
            total, fees, available = (format_amount(v) for v in (check.total, check.fees, check.available))
            payer = InsufficientCreditError.said("wallet.batch.no_credit", total=total, fees=fees, available=available)
    if problems:
        for problem in sorted(problems, key=line_number):
            print(problem, file=sys.stderr)
        if payer is not None:
            print(payer, file=sys.stderr)
        raise BadInputError.said("wallet.batch.bad_lines", count=len(problems))
    if payer is not None:
        raise payer
    return Prepared(found, check.total if check else 0, check.fees if check else 0)


def _refused(address: str, why: str) -> str:
    return f"{address} {refusal_sentence(why, language())}"


def line_number(problem: str) -> int:
    match = re.match(r"(?:line|ligne) (\d+)", problem)
    return int(match.group(1)) if match else 0


def _sign(account: LocalAccount, tx: dict[str, Any]) -> Any:
    return account.sign_transaction(tx)


def pay(
    ledger: LedgerClient,
    account: LocalAccount,
    todo: list[Line],
    journal: Journal,
    ref: bytes,
    chunk_size: int,
    on_chunk: Callable[[int], None],
    make_call: Callable[[list[str], list[int]], Any] | None = None,
    verbs: Verbs = PAYING,
) -> list[str]:
    """Pays `todo` in chunks (or sends `make_call`'s call for each chunk); returns the transaction
    hashes. Once a transaction may have left, whatever happens next is said with its hash
    (SentUnconfirmedError), never as "aborted"."""
    make_call = make_call or (lambda payees, amounts: ledger.contract.functions.payBatch(payees, amounts, ref))
    hashes: list[str] = []
    in_flight: str | None = None
    paid_lines = 0
    try:
        for start in range(0, len(todo), chunk_size):
            part = todo[start : start + chunk_size]
            payees, amounts = [line.address for line in part], [line.amount for line in part]
            call = make_call(payees, amounts)
            tx = ledger.build(account.address, call)
            signed = _sign(account, tx)
            tx_hash = signed.hash.to_0x_hex()
            first, last = part[0].number, part[-1].number
            lines = (
                say("wallet.batch.lines_range", first=first, last=last)
                if len(part) > 1
                else say("wallet.batch.line_one", number=first)
            )
            chunk = {"lines": [line.number for line in part], "nonce": tx["nonce"], "tx_hash": tx_hash}
            journal.chunks.append(chunk | {"status": "signed"})
            journal.save()  # before the broadcast: the next run knows what may have left
            chunk = journal.chunks[-1]
            in_flight = tx_hash
            try:
                _send(ledger, signed.raw_transaction, chunk, journal)
            except UnreachableError:
                raise  # it may have left
            except WalletError:
                in_flight = None  # refused: it never left
                raise
            chunk["status"] = "sent"
            journal.save()
            try:
                ledger.wait(tx_hash)
            except RefusedError:
                chunk["status"] = "reverted"
                journal.save()
                in_flight = None
                raise RefusedError.said(
                    "wallet.batch.reverted",
                    tx_hash=tx_hash,
                    lines=lines,
                    done=verbs.done,
                    does=verbs.does,
                    undone=verbs.undone,
                ) from None
            chunk["status"] = "confirmed"
            journal.save()
            in_flight = None
            hashes.append(tx_hash)
            paid_lines += len(part)
            on_chunk(len(part))
    except (KeyboardInterrupt, WalletError) as error:
        why = str(error) or say("wallet.interrupted")
        done = say("wallet.batch.done_count", count=paid_lines, total=len(todo), done=verbs.done) + (
            f" ({', '.join(hashes)})" if hashes else ""
        )
        again = say("wallet.batch.again", does=verbs.does, undone=verbs.undone)
        if in_flight is not None:
            sent = {"tx_hash": in_flight, "why": why, "done": done, "again": again}
            raise SentUnconfirmedError.said("wallet.batch.sent_then", **sent) from None
        if hashes and isinstance(error, KeyboardInterrupt):
            raise SentUnconfirmedError.said("wallet.batch.stopped", why=why, done=done, again=again) from None
        if hashes:
            print(f"next-wallet: {done}", file=sys.stderr)
        raise
    return hashes


def _send(ledger: LedgerClient, raw: bytes, chunk: dict[str, Any], journal: Journal) -> None:
    """Broadcasts; a definite refusal marks the chunk refused (it never left)."""
    try:
        ledger.send_signed(raw)
    except UnreachableError:
        raise  # it may have left: the caller says so with its hash
    except WalletError:
        chunk["status"] = "refused"
        journal.save()
        raise
    except Exception as error:  # the node's JSON-RPC error (nonce too low, ...)
        chunk["status"] = "refused"
        journal.save()
        raise RefusedError.said("wallet.node_refused", tx_hash=chunk["tx_hash"], error=error) from None
