"""The commands that only read: `balance`, `history` and `bonus-runs`, from the gateway when one
is configured (with the token of `login`), else straight from the node."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from next_contracts import messages
from next_contracts.amounts import checked_address
from next_contracts.vocabulary import MemberStatus, TransferKind
from next_contracts.words import language, say
from next_wallet import key_commands, keystore
from next_wallet.config import Config
from next_wallet.errors import BadInputError
from next_wallet.gateway_ledger import GatewayLedger
from next_wallet.ledger import Ledger

if TYPE_CHECKING:
    from next_wallet.output import Output


def _who(args: argparse.Namespace) -> str:
    if args.address:
        return checked_address(args.address)
    if args.label:
        return keystore.address_of(args.label)
    raise BadInputError.said("wallet.read.who")


def _from_gateway(
    config: Config, args: argparse.Namespace, path: str, address: str, params: dict[str, Any] | None = None
) -> Any:
    """GET a gateway route with the token of `--as LABEL`, or else of the address asked about."""
    if not config.gateway_url:
        raise BadInputError.said("wallet.login.no_gateway")
    signer = keystore.address_of(args.as_label) if getattr(args, "as_label", None) else address
    return GatewayLedger(config).fetch_json(
        "GET",
        path,
        signer=signer,
        forbidden=say("wallet.read.forbidden", address=address),
        not_found=say("wallet.read.not_found", address=address),
        login_hint=args.as_label or args.label or "LABEL",
        with_detail=True,
        params=params,
    )


def cmd_balance(args: argparse.Namespace, out: Output) -> None:
    """From the gateway when one is configured (with the token of `login`), else from the node."""
    config = Config.load()
    address = _who(args)
    if config.gateway_url:
        data = _from_gateway(config, args, f"/accounts/{address}", address)
        data.pop("successor", None)
    else:
        ledger = Ledger(config)
        view = ledger.account(address)
        data = {
            "address": view.address,
            "balance": view.balance,
            "credit_limit": view.credit_limit,
            "available_credit": ledger.available_credit(address),  # a running stimulus included
            "ceiling": view.ceiling,
            "status": view.status.words,
            "kind": view.kind.value,
            "region": view.region,
        }
    nonce = data["nonce"] = key_commands.nonce_for_balance(config, args, address)
    status, kind = say(f"status.{_status_code(data['status'])}"), say(f"member.kind.{data['kind']}")
    out.result(
        data,
        "\n".join(
            [
                say("wallet.balance.account", value=data["address"]),
                say("wallet.balance.balance", value=out.amount(data["balance"])),
                say("wallet.balance.credit_limit", value=out.amount(data["credit_limit"])),
                say("wallet.balance.available", value=out.amount(data["available_credit"])),
                say("wallet.balance.ceiling", value=out.amount(data["ceiling"])),
                say("wallet.balance.status", status=status, kind=kind, region=data["region"]),
                *([say("wallet.balance.nonce", value=nonce)] if nonce is not None else []),
            ]
        ),
    )


def cmd_bonus_runs(args: argparse.Namespace, out: Output) -> None:
    """The batch payments an account made, from the gateway."""
    config = Config.load()
    if not config.gateway_url:
        raise BadInputError.said("wallet.runs.need_gateway")
    address = _who(args)
    params: dict[str, Any] = {"limit": args.limit} | ({"cursor": args.cursor} if args.cursor else {})
    page = _from_gateway(config, args, f"/accounts/{address}/bonus-runs", address, params)
    lines = [
        say(
            "wallet.runs.line",
            lines=r["lines"],
            total=out.amount(r["total"]),
            fees=out.amount(r["fees"]),
            block=r["block_number"],
            tx_hash=r["tx_hash"],
        )
        + (f"\t{words}" if (words := ref_words(r.get("ref"), r.get("ref_words"))) else "")
        for r in page["items"]
    ]
    if page["next_cursor"]:
        lines.append(say("wallet.more", cursor=page["next_cursor"]))
    out.result(page, "\n".join(lines) or say("wallet.runs.none"))


def cmd_history(args: argparse.Namespace, out: Output) -> None:
    config = Config.load()
    address = _who(args)
    if config.gateway_url:
        params: dict[str, Any] = {"limit": args.limit} | ({"cursor": args.cursor} if args.cursor else {})
        page = _from_gateway(config, args, f"/accounts/{address}/transfers", address, params)
        items, next_cursor = page["items"], page["next_cursor"]
    else:
        items, next_cursor = _history_from_logs(Ledger(config), address, args.limit), None
    lines = [_history_line(t, out) for t in items]
    if next_cursor:
        lines.append(say("wallet.more", cursor=next_cursor))
    out.result({"items": items, "next_cursor": next_cursor}, "\n".join(lines) or say("wallet.history.none"))


def _history_line(t: dict[str, Any], out: Output) -> str:
    """When, how much (the fee the payer paid with it), with whom, and the reference in words."""
    when = (
        say("wallet.history.utc", moment=messages.moment(t["block_time"], language(), utc=True))
        if t.get("block_time")
        else say("wallet.history.block", block=t["block_number"])
    )
    outgoing = t["direction"] == "out"
    amount = f"{'-' if outgoing else '+'}{out.amount(t['amount'])}"
    if outgoing and t.get("fee"):
        amount += say("wallet.history.fee", fee=out.amount(t["fee"]))
    # Across regions, the member on the other side (not the clearing's account) and its region.
    party = t.get("counterparty") or (t["to_address"] if outgoing else t["from_address"])
    other = say("wallet.history.to" if outgoing else "wallet.history.from", party=party)
    if t.get("counterparty"):
        other += say("wallet.history.region", region=t.get("counterparty_region") or "?")
    if t.get("kind") == TransferKind.MOVE:
        other = say("wallet.history.moved_out" if outgoing else "wallet.history.moved_in")
    if t.get("allowance_of"):  # the holder's own spending, which its council's account paid
        other += say("wallet.history.allowance_of", council=t["allowance_of"])
    elif t.get("kind") == TransferKind.BONUS:  # the council's side of a holder's spending
        other += say("wallet.history.bonus")
    elif t.get("kind") == TransferKind.REWARD:  # a commons reward, from the commons account
        other += say("wallet.history.reward")
    return "\t".join(part for part in (when, amount, other, ref_words(t.get("ref"), t.get("ref_words"))) if part)


def _status_code(words: str) -> str:
    """A status as the gateway or `MemberStatus.words` says it ("active", "not a member")."""
    return next((s.value for s in MemberStatus if words in (s.value, s.words)), "none")


def ref_words(ref: str | None, kept: str | None = None) -> str:
    """A payment reference as its payer wrote it (`pay --ref` keeps up to 32 bytes of text on-chain,
    the gateway the words of a longer one: `kept`), else the start of its hash; nothing for none."""
    if kept:
        return f'"{kept}"'
    raw = bytes.fromhex((ref or "").removeprefix("0x")).rstrip(b"\x00")
    if not raw:
        return ""
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        text = ""
    return f'"{text}"' if text and text.isprintable() else f"ref {raw.hex()[:12]}…"


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
                    "ref": "0x" + bytes(event.args["ref"]).hex(),
                    "direction": "out" if event.args["from"] == address else "in",
                }
            )
    found.sort(key=lambda t: (t["block_number"], t["log_index"]), reverse=True)
    return found[:limit]
