"""The auditor's one exception root. The CLI alone maps these to exit codes (next_audit.cli).

Each says what went wrong as a code of the catalogue with its arguments (next_audit.sentences): the
terminal hears it in its language, a check that could not run keeps it in the report as data.
"""

from __future__ import annotations

from next_audit.sentences import Argument, arguments, spoken


class AuditError(Exception):
    """The audit, or a part of it, cannot run: a bad deployment record, a node or a gateway that
    does not answer, a compiler that cannot start."""

    def __init__(self, code: str, /, **args: object) -> None:
        self.code = code
        self.arguments: dict[str, Argument] = arguments(args)
        super().__init__(self.said("en"))

    def said(self, language: str) -> str:
        return spoken(self.code, self.arguments, language)


class RpcError(AuditError):
    """The node refused or failed a call, or could not be reached."""


class GatewayError(AuditError):
    """The gateway did not answer, or not as its API says."""


class GatewayUnavailable(GatewayError):
    """The gateway cannot be audited now: unreachable, it refused the auditor's token, or its index
    went back below the audited block (a rewound chain). The gateway checks are then not run.
    `status` is the HTTP status that said so, None when the gateway did not answer."""

    def __init__(self, code: str, /, status: int | None = None, **args: object) -> None:
        super().__init__(code, **args)
        self.status = status


class CompilerUnavailable(AuditError):
    """The pinned compiler cannot start (solcjs needs Node.js): the rebuild check is not run."""
