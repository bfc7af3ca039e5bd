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
from next_contracts.amounts import checked_address, parse_amount
from next_contracts.clearing import Regions
from next_contracts.vocabulary import reference
from next_contracts.words import say
from next_wallet import keystore
from next_wallet.checked_send import confirm_and_send
from next_wallet.commons_commands import node_ledger
from next_wallet.config import Config
from next_wallet.errors import BadInputError, PayeeNotMemberError, RefusedError
from next_wallet.gateway_ledger import GatewayLedger, keep_reference_words
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
        raise BadInputError.said("wallet.region.unreachable", number=number, known=known)
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
        raise BadInputError.said("wallet.region.no_clearing")
    return served


def cmd_regions(args: argparse.Namespace, out: Output) -> None:
    gateway = _gateway(args)
    if gateway is not None:
        served = _served_regions(gateway)
        lines = [say("wallet.region.mine", region=served["region"])]
        lines += [_side(out, served["region"], side["region"], side) for side in served["relationships"]]
        if not served["relationships"]:
            lines.append(say("wallet.region.none"))
        out.result({"region": served["region"], "relationships": served["relationships"]}, "\n".join(lines))
        return
    _, regions, home = _regions(args, "regions")
    sides = regions.figures()
    lines = [say("wallet.region.mine", region=regions.regions[home].number)]
    lines += [_side(out, side["region"], side["partner_region"], side) for side in sides]
    if not sides:
        lines.append(say("wallet.region.none"))
    out.result({"region": regions.regions[home].number, "relationships": sides}, "\n".join(lines))


def _side(out: Output, region: int, partner: int, side: dict[str, Any]) -> str:
    """One relationship as its region sees it: position, limit, ceiling and room."""
    return say(
        "wallet.region.side",
        region=region,
        partner=partner,
        position=out.amount(side["position"]),
        limit=out.amount(side["credit_limit"]),
        ceiling=out.amount(side["ceiling"]),
        room=out.amount(side["room_out"]),
    )


def _pay_across_by_gateway(
    args: argparse.Namespace, out: Output, gateway: GatewayLedger, payee: str, amount: int
) -> None:
    """The path the gateway finds (GET /regions/route), signed here and relayed."""
    sender = keystore.address_of(args.label)
    response = gateway.request("GET", "/regions/route", signer=sender, params={"to": payee, "amount": amount})
    if response.status_code == 404:
        raise PayeeNotMemberError.said("wallet.region.nowhere", payee=payee)
    found = gateway.answer(response)
    if found["here"]:
        raise BadInputError.said("wallet.region.own", payee=payee)
    if args.region is not None and found["region"] != args.region:
        raise BadInputError.said("wallet.region.other", payee=payee, found=found["region"], asked=args.region)
    call = _clearing(gateway, found["clearing"]).functions.payAcross(found["path"], payee, amount, reference(args.ref))
    gateway.build(Web3.to_checksum_address(sender), call)  # every ledger's refusal on the path, in words
    out.note(keep_reference_words(gateway.config, sender, args.ref, args.label))
    fee = gateway.fee(amount)
    route = " -> ".join(map(str, found["regions"]))
    facts = {"amount": amount, "fee": fee, "path": found["regions"]}
    summary = say(
        "wallet.region.pay",
        amount=out.amount(amount),
        payee=payee,
        region=found["region"],
        route=route,
        fee=out.amount(fee),
    )
    confirm_and_send(args, out, gateway, sender, call, summary, facts)


def cmd_pay_across(args: argparse.Namespace, out: Output) -> None:
    payee = checked_address(args.to, "payee")
    amount = parse_amount(args.amount)
    gateway = _gateway(args)
    if gateway is not None:
        _pay_across_by_gateway(args, out, gateway, payee, amount)
        return
    ledger, regions, home = _regions(args, "pay_across")
    destination = _region(regions, args.region) if args.region is not None else None
    if destination is None:
        found = regions.home_of(payee)
        if found is None:
            raise PayeeNotMemberError.said("wallet.region.nowhere", payee=payee)
        destination = found.clearing
    if destination == home:
        raise BadInputError.said("wallet.region.own", payee=payee)
    path = regions.path(home, destination, amount)
    if path is None:
        numbers = {"home": regions.regions[home].number, "destination": regions.regions[destination].number}
        raise RefusedError.said("wallet.region.no_room", amount=out.amount(amount), **numbers)
    sender = keystore.address_of(args.label)
    call = _clearing(ledger, home).functions.payAcross(path, payee, amount, reference(args.ref))
    ledger.build(sender, call)  # every ledger's refusal on the path, in words, before a password is asked
    out.note(keep_reference_words(ledger.config, sender, args.ref, args.label))
    fee = ledger.fee(amount)
    route = " -> ".join(str(regions.regions[c].number) for c in [home, *path])
    facts = {"amount": amount, "fee": fee, "path": [regions.regions[c].number for c in [home, *path]]}
    region = route.split(" -> ")[-1]
    summary = say(
        "wallet.region.pay", amount=out.amount(amount), payee=payee, region=region, route=route, fee=out.amount(fee)
    )
    confirm_and_send(args, out, ledger, sender, call, summary, facts)


