"""The commands that pay: `pay` and `batch-pay` (online), `sign` (offline) and `broadcast` (a
payment signed offline, sent from an online machine)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from web3 import Web3

from next_contracts import LEDGER, load_artifact
from next_contracts.amounts import checked_address, parse_amount
from next_contracts.rawtx import RawTransactionError, decode_raw_transaction
from next_contracts.vocabulary import reference
from next_contracts.words import say
from next_wallet import batch, keystore
from next_wallet.batch_journal import exclusive_run
from next_wallet.config import Config
from next_wallet.errors import BadInputError, SentUnconfirmedError, UnreachableError, WrongChainError
from next_wallet.gateway_ledger import keep_reference_words, open_ledger
from next_wallet.prompts import confirm, unlock

if TYPE_CHECKING:
    from next_wallet.output import Output

BATCH_HELP = """\
The file, as a French or English spreadsheet exports it (CSV UTF-8, with or without BOM):
  - a first line naming the columns address (or adresse) and amount (or montant), and any others;
    its separator, ; or , is the file's;
  - amounts like 12.50, 12,50, 1 234,50 (thousands grouped by spaces only); in a ,-separated file a
    decimal comma is quoted: "12,50". Refused, with the line's number: 1,234 or 1.234 (thousands or
    decimals?), 1.234,5, more than 2 decimals, digits other than 0-9, a line with more or fewer
    fields than the first line, a payee twice.
