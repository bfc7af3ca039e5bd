"""The wallet's errors: one root, each kind with its own documented exit code.

Only the CLI's top-level handler turns them into exit codes (as httpie's ExitStatus); every
message is one line a citizen can act on, and never holds a key or a password.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from next_contracts.said import BadInput, SaidError
from next_contracts.words import say


class ExitStatus(IntEnum):
    OK = 0
    ERROR = 1  # anything else, said in one line
    USAGE = 2  # a command line argparse refuses
    KEYSTORE = 3  # a keystore missing, corrupted, or already there
    WRONG_PASSWORD = 4
    UNREACHABLE = 5  # the node or the gateway does not answer
    WRONG_CHAIN = 6  # the node is not on the configured chain: nothing is signed
    NOT_MEMBER = 7  # the sender is not an active member (unknown, frozen, excluded)
    PAYEE_NOT_MEMBER = 8  # a payee is not an active member
    INSUFFICIENT_CREDIT = 9
    OVER_CEILING = 10  # the payee would go above its ceiling
    BAD_INPUT = 11  # a malformed amount, address or file
    ABORTED = 12  # the user said no, pressed Ctrl-C, or another batch-pay runs on the same journal
    REFUSED = 13  # the ledger refused for another reason (paused, ...)
    NOT_SIGNED_IN = 14  # the gateway wants a login (no token, or expired), or refuses this account
    GATEWAY_FAILED = 15  # the gateway answered with a server error (HTTP 5xx): not the user's input
    NOT_STAFF = 16  # a staff command from a key that does not hold the role it needs
    SENT_UNCONFIRMED = 17  # sent, then stopped before seeing it through (or a batch part-way): hashes named
    GATEWAY_REFUSED = 18  # the gateway refused the request (HTTP 4xx) and said why: its words are shown


class WalletError(SaidError):
    exit_status = ExitStatus.ERROR


class KeystoreError(WalletError):
    exit_status = ExitStatus.KEYSTORE


class KeystoreDecryptError(KeystoreError, ValueError):
    exit_status = ExitStatus.WRONG_PASSWORD

    def __init__(self, label: str) -> None:
        super().__init__(say("wallet.wrong_password", label=repr(label)))


class UnreachableError(WalletError, ConnectionError):
    exit_status = ExitStatus.UNREACHABLE

    def __init__(self, what: str, url: str, **args: Any) -> None:
        """`what`: node, gateway, gateway_chain or chain_tx (with tx_hash and status)."""
        super().__init__(say(f"wallet.unreachable.{what}", url=url, **args))


class GatewayFailedError(WalletError):
    exit_status = ExitStatus.GATEWAY_FAILED

    def __init__(self, url: str, status: int) -> None:
        super().__init__(say("wallet.gateway_failed", url=url, status=status))


class GatewayRefusedError(WalletError):
    """A 4xx of the gateway that no command expects: its own reason, never "malformed input"."""

    exit_status = ExitStatus.GATEWAY_REFUSED

    def __init__(self, url: str, status: int, reason: str) -> None:
        super().__init__(say("wallet.gateway_refused", url=url, status=status, reason=reason))


class WrongChainError(WalletError):
    exit_status = ExitStatus.WRONG_CHAIN

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(say("wallet.wrong_chain", actual=actual, expected=expected))


class NotMemberError(WalletError):
    exit_status = ExitStatus.NOT_MEMBER


class PayeeNotMemberError(WalletError):
    exit_status = ExitStatus.PAYEE_NOT_MEMBER


class InsufficientCreditError(WalletError):
    exit_status = ExitStatus.INSUFFICIENT_CREDIT


class OverCeilingError(WalletError):
    exit_status = ExitStatus.OVER_CEILING


class BadInputError(WalletError, BadInput):
    exit_status = ExitStatus.BAD_INPUT


class AbortedError(WalletError):
    exit_status = ExitStatus.ABORTED


class BusyError(AbortedError):
    """Another run holds the lock this one needs: this one stopped before anything was sent."""


class SentUnconfirmedError(WalletError):
    """Something was sent before the command stopped: never "aborted", always the hash(es)."""

    exit_status = ExitStatus.SENT_UNCONFIRMED


class RefusedError(WalletError):
    exit_status = ExitStatus.REFUSED


class NotSignedInError(WalletError):
    exit_status = ExitStatus.NOT_SIGNED_IN


class NotStaffError(WalletError):
    exit_status = ExitStatus.NOT_STAFF


class NeedsNodeError(WalletError):
    exit_status = ExitStatus.USAGE