def cmd_net(args: argparse.Namespace, out: Output) -> None:
    ledger, regions, _ = _regions(args, "netting")
    cycles = regions.cycles()
    if not cycles:
        out.result({"cycles": []}, say("wallet.region.nothing_to_net"))
        return
    cycle, amount = cycles[0]
    start = cycle[-1]
    numbers = [regions.regions[c].number for c in [start, *cycle]]
    before = [(regions.regions[a].number, regions.regions[b].number, s.position) for (a, b), s in regions.sides.items()]
    lines = _debts(out, before)
    sender = keystore.address_of(args.label)
    call = _clearing(ledger, start).functions.net(cycle, amount, reference(args.ref or "netting"))
    ledger.build(sender, call)
    summary = say("wallet.region.net", amount=out.amount(amount), cycle=" -> ".join(map(str, numbers)), before=lines)
    confirm_and_send(args, out, ledger, sender, call, summary, {"cycle": numbers, "amount": amount})
    after = Regions(ledger.w3, regions.regions[start].clearing)
    if not out.as_json:
        owed = [(after.regions[a].number, after.regions[b].number, s.position) for (a, b), s in after.sides.items()]
        print(say("wallet.region.after", debts=_debts(out, owed) or say("wallet.region.no_debts")))


def _debts(out: Output, positions: list[tuple[int, int, int]]) -> str:
    return ", ".join(
        say("wallet.region.owes", debtor=a, creditor=b, amount=out.amount(p)) for a, b, p in positions if p > 0
    )


def cmd_welcome(args: argparse.Namespace, out: Output) -> None:
    member = checked_address(args.member, "member")
    ledger, regions, home = _regions(args, "welcoming")
    source = _region(regions, args.from_region)
    # Into this wallet's region, or another one its key is a registrar of (--region).
    into = home if args.region is None else _region(regions, args.region)
    sender = keystore.address_of(args.label)
    call = _clearing(ledger, into).functions.welcome(member, source)
    ledger.build(sender, call)
    summary = (
        say("wallet.region.welcome", member=member, region=args.from_region)
        if args.region is None
        else say("wallet.region.welcome_into", member=member, region=args.from_region, into=args.region)
    )
    facts = {"member": member, "from_region": args.from_region, "region": regions.regions[into].number}
    confirm_and_send(args, out, ledger, sender, call, summary, facts)


def cmd_move(args: argparse.Namespace, out: Output) -> None:
    sender = keystore.address_of(args.label)
    gateway = _gateway(args)
    ledger: LedgerClient
    if gateway is not None:
        served = _served_regions(gateway)
        partners = {side["region"]: side["partner"] for side in served["relationships"]}
        if args.to_region not in partners:
            known = ", ".join(map(str, sorted(partners))) or "none"
            raise BadInputError.said("wallet.region.unreachable", number=args.to_region, known=known)
        ledger, home, destination = gateway, served["clearing"], partners[args.to_region]
    else:
        ledger, regions, home = _regions(args, "moving")
        destination = _region(regions, args.to_region)
    balance = ledger.account(sender).balance
    call = _clearing(ledger, home).functions.moveTo(destination)
    ledger.build(sender, call)
    summary = say("wallet.region.move", region=args.to_region, balance=out.amount(balance))
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
    sub.add_argument("--region", type=int, help="the region it moves to, if not this wallet's (its registrar's key)")
    node(sub)
    sub.set_defaults(run=cmd_welcome)
    sub = add("move", "move your account to another region that welcomed you", secret=True, confirm=True)
    sub.add_argument("label", help="your keystore")
    sub.add_argument("--to-region", type=int, required=True, help="the region you move to")
    node(sub)
    sub.set_defaults(run=cmd_move)
