"""`next-wallet`: a citizen's wallet for the cooperative's currency.

Exit codes (also in the README): 0 ok; 1 other error; 2 usage; 3 keystore missing, corrupted or
already there; 4 wrong password; 5 node or gateway unreachable; 6 wrong chain; 7 you are not an
active member; 8 payee not an active member; 9 insufficient credit; 10 payee over its ceiling;
11 malformed amount, address or file; 12 aborted; 13 refused by the ledger for another reason;
14 the gateway wants you to log in (`next-wallet login LABEL`) or refuses that account;
15 the gateway failed (HTTP 5xx); 16 a staff command from a key without the role it needs;
17 a payment was sent and the command stopped before seeing it through (Ctrl-C, the chain stopped
answering), or a batch stopped part-way: the message names the hash(es); `batch-pay` run again
pays only what the chain shows unpaid.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path
from typing import Any

import requests
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from web3 import Web3

from next_contracts import LEDGER, load_artifact
from next_contracts.login import LoginError, login
from next_contracts.rawtx import RawTransactionError, decode_raw_transaction
from next_wallet import batch, key_commands, keystore, staff, tokens
from next_wallet.amounts import format_amount, parse_amount
from next_wallet.config import Config, checked_address
from next_wallet.errors import (
    BadInputError,
    ExitStatus,
    GatewayFailedError,
    NotSignedInError,
    SentUnconfirmedError,
    UnreachableError,
    WalletError,
    WrongChainError,
)
from next_wallet.gateway_ledger import GatewayLedger
from next_wallet.ledger import Ledger, open_ledger
from next_wallet.passwords import password, private_key_text
from next_wallet.prompts import confirm


class Output:
    def __init__(self, as_json: bool, style: str) -> None:
        self.as_json, self.style = as_json, style

    def amount(self, hundredths: int) -> str:
        return format_amount(hundredths, style=self.style)

    def result(self, data: dict[str, Any], text: str) -> None:
        print(json.dumps(data) if self.as_json else text)


def reference(text: str | None) -> bytes:
    """A payment reference: up to 32 bytes of text kept readable on-chain, else its hash."""
    if not text:
        return b"\x00" * 32
    raw = text.encode()
    return raw.ljust(32, b"\x00") if len(raw) <= 32 else Web3.keccak(raw)


def _unlock(args: argparse.Namespace, label: str) -> Any:
    secret = password(env=args.password_env, file=args.password_file, label=label)
    return keystore.unlock(label, secret)


_confirm = confirm  # one confirmation for every command (prompts.py)


# commands ---------------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace, out: Output) -> None:
    if not args.rpc and not args.gateway:
        raise BadInputError("give --gateway URL (a member's wallet), or --rpc URL (next to a node), or both")
    if args.deployment:
        record = json.loads(Path(args.deployment).read_text())
        chain_id, ledger = int(record["chain_id"]), record["ledger"]
    elif args.chain_id is not None and args.ledger:
        chain_id, ledger = args.chain_id, args.ledger
    elif args.gateway:
        # Trust on first use: the gateway names its chain and ledger; later runs hold it to them.
        try:
            info = requests.get(f"{args.gateway}/ledger", timeout=15).json()
        except (requests.RequestException, ValueError) as error:
            raise UnreachableError("gateway", args.gateway) from error
        chain_id, ledger = int(info["chain_id"]), info["ledger"]
    else:
        raise BadInputError("give --deployment FILE, or --chain-id and --ledger")
    config = Config(args.rpc, chain_id, checked_address(ledger, "ledger address"), args.gateway)
    path = config.save()
    out.result({"config": str(path)}, f"wallet configured in {path}")


def cmd_create(args: argparse.Namespace, out: Output) -> None:
    keystore.check_free(args.label)  # before a password is chosen for nothing
    secret = password(env=args.password_env, file=args.password_file, confirm=True, label=args.label)
    created = keystore.create(args.label, secret)
    out.result(
        {"label": created.label, "address": created.address, "keystore": str(created.path)},
        f"created {created.label}: {created.address}\nkeystore: {created.path} (keep a copy somewhere safe)",
    )


def cmd_import(args: argparse.Namespace, out: Output) -> None:
    keystore.check_free(args.label)  # a bad or taken label is said before anything secret is typed
    key_text = private_key_text(file=args.key_file)
    secret = password(env=args.password_env, file=args.password_file, confirm=True, label=args.label)
    imported = keystore.import_key(args.label, key_text, secret)
    out.result(
        {"label": imported.label, "address": imported.address},
        f"imported {imported.label}: {imported.address}",
    )


def cmd_list(args: argparse.Namespace, out: Output) -> None:
    found = keystore.listing()
    out.result(
        {"keystores": [{"label": k.label, "address": k.address} for k in found]},
        "\n".join(f"{k.label}\t{k.address}" for k in found) or "no keystore yet: `next-wallet create LABEL`",
    )


def cmd_address(args: argparse.Namespace, out: Output) -> None:
    """The address the keystore states; with --verify, the key's own (asks the password)."""
    address = _unlock(args, args.label).address if args.verify else keystore.address_of(args.label)
    out.result({"label": args.label, "address": address, "verified": args.verify}, address)


