"""The gateway's histories against the chain's events, row by row.

Members read their histories at the gateway, so every event row it serves must be one the chain
emitted, unchanged: each transfer, member event, write-off, fee change, role change and ledger
event up to the audited block. The rows the gateway should serve are built here from the verified
receipts with eth_abi and the shipped ABI (nothing of the gateway's indexer), in the form its API
documents: addresses and 32-byte values as lowercase 0x-hex, kinds, statuses and role names as
words. Each row is keyed by (transaction hash, log index); a missing, extra or altered row is named
with its key, and an altered one with each field that differs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from eth_abi.abi import decode
from eth_utils.abi import event_abi_to_log_topic

from next_audit.bonuses import SPENT
from next_audit.chain import LedgerTransaction
from next_audit.clearing import EVENTS as CLEARING_EVENTS
from next_audit.commons import REWARD_PAID
from next_audit.ledger_state import ROLES
from next_audit.members import KINDS, STATUSES
from next_audit.report import Check
from next_audit.sentences import phrase
from next_contracts.vocabulary import TransferKind

WHERE = ("block_number", "block_time")
MOVED = 5  # MemberStatus.Moved
# The kind each clearing event gives the ledger movement just before it (the indexer's KIND_NAMED).
CLEARING_KINDS = {
    topic: kind
    for topic, (name, _inputs) in CLEARING_EVENTS.items()
    for event, kind in (
        ("PaidAcross", TransferKind.ACROSS),
        ("ReceivedAcross", TransferKind.ACROSS),
        ("PassedThrough", TransferKind.CLEARING),
        ("Netted", TransferKind.CLEARING),
        ("MemberArrived", TransferKind.MOVE),
    )
    if name == event
}
# The gateway's event tables and the fields of their rows (beyond tx_hash and log_index, the key).
TABLES: dict[str, tuple[str, ...]] = {
    "transfers": (*WHERE, "from_address", "to_address", "amount", "fee", "ref", "kind"),
    "member_events": (
        *WHERE, "event", "account", "other", "kind", "region", "kyc_hash", "credit_limit", "ceiling", "status",
    ),
    "write_offs": (*WHERE, "account", "debt", "covered", "uncovered", "ref"),
    "fee_changes": (*WHERE, "previous_fee_bps", "new_fee_bps"),
    "role_changes": (*WHERE, "role", "account", "sender", "granted"),
    "ledger_events": (
        *WHERE, "event", "account", "kind", "credit_limit", "ceiling", "region", "extra_credit", "ends_at"
    ),
}  # fmt: skip
Key = tuple[str, int]  # (tx hash, log index)


def _value(kind: str, value: Any) -> Any:
    if kind == "address":
        return value.lower() if isinstance(value, str) else "0x" + value[-20:].hex()
    if kind == "bytes32":
        return "0x" + value.hex()
    return value


class HistoryRecorder:
    """Collects, transaction by transaction, the rows each event table should hold."""

    def __init__(self, abi: list[dict[str, Any]], ledger: str, commons: str | None = None) -> None:
        self.ledger = ledger.lower()
        self.commons = commons.lower() if commons else None
        self.rows: dict[str, dict[Key, tuple[Any, ...]]] = {table: {} for table in TABLES}
        self.specs: dict[bytes, tuple[str, list[tuple[str, str]], list[tuple[str, str]]]] = {}
        for item in abi:
            if item["type"] == "event":
                indexed = [(i["name"], i["type"]) for i in item["inputs"] if i["indexed"]]
                data = [(i["name"], i["type"]) for i in item["inputs"] if not i["indexed"]]
                self.specs[event_abi_to_log_topic(item)] = (item["name"], indexed, data)  # type: ignore[arg-type]

    def apply(self, tx: LedgerTransaction) -> None:
        names = [self._decode(topics, data) for topics, data in tx.logs]
        # Each bonus spending is followed by its movement, the ledger's next Transferred: a "bonus".
        spendings = sorted(index for index, topics, _ in tx.bonus_logs if topics and topics[0] == SPENT)
        # A reward paid is the commons account's payment in the same transaction: a "reward".
        rewarded = any(topics and topics[0] == REWARD_PAID for topics, _ in tx.commons_logs)
        transfers: list[tuple[int, dict[str, Any]]] = []  # (log index, row), in log order
        made_rows: list[tuple[str, int, dict[str, Any]]] = []
        namers: list[tuple[int, str]] = []  # (log index, kind): an event naming the movement before it
        for position, (decoded, log_index) in enumerate(zip(names, tx.log_indexes, strict=True)):
            if decoded is None:
                continue  # not an event of the ledger's ABI: ledger.rules names it
            name, args = decoded
            following = names[position + 1] if position + 1 < len(names) else None
            made = self._row(name, args, following[0] if following else None)
            if name == "Transferred" and spendings and spendings[0] < log_index and made is not None:
                spendings.pop(0)
                made[1]["kind"] = TransferKind.BONUS
            elif name == "Transferred" and rewarded and made is not None and args.get("from") == self.commons:
                made[1]["kind"] = TransferKind.REWARD
            if made is not None:
                table, values = made
                row = {"block_number": tx.block_number, "block_time": tx.block_time, **values}
                made_rows.append((table, log_index, row))
                if table == "transfers":
                    transfers.append((log_index, row))
            if name == "MemberStatusChanged" and args.get("newStatus") == MOVED:
                namers.append((log_index, "move"))  # to another region: its balance carried just before
        # The clearing's events name the ledger movement just before each (as the gateway's
        # indexer does): a payment across regions, a move between two regions' accounts, a
        # member's balance carried in.
        namers += [
            (index, CLEARING_KINDS[topics[0]])
            for (topics, _), index in zip(tx.clearing_logs, tx.clearing_log_indexes, strict=False)
            if topics and topics[0] in CLEARING_KINDS
        ]
        for index, kind in namers:
            before = [values for log_index, values in transfers if log_index < index]
            if before:
                before[-1]["kind"] = kind
        for table, log_index, row in made_rows:
            self.rows[table][(tx.tx_hash.lower(), log_index)] = tuple(row.get(f) for f in TABLES[table])

    def _decode(self, topics: list[bytes], data: bytes) -> tuple[str, dict[str, Any]] | None:
        spec = self.specs.get(topics[0]) if topics else None
        if spec is None:
            return None
        name, indexed, data_fields = spec
        args: dict[str, Any] = {}
        for (field, kind), topic in zip(indexed, topics[1:], strict=False):
            args[field] = _value(kind, topic) if kind in ("address", "bytes32") else int.from_bytes(topic, "big")
        try:
            values = decode([kind for _, kind in data_fields], data) if data_fields else ()
        except Exception:  # a malformed log: ledger.rules names it
            return None
        for (field, kind), value in zip(data_fields, values, strict=True):
            args[field] = _value(kind, value)
        return name, args

    def _row(self, name: str, a: dict[str, Any], following: str | None) -> tuple[str, dict[str, Any]] | None:
        if name == "Transferred":
            kind = TransferKind.MIGRATION if following == "AccountMigrated" else TransferKind.PAYMENT
            if a["from"] == self.ledger:  # out of the reserve: a project's instalment, or a write-off
                kind = TransferKind.PROJECT if following == "InstalmentReleased" else TransferKind.WRITE_OFF
            return "transfers", {"from_address": a["from"], "to_address": a["to"], "amount": a["amount"],
                                 "fee": a["fee"], "ref": a["ref"], "kind": kind}  # fmt: skip
        member = {"other": None, "kind": None, "region": None, "kyc_hash": None, "credit_limit": None,
                  "ceiling": None, "status": None}  # fmt: skip
        if name == "MemberAdmitted":
            return "member_events", {**member, "event": "admitted", "account": a["account"],
                                     "kind": KINDS[a["kind"]] if a["kind"] < len(KINDS) else str(a["kind"]),
                                     "region": a["region"], "kyc_hash": a["kycHash"], "credit_limit": a["creditLimit"],
                                     "ceiling": a["ceiling"], "status": "active"}  # fmt: skip
        if name == "MemberStatusChanged":
            status = STATUSES[a["newStatus"]] if a["newStatus"] < len(STATUSES) else str(a["newStatus"])
            return "member_events", {**member, "event": "status_changed", "account": a["account"], "status": status}
        if name == "CreditLineSet":
            return "member_events", {**member, "event": "credit_line_set", "account": a["account"],
                                     "credit_limit": a["creditLimit"], "ceiling": a["ceiling"]}  # fmt: skip
        if name == "CreditPolicyApplied":
            return "member_events", {**member, "event": "credit_policy_applied", "account": a["account"],
                                     "credit_limit": a["newLimit"]}  # fmt: skip
        if name == "AccountMigrated":
            return "member_events", {**member, "event": "migrated", "account": a["from"], "other": a["to"]}
        if name == "DebtWrittenOff":
            return "write_offs", {"account": a["account"], "debt": a["debt"], "covered": a["covered"],
                                  "uncovered": a["uncovered"], "ref": a["ref"]}  # fmt: skip
        if name == "FeeChanged":
            return "fee_changes", {"previous_fee_bps": a["previousFeeBps"], "new_fee_bps": a["newFeeBps"]}
        if name in ("RoleGranted", "RoleRevoked"):
            role = ROLES.get(bytes.fromhex(a["role"][2:]), a["role"])
            return "role_changes", {"role": role, "account": a["account"], "sender": a["sender"],
                                    "granted": name == "RoleGranted"}  # fmt: skip
        if name in ("Paused", "Unpaused"):
            return "ledger_events", {"event": name.lower(), "account": a["account"], "kind": None,
                                     "credit_limit": None, "ceiling": None}  # fmt: skip
        if name == "DefaultCreditLineSet":
            member_kind = KINDS[a["kind"]] if a["kind"] < len(KINDS) else str(a["kind"])
            return "ledger_events", {"event": "default_credit_line_set", "account": None, "kind": member_kind,
                                     "credit_limit": a["creditLimit"], "ceiling": a["ceiling"]}  # fmt: skip
        if name == "StimulusSet":  # a vote's relance: its scope (None for all), its extra credit and end
            scope_kind = None if a["allKinds"] else KINDS[a["kind"]] if a["kind"] < len(KINDS) else str(a["kind"])
            return "ledger_events", {"event": "stimulus_set", "account": None, "kind": scope_kind, "credit_limit": None,
                                     "ceiling": None, "region": None if a["allRegions"] else a["region"],
                                     "extra_credit": a["extraCredit"], "ends_at": a["endsAt"]}  # fmt: skip
        return None  # RoleAdminChanged, StimulusBoundSet: the gateway keeps no table of them


def _served(value: Any) -> Any:
    return value.lower() if isinstance(value, str) and value.startswith("0x") else value


def compare_table(table: str, expected: dict[Key, tuple[Any, ...]], served: Iterable[dict[str, Any]],
                  block: int, check: Check) -> None:  # fmt: skip
    """Names every row of `table` the gateway serves up to `block` that is extra or altered, and every
    event of the chain it does not serve."""
    fields = TABLES[table]
    seen: set[Key] = set()
    for item in served:
        key = (str(item.get("tx_hash", "")).lower(), int(item.get("log_index", -1)))
        subject = f"{key[0]} log {key[1]}"
        check.checked += 1
        if key in seen:
            check.fail(subject, "audit.history.twice", table=table)
            continue
        seen.add(key)
        mine = expected.get(key)
        if mine is None:
            check.fail(subject, "audit.history.unknown", table=table, block=block)
            continue
        differences = [
            phrase("audit.history.field", field=name, chain=repr(value), served=repr(_served(item.get(name))))
            for name, value in zip(fields, mine, strict=True)
            if _served(item.get(name)) != value
        ]
        if differences:
            check.fail(subject, "audit.history.differs", table=table, differences=differences)
    for key in sorted(set(expected) - seen, key=lambda k: (expected[k][0], k[1])):
        check.fail(f"{key[0]} log {key[1]}", "audit.history.missing", table=table, block=expected[key][0])
