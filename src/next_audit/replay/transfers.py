"""Every movement of money: payments, allowances' spendings, clearing moves."""

from __future__ import annotations

from typing import Any

from eth_utils.crypto import keccak

from next_audit.chain import word_address
from next_audit.ledger_state import (
    BPS,
    MAX_AMOUNT,
    MAX_TURNOVER,
    ZERO_REF,
    Account,
)
from next_audit.members import (
    ACTIVE,
    COUNCIL,
    status_phrase,
)
from next_audit.replay.base import ReplayBase
from next_audit.sentences import bps, money, phrase


class TransferEvents(ReplayBase):
    """Every Transferred event, checked by the rule of its kind."""

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
