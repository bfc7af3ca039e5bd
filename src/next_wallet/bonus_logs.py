"""A council's bonus runs read from a node's logs: the runs it opened, what each issued and where it
was spent (a gateway serves the same from its index: /accounts/{council}/allowance-runs)."""

from __future__ import annotations

from typing import Any

from web3 import Web3
from web3.contract import Contract

from next_contracts.bonuses import RunLog, run_report
from next_wallet.batch_check import Paid


def _logs(bonuses: Contract, event: Any, topics: list[str | None]) -> list[Any]:
    """The bonus contract's `event` logs matching `topics` (after the event's own), decoded."""
    found = bonuses.w3.eth.get_logs({"address": bonuses.address, "fromBlock": 0, "topics": [event.topic, *topics]})
    return [event.process_log(log) for log in found]


def _topic(value: int | str) -> str:
    if isinstance(value, int):
        return "0x" + f"{value:064x}"
    return "0x" + value.lower()[2:].rjust(64, "0")


def council_runs(bonuses: Contract, council: str) -> list[RunLog]:
    """The council's runs, oldest first."""
    opened = _logs(bonuses, bonuses.events.BonusRunOpened(), [None, _topic(council)])
    return [
        RunLog(
            int(log.args.runId),
            Web3.to_checksum_address(log.args.council),
            int(log.args.expiresAt),
            int(log.args.categories),
            tuple(r for r in log.args.regions if r),
            bytes(log.args.ref),
        )
        for log in opened
    ]


def issued_in(bonuses: Contract, run_id: int) -> list[Paid]:
    issued = _logs(bonuses, bonuses.events.AllowanceIssued(), [_topic(run_id)])
    return [Paid(log.args.holder, int(log.args.amount), log.transactionHash.to_0x_hex()) for log in issued]


def spent_in(bonuses: Contract, run_id: int) -> list[tuple[str, int]]:
    spent = _logs(bonuses, bonuses.events.AllowanceSpent(), [_topic(run_id)])
    return [(str(log.args.payee), int(log.args.amount)) for log in spent]


def run_reports(bonuses: Contract, council: str) -> list[dict[str, Any]]:
    """Every run of the council with what it issued, spent and lost to lapsing (run_report), at the
    latest block (the payees' categories as the registry has them now)."""
    now = int(bonuses.w3.eth.get_block("latest")["timestamp"])
    categories: dict[str, int] = {}

    def categories_of(payee: str) -> int:
        if payee not in categories:
            categories[payee] = int(bonuses.functions.categoriesOf(Web3.to_checksum_address(payee)).call()[0])
        return categories[payee]

    return [
        run_report(
            run,
            [(paid.to, paid.amount) for paid in issued_in(bonuses, run.run_id)],
            spent_in(bonuses, run.run_id),
            categories_of,
            now,
        )
        for run in council_runs(bonuses, council)
    ]
