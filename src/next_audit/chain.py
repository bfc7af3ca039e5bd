"""Chain integrity, block by block, and the ledger's logs taken from the verified receipts.

For each block: its parent hash is the previous block's hash; its hash, recomputed from its header
fields, is the hash the node reports; its transactions, re-encoded, hash to their own hashes and to
the header's transactions root; its receipts hash to the receipts root and their logs to the logs
bloom. The ledger replay then reads its events from these receipts, so that every event it replays
is bound to a block hash that was checked here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import rlp
from eth_account import Account
from eth_bloom.bloom import BloomFilter
from eth_utils.crypto import keccak
from rlp.codec import encode_raw
from trie import HexaryTrie

from next_audit.report import Check
from next_audit.rpc import Rpc, RpcError

BLOCKS_PER_BATCH = 100
EMPTY_TRIE_ROOT = HexaryTrie(db={}).root_hash
# Besu's IBFT 2.0 and QBFT put this constant in mixHash, and hash a header without its round
# number and validators' commit seals (they differ between copies of the same block).
BFT_MIX_HASH = bytes.fromhex("63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365")
# Header fields in their RLP order; each fork appends fields, present only from that fork on.
BASE_FIELDS = (
    "parentHash", "sha3Uncles", "miner", "stateRoot", "transactionsRoot", "receiptsRoot", "logsBloom",
    "difficulty", "number", "gasLimit", "gasUsed", "timestamp", "extraData", "mixHash", "nonce",
)  # fmt: skip
FORK_FIELDS = (
    "baseFeePerGas", "withdrawalsRoot", "blobGasUsed", "excessBlobGas", "parentBeaconBlockRoot", "requestsHash",
)  # fmt: skip
INTEGER_FIELDS = {"difficulty", "number", "gasLimit", "gasUsed", "timestamp", "baseFeePerGas", "blobGasUsed",
                  "excessBlobGas"}  # fmt: skip


@dataclass(frozen=True)
class LedgerTransaction:
    """A successful transaction that emitted ledger events, with what the replay needs of it."""

    block_number: int
    block_time: int
    tx_hash: str
    sender: str  # lowercase 0x address
    to: str | None
    logs: list[tuple[list[bytes], bytes]]  # (topics, data), in log order
    # The ledger's msg.sender: the sender when it called the ledger itself; through another
    # contract (a multisig, say), the caller the call trace shows, or None if it cannot tell.
    caller: str | None
    log_indexes: list[int] = field(default_factory=list)  # each log's index in its block
    # The logs of the governance's contracts (governor, constitution) in the same transaction, in
    # log order, as (address, topics, data): a vote's execution and the ledger change it makes.
    governance_logs: list[tuple[str, list[bytes], bytes]] = field(default_factory=list)
    # The logs of the councils' bonus allowances, as (log index, topics, data), in log order: each
    # spending comes just before the ledger's movement it announces.
    bonus_logs: list[tuple[int, list[bytes], bytes]] = field(default_factory=list)
    # The logs of the commons rewards, as (topics, data), in log order.
    commons_logs: list[tuple[list[bytes], bytes]] = field(default_factory=list)
    # The call data of a transaction sent to the commons rewards: a submission's signed claim.
    commons_input: bytes = b""
    # The logs of the region's clearing with the other regions, as (topics, data), in log order.
    clearing_logs: list[tuple[list[bytes], bytes]] = field(default_factory=list)
    clearing_log_indexes: list[int] = field(default_factory=list)  # each clearing log's index in its block


def hexbytes(value: str) -> bytes:
    return bytes.fromhex(value[2:])


def word_address(word: bytes) -> str:
    """The address in a 32-byte word (an indexed topic), lowercase 0x hex."""
    return "0x" + word[-20:].hex()


def integer(value: str | int) -> int:
    return value if isinstance(value, int) else int(value, 16)


def _rlp_int(value: str | int) -> bytes:
    """A non-negative integer as RLP serializes it: big-endian, no leading zero byte (0 is empty)."""
    number = integer(value)
    return number.to_bytes((number.bit_length() + 7) // 8, "big")


def header_fields(block: dict[str, Any]) -> list[Any]:
    """The header's fields in RLP order, as bytes and integers; ValueError if one is missing."""
    fields: list[Any] = []
    for name in BASE_FIELDS + FORK_FIELDS:
        if name not in block:
            if name in FORK_FIELDS:
                break
            raise ValueError(f"header field {name} missing")
        value = block[name]
        fields.append(integer(value) if name in INTEGER_FIELDS else hexbytes(value))
    return fields


