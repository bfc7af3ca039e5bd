"""The ledger's roles, its admin, and what governance sets: the fee, stimuli, the pause."""

from __future__ import annotations

from typing import Any

from next_audit.chain import word_address
from next_audit.ledger_state import (
    DEFAULT_ADMIN,
    GOVERNANCE,
    MAX_AMOUNT,
    MAX_FEE_BPS,
    PAUSER,
    ROLES,
)
from next_audit.replay.base import ReplayBase
from next_audit.sentences import bps, money, phrase


class GovernedEvents(ReplayBase):
    """Roles granted and revoked, the admin handed over, the fee, stimuli and the pause."""

    def _on_RoleGranted(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        role, account, sender = topics[0], word_address(topics[1]), word_address(topics[2])
        if role == DEFAULT_ADMIN and not self.in_constructor:
            # The one admin is never granted: a new admin accepts a transfer its predecessor began.
            if account != self.ledger.pending_admin or sender != account:
                self.authority.fail(account, "audit.ledger.admin_without_transfer", tx=self.tx.tx_hash)
            self.ledger.pending_admin = None
        else:
            admin = self.ledger.role_admins.get(role, DEFAULT_ADMIN)
            action = phrase("audit.action.grant", role=ROLES.get(role, role.hex()), account=account)
            self._require_role(admin, action, sender)
            self._governed(action, sender)
        self.ledger.roles.setdefault(role, set()).add(account)
        self.ledger.role_named.setdefault(role, set()).add(account)

    def _on_RoleRevoked(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        role, account, sender = topics[0], word_address(topics[1]), word_address(topics[2])
        accepting = role == DEFAULT_ADMIN and sender == self.ledger.pending_admin  # the old admin steps down
        if sender != account and not accepting:  # renouncing one's own role needs no other
            admin = self.ledger.role_admins.get(role, DEFAULT_ADMIN)
            action = phrase("audit.action.revoke", role=ROLES.get(role, role.hex()), account=account)
            self._require_role(admin, action, sender)
            self._governed(action, sender)
        self.ledger.roles.get(role, set()).discard(account)

    def _on_DefaultAdminTransferScheduled(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        new_admin = word_address(topics[0])
        action = phrase("audit.action.offer_admin", account=new_admin)
        self._require_role(DEFAULT_ADMIN, action)
        self._governed(action, self.caller)
        self.ledger.pending_admin = new_admin

    def _on_DefaultAdminTransferCanceled(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        self._require_role(DEFAULT_ADMIN, phrase("audit.action.withdraw_admin_offer"))
        self.ledger.pending_admin = None

    def _on_DefaultAdminDelayChangeScheduled(
        self, topics: list[bytes], values: tuple[Any, ...], following: Any
    ) -> None:
        self._require_role(DEFAULT_ADMIN, phrase("audit.action.admin_delay", seconds=values[0]))

    def _on_DefaultAdminDelayChangeCanceled(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        self._require_role(DEFAULT_ADMIN, phrase("audit.action.withdraw_admin_delay"))

    def _on_RoleAdminChanged(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        self.ledger.role_admins[topics[0]] = topics[2]

    def _on_FeeChanged(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        previous, new = values
        action = phrase("audit.action.fee", fee=bps(new))
        self._require_role(GOVERNANCE, action)
        self._governed(action, self.caller)
        if previous != self.ledger.fee_bps or new > MAX_FEE_BPS:
            self.rules.fail(
                self.tx.tx_hash,
                "audit.ledger.fee_change",
                previous=bps(previous),
                new=bps(new),
                fee=bps(self.ledger.fee_bps),
            )
        self.ledger.fee_bps = new

    def _on_StimulusSet(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        all_regions, region, all_kinds, kind, extra, ends_at = values
        action = phrase("audit.action.stimulus", extra=money(extra), ends_at=ends_at)
        self._require_role(GOVERNANCE, action)
        self._governed(action, self.caller)
        max_extra, max_duration = self.ledger.stimulus_bound
        latest = self.tx.block_time + max_duration
        if extra > MAX_AMOUNT or extra > max_extra or (extra and ends_at > latest):
            self.rules.fail(
                self.tx.tx_hash,
                "audit.ledger.stimulus_past_bound",
                extra=money(extra),
                ends_at=ends_at,
                max_extra=money(max_extra),
                latest=latest,
            )
        self.ledger.stimuli[(bool(all_regions), region, bool(all_kinds), kind)] = (extra, ends_at)

    def _on_StimulusBoundSet(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        max_extra, max_duration = values
        action = phrase("audit.action.stimulus_bound", extra=money(max_extra), seconds=max_duration)
        self._require_role(DEFAULT_ADMIN, action)
        self._governed(action, self.caller)
        if max_extra > MAX_AMOUNT:
            self.rules.fail(self.tx.tx_hash, "audit.ledger.stimulus_bound_too_large", extra=money(max_extra))
        self.ledger.stimulus_bound = (max_extra, max_duration)

    def _on_Paused(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        self._require_role(PAUSER, phrase("audit.action.pause"), values[0].lower())
        self.ledger.paused = True

    def _on_Unpaused(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        self._require_role(PAUSER, phrase("audit.action.unpause"), values[0].lower())
        self.ledger.paused = False
