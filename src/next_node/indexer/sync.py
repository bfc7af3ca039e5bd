"""The indexing loop: eth_getLogs in ranges of blocks, one database transaction per range.

- The cursor (`sync_state`: last block and its hash) is written in the transaction of the batch it
  ends, so a crash at any instant resumes exactly where the last commit stopped; events are also
  unique on (tx_hash, log_index), so nothing is ever counted twice.
- The next range's logs are fetched while this one is decoded and written (the node serialises them
  in its own process meanwhile); they are used only if the range's last block still has the hash
  read before them. A range is at most `batch_blocks` blocks, and ends before its gas used (read
  from eth_feeHistory, one call per 1,024 blocks) passes RANGE_GAS: the work of a range stays a
  few thousand logs however dense the blocks, so that fetching and writing overlap.
- Before each batch, the parent hash of its first block must be the cursor's hash. If it is not,
  the chain was rewound: the index goes back to the common ancestor (the newest stored block whose
  hash the chain still has), drops what came after, and rebuilds the derived tables from the
  events it kept. Confirmations (0 by default: QBFT's finality is instant) hold back the head.
- Whatever fails (the node, the database), the Supervisor (supervisor.py) logs it, backs off and
  tries again; its IndexStatus is what /health reports.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, NoReturn

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from web3 import Web3

from next_contracts.deploy import Deployment
from next_node.db.models import (
    DERIVED_TABLES,
    EVENT_TABLES,
    Block,
    SyncState,
)
from next_node.db.schema import ensure_schema
from next_node.errors import DeploymentMismatchError, NodeError
from next_node.indexer import cycles
from next_node.indexer.apply import open_batch
from next_node.indexer.decode import Contracts, Event
from next_node.indexer.replay import stored_events

log = logging.getLogger("next_node.indexer")
REPLAY_CHUNK = 50_000
STEP_ATTEMPTS = 5  # reads of one batch while the head keeps moving
HEADERS_PER_BATCH = 500
# A range of blocks ends before its gas used passes this (at least one block): some 30,000 lines of
# batch payments, or 12,000 single payments. Without it a range of 2,000 dense blocks is one
# eth_getLogs of millions of logs, which nothing overlaps; with it the next range is fetched while
# one is written.
RANGE_GAS = 500_000_000
FEE_HISTORY_BLOCKS = 1_024  # the most geth, Besu and anvil answer in one eth_feeHistory
# A step's phases: the head, eth_getLogs and the end block's header (the node's work, the transfer
# and the JSON parsing; a range fetched ahead is waited for here), decoding the logs, the headers of
# the blocks with events, and applying and writing them with the cursor in one transaction.
PHASES = ("fetch", "decode", "headers", "write")


class RpcError(NodeError):
    """The node answered a JSON-RPC request with an error."""


class ChainMovedError(RpcError):
    """The chain changed under a read (a block replaced or not there yet): read again."""


@dataclass(frozen=True)
class IndexerSettings:
    batch_blocks: int = 2_000
    confirmations: int = 0
    poll_interval: float = 1.0
    retry_interval: float = 0.5  # the first wait after a failure; it doubles up to retry_max
    retry_max: float = 30.0
    until_block: int | None = None  # stop there (tests, and re-indexing a range)


@dataclass(frozen=True)
class FetchedRange:
    start: int
    end: int
    logs: list[dict[str, Any]]
    end_header: dict[str, Any]
    headers: dict[int, dict[str, Any]]  # of the blocks with logs


@dataclass(frozen=True)
class Progress:
    """What one step did: the block range written and the events in it."""

    first_block: int
    last_block: int
    events: int
    head: int


class Indexer:
    def __init__(
        self, engine: Engine, w3: Web3, deployment: Deployment, settings: IndexerSettings | None = None
    ) -> None:
        self.engine = engine
        self.w3 = w3
        self.deployment = deployment
        self.ledger = deployment.ledger.lower()
        self.contracts = Contracts.of(deployment)  # every contract followed, under one cursor
        self.settings = settings or IndexerSettings()
        self.last_head: int | None = None  # the head as the last step read it
        self._ahead: Future[FetchedRange] | None = None  # the next range, fetched while one is written
        self._executor: ThreadPoolExecutor | None = None
        # Where a catch-up's time goes, summed over its steps (bench-index prints it).
        self.phase_seconds = dict.fromkeys(PHASES, 0.0)
        # An index of another schema version is dropped here, to be indexed again from the chain.
        self.rebuild = ensure_schema(
            engine, chain_id=deployment.chain_id, ledger=self.ledger, contracts=str(self.contracts)
        )
        self._init_cursor()

    # JSON-RPC, raw: web3's result formatting is not needed here and costs more than the decoding.
    def _rpc(self, method: str, params: list[Any]) -> Any:
        response = self.w3.provider.make_request(method, params)  # type: ignore[arg-type]
        if "error" in response:
            raise RpcError(f"{method}: {response['error']}")
        return response["result"]

    def _header(self, number: int) -> dict[str, Any]:
        header = self._rpc("eth_getBlockByNumber", [hex(number), False])
        if header is None:
            raise ChainMovedError(f"block {number} is not on the chain (yet)")
        return dict(header)

    def _init_cursor(self) -> None:
        with Session(self.engine) as session, session.begin():
            sync = session.get(SyncState, 1)
            if sync is None:
                session.add(
                    SyncState(
                        id=1,
                        chain_id=self.deployment.chain_id,
                        ledger=self.ledger,
                        contracts=str(self.contracts),
                        deploy_block=self.deployment.deploy_block,
                        last_block=self.deployment.deploy_block - 1,
                        last_block_hash=None,
                    )
                )
            elif (sync.chain_id, sync.ledger) != (self.deployment.chain_id, self.ledger):
                raise DeploymentMismatchError(
                    f"this database indexes ledger {sync.ledger} on chain {sync.chain_id}, "
                    f"not {self.ledger} on chain {self.deployment.chain_id}"
                )

    def cursor(self) -> tuple[int, str | None]:
        with Session(self.engine) as session:
            sync = session.get(SyncState, 1)
            assert sync is not None
            return sync.last_block, sync.last_block_hash

    def head(self) -> int:
        head = int(self._rpc("eth_blockNumber", []), 16) - self.settings.confirmations
        until = self.settings.until_block
        self.last_head = head if until is None else min(head, until)
        return self.last_head

    # ---------------------------------------------------------------------------------------------

    def step(self) -> Progress | None:
        """Indexes the next batch of blocks; None when caught up with the head.

        The head may move while a batch is read (a block replaced between eth_blockNumber and
        eth_getLogs, or a rewind): the batch is then read again, from a fresh head, at most
        STEP_ATTEMPTS times; past that, ChainMovedError for the caller to retry later."""
        for _ in range(STEP_ATTEMPTS):
            try:
                return self._step()
            except ChainMovedError as error:
                self._ahead = None
                log.info("%s; reading the range again", error)
        raise ChainMovedError(f"the chain kept moving during {STEP_ATTEMPTS} attempts to read a batch")

    def _step(self) -> Progress | None:
        began = time.perf_counter()
        head = self.head()
        last, last_hash = self.cursor()
        if head <= last:
            if last_hash is not None and self._hash_of(last) != last_hash:
                self._rewind_and_move_on(f"block {last} was replaced")  # or the chain is now shorter
            self.refresh_cycles(last)
            return None
        start = last + 1
        if last_hash is not None and self._header(start)["parentHash"] != last_hash:
            self._rewind_and_move_on(f"the parent of block {start} was replaced")
        batch = self._take_ahead(start) or self._fetch(start, min(head, last + self.settings.batch_blocks))
        end, end_hash = batch.end, batch.end_header["hash"]
        if self._hash_of(end) != end_hash:  # replaced since: the logs may be another chain's
            raise ChainMovedError(f"block {end} changed while the batch was read")
        if head > end:  # the node serialises the next range while this one is decoded and written
            self._ahead = self._prefetcher().submit(self._fetch, end + 1, min(head, end + self.settings.batch_blocks))
        fetched = time.perf_counter()
        decode = self.contracts.decode
        events = [e for e in (decode(entry) for entry in batch.logs if not entry.get("removed")) if e is not None]
        if any(e.block_number == end and e.block_hash != end_hash for e in events):
            raise ChainMovedError(f"block {end} changed while the batch was read")
        decoded = time.perf_counter()
        events, blocks = self._blocks(events, batch.headers)
        headed = time.perf_counter()
        self._write(events, blocks, end, end_hash)
        for phase, seconds in zip(PHASES, (fetched - began, decoded - fetched, headed - decoded,
                                           time.perf_counter() - headed), strict=True):  # fmt: skip
            self.phase_seconds[phase] += seconds
        return Progress(start, end, len(events), head)

    def _fetch(self, start: int, end: int) -> FetchedRange:
        """The ledger's logs of blocks start..end, with their blocks' headers, and block `end`'s
        header read before them: they are that chain's as long as block `end` still has that hash
        (its hash covers every block before it), which the step checks when it uses them."""
        end = self._gas_bounded_end(start, end)
        end_header = self._header(end)
        query = {"address": self.contracts.addresses, "fromBlock": hex(start), "toBlock": hex(end)}
        logs = self._rpc("eth_getLogs", [query])
        # and the headers of the blocks that hold them (their times, hashes and parents)
        headers = self._headers(sorted({int(entry["blockNumber"], 16) for entry in logs if not entry.get("removed")}))
        return FetchedRange(start, end, logs, end_header, headers)

    def _gas_bounded_end(self, start: int, end: int) -> int:
        """The last block from `start` to `end` before the gas used passes RANGE_GAS (`start` at
        least). Only a bound on the work: a node without eth_feeHistory gets the whole range."""
        if end <= start:
            return end
        try:
            gas_limit = int(self._header(start)["gasLimit"], 16)
            used = 0.0
            for oldest in range(start, end + 1, FEE_HISTORY_BLOCKS):
                newest = min(end, oldest + FEE_HISTORY_BLOCKS - 1)
                history = self._rpc("eth_feeHistory", [hex(newest - oldest + 1), hex(newest), []])
                if int(history["oldestBlock"], 16) != oldest:
                    return end  # not the blocks asked for: no bound, rather than a wrong one
                for number, ratio in enumerate(history["gasUsedRatio"], start=oldest):
                    used += ratio * gas_limit
                    if used > RANGE_GAS:
                        return max(start, number - 1)
        except (RpcError, KeyError, TypeError, ValueError) as error:
            log.debug("no gas bound on blocks %d..%d: %s", start, end, error)
        return end

    def _take_ahead(self, start: int) -> FetchedRange | None:
        """The range fetched ahead, if it begins at `start` and its fetch succeeded."""
        ahead, self._ahead = self._ahead, None
        if ahead is None:
            return None
        try:
            batch = ahead.result()
        except Exception as error:  # fetched again now, where its error (if it lasts) is raised
            log.info("the range fetched ahead failed (%s); fetching it again", error)
            return None
        return batch if batch.start == start else None

    def _prefetcher(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="index-fetch")
        return self._executor

    def _rewind_and_move_on(self, why: str) -> NoReturn:
        self._ahead = None
        self.rewind()
        raise ChainMovedError(why)

    def _hash_of(self, number: int) -> str | None:
        header = self._rpc("eth_getBlockByNumber", [hex(number), False])
        return None if header is None else str(header["hash"])

    def _headers(self, numbers: list[int]) -> dict[int, dict[str, Any]]:
        """Block headers by number, in batched JSON-RPC requests of at most HEADERS_PER_BATCH (geth
        refuses a batch of more than 1,000 calls, Besu of more than 1,024)."""
        headers: dict[int, dict[str, Any]] = {}
        for start in range(0, len(numbers), HEADERS_PER_BATCH):
            chunk = numbers[start : start + HEADERS_PER_BATCH]
            responses = self.w3.provider.make_batch_request(  # type: ignore[attr-defined]
                [("eth_getBlockByNumber", [hex(n), False]) for n in chunk]
            )
            if isinstance(responses, dict) or any("error" in r for r in responses):
                raise RpcError(f"could not read the headers of blocks {chunk[0]}..{chunk[-1]}")
            if any(r.get("result") is None for r in responses):
                raise ChainMovedError(f"a block of {chunk[0]}..{chunk[-1]} is no longer on the chain")
            headers.update((int(r["result"]["number"], 16), r["result"]) for r in responses)
        return headers

    def _blocks(
        self, events: list[Event], fetched: dict[int, dict[str, Any]]
    ) -> tuple[list[Event], list[dict[str, Any]]]:
        """The blocks that hold events (number, hash, parent hash, time), from the headers fetched
        with the logs, and the events with their block times filled in where the node's logs carry
        no blockTimestamp (anvil's do)."""
        numbers = sorted({e.block_number for e in events})
        missing = [n for n in numbers if n not in fetched]
        headers = {n: fetched[n] for n in numbers if n in fetched} | self._headers(missing)
        for event in events:
            if headers[event.block_number]["hash"] != event.block_hash:
                raise ChainMovedError("the chain moved while the batch was read")
        blocks = [
            {
                "number": n,
                "hash": h["hash"],
                "parent_hash": h["parentHash"],
                "timestamp": int(h["timestamp"], 16),
            }
            for n, h in headers.items()
        ]
        times = {b["number"]: b["timestamp"] for b in blocks}
        events = [e if e.block_time is not None else replace(e, block_time=times[e.block_number]) for e in events]
        return events, blocks

    def _write(self, events: list[Event], blocks: list[dict[str, Any]], end: int, end_hash: str) -> None:
        with Session(self.engine) as session, session.begin():
            batch = open_batch(session, self.contracts)
            batch.apply(events)
            batch.write()
            if blocks:
                session.execute(Block.__table__.insert(), blocks)  # type: ignore[attr-defined]
            sync = session.get(SyncState, 1)
            assert sync is not None
            sync.last_block, sync.last_block_hash = end, end_hash

    def refresh_cycles(self, last: int) -> str | None:
        """When caught up: the cycles of one month that needs them (indexer/cycles.py), in a
        transaction of their own; returns the month."""
        with Session(self.engine) as session, session.begin():
            return cycles.refresh(session, last)

    # ---------------------------------------------------------------------------------------------

    def reconcile(self) -> int | None:
        """If the indexed head is no longer the chain's (a chain restarted from an older save is
        shorter), back to their common block now; returns it, or None when nothing was to undo."""
        last, last_hash = self.cursor()
        if last_hash is None or self._hash_of(last) == last_hash:
            return None
        return self.rewind()

    def rewind(self) -> int:
        """Back to the common ancestor with the chain; returns its number."""
        self._ahead = None
        with Session(self.engine) as session:
            blocks = Block.__table__  # type: ignore[attr-defined]
            stored = session.execute(select(blocks.c.number, blocks.c.hash).order_by(blocks.c.number.desc())).all()
        ancestor, ancestor_hash = self.deployment.deploy_block - 1, None
        for number, block_hash in stored:
            header = self._rpc("eth_getBlockByNumber", [hex(number), False])
            if header is not None and header["hash"] == block_hash:
                ancestor, ancestor_hash = number, block_hash
                break
        log.warning("the chain was rewound: indexing again from block %d", ancestor + 1)
        with Session(self.engine) as session, session.begin():
            for model in (*EVENT_TABLES, Block):
                table = model.__table__  # type: ignore[attr-defined]
                column = table.c.number if model is Block else table.c.block_number
                session.execute(delete(table).where(column > ancestor))
            for model in DERIVED_TABLES:
                session.execute(delete(model))
            self._rebuild(session)
            sync = session.get(SyncState, 1)
            assert sync is not None
            sync.last_block, sync.last_block_hash = ancestor, ancestor_hash
        return ancestor

    def _rebuild(self, session: Session) -> None:
        chunk: list[Event] = []
        for event in stored_events(session):
            chunk.append(event)
            if len(chunk) >= REPLAY_CHUNK:
                self._replay(session, chunk)
                chunk = []
        self._replay(session, chunk)

    def _replay(self, session: Session, events: list[Event]) -> None:
        batch = open_batch(session, self.contracts)
        batch.apply(events, record=False)
        batch.write()
        session.flush()
