"""A member's fields through its events: the one state machine that the indexer runs on the
chain's logs (apply.py) and the API runs again on the stored member events to show the accounts
at a past block (api/snapshot.py). Fields are plain dicts, as both keep them; values come from
decoded logs or from stored rows (whose columns are nullable), hence `Any`."""

from __future__ import annotations

from typing import Any

from next_contracts.vocabulary import MemberKind, MemberStatus

Fields = dict[str, Any]
# What a migration moves from the lost key to the new one (the balance moves by its Transferred).
CARRIED = ("kind", "region", "status", "credit_limit", "ceiling")


def blank() -> Fields:
    """An address never admitted."""
    return {
        "status": MemberStatus.NONE.value,
        "kind": MemberKind.INDIVIDUAL.value,
        "region": 0,
        "credit_limit": 0,
        "ceiling": 0,
        "successor": None,
    }


def admitted(member: Fields, *, kind: Any, region: Any, credit_limit: Any, ceiling: Any) -> None:
    member.update(
        status=MemberStatus.ACTIVE.value, kind=kind, region=region, credit_limit=credit_limit, ceiling=ceiling
    )


def status_changed(member: Fields, status: Any) -> None:
    member["status"] = status


def credit_line_set(member: Fields, *, credit_limit: Any, ceiling: Any) -> None:
    member.update(credit_limit=credit_limit, ceiling=ceiling)


def migrated(old: Fields, new: Fields, new_address: str, also: tuple[str, ...] = ()) -> None:
    """The whole account of `old` to `new` (with the fields in `also`); `old` is disabled for good."""
    for field in CARRIED + also:
        new[field] = old[field]
    old.update(status=MemberStatus.MIGRATED.value, credit_limit=0, ceiling=0, successor=new_address)
