"""The state and the checks that every family of the ledger's events shares."""

from __future__ import annotations

from typing import Any

from next_audit.bonuses import BonusAudit
from next_audit.chain import LedgerTransaction
from next_audit.clearing import ClearingAudit
from next_audit.commons import CommonsAudit
from next_audit.governance import GovernanceAudit
from next_audit.ledger_state import (
    ROLES,
    Ledger,
)
from next_audit.members import (
    ACTIVE,
    COUNCIL,
)
from next_audit.report import Check


class ReplayBase:
    """What every family of the ledger's events reads and checks: the rebuilt ledger, the findings'
    checks, the transaction being replayed and who sent it, and the other contracts' audits."""

    ledger: Ledger
    deploy_tx: str
    rules: Check
    authority: Check
    governance: GovernanceAudit | None
    bonuses: BonusAudit | None
    commons: CommonsAudit | None
    clearing: ClearingAudit | None
    tx: LedgerTransaction
    in_constructor: bool
    caller: str | None
    by_clearing: bool

    def available(self, address: str) -> int:
        """The ledger's availableCredit rule at the last replayed transaction's time (what the
        gateway serves): nothing for an account that is not active; else its balance, credit limit
        and running stimulus, less what a council's live allowances hold back."""
        account = self.ledger.accounts.get(address)
        if account is None or account.status != ACTIVE:
            return 0
        time = self.tx.block_time if hasattr(self, "tx") else 0
        if self.bonuses is not None and account.kind == COUNCIL:
            return self.bonuses.available(address, time)  # the same rule, less what its runs hold back
        return max(0, account.balance + account.credit_limit + self.ledger.stimulus(account.region, account.kind, time))

    # -- who may do what ----------------------------------------------------------------------

    def _require_role(self, role: bytes, what: dict[str, Any], caller: str | None = None) -> None:
        """`what` (an action, a phrase of the catalogue) is made by a holder of `role`."""
        if self.in_constructor:
            return
        caller = caller or self.caller
        self.authority.checked += 1
        if caller is not None:  # the state check then asks the contract whether it holds the role
            self.ledger.role_named.setdefault(role, set()).add(caller)
        if caller is None:
            self.authority.fail(self.tx.tx_hash, "audit.ledger.untraced_caller", action=what, contract=self.tx.to)
        elif not self.ledger.has_role(role, caller):
            self.authority.fail(
                caller,
                "audit.ledger.without_role",
                action=what,
                tx=self.tx.tx_hash,
                role=ROLES[role],
                block=self.tx.block_number,
            )

    def _governed(self, what: dict[str, Any], actor: str | None) -> None:
        """A governed change (the fee, a role, the admin): the governance audit judges its actor."""
        if self.governance is not None and not self.in_constructor:
            self.governance.governed(self.tx, actor, what)

    def _require_partner(self, address: str, what: dict[str, Any]) -> None:
        if self.clearing is None or address not in self.clearing.partners:
            self.rules.fail(address, "audit.ledger.not_partner", action=what, tx=self.tx.tx_hash)
