"""The reserve's events: write-offs, the projects it funds, its floor, and the credit policy."""

from __future__ import annotations

from typing import Any

from next_audit.chain import word_address
from next_audit.ledger_state import (
    BPS,
    COMMITTEE,
    GOVERNANCE,
    MAX_AMOUNT,
    YEAR,
    Project,
)
from next_audit.members import (
    ACTIVE,
    EXCLUDED,
    kind_phrase,
    status_phrase,
)
from next_audit.replay.base import ReplayBase
from next_audit.sentences import bps, money, phrase


class ReserveEvents(ReplayBase):
    """Write-offs, projects and their instalments, the coverage floor, the credit policy."""

    def _on_DebtWrittenOff(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        address = word_address(topics[0])
        debt, covered, uncovered, _ref = values
        self._require_role(COMMITTEE, phrase("audit.action.write_off", account=address))
        account = self.ledger.account(address)
        before = account.balance - covered  # the covering movement came just before
        reserve_before = self.ledger.reserve + covered
        if account.status != EXCLUDED:
            self.rules.fail(address, "audit.ledger.write_off_while", status=status_phrase(account.status))
        if debt != -before or covered != min(debt, reserve_before) or covered + uncovered != debt:
            self.rules.fail(
                address,
                "audit.ledger.write_off_off",
                debt=money(debt),
                covered=money(covered),
                uncovered=money(uncovered),
                balance=money(before),
                reserve=money(reserve_before),
            )
        self.ledger.debt_covered += covered

    def _on_ProjectFunded(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        project_id, account = int.from_bytes(topics[0], "big"), word_address(topics[1])
        instalment, instalments, interval, starts_at, _ref = values
        action = phrase(
            "audit.action.fund_project", project=project_id, instalments=instalments, instalment=money(instalment)
        )
        self._require_role(GOVERNANCE, action)
        self._governed(action, self.caller)
        if project_id != len(self.ledger.projects) + 1 or self.ledger.account(account).status != ACTIVE:
            self.rules.fail(account, "audit.ledger.project_order", project=project_id)
        self.ledger.projects[project_id] = Project(account, instalment, instalments, interval, starts_at)

    def _on_InstalmentReleased(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        """The movement out of the reserve came just before (and was applied): the instalment must
        be the project's next, due by now, and leave the reserve at or above the coverage floor."""
        project_id, account = int.from_bytes(topics[0], "big"), word_address(topics[1])
        number, amount = values
        ledger, tx = self.ledger, self.tx.tx_hash
        project = ledger.projects.get(project_id)
        if project is None:
            self.rules.fail(account, "audit.ledger.unknown_project", project=project_id, tx=tx)
            return
        due_at = project.starts_at + project.paid * project.interval
        if (
            project.cancelled
            or number != project.paid + 1
            or number > project.instalments
            or amount != project.instalment
            or account != project.account
            or due_at > self.tx.block_time
        ):
            self.rules.fail(
                account, "audit.ledger.off_schedule", number=number, amount=money(amount), project=project_id, tx=tx
            )
        credit_in_use = ledger.debts
        if ledger.reserve * BPS < ledger.coverage_floor_bps * credit_in_use:
            self.rules.fail(
                account,
                "audit.ledger.below_floor",
                number=number,
                project=project_id,
                reserve=money(ledger.reserve),
                credit=money(credit_in_use),
                floor=bps(ledger.coverage_floor_bps),
                tx=tx,
            )
        project.paid += 1
        ledger.projects_paid += amount

    def _on_ProjectCancelled(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        project_id = int.from_bytes(topics[0], "big")
        action = phrase("audit.action.cancel_project", project=project_id)
        self._require_role(GOVERNANCE, action)
        self._governed(action, self.caller)
        project = self.ledger.projects.get(project_id)
        if project is None or project.cancelled or values[0] != project.paid:
            self.rules.fail(self.tx.tx_hash, "audit.ledger.cancel_off", project=project_id)
        else:
            project.cancelled = True

    def _on_CoverageFloorSet(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        previous, new = values
        action = phrase("audit.action.coverage_floor", floor=bps(new))
        self._require_role(GOVERNANCE, action)
        self._governed(action, self.caller)
        if previous != self.ledger.coverage_floor_bps:
            floor = self.ledger.coverage_floor_bps
            self.rules.fail(
                self.tx.tx_hash, "audit.ledger.floor_change", previous=bps(previous), new=bps(new), floor=bps(floor)
            )
        self.ledger.coverage_floor_bps = new

    def _on_CreditPolicySet(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        kind = int.from_bytes(topics[0], "big")
        version, per_year, turnover_bps, cap = values
        kind_words = kind_phrase(kind)
        action = phrase("audit.action.credit_policy", kind=kind_words)
        self._require_role(GOVERNANCE, action)
        self._governed(action, self.caller)
        previous = self.ledger.credit_policies.get(kind, (0, 0, 0, 0))[3]
        if version != previous + 1 or turnover_bps > BPS or cap > MAX_AMOUNT:
            self.rules.fail(
                self.tx.tx_hash, "audit.ledger.policy_version", version=version, kind=kind_words, previous=previous
            )
        self.ledger.credit_policies[kind] = (per_year, turnover_bps, cap, version)

    def _on_CreditPolicyApplied(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        """Anyone may apply the policy: the new limit must be the one its rule gives now."""
        address = word_address(topics[0])
        kind, version, years, turnover, previous, new = values
        ledger, account = self.ledger, self.ledger.account(address)
        per_year, turnover_bps, cap, current = ledger.credit_policies.get(kind, (0, 0, 0, 0))
        elapsed = self.tx.block_time - account.since
        expected_years = elapsed // YEAR if account.since and elapsed > 0 else 0
        base = ledger.default_lines.get(kind, (0, 0))[0]
        expected = min(cap, base + expected_years * per_year + account.received * turnover_bps // BPS)
        facts = (kind, version, years, turnover, previous, new)
        if (
            account.status != ACTIVE
            or account.pinned
            or facts != (account.kind, current, expected_years, account.received, account.credit_limit, expected)
            or new <= previous
        ):
            self.rules.fail(
                address,
                "audit.ledger.policy_applied",
                version=version,
                previous=money(previous),
                new=money(new),
                years=years,
                turnover=money(turnover),
                rule=current,
                expected=money(expected),
                expected_years=expected_years,
                received=money(account.received),
                limit=money(account.credit_limit),
                tx=self.tx.tx_hash,
            )
        account.credit_limit = new

    def _on_CreditLinePinned(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        address, (pinned,) = word_address(topics[0]), values
        if not pinned:
            self._require_role(COMMITTEE, phrase("audit.action.unpin", account=address))
        self.ledger.account(address).pinned = bool(pinned)
