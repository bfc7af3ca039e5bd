"""The gateway's errors: one root, so the CLI maps them to exit codes in one place."""

from enum import IntEnum


class NodeError(Exception):
    """Anything the node cannot do, said in one line."""


class ChainUnavailableError(NodeError, ConnectionError):
    """The chain's JSON-RPC does not answer."""


class ChainExitedError(ChainUnavailableError):
    """The node's embedded chain process exited under it: the node stops too (exit 5), for its
    service manager to start it again (the chain then loads its last saved state)."""


class DeploymentMismatchError(NodeError):
    """The deployment record and the chain disagree (another chain, or other code)."""


class ConfigError(NodeError, ValueError):
    """A configuration file cannot be read or says something impossible."""


class ExitStatus(IntEnum):
    """`next-node`'s exit codes; only its `main` maps errors to them."""

    OK = 0
    ERROR = 1  # any other NodeError, or an error of next_contracts (a deploy, a sign-in)
    USAGE = 2  # argparse: a bad command line
    CONFIG = 3  # ConfigError
    CHAIN_UNAVAILABLE = 4  # ChainUnavailableError
    CHAIN_EXITED = 5  # ChainExitedError: the embedded chain died under a running node
    INTERRUPTED = 130  # Ctrl-C