def header_hash(block: dict[str, Any]) -> bytes:
    """keccak256 of the RLP header, as execution clients compute it, or as Besu's BFT does."""
    fields = header_fields(block)
    if fields[13] == BFT_MIX_HASH and integer(block["number"]) > 0:
        fields[12] = _bft_extra_data_for_hash(fields[12])
    return bytes(keccak(rlp.encode(fields)))


def _bft_extra_data_for_hash(extra: bytes) -> bytes:
    """QBFT extra data is [vanity, validators, vote, round, seals]; the on-chain hash takes round 0
    and no seals (Besu's BftBlockHashing.calculateHashOfBftBlockOnChain)."""
    vanity, validators, vote, _round, _seals = rlp.decode(extra)
    return bytes(rlp.encode([vanity, validators, vote, b"", []]))


def encode_transaction(tx: dict[str, Any]) -> bytes:
    """The signed transaction's canonical bytes (legacy RLP, or type byte + RLP), from its JSON-RPC
    fields. keccak256 of them is the transaction hash; they are the leaves of the transactions trie."""
    kind = integer(tx.get("type", "0x0"))
    to = hexbytes(tx["to"]) if tx.get("to") else b""
    common = [integer(tx["nonce"])]
    signature = [integer(tx["r"]), integer(tx["s"])]
    if kind == 0:
        fields = [*common, integer(tx["gasPrice"]), integer(tx["gas"]), to, integer(tx["value"]),
                  hexbytes(tx["input"]), integer(tx["v"]), *signature]  # fmt: skip
        return bytes(rlp.encode(fields))
    access_list = [[hexbytes(a["address"]), [hexbytes(k) for k in a["storageKeys"]]] for a in tx.get("accessList", [])]
    parity = integer(tx["yParity"] if "yParity" in tx else tx["v"])
    if kind == 1:
        fees = [integer(tx["gasPrice"])]
    elif kind == 2:
        fees = [integer(tx["maxPriorityFeePerGas"]), integer(tx["maxFeePerGas"])]
    else:
        raise ValueError(f"transaction type {kind} is not one this chain's ledger is used with")
    body = [integer(tx["chainId"]), *common, *fees, integer(tx["gas"]), to, integer(tx["value"]), hexbytes(tx["input"]),
            access_list, parity, *signature]  # fmt: skip
    return bytes([kind]) + bytes(rlp.encode(body))


@lru_cache(maxsize=1 << 16)
def bloom_bits(item: bytes) -> int:
    """The bloom bits of one address or topic. Cached: the ledger's address and event topics, and
    the members' addresses, recur in nearly every log, and each costs a keccak256."""
    return int(BloomFilter.from_iterable([item]))


