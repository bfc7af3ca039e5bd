"""`next-wallet`: a citizen's wallet for the cooperative's currency.

Exit codes (also in the README): 0 ok; 1 other error; 2 usage; 3 keystore missing, corrupted or
already there; 4 wrong password; 5 node or gateway unreachable; 6 wrong chain; 7 you are not an
active member; 8 payee not an active member; 9 insufficient credit; 10 payee over its ceiling;
11 malformed amount, address or file; 12 aborted (or another batch-pay runs on the same
journal); 13 refused by the ledger for another reason;
14 the gateway wants you to log in (`next-wallet login LABEL`) or refuses that account;
15 the gateway failed (HTTP 5xx); 16 a staff command from a key without the role it needs;
17 a payment was sent and the command stopped before seeing it through (Ctrl-C, the chain stopped
answering), or a batch stopped part-way: the message names the hash(es); `batch-pay` run again
pays only what the chain shows unpaid; 18 the gateway refused the request (HTTP 4xx), with its
reason.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

import requests

from next_contracts.amounts import STYLES, checked_address, use_style
from next_contracts.help_texts import asked_language, speak
from next_contracts.login import LoginError, login
from next_contracts.said import BadInput
from next_contracts.words import LANGUAGES, moment, named_language, say, use_language
from next_wallet import (
    allowance_commands,
    commons_commands,
    governance,
    key_commands,
    pay_commands,
    profile_commands,
    read_commands,
    region_commands,
    staff,
    tokens,
)
from next_wallet.config import Config
from next_wallet.errors import (
    BadInputError,
    ExitStatus,
    GatewayFailedError,
    NotSignedInError,
    UnreachableError,
    WalletError,
)
from next_wallet.output import Output
from next_wallet.prompts import unlock

# commands ---------------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace, out: Output) -> None:
    if not args.rpc and not args.gateway:
        raise BadInputError.said("wallet.init.need_url")
    governor, commons = args.governor, None
    if args.deployment:
        record = json.loads(Path(args.deployment).read_text())
        chain_id, ledger = int(record["chain_id"]), record["ledger"]
        governor, commons = governor or record.get("governor"), record.get("commons_rewards")
    elif args.chain_id is not None and args.ledger:
        chain_id, ledger = args.chain_id, args.ledger
    elif args.gateway:
        # Trust on first use: the gateway names its chain and ledger; later runs hold it to them.
        try:
            info = requests.get(f"{args.gateway}/ledger", timeout=15).json()
        except (requests.RequestException, ValueError) as error:
            raise UnreachableError("gateway", args.gateway) from error
        chain_id, ledger = int(info["chain_id"]), info["ledger"]
        governor, commons = governor or info.get("governor"), info.get("commons_rewards")
    else:
        raise BadInputError.said("wallet.init.need_ledger")
    config = Config(
        args.rpc,
        chain_id,
        checked_address(ledger, "ledger"),
        args.gateway,
        checked_address(governor, "governor") if governor else None,
        checked_address(commons, "commons") if commons else None,
    )
    path = config.save()
    out.result({"config": str(path)}, say("wallet.init.done", path=path))


def cmd_login(args: argparse.Namespace, out: Output) -> None:
    """Signs in to the gateway (EIP-4361) with the keystore's key; keeps the token, mode 0600."""
    config = Config.load()
    if not config.gateway_url:
        raise BadInputError.said("wallet.login.no_gateway")
    account = unlock(args, args.label)
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
        say("wallet.login.done", address=session.address, until=moment(session.expires_at)),
    )


# parser -----------------------------------------------------------------------------------------


def global_flags(parser: argparse.ArgumentParser, style: Any, flag: Any) -> None:
    """--json, --lang, --style and --traceback, accepted before and after the command."""
    parser.add_argument("--json", action="store_true", default=flag, help="answer in JSON, for scripts")
    parser.add_argument(
        "--lang", choices=LANGUAGES, default=style, help="the language of every message (default: LANG's, else English)"
    )
    parser.add_argument(
        "--style",
        choices=STYLES,
        default=style,
        help="amounts as 1 234,50 NXT (fr), 1,234.50 NXT (en) or 1234.50 (plain); default: the language's, else fr",
    )
    parser.add_argument("--traceback", action="store_true", default=flag, help="show the whole error, for a bug report")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="next-wallet",
        description="A wallet for the cooperative's currency.",
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    global_flags(parser, None, False)
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
    sub.add_argument("--governor", help="the governor's address (default: the deployment record's)")
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
    spend = sub.add_mutually_exclusive_group()
    spend.add_argument("--plain", action="store_true", help="pay in plain units, keeping your bonus allowances")
    spend.add_argument("--bonus-only", action="store_true", help="pay from your bonus allowances only, or not at all")
    sub = add("batch-pay", "pay each line of a CSV (address;amount[;name]) exactly once", secret=True, confirm=True)
    sub.formatter_class, sub.epilog = argparse.RawDescriptionHelpFormatter, pay_commands.BATCH_HELP
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
    governance.add_commands(add)
    allowance_commands.add_commands(add)
    commons_commands.add_commands(add)
    region_commands.add_commands(add)
    profile_commands.add_commands(add)
    return parser


COMMANDS = {
    "init": cmd_init,
    "create": key_commands.cmd_create,
    "import": key_commands.cmd_import,
    "list": key_commands.cmd_list,
    "address": key_commands.cmd_address,
    "balance": read_commands.cmd_balance,
    "login": cmd_login,
    "bonus-runs": read_commands.cmd_bonus_runs,
    "pay": pay_commands.cmd_pay,
    "history": read_commands.cmd_history,
    "batch-pay": pay_commands.cmd_batch_pay,
    "sign": pay_commands.cmd_sign,
    "broadcast": pay_commands.cmd_broadcast,
}


BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a tool its reader stopped


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = speak(build_parser(), use_language(asked_language(argv)), "wallet")
    args = parser.parse_args(argv)
    language = use_language(args.lang)
    # Amounts as the reader's language writes them; French where no language is named (the
    # currency's own convention, as before there was a choice).
    style = args.style or (language if args.lang or named_language() else "fr")
    use_style(style)  # the already-paid refusal, a pre-flight's words: every amount in it
    out = Output(args.json, style)
    try:
        (getattr(args, "run", None) or COMMANDS[args.command])(args, out)
        return ExitStatus.OK
    except KeyboardInterrupt:
        print(f"next-wallet: {say('wallet.interrupted')}", file=sys.stderr)
        return ExitStatus.ABORTED
    except WalletError as error:
        if args.traceback:
            traceback.print_exc()
        print(f"next-wallet: {error}", file=sys.stderr)
        return error.exit_status
    except BadInput as error:  # the shared rules' (amounts, addresses, files, proposals)
        if args.traceback:
            traceback.print_exc()
        print(f"next-wallet: {error}", file=sys.stderr)
        return ExitStatus.BAD_INPUT
    except BrokenPipeError:
        # The reader stopped reading (`history | head`): quiet, as a tool killed by SIGPIPE is,
        # and stdout pointed away so that the interpreter's last flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return BROKEN_PIPE
    except requests.RequestException as error:  # an OSError too: never "malformed input"
        if args.traceback:
            traceback.print_exc()
        print(f"next-wallet: {say('wallet.gateway_unusable', error=error)}", file=sys.stderr)
        return ExitStatus.UNREACHABLE
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
