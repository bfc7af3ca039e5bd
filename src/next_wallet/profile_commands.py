"""A member's profile and the businesses' directory, through the gateway: `profile LABEL --name ...`
signs the member's lines with its key (next_contracts.profiles, as the web app does) and the gateway
keeps them; `profile LABEL` shows what it keeps; `directory` lists the businesses and councils by
category and town, as shops advertise."""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING, Any

from eth_account.messages import encode_defunct

from next_contracts.profiles import categories_of, profile_message
from next_contracts.words import say
from next_wallet import keystore
from next_wallet.config import Config
from next_wallet.errors import BadInputError
from next_wallet.gateway_ledger import GatewayLedger
from next_wallet.prompts import unlock

if TYPE_CHECKING:
    from next_wallet.output import Output


def _gateway() -> GatewayLedger:
    config = Config.load()
    if not config.gateway_url:
        raise BadInputError.said("wallet.login.no_gateway")
    gateway = GatewayLedger(config)
    gateway.check_chain()
    return gateway


def cmd_profile(args: argparse.Namespace, out: Output) -> None:
    gateway = _gateway()
    address = keystore.address_of(args.label)
    if args.name is None:  # show what the gateway keeps
        kept = gateway.fetch_json(
            "GET",
            f"/accounts/{address}/profile",
            signer=address,
            forbidden=say("wallet.read.forbidden", address=address),
            not_found=say("wallet.profile.none", label=args.label),
            login_hint=args.label,
        )
        out.result(kept, _profile_text(kept))
        return
    categories = categories_of([c for c in (args.categories or "").split(",") if c.strip()])
    fields: dict[str, Any] = {
        "name": args.name.strip(),
        "town": (args.town or "").strip(),
        "categories": categories,
        "description": (args.description or "").strip(),
        "hours": (args.hours or "").strip(),
        "public": args.public,
    }
    account = unlock(args, args.label)
    signed_at = int(time.time())
    lines = profile_message(address, gateway.config.chain_id, signed_at=signed_at, **fields)
    signature = account.sign_message(encode_defunct(text=lines)).signature.to_0x_hex()
    kept = gateway.fetch_json(
        "PUT",
        f"/accounts/{address}/profile",
        signer=address,
        forbidden=say("wallet.profile.own_only"),
        not_found=say("wallet.older.route", path="profile"),
        login_hint=args.label,
        with_detail=True,
        json={**fields, "signed_at": signed_at, "signature": signature},
    )
    out.result(kept, say("wallet.profile.kept") + "\n" + _profile_text(kept))


def _profile_text(profile: dict[str, Any]) -> str:
    lines = [
        f"{profile['name']}" + (f" — {profile['town']}" if profile.get("town") else ""),
        *([", ".join(profile["categories"])] if profile.get("categories") else []),
        *([profile["description"]] if profile.get("description") else []),
        *([profile["hours"]] if profile.get("hours") else []),
        say("wallet.profile.public") if profile.get("public") else say("wallet.profile.private"),
    ]
    if profile.get("hidden"):
        lines.append(say("wallet.profile.hidden", reason=profile.get("hidden_reason") or ""))
    return "\n".join(lines)


def cmd_directory(args: argparse.Namespace, out: Output) -> None:
    gateway = _gateway()
    params = {
        name: value
        for name, value in (
            ("category", args.category),
            ("town", args.town),
            ("q", args.words),
            ("cursor", args.cursor),
        )
        if value
    } | {"limit": args.limit}
    page = gateway.answer(gateway.request("GET", "/directory", params=params))
    lines = [
        "\t".join(
            part
            for part in (p["address"], p["name"], p.get("town") or "", ", ".join(p.get("categories") or []))
            if part
        )
        for p in page["items"]
    ]
    if page.get("next_cursor"):
        lines.append(say("wallet.more", cursor=page["next_cursor"]))
    out.result(page, "\n".join(lines) or say("wallet.directory.none"))


def add_commands(add: Any) -> None:
    sub = add(
        "profile", "write your profile (name, town, categories...), signed with your key; alone: show it", secret=True
    )
    sub.add_argument("label", help="your keystore")
    sub.add_argument("--name", help="your name, or your business's (up to 80 characters)")
    sub.add_argument("--town")
    sub.add_argument("--categories", help="up to 5, separated by commas: bakery, organic")
    sub.add_argument("--description", help="up to 500 characters")
    sub.add_argument("--hours", help="opening hours, as you write them")
    sub.add_argument(
        "--public", action="store_true", help="an individual: be named to everyone, not only to whom you paid"
    )
    sub.set_defaults(run=cmd_profile)
    sub = add("directory", "the businesses and councils that wrote a profile, by category and town")
    sub.add_argument("--category")
    sub.add_argument("--town")
    sub.add_argument("--words", help="words in the name or the description")
    sub.add_argument("--limit", type=int, default=50)
    sub.add_argument("--cursor")
    sub.set_defaults(run=cmd_directory)