def _who(args: argparse.Namespace) -> str:
    if args.address:
        return checked_address(args.address)
    if args.label:
        return keystore.address_of(args.label)
    raise BadInputError("name a keystore LABEL or give --address")


def _from_gateway(
    config: Config, args: argparse.Namespace, path: str, address: str, params: dict[str, Any] | None = None
) -> Any:
    """GET a gateway route with the token of `--as LABEL`, or else of the address asked about."""
    if not config.gateway_url:
        raise BadInputError("no gateway configured: next-wallet init --gateway URL ...")
    signer = keystore.address_of(args.as_label) if getattr(args, "as_label", None) else address
    hint = args.as_label or args.label or "LABEL"
    response = GatewayLedger(config).request("GET", path, signer=signer, login_hint=hint, params=params)
    if response.status_code == 404:
        raise WalletError(f"the gateway knows no member {address}")
    if response.status_code == 403:
        raise NotSignedInError(f"the gateway does not show {address} to you: {response.json().get('detail')}")
    response.raise_for_status()
    return response.json()


def cmd_balance(args: argparse.Namespace, out: Output) -> None:
    """From the gateway when one is configured (with the token of `login`), else from the node."""
    config = Config.load()
    address = _who(args)
    if config.gateway_url:
        data = _from_gateway(config, args, f"/accounts/{address}", address)
        data.pop("successor", None)
    else:
        view = Ledger(config).account(address)
        data = {
            "address": view.address,
            "balance": view.balance,
            "credit_limit": view.credit_limit,
            "available_credit": view.available,
            "ceiling": view.ceiling,
            "status": view.status,
            "kind": view.kind,
            "region": view.region,
        }
    nonce = data["nonce"] = key_commands.nonce_for_balance(config, args, address)
    out.result(
        data,
        "\n".join(
            [
                f"account           {data['address']}",
                f"balance           {out.amount(data['balance'])}",
                f"credit limit      {out.amount(data['credit_limit'])}",
                f"available credit  {out.amount(data['available_credit'])}",
                f"ceiling           {out.amount(data['ceiling'])}",
                f"status            {data['status']} ({data['kind']}, region {data['region']})",
                *([f"next nonce        {nonce}"] if nonce is not None else []),
            ]
        ),
    )


def cmd_bonus_runs(args: argparse.Namespace, out: Output) -> None:
    """The batch payments an account made, from the gateway."""
    config = Config.load()
    if not config.gateway_url:
        raise BadInputError("bonus runs come from the gateway: next-wallet init --gateway URL ...")
    address = _who(args)
    params: dict[str, Any] = {"limit": args.limit} | ({"cursor": args.cursor} if args.cursor else {})
    page = _from_gateway(config, args, f"/accounts/{address}/bonus-runs", address, params)
    lines = [
        f"{r['lines']} payments, {out.amount(r['total'])} (fees {out.amount(r['fees'])})\tblock {r['block_number']}"
        f"\t{r['tx_hash']}"
        for r in page["items"]
    ]
    if page["next_cursor"]:
        lines.append(f"more: --cursor {page['next_cursor']}")
    out.result(page, "\n".join(lines) or "no bonus run yet")


