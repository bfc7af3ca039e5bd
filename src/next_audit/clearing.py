"""The region's clearing with the other regions, as the auditor replays it.

The ledger lets its clearing alone call its `clearing*` functions (the call trace names the ledger's
caller): a payer's side of a payment across regions (a payment with its fee, announced by the
clearing's `PaidAcross` from that payer), a move of no fee between a partner region's account and a
member or another partner's account (each within its own limit, no stimulus, under the ceiling), a
partner's account opened and its line set by this region's governance (`RelationshipSet`), a member
arriving (`MemberArrived`, welcomed before by a registrar) or leaving (`MemberMoved`, by itself).

At the audited block, each partner's ledger must hold for this region the opposite of what this
ledger holds for the partner: that is what makes the whole sum to zero when each region's does
(each region's auditor checks its own ledger's sum).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eth_abi.abi import decode
from eth_utils.abi import event_abi_to_log_topic

from next_audit.report import Check
from next_audit.rpc import Rpc
from next_audit.sentences import money
from next_contracts import LEDGER, REGIONAL_CLEARING, load_artifact


def _events() -> dict[bytes, tuple[str, list[dict[str, Any]]]]:
    return {
        event_abi_to_log_topic(item): (item["name"], item["inputs"])  # type: ignore[arg-type]
        for item in load_artifact(REGIONAL_CLEARING).abi
        if item["type"] == "event"
    }


EVENTS = _events()


def decode_log(topics: list[bytes], data: bytes) -> tuple[str, dict[str, Any]] | None:
    entry = EVENTS.get(topics[0]) if topics else None
    if entry is None:
        return None
    name, inputs = entry
    indexed = [i for i in inputs if i["indexed"]]
    plain = [i for i in inputs if not i["indexed"]]
    args: dict[str, Any] = {}
    for item, topic in zip(indexed, topics[1:], strict=False):
        args[item["name"]] = decode([item["type"]], topic)[0]
    for item, value in zip(plain, decode([i["type"] for i in plain], data), strict=True):
        args[item["name"]] = value
    return name, {k: v.lower() if isinstance(v, str) else v for k, v in args.items()}


@dataclass
class ClearingAudit:
    address: str  # this region's clearing, lowercase
    partners: set[str] = field(default_factory=set)
    welcomed: dict[str, str] = field(default_factory=dict)  # member -> the clearing it may come from
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # this transaction's

    def begin(self, clearing_logs: list[tuple[list[bytes], bytes]]) -> None:
        """The clearing's events of the transaction about to be replayed."""
        self.events = [e for e in (decode_log(t, d) for t, d in clearing_logs) if e is not None]
        for name, args in self.events:
            if name == "RelationshipSet":
                self.partners.add(args["partner"])

    def named(self, name: str, **wanted: Any) -> dict[str, Any] | None:
        for event, args in self.events:
            if event == name and all(args.get(k) == v for k, v in wanted.items()):
                return args
        return None

    def check_positions(self, rpc: Rpc, block: int, positions: dict[str, int], check: Check) -> None:
        """Each partner's ledger holds the opposite of this ledger's account for it, at `block`."""
        from web3 import Web3

        clearing_abi, ledger_abi = load_artifact(REGIONAL_CLEARING).abi, load_artifact(LEDGER).abi
        w3 = Web3(Web3.HTTPProvider(rpc.url))
        for partner in sorted(self.partners):
            check.checked += 1
            theirs = w3.eth.contract(Web3.to_checksum_address(partner), abi=clearing_abi)
            ledger = theirs.functions.ledger().call(block_identifier=block)
            their_ledger = w3.eth.contract(ledger, abi=ledger_abi)
            held = their_ledger.functions.balanceOf(Web3.to_checksum_address(self.address)).call(block_identifier=block)
            mine = positions.get(partner, 0)
            if held != -mine:
                check.fail(
                    partner,
                    "audit.clearing.not_opposite",
                    mine=money(mine),
                    ledger=ledger,
                    held=money(held),
                    block=block,
                )