def encode_receipt(receipt: dict[str, Any]) -> tuple[bytes, bytes]:
    """The receipt's consensus bytes and the logs bloom recomputed from its logs."""
    bloom = 0
    logs = []
    for log in receipt["logs"]:
        address = hexbytes(log["address"])
        topics = [hexbytes(t) for t in log["topics"]]
        bloom |= bloom_bits(address)
        for topic in topics:
            bloom |= bloom_bits(topic)
        logs.append([address, topics, hexbytes(log["data"])])
    bloom_bytes = bloom.to_bytes(256, "big")
    # Every item is bytes already (the integers as RLP writes them, big-endian without leading
    # zeros): rlp's encode_raw skips the type inference of rlp.encode, half its cost on a block of
    # batch payments, for the same bytes.
    fields = [_rlp_int(receipt["status"]), _rlp_int(receipt["cumulativeGasUsed"]), hexbytes(receipt["logsBloom"])]
    body = encode_raw([*fields, logs])
    kind = integer(receipt.get("type", "0x0"))
    return (bytes([kind]) + body if kind else body), bloom_bytes


def trie_root(leaves: list[bytes]) -> bytes:
    """The root of the trie keyed by RLP(index), as for transactions and receipts."""
    trie = HexaryTrie(db={})
    for index, leaf in enumerate(leaves):
        trie[rlp.encode(index)] = leaf
    return bytes(trie.root_hash)