def cmd_pay(args: argparse.Namespace, out: Output) -> None:
    payee = checked_address(args.to, "payee address")
    amount = parse_amount(args.amount)
    ledger = open_ledger(Config.load())
    ledger.check_chain()  # before a password is even asked
    sender = keystore.address_of(args.label)
    fee = ledger.fee(amount)
    call = ledger.contract.functions.pay(payee, amount, reference(args.ref))
    ledger.build(sender, call)  # pre-flight: the ledger's refusal, in words, before anything else
    if not out.as_json:
        print(f"pay {out.amount(amount)} to {payee}\nfee {out.amount(fee)}, total {out.amount(amount + fee)}")
    _confirm(args, "Send this payment?")
    account = _unlock(args, args.label)
    signed = account.sign_transaction(ledger.build(sender, call))
    tx_hash = signed.hash.to_0x_hex()
    look = f"look for it in `next-wallet history {args.label}` before paying again"
    try:
        ledger.send_signed(signed.raw_transaction)
    except (KeyboardInterrupt, UnreachableError) as error:  # it may have left: say so, with its hash
        raise SentUnconfirmedError(f"{tx_hash} may have been sent ({str(error) or 'interrupted'}): {look}") from None
    try:
        receipt = ledger.wait(tx_hash)
    except (KeyboardInterrupt, UnreachableError) as error:
        why = str(error) or "interrupted"
        raise SentUnconfirmedError(f"sent {tx_hash} (not yet confirmed), then {why}: {look}") from None
    after, block = ledger.account_after(sender, receipt)
    out.result(
        {"tx_hash": tx_hash, "amount": amount, "fee": fee, "balance": after and after.balance, "balance_block": block},
        f"paid: {tx_hash}\n"
        + (
            f"new balance {out.amount(after.balance)}"
            if after
            else f"new balance not shown yet: the gateway has indexed up to block {block} only"
        ),
    )


def cmd_login(args: argparse.Namespace, out: Output) -> None:
    """Signs in to the gateway (EIP-4361) with the keystore's key; keeps the token, mode 0600."""
    config = Config.load()
    if not config.gateway_url:
        raise BadInputError("no gateway configured: next-wallet init --gateway URL ...")
    account = _unlock(args, args.label)
    try:
        session = login(config.gateway_url, account)
    except LoginError as error:
        if error.status is None:
            raise UnreachableError("gateway", config.gateway_url) from error
        if error.status >= 500:
            raise GatewayFailedError(config.gateway_url, error.status) from error
        raise NotSignedInError(str(error)) from error
    path = tokens.save(session, config.gateway_url)
    out.result(
        {"address": session.address, "expires_at": session.expires_at, "token_file": str(path)},
        f"signed in as {session.address} until {session.expires_at}",
    )


def cmd_history(args: argparse.Namespace, out: Output) -> None:
    config = Config.load()
    address = _who(args)
    if config.gateway_url:
        params: dict[str, Any] = {"limit": args.limit} | ({"cursor": args.cursor} if args.cursor else {})
        page = _from_gateway(config, args, f"/accounts/{address}/transfers", address, params)
        items, next_cursor = page["items"], page["next_cursor"]
    else:
        items, next_cursor = _history_from_logs(Ledger(config), address, args.limit), None
    lines = [
        f"{'-' if t['direction'] == 'out' else '+'}{out.amount(t['amount'])}\t"
        f"{'to' if t['direction'] == 'out' else 'from'} "
        f"{t['to_address'] if t['direction'] == 'out' else t['from_address']}\tblock {t['block_number']}"
        for t in items
    ]
    if next_cursor:
        lines.append(f"more: --cursor {next_cursor}")
    out.result({"items": items, "next_cursor": next_cursor}, "\n".join(lines) or "no payment yet")


def _history_from_logs(ledger: Ledger, address: str, limit: int) -> list[dict[str, Any]]:
    """Without a gateway: the account's Transferred events, straight from the node's logs."""
    ledger.check_chain()
    topic = ledger.contract.events.Transferred().topic
    padded = "0x" + address.lower()[2:].rjust(64, "0")
    found = []
    for topics in ([topic, padded], [topic, None, padded]):
        for log in ledger.w3.eth.get_logs({"address": ledger.contract.address, "fromBlock": 0, "topics": topics}):
            event = ledger.contract.events.Transferred().process_log(log)
            found.append(
                {
                    "block_number": log["blockNumber"],
                    "log_index": log["logIndex"],
                    "tx_hash": log["transactionHash"].to_0x_hex(),
                    "from_address": event.args["from"],
                    "to_address": event.args["to"],
                    "amount": event.args["amount"],
                    "fee": event.args["fee"],
                    "direction": "out" if event.args["from"] == address else "in",
                }
            )
    found.sort(key=lambda t: (t["block_number"], t["log_index"]), reverse=True)
    return found[:limit]


