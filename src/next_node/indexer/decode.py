"""Decoding the logs of the deployment's contracts straight from topics and data (ABI words;
eth_abi for the rest), by (address, topic) over a registry of the contracts the index follows.

Each contract belongs to a family (the ledger, governance, allowances, commons, the regional clearing),
whose ABI decodes its logs and whose handler applies them (apply.py): a new contract adds a family
here and a handler there, not a second indexer. One eth_getLogs asks for every address at once,
and one cursor covers them all.

web3's `contract.events.X().process_log` builds AttributeDicts, checksums every address and
validates the ABI on each call: some 40 times slower, so it stays off the hot path (the naive
path of `make bench-index` measures it). Logs come as the node's raw JSON (hex strings).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode
from eth_utils.crypto import keccak

from next_contracts import BONUS_ALLOWANCES, COMMONS_REWARDS, LEDGER, REGIONAL_CLEARING, load_artifact
from next_contracts.abi_words import read_words, static_words
from next_contracts.deploy import GOVERNOR, Deployment

# The contract families the index knows, by the artifact whose ABI decodes their logs.
FAMILIES = {
    "ledger": LEDGER,
    "governor": GOVERNOR,
    "bonuses": BONUS_ALLOWANCES,
    "commons": COMMONS_REWARDS,
    "clearing": REGIONAL_CLEARING,
}


@dataclass(frozen=True, slots=True)
class Event:
    """One decoded log, with where it comes from."""

    contract: str  # the family of the contract that emitted it ("ledger", ...)
    name: str
    args: dict[str, Any]
    block_number: int
    block_hash: str
    block_time: int | None  # None when the node does not put blockTimestamp in its logs
    tx_hash: str
    log_index: int


@dataclass(frozen=True)
class _Spec:
    name: str
    indexed: list[tuple[str, str]]  # (name, type)
    data_names: list[str]
    data_types: list[str]
    words: list[Callable[[bytes], Any]] | None  # one converter per 32-byte word, when all are static


def _hex(word: bytes) -> str:
    return "0x" + word.hex()


def _specs(artifact: str) -> dict[str, _Spec]:
    """The events of a contract's ABI, by topic."""
    specs = {}
    for entry in load_artifact(artifact).abi:
        if entry["type"] != "event":
            continue
        types = ",".join(i["type"] for i in entry["inputs"])
        topic = "0x" + keccak(text=f"{entry['name']}({types})").hex()
        data_types = [i["type"] for i in entry["inputs"] if not i["indexed"]]
        specs[topic] = _Spec(
            entry["name"],
            [(i["name"], i["type"]) for i in entry["inputs"] if i["indexed"]],
            [i["name"] for i in entry["inputs"] if not i["indexed"]],
            data_types,
            static_words(data_types, bytes32=_hex),
        )
    return specs


SPECS = {family: _specs(artifact) for family, artifact in FAMILIES.items()}


def _topic_value(kind: str, topic: str) -> Any:
    if kind == "address":
        return "0x" + topic[-40:]
    if kind == "bytes32":
        return topic
    return int(topic, 16)


def _wire(kind: str) -> str:
    """The type a value is decoded as: a string as its bytes, since a log's text is anyone's (a
    proposal's description, a vote's reason) and invalid UTF-8 must not stop the index."""
    return kind.replace("string", "bytes")


def _data_value(kind: str, value: Any) -> Any:
    if kind.endswith("[]"):
        return [_data_value(kind[:-2], item) for item in value]
    if kind == "string":  # as text, what is not UTF-8 replaced, and no NUL (PostgreSQL refuses it)
        return value.decode("utf-8", "replace").replace("\x00", "\ufffd")
    if kind == "address":
        return value.lower()
    if kind in ("bytes32", "bytes"):
        return "0x" + value.hex()
    return value


class Contracts:
    """The contracts the index follows, by family and address; decodes their logs."""

    def __init__(self, addresses: dict[str, str]) -> None:
        unknown = set(addresses) - set(FAMILIES)
        if unknown:
            raise ValueError(f"no contract family {sorted(unknown)}; known: {sorted(FAMILIES)}")
        self.by_family = {family: address.lower() for family, address in addresses.items()}
        self.addresses = sorted(self.by_family.values())
        # (address, topic) -> (family, spec): a log is ours only if its emitter is.
        self._specs = {
            (address, topic): (family, spec)
            for family, address in self.by_family.items()
            for topic, spec in SPECS[family].items()
        }

    @classmethod
    def of(cls, deployment: Deployment) -> Contracts:
        addresses: dict[str, str] = {"ledger": deployment.ledger}
        if deployment.governor:  # a record written before governance has none
            addresses["governor"] = deployment.governor
        if deployment.bonus_allowances:  # nor one written before the councils' allowances
            addresses["bonuses"] = deployment.bonus_allowances
        if deployment.commons_rewards:  # nor one written before the commons rewards
            addresses["commons"] = deployment.commons_rewards
        if deployment.regional_clearing:  # nor one written before the regions
            addresses["clearing"] = deployment.regional_clearing
        return cls(addresses)

    def __str__(self) -> str:
        """The canonical list the cursor records: family=address, sorted."""
        return ",".join(f"{family}={address}" for family, address in sorted(self.by_family.items()))

    def decode(self, log: dict[str, Any]) -> Event | None:
        """The event in a raw log, or None for a log that is not one of these contracts' events."""
        topics = log["topics"]
        found = self._specs.get((log["address"].lower(), topics[0])) if topics else None
        if found is None:
            return None
        return _decode(found[0], found[1], log)


def _decode(family: str, spec: _Spec, log: dict[str, Any]) -> Event:
    topics = log["topics"]
    args = {name: _topic_value(kind, topic) for (name, kind), topic in zip(spec.indexed, topics[1:], strict=True)}
    if spec.data_types:
        data = bytes.fromhex(log["data"][2:])
        # Every field static (all of the ledger's are): the ABI puts each in one 32-byte word, read
        # directly; eth_abi's general decoder costs several times more per log.
        words = read_words(spec.words, data) if spec.words is not None else None
        if words is not None:
            args.update(zip(spec.data_names, words, strict=True))
        else:
            values = decode([_wire(kind) for kind in spec.data_types], data)
            for name, kind, value in zip(spec.data_names, spec.data_types, values, strict=True):
                args[name] = _data_value(kind, value)
    timestamp = log.get("blockTimestamp")
    return Event(
        contract=family,
        name=spec.name,
        args=args,
        block_number=int(log["blockNumber"], 16),
        block_hash=log["blockHash"],
        block_time=int(timestamp, 16) if timestamp is not None else None,
        tx_hash=log["transactionHash"],
        log_index=int(log["logIndex"], 16),
    )
