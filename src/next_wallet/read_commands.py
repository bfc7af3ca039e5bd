"""The commands that only read: `balance`, `history` and `bonus-runs`, from the gateway when one
is configured (with the token of `login`), else straight from the node."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from next_wallet import key_commands, keystore
from next_wallet.config import Config, checked_address
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
    raise BadInputError("name a keystore LABEL or give --address")


def _from_gateway(
    config: Config, args: argparse.Namespace, path: str, address: str, params: dict[str, Any] | None = None
) -> Any:
    """GET a gateway route with the token of `--as LABEL`, or else of the address asked about."""
    if not config.gateway_url:
        raise BadInputError("no gateway configured: next-wallet init --gateway URL ...")
    signer = keystore.address_of(args.as_label) if getattr(args, "as_label", None) else address
    return GatewayLedger(config).fetch_json(
        "GET",
        path,
        signer=signer,
        forbidden=f"the gateway does not show {address} to you",
        not_found=f"the gateway knows no member {address}",
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
        lines.append(f"more: --cursor {next_cursor}")
    out.result({"items": items, "next_cursor": next_cursor}, "\n".join(lines) or "no payment yet")


def _history_line(t: dict[str, Any], out: Output) -> str:
    """When, how much (the fee the payer paid with it), with whom, and the reference in words."""
    when = (
        datetime.fromtimestamp(t["block_time"], UTC).strftime("%Y-%m-%d %H:%M UTC")
        if t.get("block_time")
        else f"block {t['block_number']}"
    )
    outgoing = t["direction"] == "out"
    amount = f"{'-' if outgoing else '+'}{out.amount(t['amount'])}"
    if outgoing and t.get("fee"):
        amount += f" (fee {out.amount(t['fee'])})"
    # Across regions, the member on the other side (not the clearing's account) and its region.
    party = t.get("counterparty") or (t["to_address"] if outgoing else t["from_address"])
    other = f"{'to' if outgoing else 'from'} {party}"
    if t.get("counterparty"):
        other += f" in region {t.get('counterparty_region') or '?'}"
    if t.get("kind") == "move":
        other = "moved to another region with the balance" if outgoing else "arrived from another region"
    if t.get("allowance_of"):  # the holder's own spending, which its council's account paid
        other += f" (from an allowance of {t['allowance_of']})"
    elif t.get("kind") == "bonus":  # the council's side of a holder's spending
        other += " (an allowance spent)"
    elif t.get("kind") == "reward":  # a commons reward, from the commons account
        other += " (a reward for commons)"
    return "\t".join(part for part in (when, amount, other, ref_words(t.get("ref"))) if part)


def ref_words(ref: str | None) -> str:
    """A payment reference as its payer wrote it (`pay --ref` keeps up to 32 bytes of text), else
    the start of its hash; nothing for the empty reference."""
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
