"""The auditor's one exception root. The CLI alone maps these to exit codes (next_audit.cli)."""

from __future__ import annotations


class AuditError(Exception):
    """The audit, or a part of it, cannot run: a bad deployment record, a node or a gateway that
    does not answer, a compiler that cannot start."""


class RpcError(AuditError):
    """The node refused or failed a call, or could not be reached."""


class GatewayError(AuditError):
    """The gateway did not answer, or not as its API says."""


class GatewayUnavailable(GatewayError):
    """The gateway cannot be audited now: unreachable, it refused the auditor's token, or its index
    went back below the audited block (a rewound chain). The gateway checks are then not run.
    `status` is the HTTP status that said so, None when the gateway did not answer."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class CompilerUnavailable(AuditError):
    """The pinned compiler cannot start (solcjs needs Node.js): the rebuild check is not run."""
