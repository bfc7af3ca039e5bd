"""The ledger rebuilt from its events alone, with the rules every event must have followed.

The decoder here is driven by the shipped ABI: static event data read word by word as strictly as
eth_abi (next_contracts.abi_words, which the indexer reads with too; a property test holds it to
eth_abi), the rest by eth_abi. The handlers, a module per family of events, and the state they
rebuild are the auditor's own, and share nothing with the gateway's indexer.

Every account (balance, credit line, status, kind, region, KYC hash, successor), the reserve, the
fee, the pause flag, the default credit lines, the projects the reserve funds and the role holders
are rebuilt; every payment is checked against the payer's limit and the payee's ceiling as they
were at that moment, every instalment of a project against its schedule and the coverage floor,
and every registry, committee, governance and role event against the roles its sender held then.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eth_abi.abi import decode
from eth_utils.abi import event_abi_to_log_topic

from next_audit.bonuses import BonusAudit
from next_audit.chain import LedgerTransaction
from next_audit.clearing import ClearingAudit
from next_audit.commons import CommonsAudit
from next_audit.governance import GovernanceAudit
from next_audit.ledger_state import REGISTRAR, Ledger
from next_audit.replay.governed import GovernedEvents
from next_audit.replay.members import MemberEvents
from next_audit.replay.reserve import ReserveEvents
from next_audit.replay.transfers import TransferEvents
from next_audit.report import Check
from next_audit.sentences import phrase
from next_contracts.abi_words import read_words, static_words


class Replayer(GovernedEvents, MemberEvents, ReserveEvents, TransferEvents):
    """Applies the ledger's transactions in chain order; breaches go to `rules` as findings."""

    def __init__(self, abi: list[dict[str, Any]], ledger: str, deploy_tx: str, rules: Check, authority: Check) -> None:
        self.ledger = Ledger(ledger.lower())
        self.deploy_tx = deploy_tx.lower()
        self.rules = rules
        self.authority = authority
        self.governance: GovernanceAudit | None = None  # the votes behind governed changes, if governed
        self.bonuses: BonusAudit | None = None  # the councils' allowances, if the ledger has them
        self.commons: CommonsAudit | None = None  # the commons rewards, if the deployment has them
        self.clearing: ClearingAudit | None = None  # the clearing with other regions, if the ledger has one
        self.handlers: dict[bytes, tuple[str, list[str], Any, list[Callable[[bytes], Any]] | None]] = {}
        for item in abi:
            if item["type"] == "event":
                data_types = [i["type"] for i in item["inputs"] if not i["indexed"]]
                handler = getattr(self, "_on_" + item["name"], None)
                if handler is None:
                    raise ValueError(f"the auditor does not know the ledger event {item['name']}")
                topic = event_abi_to_log_topic(item)  # type: ignore[arg-type]
                self.handlers[topic] = (item["name"], data_types, handler, static_words(data_types))

    def apply(self, tx: LedgerTransaction) -> None:
        self.tx = tx
        self.in_constructor = tx.tx_hash.lower() == self.deploy_tx
        self.caller = tx.caller  # the ledger's msg.sender, when known
        # The ledger's clearing called it: a move across regions, a partner's account, a member moving.
        self.by_clearing = self.clearing is not None and self.caller == self.clearing.address
        if self.clearing is not None:
            self.clearing.begin(tx.clearing_logs)
            for name, args in self.clearing.events:
                if name == "MemberWelcomed":  # this region's registrar expects a member from another
                    self._require_role(REGISTRAR, phrase("audit.action.welcome", member=args["member"]), self.tx.sender)
                    self.clearing.welcomed[args["member"]] = args["from"]
        # The allowances' logs interleave with the ledger's: each spending announces the movement
        # that follows it.
        bonus_logs = iter(tx.bonus_logs if self.bonuses is not None else ())
        waiting = next(bonus_logs, None)
        for index, (topics, data) in enumerate(tx.logs):
            position = tx.log_indexes[index] if index < len(tx.log_indexes) else None
            while waiting is not None and self.bonuses is not None and position is not None and waiting[0] < position:
                self.bonuses.apply(tx, waiting[1], waiting[2])
                waiting = next(bonus_logs, None)
            self.ledger.events += 1
            entry = self.handlers.get(topics[0]) if topics else None
            if entry is None:
                self.rules.fail(tx.tx_hash, "audit.ledger.undeclared_event", topic=topics[0].hex() if topics else "-")
                continue
            _name, data_types, handler, words = entry
            values = read_words(words, data) if words is not None else None
            if values is None:  # dynamic types, or anything malformed: eth_abi's strict decoder says what
                values = decode(data_types, data) if data_types else ()
            following = tx.logs[index + 1] if index + 1 < len(tx.logs) else None
            handler(topics[1:], values, following)
        while waiting is not None and self.bonuses is not None:
            self.bonuses.apply(tx, waiting[1], waiting[2])
            waiting = next(bonus_logs, None)
        if self.bonuses is not None and self.bonuses.pending is not None:
            self.rules.fail(tx.tx_hash, "audit.ledger.spending_alone")
            self.bonuses.pending = None
        if self.commons is not None:
            self.commons.apply(tx)
        self.rules.checked += len(tx.logs)