def cmd_batch_pay(args: argparse.Namespace, out: Output) -> None:
    """Checks the whole file against the chain, then pays only what the chain shows unpaid under
    the run's reference (batch.py): any re-run, of the same or a corrected file, pays each line once."""
    path = Path(args.file)
    lines, problems = batch.read_lines(path)
    ledger = open_ledger(Config.load())
    ledger.check_chain()
    sender = keystore.address_of(args.label)
    ref_text = args.ref or path.name
    ref = reference(ref_text)
    journal = batch.Journal.open(Path(args.journal or f"{path}.journal.json"), sender, ref)
    prepared = batch.prepare(ledger, sender, lines, problems, journal, ref, ref_text)
    todo, done = prepared.plan.todo, prepared.plan.done
    if not out.as_json:
        if prepared.plan.others:
            others = len(prepared.plan.others)
            print(f"note: {others} payment(s) under ref {ref_text!r} went to payees not in this file")
        print(
            f"{len(done)} line(s) already paid under ref {ref_text!r}, {len(todo)} to pay"
            + (f": {out.amount(prepared.total)} plus {out.amount(prepared.fees)} of fees" if todo else "")
        )
    hashes: list[str] = []
    if todo:
        _confirm(args, "Send them?")
        account = _unlock(args, args.label)
        columns = (TextColumn("paying"), BarColumn(), MofNCompleteColumn(), TextColumn("lines"))
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
        f"paid {len(todo)} line(s) in {len(hashes)} transaction(s)\n" + "\n".join(hashes),
    )


def cmd_sign(args: argparse.Namespace, out: Output) -> None:
    """Offline: no node is asked anything. Nonce, chain id and ledger come from flags and config."""
    config = Config.load()
    payee = checked_address(args.to, "payee address")
    amount = parse_amount(args.amount)
    account = _unlock(args, args.label)
    contract = Web3().eth.contract(Web3.to_checksum_address(config.ledger), abi=load_artifact(LEDGER).abi)
    data = contract.functions.pay(payee, amount, reference(args.ref))._encode_transaction_data()
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
        f"signed {signed.hash.to_0x_hex()} into {args.out}: broadcast it from an online machine",
    )


def cmd_broadcast(args: argparse.Namespace, out: Output) -> None:
    config = Config.load()
    raw_text = Path(args.file).read_text().strip()
    try:
        raw = bytes.fromhex(raw_text.removeprefix("0x"))
        tx = decode_raw_transaction(raw)
    except (ValueError, RawTransactionError) as error:
        raise BadInputError(f"{args.file} holds no signed transaction: {error}") from None
    if tx.chain_id != config.chain_id:
        raise WrongChainError(config.chain_id, tx.chain_id or 0)
    ledger = open_ledger(config)
    if (tx.to or "").lower() != config.ledger.lower():
        raise BadInputError(f"the transaction is for {tx.to}, not for the configured ledger")
    tx_hash = ledger.send_signed(raw)
    ledger.wait(tx_hash)
    out.result({"tx_hash": tx_hash, "sender": tx.sender}, f"sent: {tx_hash}")


# parser -----------------------------------------------------------------------------------------

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


