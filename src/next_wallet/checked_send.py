"""The end of every command that signs one ledger or governor call after its pre-flight passed:
say what will be done, ask, unlock the key, sign, send, wait, and report the hash. The staff and
governance commands each run their own pre-flight (roles, the governor's verdict), then this."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from next_contracts.words import say
from next_wallet.ledger import LedgerClient
from next_wallet.prompts import confirm, unlock

if TYPE_CHECKING:
    from next_wallet.output import Output


def confirm_and_send(
    args: argparse.Namespace,
    out: Output,
    ledger: LedgerClient,
    sender: str,
    call: Any,
    summary: str,
    facts: dict[str, Any],
    outcome: Callable[[dict[str, Any]], tuple[dict[str, Any], str]] | None = None,
) -> None:
    """Sends `call` from the keystore `args.label` (whose address is `sender`) once confirmed.
    `outcome` reads what the mined transaction did from its receipt (facts and a sentence), where
    "done" would not say it all (a write-off the reserve covered in part)."""
    if not out.as_json:
        print(say("wallet.send.will", label=args.label, sender=sender, summary=summary))
    confirm(args, say("wallet.send.confirm"))
    account = unlock(args, args.label)
    tx_hash = ledger.sign_and_send(account, call)
    receipt = ledger.wait(tx_hash)
    found, said = outcome(receipt) if outcome is not None else ({}, say("wallet.send.ok"))
    out.result({"tx_hash": tx_hash, **facts, **found}, say("wallet.send.done", said=said, tx_hash=tx_hash))
