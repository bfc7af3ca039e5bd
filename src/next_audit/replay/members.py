"""The membership registry's events: credit lines, admissions, statuses, key recovery, votes."""

from __future__ import annotations

from typing import Any

from next_audit.chain import word_address
from next_audit.ledger_state import (
    COMMITTEE,
    GOVERNANCE,
    REGISTRAR,
)
from next_audit.members import (
    ACTIVE,
    COUNCIL,
    EXCLUDED,
    FROZEN,
    MIGRATED,
    MOVED,
    NONE,
    SYSTEM,
    kind_phrase,
    status_phrase,
)
from next_audit.replay.base import ReplayBase
from next_audit.sentences import money, phrase


class MemberEvents(ReplayBase):
    """Credit lines, admissions, status changes, key recovery and the voting units."""

    def _on_DefaultCreditLineSet(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        kind = int.from_bytes(topics[0], "big")
        action = phrase("audit.action.default_credit", kind=kind_phrase(kind))
        self._require_role(COMMITTEE, action)
        if self.governance is not None and self.caller == self.governance.timelock:  # the committee's own are its
            self._governed(action, self.caller)
        self.ledger.default_lines[kind] = (values[0], values[1])

    def _on_CreditLineSet(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        address = word_address(topics[0])
        if self.by_clearing:  # a partner region's account: this region's governance sets its side
            self._require_partner(address, phrase("audit.action.partner_credit_line"))
            action = phrase("audit.action.relationship", account=address)
            self._require_role(GOVERNANCE, action, self.tx.sender)
            self._governed(action, self.tx.sender)
        else:
            self._require_role(COMMITTEE, phrase("audit.action.credit_line", account=address))
        account = self.ledger.account(address)
        if account.status not in (ACTIVE, FROZEN):
            self.rules.fail(
                address, "audit.ledger.credit_line_while", status=status_phrase(account.status), tx=self.tx.tx_hash
            )
        account.credit_limit, account.ceiling = values

    def _on_MemberAdmitted(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        address = word_address(topics[0])
        kind, region, kyc_hash, limit, ceiling = values
        account = self.ledger.account(address)
        if self.by_clearing and self.clearing is not None:
            if kind == SYSTEM:  # a partner region's account, opened by this region's governance
                self._require_partner(address, phrase("audit.action.partner_account"))
            elif self.clearing.named("MemberArrived", member=address) is None or account.status not in (NONE, MOVED):
                self.rules.fail(address, "audit.ledger.no_arrival", tx=self.tx.tx_hash)
            elif self.clearing.welcomed.pop(address, None) is None:
                self.rules.fail(address, "audit.ledger.no_welcome", tx=self.tx.tx_hash)
            if account.status == MOVED:  # back in a region it had left: it starts afresh
                account.status, account.received = NONE, 0
        elif kind == COUNCIL:  # a council is the members' decision
            action = phrase("audit.action.admit_council", account=address)
            self._require_role(GOVERNANCE, action)
            self._governed(action, self.caller)
        else:
            self._require_role(REGISTRAR, phrase("audit.action.admit", account=address))
        if account.status != NONE:
            self.rules.fail(
                address, "audit.ledger.admitted_again", status=status_phrase(account.status), tx=self.tx.tx_hash
            )
        if (limit, ceiling) != self.ledger.default_lines.get(kind, (0, 0)):
            self.rules.fail(address, "audit.ledger.admitted_line", limit=money(limit), ceiling=money(ceiling))
        account.status, account.kind, account.region, account.kyc_hash = ACTIVE, kind, region, kyc_hash
        account.credit_limit, account.ceiling = limit, ceiling
        account.since = self.tx.block_time if kind != SYSTEM else 0  # its vote's first checkpoint
        self.ledger.admitted += 1

    def _on_MemberStatusChanged(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        address = word_address(topics[0])
        previous, new = values
        account = self.ledger.account(address)
        if self.by_clearing and self.clearing is not None:  # a member leaving: by itself, announced
            if new != MOVED or address != self.tx.sender or self.clearing.named("MemberMoved", member=address) is None:
                self.rules.fail(
                    address, "audit.ledger.status_through_clearing", status=status_phrase(new), tx=self.tx.tx_hash
                )
            if account.balance != 0:
                self.rules.fail(
                    address, "audit.ledger.moved_with_balance", balance=money(account.balance), tx=self.tx.tx_hash
                )
            account.status = new
            return
        self._require_role(REGISTRAR, phrase("audit.action.status", account=address, status=status_phrase(new)))
        allowed = {(ACTIVE, FROZEN), (FROZEN, ACTIVE), (ACTIVE, EXCLUDED), (FROZEN, EXCLUDED)}
        if previous != account.status or (previous, new) not in allowed:
            self.rules.fail(
                address,
                "audit.ledger.status_change",
                previous=status_phrase(previous),
                new=status_phrase(new),
                current=status_phrase(account.status),
            )
        account.status = new

    def _on_AccountMigrated(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        old_address, new_address = word_address(topics[0]), word_address(topics[1])
        self._require_role(REGISTRAR, phrase("audit.action.migrate", old=old_address, new=new_address))
        old, new = self.ledger.account(old_address), self.ledger.account(new_address)
        if old.status not in (ACTIVE, FROZEN) or new.status != NONE:
            self.rules.fail(
                old_address, "audit.ledger.migrated_while", new=new_address, status=status_phrase(old.status)
            )
        if old.balance != 0:
            self.rules.fail(old_address, "audit.ledger.migrated_with_balance", balance=money(old.balance))
        new.status, new.kind, new.region, new.kyc_hash = old.status, old.kind, old.region, old.kyc_hash
        new.credit_limit, new.ceiling = old.credit_limit, old.ceiling
        new.received, new.since, new.pinned = old.received, old.since, old.pinned
        old.credit_limit, old.ceiling, old.status, old.successor = 0, 0, MIGRATED, new_address
        old.received = 0

    def _on_DelegateVotesChanged(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        """The voting roll: a member's votes change only with its status (admitted, frozen,
        unfrozen, excluded, migrated), from what they were to one if it may vote now, else zero."""
        address = word_address(topics[0])
        previous, new = values
        account = self.ledger.account(address)
        if previous != account.votes or new != int(account.voter):
            self.rules.fail(
                address,
                "audit.ledger.votes_one" if account.voter else "audit.ledger.votes_none",
                previous=previous,
                new=new,
                tx=self.tx.tx_hash,
                votes=account.votes,
                kind=kind_phrase(account.kind),
                status=status_phrase(account.status),
            )
        account.votes = new

    def _on_DelegateChanged(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        """Votes cannot be delegated (the registry refuses it): any delegation on record is a breach."""
        delegator, delegate = word_address(topics[0]), word_address(topics[2])
        self.rules.fail(delegator, "audit.ledger.delegated", delegate=delegate, tx=self.tx.tx_hash)

    def _on_EIP712DomainChanged(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        """The signing domain is fixed at deployment: a change on record is a breach."""
        self.rules.fail(self.ledger.address, "audit.ledger.domain_changed", tx=self.tx.tx_hash)
