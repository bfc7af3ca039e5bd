"""The accounts Besu lets send transactions, from the gateway's index: `next-node allowlist`.

Besu dropped on-chain permissioning in 2025; its local `accounts-allowlist` must follow the
membership registry instead. Allowed: every active member and every current holder of a ledger role
(staff, councils' operators); a frozen, excluded or migrated member, or a revoked staff key, is
dropped at the next run. The nodes-allowlist of the file is kept as it is. Besu re-reads the file
on `perm_reloadPermissionsFromFile`.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from next_contracts.vocabulary import MemberStatus
from next_node.chain.besu import read_permissions, write_permissions
from next_node.db.models import Member, RoleChange, SyncState
from next_node.errors import NodeError


def allowed_accounts(engine: Engine) -> set[str]:
    members = Member.__table__  # type: ignore[attr-defined]
    roles = RoleChange.__table__  # type: ignore[attr-defined]
    with engine.connect() as connection:
        active = {
            row[0]
            for row in connection.execute(
                select(members.c.address).where(members.c.status == MemberStatus.ACTIVE.value)
            )
        }
        changes = connection.execute(
            select(roles.c.role, roles.c.account, roles.c.granted).order_by(roles.c.block_number, roles.c.log_index)
        ).all()
    held: dict[tuple[str, str], bool] = {}
    for role, account, granted in changes:
        held[(role, account)] = granted
    staff = {account for (_role, account), granted in held.items() if granted}
    return {a.lower() for a in active | staff}


def update(engine: Engine, permissions: Path) -> tuple[int, int]:
    """Rewrites the file's accounts-allowlist from the index; returns (accounts, nodes) written."""
    if not permissions.parent.is_dir():
        raise NodeError(f"no directory {permissions.parent} for the permissions file")
    with Session(engine) as session:
        if session.get(SyncState, 1) is None:  # an empty index would allow no one: say so instead
            raise NodeError("the index holds no ledger yet: run `next-node index` (or the node) first")
    try:
        nodes = read_permissions(permissions)[0] if permissions.exists() else []
    except (OSError, ValueError) as error:
        raise NodeError(f"{permissions} cannot be read as Besu's permissions file: {error}") from error
    accounts = allowed_accounts(engine)
    write_permissions(permissions, nodes, accounts)
    return len(accounts), len(nodes)
