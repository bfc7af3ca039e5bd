"""A council's bonus run: a CSV of payees and amounts, checked whole, then paid in payBatch chunks.

Exactly once, even across a crash or a Ctrl-C: each chunk is signed with an explicit nonce, and
the signed bytes go into the journal (written and fsynced) *before* they are broadcast. A re-run
reads the journal first: a chunk whose transaction was mined is done; one that never reached the
chain is broadcast again, the very same bytes (same nonce, so it cannot be paid twice); only then
are the remaining lines signed and sent.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount

from next_wallet.amounts import format_amount, parse_amount
from next_wallet.config import checked_address
from next_wallet.errors import BadInputError, InsufficientCreditError, NotMemberError, WalletError
from next_wallet.ledger import Ledger


@dataclass(frozen=True)
class Line:
    number: int  # in the file, the header being line 1
    address: str
    amount: int


@dataclass
class Journal:
    path: Path
    file_sha256: str
    sender: str
    chunks: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def open(cls, path: Path, file_sha256: str, sender: str) -> Journal:
        if path.exists():
            data = json.loads(path.read_text())
            if data["file_sha256"] != file_sha256 or data["sender"] != sender:
                raise WalletError(f"the journal {path} is for another file or sender: move it away to start anew")
            return cls(path, file_sha256, sender, data["chunks"])
        return cls(path, file_sha256, sender)

    def save(self) -> None:
        temporary = self.path.with_suffix(".tmp")
        with open(temporary, "w") as file:
            json.dump(
                {"file_sha256": self.file_sha256, "sender": self.sender, "chunks": self.chunks},
                file,
                indent=1,
            )
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.path)  # atomic: the journal is always one whole version

    @property
    def lines_done(self) -> int:
        return max((c["end"] for c in self.chunks), default=0)


def read_lines(path: Path) -> tuple[list[Line], list[str]]:
    """The file's lines, and a message for every bad one (with its line number)."""
    lines: list[Line] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    try:
        with open(path, newline="") as file:
            reader = csv.DictReader(file)
            if not reader.fieldnames or not {"address", "amount"} <= {f.strip().lower() for f in reader.fieldnames}:
                return [], [f"{path}: the first line must name the columns address and amount"]
            for row in reader:
                number = reader.line_num
                row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
                try:
                    address = checked_address(row["address"], "payee address")
                    amount = parse_amount(row["amount"])
                except BadInputError as error:
                    problems.append(f"line {number}: {error}")
                    continue
                if address in seen:
                    problems.append(f"line {number}: {address} is already on line {seen[address]}")
                    continue
                seen[address] = number
                lines.append(Line(number, address, amount))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        return [], [f"{path}: cannot read it: {error}"]
    if not lines and not problems:
        problems.append(f"{path}: no payment in it")
    return lines, problems


def check(ledger: Ledger, sender: str, lines: list[Line]) -> tuple[list[str], int, int]:
    """What the chain says of the file: every payee an active member, the total within the
    sender's available credit. Returns (problems, total, fees)."""
    problems = []
    for line in lines:
        status = ledger.payee_status(line.address)
        if status != "active":
            problems.append(f"line {line.number}: {line.address} cannot be paid: it is {status}")
    me = ledger.account(sender)
    if me.status != "active":
        raise NotMemberError(f"your account {sender} cannot pay: it is {me.status}")
    total = sum(line.amount for line in lines)
    fees = sum(ledger.fee(line.amount) for line in lines)
    if total + fees > me.available:
        raise InsufficientCreditError(
            f"the file pays {format_amount(total)} plus {format_amount(fees)} of fees, but only "
            f"{format_amount(me.available)} of credit is available"
        )
    return problems, total, fees


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pay(
    ledger: Ledger,
    account: LocalAccount,
    lines: list[Line],
    journal: Journal,
    ref: bytes,
    chunk_size: int,
    on_chunk: Callable[[int], None],
) -> list[str]:
    """Settles what the journal left in flight, then pays the remaining lines; returns tx hashes."""
    hashes = []
    for chunk in journal.chunks:  # first, what an earlier run signed
        if chunk["status"] != "confirmed":
            _settle(ledger, chunk)
            journal.save()
        hashes.append(chunk["tx_hash"])
        on_chunk(chunk["end"] - chunk["start"])
    start = journal.lines_done
    while start < len(lines):
        part = lines[start : start + chunk_size]
        call = ledger.contract.functions.payBatch([line.address for line in part], [line.amount for line in part], ref)
        tx = ledger.build(account.address, call)
        signed = account.sign_transaction(tx)
        chunk = {
            "start": start,
            "end": start + len(part),
            "nonce": tx["nonce"],
            "status": "signed",
            "tx_hash": signed.hash.to_0x_hex(),
            "raw": signed.raw_transaction.to_0x_hex(),
        }
        journal.chunks.append(chunk)
        journal.save()  # before the broadcast: a crash from here on is settled by the next run
        _settle(ledger, chunk)
        journal.save()
        hashes.append(chunk["tx_hash"])
        on_chunk(len(part))
        start += len(part)
    return hashes


def _settle(ledger: Ledger, chunk: dict[str, Any]) -> None:
    """Brings a signed chunk to a mined receipt, broadcasting its bytes again if needed."""
    if not ledger.known(chunk["tx_hash"]):
        try:
            ledger.send_signed(bytes.fromhex(chunk["raw"][2:]))
        except WalletError:
            raise
        except Exception as error:  # "already known": it is in the pool, waiting
            if "known" not in str(error).lower():
                raise WalletError(f"the node refused chunk {chunk['start']}-{chunk['end']}: {error}") from None
    ledger.wait(chunk["tx_hash"])
    chunk["status"] = "confirmed"
