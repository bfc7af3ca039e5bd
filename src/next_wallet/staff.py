"""Staff commands: what a registrar and the credit committee do with their own keys.

Each one checks first, before any password is asked: the node is on the configured chain, the
keystore's key holds the role the call needs ("you do not hold REGISTRAR_ROLE"), and the ledger
would accept the call on the latest state (its typed refusal, in words). Then it shows what it
will do, asks, unlocks the key, signs, sends, waits, and shows the hash.

They need a node's JSON-RPC (`--rpc URL`, or the config's): the gateway's relay carries active
members' transactions only, and staff keys are seldom members.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError

from next_contracts.amounts import checked_address, format_amount, parse_amount
from next_contracts.errors import describe, error_from_exception
from next_contracts.vocabulary import Category, MemberKind, Role
from next_contracts.words import language, say
from next_wallet import keystore
from next_wallet.allowance_commands import parsed_categories
from next_wallet.checked_send import confirm_and_send
from next_wallet.config import Config
from next_wallet.errors import BadInputError, NeedsNodeError, NotStaffError, RefusedError
from next_wallet.ledger import Ledger

if TYPE_CHECKING:
    from next_wallet.output import Output

Add = Callable[..., argparse.ArgumentParser]
# individual, business, council; system accounts are the ledger's own
ADMITTED_KINDS = [kind.value for kind in MemberKind if kind is not MemberKind.SYSTEM]


@dataclass(frozen=True)
class Action:
    role: Role  # the role the call needs
    call: Any  # the ledger's function call
    summary: str  # what it does, in words
    facts: dict[str, Any]  # the same for --json
    outcome: Callable[[dict[str, Any]], tuple[dict[str, Any], str]] | None = None  # what it did, from its receipt


def _needs_node(args: argparse.Namespace, config: Config) -> Ledger:
    rpc = args.rpc or config.rpc_url
    if not rpc:
        raise NeedsNodeError.said("wallet.staff.needs_node")
    return Ledger(replace(config, rpc_url=rpc))


def preflight(ledger: Ledger, staff: str, action: Action) -> None:
    """The role, then the ledger's own verdict on the latest state, in words; nothing is signed."""
    ledger.check_chain()
    if not ledger.has_role(action.role, staff):
        raise NotStaffError.said("wallet.staff.no_role", staff=staff, role=action.role, summary=action.summary)
    try:
        ledger.estimate_gas(staff, action.call)
    except (ContractCustomError, ContractLogicError) as error:
        decoded = error_from_exception(error)
        why = describe(decoded, format_amount, language()) if decoded else say("wallet.gov.no_reason")
        raise RefusedError.said("wallet.staff.would_refuse", summary=action.summary, why=why) from None


def run(args: argparse.Namespace, out: Output, make: Callable[[Ledger, argparse.Namespace], Action]) -> None:
    ledger = _needs_node(args, Config.load())
    staff = keystore.address_of(args.label)
    action = make(ledger, args)
    preflight(ledger, staff, action)
    facts = {"staff": staff, **action.facts}
    confirm_and_send(args, out, ledger, staff, action.call, action.summary, facts, action.outcome)


# the actions ------------------------------------------------------------------------------------


def _admit(ledger: Ledger, args: argparse.Namespace) -> Action:
    address = checked_address(args.address, "member")
    if not 0 <= args.region < 2**16:
        raise BadInputError.said("wallet.staff.bad_region")
    kyc_hash = Web3.keccak(text=args.kyc)  # only the hash of the KYC reference goes on-chain
    kind = MemberKind(args.kind).code
    return Action(
        Role.REGISTRAR,
        ledger.contract.functions.admit(address, kind, args.region, kyc_hash),
        say(
            "wallet.staff.admit",
            address=address,
            kind=say(f"member.kind.{args.kind}"),
            region=args.region,
            kyc=kyc_hash.to_0x_hex(),
        ),
        {"action": "admit", "address": address, "kind": args.kind, "region": args.region}
        | {"kyc_hash": kyc_hash.to_0x_hex()},
    )


def _line_amount(text: str) -> int:
    return 0 if text.strip() in ("0", "0.00", "0,00") else parse_amount(text)


def _credit_line(ledger: Ledger, args: argparse.Namespace) -> Action:
    address = checked_address(args.address, "member")
    limit, ceiling = _line_amount(args.limit), _line_amount(args.ceiling)
    return Action(
        Role.CREDIT_COMMITTEE,
        ledger.contract.functions.setCreditLine(address, limit, ceiling),
        say("wallet.staff.credit_line", address=address, limit=format_amount(limit), ceiling=format_amount(ceiling)),
        {"action": "credit-line", "address": address, "credit_limit": limit, "ceiling": ceiling},
    )


def _status(name: str, verb: str) -> Callable[[Ledger, argparse.Namespace], Action]:
    def make(ledger: Ledger, args: argparse.Namespace) -> Action:
        address = checked_address(args.address, "member")
        call = getattr(ledger.contract.functions, name)(address)
        said = say(f"wallet.staff.{verb}", address=address)
        return Action(Role.REGISTRAR, call, said, {"action": verb, "address": address})

    return make


