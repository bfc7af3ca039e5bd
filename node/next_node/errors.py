"""The gateway's errors: one root, so the CLI maps them to exit codes in one place."""


class NodeError(Exception):
    """Anything the node cannot do, said in one line."""


class ChainUnavailableError(NodeError, ConnectionError):
    """The chain's JSON-RPC does not answer."""


class DeploymentMismatchError(NodeError):
    """The deployment record and the chain disagree (another chain, or other code)."""
