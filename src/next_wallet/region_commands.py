"""Regions in the wallet: the relationships and positions reachable from the wallet's region
(`regions`), a payment to a member of another region along a path the wallet finds (`pay-across`),
netting the cycles of debts between regions (`net`, the figures before and after), and a member
moving to another region (`welcome` by the destination's registrar, then `move` by the member).

With a node (`--rpc`, or the config's) they read every region's clearing on the chain
(next_contracts.clearing). A member's wallet with the gateway alone lists its region's
relationships, pays across regions along the path the gateway finds, and moves, as the web app
does; netting and welcoming, which read every region, need a node.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from web3 import Web3

from next_contracts import REGIONAL_CLEARING, load_artifact
from next_contracts.clearing import Regions
from next_contracts.vocabulary import reference
from next_wallet import keystore
from next_wallet.amounts import parse_amount
from next_wallet.checked_send import confirm_and_send
from next_wallet.commons_commands import node_ledger
from next_wallet.config import Config, checked_address
from next_wallet.errors import BadInputError, PayeeNotMemberError, RefusedError
from next_wallet.gateway_ledger import GatewayLedger
from next_wallet.ledger import Ledger, LedgerClient

if TYPE_CHECKING:
    from next_wallet.output import Output


def _regions(args: argparse.Namespace, why: str) -> tuple[Ledger, Regions, str]:
    ledger = node_ledger(args, Config.load(), why)
    ledger.check_chain()
    clearing = Web3.to_checksum_address(ledger.contract.functions.regionalClearing().call())
    return ledger, Regions(ledger.w3, clearing), clearing


def _clearing(ledger: LedgerClient, address: str) -> Any:
    return ledger.w3.eth.contract(Web3.to_checksum_address(address), abi=load_artifact(REGIONAL_CLEARING).abi)


def _region(regions: Regions, number: int) -> str:
    found = regions.by_number(number)
    if found is None:
        known = ", ".join(str(r.number) for r in regions.regions.values())
        raise BadInputError(f"no region {number} is reachable from this one (reachable: {known})")
    return found.clearing


def _gateway(args: argparse.Namespace) -> GatewayLedger | None:
    """The gateway, when the wallet has no node (a member's wallet); else None."""
    config = Config.load()
    if getattr(args, "rpc", None) or config.rpc_url:
        return None
    gateway = GatewayLedger(config)
    gateway.check_chain()
    return gateway


def _served_regions(gateway: GatewayLedger) -> dict[str, Any]:
    served: dict[str, Any] = gateway.answer(gateway.request("GET", "/regions"))
    if not served.get("clearing"):
        raise BadInputError("this gateway's ledger has no regional clearing: it was deployed before the regions")
    return served


def cmd_regions(args: argparse.Namespace, out: Output) -> None:
    gateway = _gateway(args)
    if gateway is not None:
        served = _served_regions(gateway)
        lines = [f"this wallet's region: {served['region']}"]
        for side in served["relationships"]:
            lines.append(
                f"region {served['region']} for region {side['region']}: position {out.amount(side['position'])}"
                f" (limit {out.amount(side['credit_limit'])}, ceiling {out.amount(side['ceiling'])});"
                f" its members may pay {out.amount(side['room_out'])} more"
            )
        if not served["relationships"]:
            lines.append("no relationship with another region yet")
        out.result({"region": served["region"], "relationships": served["relationships"]}, "\n".join(lines))
        return
    _, regions, home = _regions(args, "listing the regions")
    sides = regions.figures()
    lines = [f"this wallet's region: {regions.regions[home].number}"]
    for side in sides:
        lines.append(
            f"region {side['region']} for region {side['partner_region']}: position {out.amount(side['position'])}"
            f" (limit {out.amount(side['credit_limit'])}, ceiling {out.amount(side['ceiling'])});"
            f" its members may pay {out.amount(side['room_out'])} more"
        )
    if not sides:
        lines.append("no relationship with another region yet")
    out.result({"region": regions.regions[home].number, "relationships": sides}, "\n".join(lines))


def _pay_across_by_gateway(
    args: argparse.Namespace, out: Output, gateway: GatewayLedger, payee: str, amount: int
) -> None:
    """The path the gateway finds (GET /regions/route), signed here and relayed."""
    sender = keystore.address_of(args.label)
    response = gateway.request("GET", "/regions/route", signer=sender, params={"to": payee, "amount": amount})
    if response.status_code == 404:
        raise PayeeNotMemberError(f"{payee} is an active member of no region reachable from this one")
    found = gateway.answer(response)
    if found["here"]:
        raise BadInputError(f"{payee} is in your own region: next-wallet pay pays it")
    if args.region is not None and found["region"] != args.region:
        raise BadInputError(f"{payee} is a member of region {found['region']}, not of region {args.region}")
    call = _clearing(gateway, found["clearing"]).functions.payAcross(found["path"], payee, amount, reference(args.ref))
    gateway.build(Web3.to_checksum_address(sender), call)  # every ledger's refusal on the path, in words
    fee = gateway.fee(amount)
    route = " -> ".join(map(str, found["regions"]))
    facts = {"amount": amount, "fee": fee, "path": found["regions"]}
    summary = f"pay {out.amount(amount)} to {payee} in region {found['region']} through regions {route}"
    confirm_and_send(args, out, gateway, sender, call, f"{summary}: fee {out.amount(fee)}", facts)


def cmd_pay_across(args: argparse.Namespace, out: Output) -> None:
    payee = checked_address(args.to, "payee address")
    amount = parse_amount(args.amount)
    gateway = _gateway(args)
    if gateway is not None:
        _pay_across_by_gateway(args, out, gateway, payee, amount)
        return
    ledger, regions, home = _regions(args, "a payment across regions")
    destination = _region(regions, args.region) if args.region is not None else None
    if destination is None:
        found = regions.home_of(payee)
        if found is None:
            raise PayeeNotMemberError(f"{payee} is an active member of no region reachable from this one")
        destination = found.clearing
    if destination == home:
        raise BadInputError(f"{payee} is in your own region: next-wallet pay pays it")
    path = regions.path(home, destination, amount)
    if path is None:
        raise RefusedError(
            f"no path from region {regions.regions[home].number} to region {regions.regions[destination].number}"
            f" has room for {out.amount(amount)}: `next-wallet regions` shows each relationship's room"
        )
    sender = keystore.address_of(args.label)
    call = _clearing(ledger, home).functions.payAcross(path, payee, amount, reference(args.ref))
    ledger.build(sender, call)  # every ledger's refusal on the path, in words, before a password is asked
    fee = ledger.fee(amount)
    route = " -> ".join(str(regions.regions[c].number) for c in [home, *path])
    facts = {"amount": amount, "fee": fee, "path": [regions.regions[c].number for c in [home, *path]]}
    summary = f"pay {out.amount(amount)} to {payee} in region {route.split(' -> ')[-1]} through regions {route}"
    confirm_and_send(args, out, ledger, sender, call, f"{summary}: fee {out.amount(fee)}", facts)


def cmd_net(args: argparse.Namespace, out: Output) -> None:
    ledger, regions, _ = _regions(args, "netting")
    cycles = regions.cycles()
    if not cycles:
        out.result({"cycles": []}, "no cycle of debts between the regions: nothing to net")
        return
    cycle, amount = cycles[0]
    start = cycle[-1]
    numbers = [regions.regions[c].number for c in [start, *cycle]]
    before = [(regions.regions[a].number, regions.regions[b].number, s.position) for (a, b), s in regions.sides.items()]
    lines = ", ".join(f"{a} owes {b} {out.amount(p)}" for a, b, p in before if p > 0)
    sender = keystore.address_of(args.label)
    call = _clearing(ledger, start).functions.net(cycle, amount, reference(args.ref or "netting"))
    ledger.build(sender, call)
    summary = f"net {out.amount(amount)} round regions {' -> '.join(map(str, numbers))} (before: {lines})"
    confirm_and_send(args, out, ledger, sender, call, summary, {"cycle": numbers, "amount": amount})
    after = Regions(ledger.w3, regions.regions[start].clearing)
    if not out.as_json:
        owed = [(after.regions[a].number, after.regions[b].number, s.position) for (a, b), s in after.sides.items()]
        print("after: " + (", ".join(f"{a} owes {b} {out.amount(p)}" for a, b, p in owed if p > 0) or "no debts"))


def cmd_welcome(args: argparse.Namespace, out: Output) -> None:
    member = checked_address(args.member, "member's address")
    ledger, regions, home = _regions(args, "welcoming a member")
    source = _region(regions, args.from_region)
    sender = keystore.address_of(args.label)
    call = _clearing(ledger, home).functions.welcome(member, source)
    ledger.build(sender, call)
    summary = f"welcome {member} from region {args.from_region}: it may then move here with its balance"
    confirm_and_send(args, out, ledger, sender, call, summary, {"member": member, "from_region": args.from_region})


def cmd_move(args: argparse.Namespace, out: Output) -> None:
    sender = keystore.address_of(args.label)
    gateway = _gateway(args)
    ledger: LedgerClient
    if gateway is not None:
        served = _served_regions(gateway)
        partners = {side["region"]: side["partner"] for side in served["relationships"]}
        if args.to_region not in partners:
            known = ", ".join(map(str, sorted(partners))) or "none"
            raise BadInputError(f"no region {args.to_region} is reachable from this one (reachable: {known})")
        ledger, home, destination = gateway, served["clearing"], partners[args.to_region]
    else:
        ledger, regions, home = _regions(args, "moving")
        destination = _region(regions, args.to_region)
    balance = ledger.account(sender).balance
    call = _clearing(ledger, home).functions.moveTo(destination)
    ledger.build(sender, call)
    summary = (
        f"move to region {args.to_region} with its balance of {out.amount(balance)} (the same address;"
        f" afterwards, next-wallet init with region {args.to_region}'s ledger)"
    )
    confirm_and_send(args, out, ledger, sender, call, summary, {"to_region": args.to_region, "balance": balance})


def add_commands(add: Any) -> None:
    def node(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--rpc", metavar="URL", help="a node's JSON-RPC URL (default: the config's)")

    sub = add("regions", "the regions reachable from yours: each relationship's limits, position and room")
    node(sub)
    sub.set_defaults(run=cmd_regions)
    sub = add("pay-across", "pay a member of another region, along a path of relationships", secret=True, confirm=True)
    sub.add_argument("label", help="your keystore")
    sub.add_argument("to", help="the payee's address")
    sub.add_argument("amount", help="e.g. 12.50 or 12,50")
    sub.add_argument("--region", type=int, help="the payee's region number (default: found on the chain)")
    sub.add_argument("--ref", help="a payment reference")
    node(sub)
    sub.set_defaults(run=cmd_pay_across)
    sub = add("net", "anyone: net the largest cycle of debts between regions, in one transaction", secret=True,
              confirm=True)  # fmt: skip
    sub.add_argument("label", help="the keystore that sends it")
    sub.add_argument("--ref", help="a reference for the books")
    node(sub)
    sub.set_defaults(run=cmd_net)
    sub = add("welcome", "a registrar: expect a member moving here from another region", secret=True, confirm=True)
    sub.add_argument("label", help="the registrar's keystore")
    sub.add_argument("member", help="the member's address")
    sub.add_argument("--from-region", type=int, required=True, help="the region it comes from")
    node(sub)
    sub.set_defaults(run=cmd_welcome)
    sub = add("move", "move your account to another region that welcomed you", secret=True, confirm=True)
    sub.add_argument("label", help="your keystore")
    sub.add_argument("--to-region", type=int, required=True, help="the region you move to")
    node(sub)
    sub.set_defaults(run=cmd_move)