def global_flags(parser: argparse.ArgumentParser, style: Any, flag: Any) -> None:
    """--json, --style and --traceback, accepted before and after the command."""
    parser.add_argument("--json", action="store_true", default=flag, help="answer in JSON, for scripts")
    parser.add_argument(
        "--style", choices=("fr", "plain"), default=style, help="amounts as 1 234,50 NXT (fr) or 1234.50"
    )
    parser.add_argument("--traceback", action="store_true", default=flag, help="show the whole error, for a bug report")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="next-wallet",
        description="A wallet for the cooperative's currency.",
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    global_flags(parser, "fr", False)
    # The same flags after the command too; there they default to nothing, so as not to undo a flag
    # given before the command.
    after = argparse.ArgumentParser(add_help=False)
    global_flags(after, argparse.SUPPRESS, argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str, *, secret: bool = False, confirm: bool = False) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text, parents=[after])
        if secret:
            group = sub.add_mutually_exclusive_group()
            group.add_argument("--password-env", metavar="VAR", help="read the password from this environment variable")
            group.add_argument("--password-file", type=Path, metavar="FILE", help="read the password from this file")
        if confirm:
            sub.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
        return sub

    sub = add("init", "configure the node (and gateway) this wallet talks to")
    sub.add_argument("--rpc", help="a node's JSON-RPC URL (a wallet next to a node); else all goes through the gateway")
    sub.add_argument("--gateway", help="the gateway's URL: sign-in, balance, history, bonus runs, and payments")
    sub.add_argument("--deployment", help="the ledger's deployment record (gives chain id and ledger)")
    sub.add_argument("--chain-id", type=int, help="the chain id to expect")
    sub.add_argument("--ledger", help="the ledger's address")
    sub = add("create", "make a new key, in an encrypted keystore", secret=True)
    sub.add_argument("label")
    sub = add(
        "import",
        "import a private key: asked hidden on a terminal, else from stdin or --key-file; never from argv",
        secret=True,
    )
    sub.add_argument("label")
    sub.add_argument("--key-file", help="read the private key from this file")
    add("list", "the keystores and their addresses")
    sub = add("address", "the address a keystore states; --verify derives it from the key", secret=True)
    sub.add_argument("label")
    sub.add_argument("--verify", action="store_true", help="unlock the key (asks its password) and derive it")
    for name, help_text in (
        ("balance", "balance, credit limit, available credit, ceiling and status"),
        ("history", "payments in and out, newest first"),
        ("bonus-runs", "the batch payments an account made (a council's staff bonuses), from the gateway"),
    ):
        sub = add(name, help_text)
        sub.add_argument("label", nargs="?", help="a keystore's label")
        sub.add_argument("--address", help="any member's address instead")
        sub.add_argument(
            "--as", dest="as_label", metavar="LABEL", help="use this keystore's gateway sign-in (staff: any account)"
        )
        if name in ("history", "bonus-runs"):
            sub.add_argument("--limit", type=int, default=20, choices=range(1, 201), metavar="1..200")
            sub.add_argument("--cursor", help="the page after this one (from the previous page)")
    sub = add("login", "sign in to the gateway with a keystore's key (for history)", secret=True)
    sub.add_argument("label")
    sub = add("pay", "pay a member: shows the fee and total, asks, checks, signs, sends", secret=True, confirm=True)
    sub.add_argument("label", help="the paying keystore")
    sub.add_argument("to", help="the payee's address")
    sub.add_argument("amount", help="in units, e.g. 12.50")
    sub.add_argument("--ref", help="a payment reference (an invoice number ...)")
    sub = add("batch-pay", "pay each line of a CSV (address;amount[;name]) exactly once", secret=True, confirm=True)
    sub.formatter_class, sub.epilog = argparse.RawDescriptionHelpFormatter, BATCH_HELP
    sub.add_argument("label", help="the paying keystore")
    sub.add_argument("file", help="the CSV file")
    sub.add_argument("--ref", help="the on-chain reference (default: the file's name): one payment per line and ref")
    sub.add_argument(
        "--chunk", type=int, default=200, choices=range(1, 501), metavar="1..500", help="lines per transaction (200)"
    )
    sub.add_argument("--journal", help="the journal file (default: FILE.journal.json)")
    sub = add("sign", "sign a payment offline, into a file", secret=True)
    sub.add_argument("label")
    sub.add_argument("to")
    sub.add_argument("amount")
    sub.add_argument(
        "--nonce",
        type=int,
        required=True,
        help="the account's next nonce (online: `next-wallet nonce LABEL`, or `nonce` in `balance --json`)",
    )
    sub.add_argument("--gas", type=int, default=150_000)
    sub.add_argument("--ref")
    sub.add_argument("--out", required=True, help="where to write the signed transaction")
    sub = add("broadcast", "send a transaction signed offline")
    sub.add_argument("file")
    key_commands.add_commands(add)
    staff.add_commands(add)
    return parser


COMMANDS = {
    "init": cmd_init,
    "create": cmd_create,
    "import": cmd_import,
    "list": cmd_list,
    "address": cmd_address,
    "balance": cmd_balance,
    "login": cmd_login,
    "bonus-runs": cmd_bonus_runs,
    "pay": cmd_pay,
    "history": cmd_history,
    "batch-pay": cmd_batch_pay,
    "sign": cmd_sign,
    "broadcast": cmd_broadcast,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    out = Output(args.json, args.style)
    try:
        (getattr(args, "run", None) or COMMANDS[args.command])(args, out)
        return ExitStatus.OK
    except KeyboardInterrupt:
        print("next-wallet: interrupted", file=sys.stderr)
        return ExitStatus.ABORTED
    except WalletError as error:
        if args.traceback:
            traceback.print_exc()
        print(f"next-wallet: {error}", file=sys.stderr)
        return error.exit_status
    except OSError as error:
        if args.traceback:
            traceback.print_exc()
        print(
            f"next-wallet: {error.strerror or error}: {getattr(error, 'filename', '') or ''}".rstrip(": "),
            file=sys.stderr,
        )
        return ExitStatus.BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
