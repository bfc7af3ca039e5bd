"""The ledger's words for its members, as its contracts number them (MemberStatus, MemberKind): the
auditor's one definition, for the replay, the allowances, the commons and the comparisons."""

from __future__ import annotations

from next_audit.sentences import phrase

NONE, ACTIVE, FROZEN, EXCLUDED, MIGRATED, MOVED = range(6)
STATUSES = ("none", "active", "frozen", "excluded", "migrated", "moved")
INDIVIDUAL, BUSINESS, COUNCIL, SYSTEM = range(4)  # a council is admitted by a vote; a system account has no vote
KINDS = ("individual", "business", "council", "system")


def status_phrase(status: int) -> dict[str, object]:
    """A status as a finding says it, in its reader's language ("frozen", "gelé")."""
    return phrase(f"status.{STATUSES[status]}")


def kind_phrase(kind: int) -> dict[str, object]:
    return phrase(f"member.kind.{KINDS[kind]}")