class ChainVerifier:
    """Walks blocks 0..`to_block`, checks each, and yields the ledger's transactions in order."""

    def __init__(
        self,
        rpc: Rpc,
        ledger: str,
        check: Check,
        on_block: Callable[[int], None] | None = None,
        on_header: Callable[[int, dict[str, Any]], None] | None = None,
        governance: tuple[str, ...] = (),
        bonuses: str | None = None,
        commons: str | None = None,
        clearing: str | None = None,
    ) -> None:
        self.rpc = rpc
        self.ledger = ledger.lower()
        self.governance = {address.lower() for address in governance}  # the governor, the constitution
        self.bonuses = bonuses.lower() if bonuses else None
        self.commons = commons.lower() if commons else None
        self.clearing = clearing.lower() if clearing else None
        self.check = check
        self.on_block = on_block or (lambda _n: None)
        self.on_header = on_header or (lambda _n, _b: None)  # the consensus check, block by block
        self.hashes: dict[int, str] = {}
        self._raw: dict[str, bytes] = {}

    def walk(self, to_block: int, ledger_from: int) -> Iterator[LedgerTransaction]:
        self._parent: str | None = None  # the hash of the block before the next one checked
        ranges = [range(s, min(s + BLOCKS_PER_BATCH, to_block + 1)) for s in range(0, to_block + 1, BLOCKS_PER_BATCH)]
        # The next range is fetched while this one is checked: the node serialises its blocks and
        # receipts (about 1 KB of JSON per event) in its own process meanwhile.
        with ThreadPoolExecutor(1, thread_name_prefix="audit-fetch") as fetcher:
            ahead = fetcher.submit(self._fetch, ranges[0]) if ranges else None
            for index, numbers in enumerate(ranges):
                assert ahead is not None
                blocks, receipts_of = ahead.result()
                if index + 1 < len(ranges):
                    ahead = fetcher.submit(self._fetch, ranges[index + 1])
                yield from self._check_range(numbers, blocks, receipts_of, ledger_from)

    def _fetch(self, numbers: range) -> tuple[list[Any], dict[str, list[dict[str, Any]]]]:
        """The blocks of `numbers` with their transactions, and the receipts of those that have any."""
        blocks = self.rpc.batch([("eth_getBlockByNumber", [hex(n), True]) for n in numbers])
        busy = [b for b in blocks if b and b["transactions"]]
        all_receipts = self.rpc.batch([("eth_getBlockReceipts", [b["hash"]]) for b in busy])
        return blocks, {b["hash"]: r for b, r in zip(busy, all_receipts, strict=True)}

    def _check_range(
        self,
        numbers: range,
        blocks: list[Any],
        receipts_of: dict[str, list[dict[str, Any]]],
        ledger_from: int,
    ) -> Iterator[LedgerTransaction]:
        """Checks each block of a range, yielding the ledger's transactions."""
        for number, block in zip(numbers, blocks, strict=True):
            if block is None:
                self.check.fail(f"block {number}", "audit.chain.unserved")
                self._parent = None
                continue
            self._verify_header(number, block, self._parent)
            self.on_header(number, block)
            self._parent = block["hash"]
            self.hashes[number] = block["hash"]
            receipts = receipts_of.get(block["hash"], [])
            self._verify_bodies(number, block, receipts)
            if number >= ledger_from:
                yield from self._ledger_transactions(number, block, receipts)
            self.check.checked += 1
            self.on_block(number)

    def _verify_header(self, number: int, block: dict[str, Any], parent: str | None) -> None:
        if integer(block["number"]) != number:
            self.check.fail(f"block {number}", "audit.chain.other_number", number=integer(block["number"]))
        if parent is not None and block["parentHash"] != parent:
            self.check.fail(
                f"block {number}",
                "audit.chain.parent",
                parent_hash=block["parentHash"],
                previous=number - 1,
                parent=parent,
            )
        try:
            computed = "0x" + header_hash(block).hex()
        except (ValueError, rlp.DecodingError) as error:
            self.check.fail(f"block {number}", "audit.chain.header_unencodable", error=error)
            return
        if computed != block["hash"]:
            self.check.fail(f"block {number}", "audit.chain.header_hash", hash=block["hash"], computed=computed)

    def _verify_bodies(self, number: int, block: dict[str, Any], receipts: list[dict[str, Any]]) -> None:
        subject = f"block {number}"
        encoded = []
        self._raw = {}  # this block's signed transactions, as their hashes prove them
        for tx in block["transactions"]:
            try:
                raw = encode_transaction(tx)
            except (KeyError, ValueError) as error:
                self.check.fail(subject, "audit.chain.tx_unencodable", tx=tx.get("hash"), error=error)
                return
            if "0x" + keccak(raw).hex() != tx["hash"]:
                self.check.fail(subject, "audit.chain.tx_hash", tx=tx["hash"])
            encoded.append(raw)
            self._raw[tx["hash"]] = raw
        if trie_root(encoded) != hexbytes(block["transactionsRoot"]):
            self.check.fail(subject, "audit.chain.tx_root")
        if len(receipts) != len(block["transactions"]):
            self.check.fail(
                subject, "audit.chain.receipt_count", receipts=len(receipts), transactions=len(block["transactions"])
            )
            return
        leaves, bloom = [], 0
        for tx, receipt in zip(block["transactions"], receipts, strict=True):
            if receipt["transactionHash"] != tx["hash"]:
                self.check.fail(subject, "audit.chain.receipt_order", receipt=receipt["transactionHash"], tx=tx["hash"])
            raw, receipt_bloom = encode_receipt(receipt)
            if receipt_bloom != hexbytes(receipt["logsBloom"]):
                self.check.fail(subject, "audit.chain.receipt_bloom", tx=tx["hash"])
            leaves.append(raw)
            bloom |= int.from_bytes(receipt_bloom, "big")
        if trie_root(leaves) != hexbytes(block["receiptsRoot"]):
            self.check.fail(subject, "audit.chain.receipt_root")
        if bloom.to_bytes(256, "big") != hexbytes(block["logsBloom"]):
            self.check.fail(subject, "audit.chain.block_bloom")

    def _ledger_transactions(
        self, number: int, block: dict[str, Any], receipts: list[dict[str, Any]]
    ) -> Iterator[LedgerTransaction]:
        for tx, receipt in zip(block["transactions"], receipts, strict=False):
            mine = [log for log in receipt["logs"] if log["address"].lower() == self.ledger]
            logs = [([hexbytes(t) for t in log["topics"]], hexbytes(log["data"])) for log in mine]
            governance = [
                (log["address"].lower(), [hexbytes(t) for t in log["topics"]], hexbytes(log["data"]))
                for log in receipt["logs"]
                if log["address"].lower() in self.governance
            ]
            bonus_logs = [
                (integer(log["logIndex"]), [hexbytes(t) for t in log["topics"]], hexbytes(log["data"]))
                for log in receipt["logs"]
                if log["address"].lower() == self.bonuses
            ]
            commons_logs = [
                ([hexbytes(t) for t in log["topics"]], hexbytes(log["data"]))
                for log in receipt["logs"]
                if log["address"].lower() == self.commons
            ]
            clearing_mine = [log for log in receipt["logs"] if log["address"].lower() == self.clearing]
            clearing_logs = [([hexbytes(t) for t in log["topics"]], hexbytes(log["data"])) for log in clearing_mine]
            if logs or governance or bonus_logs or commons_logs or clearing_logs:
                to = tx["to"].lower() if tx.get("to") else None
                sender = self._signer(number, tx)
                yield LedgerTransaction(
                    block_number=number,
                    block_time=integer(block["timestamp"]),
                    tx_hash=tx["hash"],
                    sender=sender,
                    to=to,
                    logs=logs,
                    caller=self._caller(tx["hash"], to, sender, bool(logs), bool(clearing_logs)),
                    log_indexes=[integer(log["logIndex"]) for log in mine],
                    governance_logs=governance,
                    bonus_logs=bonus_logs,
                    commons_logs=commons_logs,
                    commons_input=hexbytes(tx["input"]) if commons_logs and to == self.commons else b"",
                    clearing_logs=clearing_logs,
                    clearing_log_indexes=[integer(log["logIndex"]) for log in clearing_mine],
                )

    def _signer(self, number: int, tx: dict[str, Any]) -> str:
        """Who signed `tx`, recovered from its signature over the fields its hash proves, never the
        node's word for it ("from"), which must agree."""
        raw = self._raw.get(tx["hash"])
        try:
            signer = str(Account.recover_transaction(raw)).lower() if raw is not None else None
        except (ValueError, TypeError, rlp.DecodingError) as error:
            self.check.fail(f"block {number}", "audit.chain.signature", tx=tx["hash"], error=error)
            return str(tx["from"]).lower()
        if signer is None:
            return str(tx["from"]).lower()  # not re-encoded: already failed in _verify_bodies
        if signer != str(tx["from"]).lower():
            self.check.fail(f"block {number}", "audit.chain.sender", tx=tx["hash"], signer=signer, sender=tx["from"])
        return signer

    def _caller(self, tx_hash: str, to: str | None, sender: str, ledger_logs: bool, clearing_logs: bool) -> str | None:
        """The ledger's msg.sender, read from the transaction itself (an auditor's node need not
        trace, and geth's does not): the sender when it called the ledger (or touched no ledger);
        each of the cooperative's contracts when the transaction went to it, since each calls the
        ledger itself and nothing else calls the ledger for it; the clearing when its own events say
        it moved balances (a payment across regions begun at another region's clearing); a vote's
        execution is the governance audit's to name (the timelock). Else the node's call tracer, if
        it has one."""
        if to in (self.ledger, None) or not ledger_logs:
            return sender
        if to is not None and to in (self.bonuses, self.commons, self.clearing):
            return to
        if self.clearing is not None and clearing_logs:
            return self.clearing
        if to in self.governance:
            return None
        return self._traced_caller(tx_hash)

    def _traced_caller(self, tx_hash: str) -> str | None:
        """Who called the ledger inside a transaction sent to another contract, by the node's call
        tracer: the one caller of every call frame into the ledger, or None."""
        try:
            trace = self.rpc.call("debug_traceTransaction", tx_hash, {"tracer": "callTracer"})
        except RpcError:
            return None  # the node does not trace: the authority check reports the caller unknown
        callers = set()
        frames = [trace]
        while frames:
            frame = frames.pop()
            if (frame.get("to") or "").lower() == self.ledger and frame.get("type") == "CALL":
                callers.add(frame["from"].lower())
            frames.extend(frame.get("calls", []))
        return callers.pop() if len(callers) == 1 else None
