"""The ledger rebuilt from its events alone, with the rules every event must have followed.

The decoder here is eth_abi's, driven by the shipped ABI, and shares nothing with the gateway's
indexer. Every account (balance, credit line, status, kind, region, KYC hash, successor), the
reserve, the fee, the pause flag, the default credit lines, the projects the reserve funds and the
role holders are rebuilt; every payment is checked against the payer's limit and the payee's ceiling
as they were at that moment, every instalment of a project against its schedule and the coverage
floor, and every registry, committee, governance and role event against the roles its sender held
then.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eth_abi.abi import decode
from eth_utils.abi import event_abi_to_log_topic
from eth_utils.crypto import keccak

from next_audit.abi_words import read_words, static_words
from next_audit.bonuses import BonusAudit
from next_audit.chain import LedgerTransaction, word_address
from next_audit.clearing import ClearingAudit
from next_audit.commons import CommonsAudit
from next_audit.governance import GovernanceAudit
from next_audit.ledger_state import (
    BPS,
    COMMITTEE,
    DEFAULT_ADMIN,
    GOVERNANCE,
    MAX_AMOUNT,
    MAX_FEE_BPS,
    MAX_TURNOVER,
    PAUSER,
    REGISTRAR,
    ROLES,
    YEAR,
    ZERO_REF,
    Account,
    Ledger,
    Project,
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
from next_audit.report import Check
from next_audit.sentences import bps, money, phrase


class Replayer:
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

    # -- events -------------------------------------------------------------------------------

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

    def _on_Transferred(self, topics: list[bytes], values: tuple[Any, ...], following: Any) -> None:
        source, target = word_address(topics[0]), word_address(topics[1])
        amount, fee, ref = values
        ledger = self.ledger
        if source == ledger.address:  # a write-off or a project's instalment, from the reserve
            why = following[0][0] if following else None
            if fee or why not in (_DEBT_WRITTEN_OFF, _INSTALMENT_RELEASED):
                self.rules.fail(self.tx.tx_hash, "audit.ledger.reserve_out", amount=money(amount))
            if amount > ledger.reserve:
                self.rules.fail(
                    target, "audit.ledger.reserve_short", amount=money(amount), reserve=money(ledger.reserve)
                )
            ledger.reserve -= amount
            ledger.credit(ledger.account(target), amount)
            return
        payer, payee = ledger.account(source), ledger.account(target)
        if self.by_clearing and self.clearing is not None:
            charged = self.clearing.named("PaidAcross", **{"from": source}) is not None and source == self.tx.sender
            if charged:  # the payer's side of a payment across regions: a payment, to a partner's account
                self._require_partner(target, phrase("audit.action.partner_payment"))
                self.caller = source  # the payer sent it: the payment's own authority check
                self._check_payment(source, target, payer, payee, amount, fee)
                self.caller = self.clearing.address
            else:
                self._check_clearing_move(source, target, payer, payee, amount, fee)
            ledger.credit(payer, -(amount + fee))
            ledger.credit(payee, amount)
            if charged:
                payee.received = min(MAX_TURNOVER, payee.received + amount)
            ledger.reserve += fee
            ledger.fees_collected += fee
            return
        migration = following is not None and following[0][0] == _ACCOUNT_MIGRATED
        if migration:
            if fee or ref != ZERO_REF:
                self.rules.fail(self.tx.tx_hash, "audit.ledger.migration_fee")
        else:
            spending = self.bonuses.pending if self.bonuses is not None else None
            if self.bonuses is not None:
                self.bonuses.pending = None
            self._check_payment(source, target, payer, payee, amount, fee, spending)
        ledger.credit(payer, -(amount + fee))
        ledger.credit(payee, amount)
        if not migration:
            payee.received = min(MAX_TURNOVER, payee.received + amount)
        ledger.reserve += fee
        ledger.fees_collected += fee

    def _require_partner(self, address: str, what: dict[str, Any]) -> None:
        if self.clearing is None or address not in self.clearing.partners:
            self.rules.fail(address, "audit.ledger.not_partner", action=what, tx=self.tx.tx_hash)

    def _check_clearing_move(
        self, source: str, target: str, payer: Account, payee: Account, amount: int, fee: int
    ) -> None:
        """A move of the clearing with no fee: a partner's account on at least one side, both active,
        the payer within its own limit (no stimulus), the payee under its ceiling, not paused."""
        partners = self.clearing.partners if self.clearing is not None else set()
        where = {"tx": self.tx.tx_hash, "block": self.tx.block_number}
        moved = money(amount)
        if fee or not (source in partners or target in partners) or source == target:
            self.rules.fail(source, "audit.clearing.no_partner", amount=moved, fee=money(fee), target=target, **where)
        if self.ledger.paused:
            self.rules.fail(source, "audit.clearing.paused", amount=moved, **where)
        if not 0 < amount <= MAX_AMOUNT or payer.status != ACTIVE or payee.status != ACTIVE:
            self.rules.fail(source, "audit.clearing.inactive", amount=moved, target=target, **where)
        if payer.balance - amount < -payer.credit_limit:
            self.rules.fail(
                source,
                "audit.clearing.past_limit",
                amount=moved,
                balance=money(payer.balance),
                limit=money(payer.credit_limit),
                **where,
            )
        if payee.balance + amount > payee.ceiling:
            self.rules.fail(
                target,
                "audit.ledger.past_ceiling",
                amount=moved,
                balance=money(payee.balance),
                ceiling=money(payee.ceiling),
                **where,
            )

    def _check_payment(
        self, source: str, target: str, payer: Account, payee: Account, amount: int, fee: int, spending: Any = None
    ) -> None:
        ledger = self.ledger
        ledger.payments += 1
        where = {"tx": self.tx.tx_hash, "block": self.tx.block_number}
        paid, charged = money(amount), money(fee)
        through_bonuses = self.bonuses is not None and self.tx.to == self.bonuses.address
        if spending is not None:  # an allowance's: from its run's council, announced just before
            if (source, target, amount, fee) != (spending.council, spending.payee, spending.amount, spending.fee):
                self.rules.fail(
                    source,
                    "audit.ledger.spending_mismatch",
                    amount=paid,
                    fee=charged,
                    target=target,
                    spent=money(spending.amount),
                    spent_fee=money(spending.fee),
                    council=spending.council,
                    payee=spending.payee,
                    **where,
                )
        elif through_bonuses:  # the plain units of a holder's payment through the allowances
            if source != self.tx.sender:
                self.authority.fail(source, "audit.ledger.sent_by_other", payer=source, sender=self.tx.sender, **where)
        elif self.caller is not None and self.caller != source and not self.in_constructor:
            self.authority.fail(source, "audit.ledger.sent_by_other", payer=source, sender=self.caller, **where)
        if ledger.paused:
            self.rules.fail(source, "audit.ledger.paid_paused", amount=paid, **where)
        if not 0 < amount <= MAX_AMOUNT or source == target:
            self.rules.fail(source, "audit.ledger.invalid_payment", amount=paid, target=target, **where)
        if payer.status != ACTIVE or payee.status != ACTIVE:
            self.rules.fail(
                source,
                "audit.ledger.paid_inactive",
                target=target,
                payer_status=status_phrase(payer.status),
                payee_status=status_phrase(payee.status),
                **where,
            )
        expected_fee = spending.fee if spending is not None else (amount * ledger.fee_bps + BPS - 1) // BPS
        if fee != expected_fee:
            self.rules.fail(
                source,
                "audit.ledger.wrong_fee",
                fee=charged,
                amount=paid,
                expected=money(expected_fee),
                rate=bps(ledger.fee_bps),
                **where,
            )
        limit = payer.credit_limit + ledger.stimulus(payer.region, payer.kind, self.tx.block_time)
        if spending is None and payer.kind == COUNCIL and self.bonuses is not None:
            held = self.bonuses.held(source, self.tx.block_time)
            if held and payer.balance - amount - fee < held - limit:
                self.rules.fail(
                    source,
                    "audit.ledger.into_held",
                    amount=paid,
                    fee=charged,
                    balance=money(payer.balance),
                    held=money(held),
                    limit=money(limit),
                    **where,
                )
        if payer.balance - amount - fee < -limit:
            self.rules.fail(
                source,
                "audit.ledger.past_limit",
                amount=paid,
                fee=charged,
                balance=money(payer.balance),
                limit=money(limit),
                **where,
            )
        if payee.balance + amount > payee.ceiling:
            self.rules.fail(
                target,
                "audit.ledger.past_ceiling",
                amount=paid,
                balance=money(payee.balance),
                ceiling=money(payee.ceiling),
                **where,
            )


_DEBT_WRITTEN_OFF = keccak(text="DebtWrittenOff(address,uint256,uint256,uint256,bytes32)")
_ACCOUNT_MIGRATED = keccak(text="AccountMigrated(address,address)")
_INSTALMENT_RELEASED = keccak(text="InstalmentReleased(uint256,address,uint256,uint256)")