Before anything is signed, the whole file is checked against the chain (members, status, each
payee's ceiling after all its lines, your credit for the total with fees): every bad line is named.
Each line is paid once under the run's --ref: a re-run, of this file or a corrected one, pays only
the lines the chain shows unpaid under it. A payee paid under the ref with another amount is
refused (its line named), never guessed.
"""


def cmd_pay(args: argparse.Namespace, out: Output) -> None:
    payee = checked_address(args.to, "payee")
    amount = parse_amount(args.amount)
    ledger = open_ledger(Config.load())
    ledger.check_chain()  # before a password is even asked
    keystore.address_of(args.label)  # a keystore stating no address is refused before the password
    # The key first: the pre-flight's verdict must be about the key's own address, not about an
    # address that a keystore's file states (and may state falsely).
    account = unlock(args, args.label)
    sender = account.address
    # Bonus allowances first, where the payee takes them (unless --plain): the council pays them.
    spendable = 0 if args.plain else ledger.spendable_at(sender, payee)
    from_allowances = min(spendable, amount)
    plain = 0 if args.bonus_only else amount - from_allowances
    fee = ledger.fee(plain) if plain else 0
    if from_allowances or args.bonus_only:
        call = ledger.bonuses.functions.spend(payee, amount, plain, reference(args.ref))
    else:
        call = ledger.contract.functions.pay(payee, amount, reference(args.ref))
    ledger.build(sender, call)  # pre-flight: the ledger's refusal, in words, before anything is signed
    out.note(keep_reference_words(ledger.config, sender, args.ref, args.label))
    if not out.as_json:
        print(say("wallet.pay.what", amount=out.amount(amount), payee=payee))
        if ledger.warning:
            print(say("wallet.note", note=ledger.warning))
        if from_allowances:
            print(say("wallet.pay.from_allowances", amount=out.amount(from_allowances)))
        if plain:
            total = out.amount(plain + fee)
            print(say("wallet.pay.from_account", amount=out.amount(plain), fee=out.amount(fee), total=total))
    confirm(args, say("wallet.pay.confirm"))
    signed = account.sign_transaction(ledger.build(sender, call))
    tx_hash = signed.hash.to_0x_hex()
    look = say("wallet.pay.look", label=args.label)
    try:
        ledger.send_signed(signed.raw_transaction)
    except (KeyboardInterrupt, UnreachableError) as error:  # it may have left: say so, with its hash
        why = str(error) or say("wallet.interrupted")
        raise SentUnconfirmedError.said("wallet.pay.maybe_sent", tx_hash=tx_hash, why=why, look=look) from None
    try:
        receipt = ledger.wait(tx_hash)
    except (KeyboardInterrupt, UnreachableError) as error:
        why = str(error) or say("wallet.interrupted")
        raise SentUnconfirmedError.said("wallet.pay.sent_then", tx_hash=tx_hash, why=why, look=look) from None
    after, block = ledger.account_after(sender, receipt)
    out.result(
        {"tx_hash": tx_hash, "amount": amount, "fee": fee, "balance": after and after.balance, "balance_block": block}
        | {"from_allowances": from_allowances},
        say("wallet.pay.paid", tx_hash=tx_hash)
        + "\n"
        + (
            say("wallet.pay.new_balance", balance=out.amount(after.balance))
            if after
            else say("wallet.pay.balance_later", block=block)
        ),
    )


def cmd_batch_pay(args: argparse.Namespace, out: Output) -> None:
    """Checks the whole file against the chain, then pays only what the chain shows unpaid under
    the run's reference (batch.py): any re-run, of the same or a corrected file, pays each line once.
    One run at a time on a journal: a second one started meanwhile is refused (exit 12)."""
    path = Path(args.file)
    lines, problems = batch.read_lines(path)  # a file that cannot be read leaves no lock file beside it
    journal_path = Path(args.journal or f"{path}.journal.json")
    with exclusive_run(journal_path):
        _batch_pay(args, out, path, journal_path, lines, problems)


def _batch_pay(
    args: argparse.Namespace, out: Output, path: Path, journal_path: Path, lines: list[batch.Line], problems: list[str]
) -> None:
    ledger = open_ledger(Config.load())
    ledger.check_chain()
    sender = keystore.address_of(args.label)
    ref_text = args.ref or path.name
    ref = reference(ref_text)
    out.note(keep_reference_words(ledger.config, sender, ref_text, args.label))
    journal = batch.Journal.open(journal_path, sender, ref)
    prepared = batch.prepare(ledger, sender, lines, problems, journal, ref, ref_text)
    todo, done = prepared.plan.todo, prepared.plan.done
    if not out.as_json:
        if prepared.plan.others:
            others = len(prepared.plan.others)
            print(say("wallet.batch.others", count=others, ref=repr(ref_text)))
        total, fees = out.amount(prepared.total), out.amount(prepared.fees)
        print(
            say("wallet.batch.plan", done=len(done), ref=repr(ref_text), todo=len(todo))
            + (say("wallet.batch.plan_total", total=total, fees=fees) if todo else "")
        )
    hashes: list[str] = []
    if todo:
        confirm(args, say("wallet.batch.confirm"))
        account = unlock(args, args.label)
        columns = (
            TextColumn(say("wallet.batch.paying")),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(say("wallet.batch.lines")),
        )
        with Progress(*columns, disable=out.as_json or not sys.stderr.isatty()) as bar:
            task = bar.add_task("batch", total=len(todo))
            hashes = batch.pay(ledger, account, todo, journal, ref, args.chunk, lambda n: bar.advance(task, n))
    out.result(
        {
            "lines": len(lines),
            "already_paid": len(done),
            "paid": len(todo),
            "total": prepared.total,
            "fees": prepared.fees,
            "ref": ref_text,
            "transactions": hashes,
        },
        "\n".join([say("wallet.batch.paid", count=len(todo), transactions=len(hashes)), *hashes]),
    )


def cmd_sign(args: argparse.Namespace, out: Output) -> None:
    """Offline: no node is asked anything. Nonce, chain id and ledger come from flags and config."""
    config = Config.load()
    payee = checked_address(args.to, "payee")
    amount = parse_amount(args.amount)
    account = unlock(args, args.label)
    contract = Web3().eth.contract(Web3.to_checksum_address(config.ledger), abi=load_artifact(LEDGER).abi)
    data = contract.encode_abi("pay", args=[payee, amount, reference(args.ref)])
    tx = {
        "to": contract.address,
        "data": data,
        "value": 0,
        "gas": args.gas,
        "gasPrice": 0,
        "chainId": config.chain_id,
        "nonce": args.nonce,
    }
    signed = account.sign_transaction(tx)
    Path(args.out).write_text(signed.raw_transaction.to_0x_hex() + "\n")
    out.result(
        {"file": args.out, "tx_hash": signed.hash.to_0x_hex()},
        say("wallet.sign.done", tx_hash=signed.hash.to_0x_hex(), file=args.out),
    )


def cmd_broadcast(args: argparse.Namespace, out: Output) -> None:
    config = Config.load()
    raw_text = Path(args.file).read_text().strip()
    try:
        raw = bytes.fromhex(raw_text.removeprefix("0x"))
        tx = decode_raw_transaction(raw)
    except (ValueError, RawTransactionError) as error:
        raise BadInputError.said("wallet.broadcast.unreadable", file=args.file, error=error) from None
    if tx.chain_id != config.chain_id:
        raise WrongChainError(config.chain_id, tx.chain_id or 0)
    ledger = open_ledger(config)
    if (tx.to or "").lower() != config.ledger.lower():
        raise BadInputError.said("wallet.broadcast.other_ledger", to=tx.to)
    tx_hash = ledger.send_signed(raw)
    ledger.wait(tx_hash)
    out.result({"tx_hash": tx_hash, "sender": tx.sender}, say("wallet.broadcast.sent", tx_hash=tx_hash))