def _write_off(ledger: Ledger, args: argparse.Namespace) -> Action:
    address = checked_address(args.address, "member")
    ref = Web3.keccak(text=args.ref or f"write-off {address}")
    debt, reserve = -ledger.account(address).balance, ledger.reserve_balance()
    owes, covers = format_amount(max(debt, 0)), format_amount(min(max(debt, 0), max(reserve, 0)))
    return Action(
        Role.CREDIT_COMMITTEE,
        ledger.contract.functions.writeOff(address, ref),
        say("wallet.staff.write_off", address=address, owes=owes, reserve=format_amount(reserve), covers=covers),
        {"action": "write-off", "address": address},
        lambda receipt: _written_off(ledger, receipt),
    )


def _written_off(ledger: Ledger, receipt: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """What the write-off did, from its DebtWrittenOff: all covered, or what is left on the account."""
    (event,) = ledger.contract.events.DebtWrittenOff().process_receipt(receipt)
    debt, covered, uncovered = event.args.debt, event.args.covered, event.args.uncovered
    facts = {"debt": debt, "covered": covered, "uncovered": uncovered}
    if uncovered == 0:
        return facts, say("wallet.staff.written_off", debt=format_amount(debt))
    return facts, say(
        "wallet.staff.written_off_part",
        covered=format_amount(covered),
        debt=format_amount(debt),
        uncovered=format_amount(uncovered),
    )


def _recover(ledger: Ledger, args: argparse.Namespace) -> Action:
    old = checked_address(args.old, "lost_key")
    new = checked_address(args.new, "new_key")
    return Action(
        Role.REGISTRAR,
        ledger.contract.functions.migrate(old, new),
        say("wallet.staff.recover", old=old, new=new),
        {"action": "recover", "old": old, "new": new},
    )


def _categories(ledger: Ledger, args: argparse.Namespace) -> Action:
    address = checked_address(args.address, "member")
    categories = parsed_categories("" if args.categories == "none" else args.categories)
    names = ", ".join(say(f"category.{c.value}") for c in categories) or say("wallet.staff.no_category")
    return Action(
        Role.REGISTRAR,
        ledger.bonuses.functions.setCategories(address, Category.mask(categories)),
        say("wallet.staff.categories", address=address, names=names),
        {"action": "categories", "address": address, "categories": [c.value for c in categories]},
    )


# the parser -------------------------------------------------------------------------------------


def add_commands(add: Add) -> None:
    """Adds the staff commands; each names its function as `run`."""

    def staff_command(name: str, help_text: str, make: Callable[[Ledger, argparse.Namespace], Action]) -> Any:
        sub = add(name, f"staff: {help_text}", secret=True, confirm=True)
        sub.add_argument("label", help="the staff member's keystore")
        sub.add_argument("--rpc", metavar="URL", help="a node's JSON-RPC URL (default: the config's)")
        sub.set_defaults(run=lambda args, out: run(args, out, make))
        return sub

    sub = staff_command("admit", "admit a member (REGISTRAR_ROLE)", _admit)
    sub.add_argument("address", help="the new member's address")
    sub.add_argument("--kind", choices=ADMITTED_KINDS, required=True)
    sub.add_argument("--region", type=int, required=True, help="the region's number")
    sub.add_argument("--kyc", required=True, help="the KYC file's reference: only its hash goes on-chain")
    sub = staff_command("credit-line", "set a member's credit limit and ceiling (CREDIT_COMMITTEE_ROLE)", _credit_line)
    sub.add_argument("address")
    sub.add_argument("limit", help="how far below zero it may go, e.g. 1000.00")
    sub.add_argument("ceiling", help="how far above zero it may go, e.g. 20000.00")
    for name, verb, words in (
        ("freeze", "freeze", "freeze an active member: it can neither pay nor be paid (REGISTRAR_ROLE)"),
        ("unfreeze", "unfreeze", "make a frozen member active again (REGISTRAR_ROLE)"),
        ("exclude", "exclude", "exclude a member for good (REGISTRAR_ROLE)"),
    ):
        staff_command(name, words, _status(name, verb)).add_argument("address")
    sub = staff_command("write-off", "write off an excluded member's debt (CREDIT_COMMITTEE_ROLE)", _write_off)
    sub.add_argument("address")
    sub.add_argument("--ref", help="the write-off's reference (its hash goes on-chain)")
    sub = staff_command(
        "categories",
        "put a member (a business) in the categories that take bonus allowances (REGISTRAR_ROLE)",
        _categories,
    )
    sub.add_argument("address")
    sub.add_argument("categories", help=f"{','.join(c.value for c in Category)}, a list of them, or none")
    sub = staff_command("recover", "move an account from a lost key to a new one (REGISTRAR_ROLE)", _recover)
    sub.add_argument("old", help="the lost key's address")
    sub.add_argument("new", help="the new key's address")
