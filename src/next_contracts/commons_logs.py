"""A commons claims' listing from a node's logs (the gateway serves the same from its index)."""

from __future__ import annotations

from typing import Any

from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract

from next_contracts import COMMONS_REWARDS, load_artifact
from next_contracts.vocabulary import ClaimState, CommonsKind


def commons_contract(w3: Web3, address: str) -> Contract:
    return w3.eth.contract(Web3.to_checksum_address(address), abi=load_artifact(COMMONS_REWARDS).abi)


def claims_of(w3: Web3, contract: str, address: str | None) -> list[dict[str, Any]]:
    """Every submitted claim (or those naming `address` as beneficiary or attestor), newest first,
    with where each stands now: from the node's logs and the contract's views."""
    commons = commons_contract(w3, contract)
    logs = commons.events.ClaimSubmitted.get_logs(from_block=0)
    found = []
    for log in reversed(logs):
        a = log["args"]
        if address and address.lower() not in (a["beneficiary"].lower(), a["attestor"].lower()):
            continue
        record = commons.functions.claimOf(a["id"]).call()
        found.append(
            {
                "id": HexBytes(a["id"]).to_0x_hex(),
                "attestor": a["attestor"],
                "beneficiary": a["beneficiary"],
                "kind": CommonsKind.words_of(a["kind"]),
                "evidence": HexBytes(a["evidence"]).to_0x_hex(),
                "amount": a["amount"],
                "period": a["period"],
                "payable_at": record[4],
                "state": ClaimState.of(record[5]).value,
            }
        )
    return found
