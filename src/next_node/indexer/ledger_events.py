"""The ledger family's handler: how each of the ledger's events changes the index (members,
totals, and its event tables). A contract family of its own (governance, allowances, regions) adds
a handler like this one, with its tables, and registers it in HANDLERS (apply.py)."""

from __future__ import annotations

from typing import Any

from next_contracts.vocabulary import MemberKind, MemberStatus, Role, TransferKind
from next_node.db.models import FeeChange, LedgerEvent, MemberEvent, ProjectEvent, RoleChange, Transfer, WriteOff
from next_node.indexer import members
from next_node.indexer.decode import Event
from next_node.indexer.family import Family
from next_node.indexer.origin import origin


class LedgerEvents(Family):
    family = "ledger"  # its address stands for the reserve in Transferred

    def _on_Transferred(self, event: Event, record: bool) -> None:
        a = event.args
        batch = self.batch
        by_reserve = a["from"] == self.address
        if by_reserve:
            batch.state["reserve"] -= a["amount"]
        else:
            batch.set_balance(a["from"], -(a["amount"] + a["fee"]), event)
        batch.set_balance(a["to"], a["amount"], event)
        batch.state["reserve"] += a["fee"]
        batch.state["fees_collected"] += a["fee"]
        # Named by the event before it, or by its stored row when replayed; a migration's is named
        # by the event after it (_on_AccountMigrated).
        named = batch.transfer_kinds.pop(event.tx_hash, None)
        kind = a.get("kind") or named or (TransferKind.WRITE_OFF if by_reserve else TransferKind.PAYMENT)
        payer = None if by_reserve else batch.members[a["from"]]
        tag = batch.transfer_tags.pop(event.tx_hash, None)
        batch.economy.transfer(event, kind, payer, batch.members[a["to"]], a["amount"], tag)
        if record:
            self.batch.rows[Transfer].append(
                {
                    **origin(event),
                    "from_address": a["from"],
                    "to_address": a["to"],
                    "amount": a["amount"],
                    "fee": a["fee"],
                    "ref": a["ref"],
                    "kind": str(kind),  # the word: a database driver may write an enum by its name
                }
            )

    def _on_MemberAdmitted(self, event: Event, record: bool) -> None:
        a = event.args
        member = self.batch.member(a["account"], event)
        kind = MemberKind.of(a["kind"]).value
        regrouped = self.batch.regrouping(event, a["account"])
        members.admitted(member, kind=kind, region=a["region"], credit_limit=a["creditLimit"], ceiling=a["ceiling"])
        member.update(kyc_hash=a["kycHash"], admitted_block=event.block_number)
        regrouped()
        if record:
            self._member_row(
                event,
                "admitted",
                a["account"],
                kind=member["kind"],
                region=a["region"],
                kyc_hash=a["kycHash"],
                credit_limit=a["creditLimit"],
                ceiling=a["ceiling"],
                status=MemberStatus.ACTIVE.value,
            )

    def _on_MemberStatusChanged(self, event: Event, record: bool) -> None:
        status = MemberStatus.of(event.args["newStatus"]).value
        if status == MemberStatus.MOVED:  # to another region, its balance carried just before
            self.batch.name_previous_transfer(event, TransferKind.MOVE)
        regrouped = self.batch.regrouping(event, event.args["account"])
        members.status_changed(self.batch.member(event.args["account"], event), status)
        regrouped()
        if record:
            self._member_row(event, "status_changed", event.args["account"], status=status)

    def _on_CreditLineSet(self, event: Event, record: bool) -> None:
        a = event.args
        members.credit_line_set(
            self.batch.member(a["account"], event), credit_limit=a["creditLimit"], ceiling=a["ceiling"]
        )
        if record:
            self._member_row(
                event, "credit_line_set", a["account"], credit_limit=a["creditLimit"], ceiling=a["ceiling"]
            )

    def _on_CreditPolicyApplied(self, event: Event, record: bool) -> None:
        a = event.args
        member = self.batch.member(a["account"], event)
        members.credit_line_set(member, credit_limit=a["newLimit"], ceiling=member["ceiling"])
        if record:
            self._member_row(event, "credit_policy_applied", a["account"], credit_limit=a["newLimit"])

    def _on_AccountMigrated(self, event: Event, record: bool) -> None:
        old, new = self.batch.member(event.args["from"], event), self.batch.member(event.args["to"], event)
        self.batch.name_previous_transfer(event, TransferKind.MIGRATION)  # the balance moved just before
        regrouped = self.batch.regrouping(event, old["address"], new["address"])
        members.migrated(old, new, new["address"], also=("kyc_hash", "admitted_block"))
        self.batch.economy.migrated(old["address"], new["address"])  # first: the new key is active as the old
        regrouped()
        if record:
            self._member_row(event, "migrated", old["address"], other=new["address"])

    def _on_DebtWrittenOff(self, event: Event, record: bool) -> None:
        a = event.args
        self.batch.state["debt_covered"] += a["covered"]
        if record:
            self.batch.rows[WriteOff].append(
                {
                    **origin(event),
                    "account": a["account"],
                    "debt": a["debt"],
                    "covered": a["covered"],
                    "uncovered": a["uncovered"],
                    "ref": a["ref"],
                }
            )

    def _on_ProjectFunded(self, event: Event, record: bool) -> None:
        if record:
            a = event.args
            self._project_row(
                event,
                "funded",
                project_id=a["projectId"],
                account=a["account"],
                amount=a["instalment"],
                instalments=a["instalments"],
                interval=a["interval"],
                starts_at=a["startsAt"],
                ref=a["ref"],
            )

    def _on_InstalmentReleased(self, event: Event, record: bool) -> None:
        self.batch.name_previous_transfer(event, TransferKind.PROJECT)  # the instalment's movement, just before
        if record:
            a = event.args
            self._project_row(
                event, "instalment", project_id=a["projectId"], account=a["account"], amount=a["amount"],
                number=a["number"],
            )  # fmt: skip

    def _on_ProjectCancelled(self, event: Event, record: bool) -> None:
        if record:
            self._project_row(event, "cancelled", project_id=event.args["projectId"], number=event.args["paid"])

    def _on_CoverageFloorSet(self, event: Event, record: bool) -> None:
        self.batch.state["coverage_floor_bps"] = event.args["newFloorBps"]
        if record:
            self._project_row(event, "floor_set", floor_bps=event.args["newFloorBps"])

    def _on_FeeChanged(self, event: Event, record: bool) -> None:
        self.batch.state["fee_bps"] = event.args["newFeeBps"]
        if record:
            self.batch.rows[FeeChange].append(
                {
                    **origin(event),
                    "previous_fee_bps": event.args["previousFeeBps"],
                    "new_fee_bps": event.args["newFeeBps"],
                }
            )

    def _on_RoleGranted(self, event: Event, record: bool, granted: bool = True) -> None:
        if record:
            a = event.args
            self.batch.rows[RoleChange].append(
                {
                    **origin(event),
                    "role": getattr(Role.from_id(a["role"]), "value", a["role"]),  # an unknown id as its hex
                    "account": a["account"],
                    "sender": a["sender"],
                    "granted": granted,
                }
            )

    def _on_RoleRevoked(self, event: Event, record: bool) -> None:
        self._on_RoleGranted(event, record, granted=False)

    def _on_Paused(self, event: Event, record: bool, paused: bool = True) -> None:
        self.batch.state["paused"] = paused
        if record:
            self.batch.rows[LedgerEvent].append(
                {
                    **origin(event),
                    "event": "paused" if paused else "unpaused",
                    "account": event.args["account"],
                }
            )

    def _on_Unpaused(self, event: Event, record: bool) -> None:
        self._on_Paused(event, record, paused=False)

    def _on_StimulusSet(self, event: Event, record: bool) -> None:
        a = event.args
        region = None if a["allRegions"] else a["region"]
        kind = None if a["allKinds"] else MemberKind.of(a["kind"]).value
        self.batch.economy.stimulus_set(event, region, kind, a["extraCredit"], a["endsAt"])
        if record:
            self.batch.rows[LedgerEvent].append(
                {
                    **origin(event),
                    "event": "stimulus_set",
                    "region": region,
                    "kind": kind,
                    "extra_credit": a["extraCredit"],
                    "ends_at": a["endsAt"],
                }
            )

    def _on_DefaultCreditLineSet(self, event: Event, record: bool) -> None:
        if record:
            a = event.args
            self.batch.rows[LedgerEvent].append(
                {
                    **origin(event),
                    "event": "default_credit_line_set",
                    "kind": MemberKind.of(a["kind"]).value,
                    "credit_limit": a["creditLimit"],
                    "ceiling": a["ceiling"],
                }
            )

    def _project_row(self, event: Event, name: str, **fields: Any) -> None:
        self.batch.rows[ProjectEvent].append(
            {
                **origin(event),
                "event": name,
                "project_id": None,
                "account": None,
                "amount": None,
                "instalments": None,
                "interval": None,
                "starts_at": None,
                "number": None,
                "ref": None,
                "floor_bps": None,
                **fields,
            }
        )

    def _member_row(self, event: Event, name: str, account: str, **fields: Any) -> None:
        self.batch.rows[MemberEvent].append(
            {
                **origin(event),
                "event": name,
                "account": account,
                "other": None,
                "kind": None,
                "region": None,
                "kyc_hash": None,
                "credit_limit": None,
                "ceiling": None,
                "status": None,
                **fields,
            }
        )
