"""The ledger deployment that a node serves: made on first start, checked on every later one."""

from __future__ import annotations

from pathlib import Path

from web3 import Web3

from next_contracts import LEDGER, load_artifact
from next_contracts.deploy import DeployConfig, Deployment, deploy
from next_contracts.transact import Sender, sender_address
from next_node.errors import DeploymentMismatchError

RECORD_FILE = "deployment.json"


def ensure_deployed(
    w3: Web3, data_dir: Path, operator: Sender, config: DeployConfig | None = None
) -> tuple[Deployment, bool]:
    """The data directory's deployment, deploying it first (from `operator`) if there is none;
    True if just deployed.

    Without a config, every role goes to the operator (a demo or developer chain).
    """
    path = data_dir / RECORD_FILE
    if path.exists():
        deployment = Deployment.read(path)
        check_deployment(w3, deployment)
        return deployment, False
    deployment = deploy(w3, operator, config or DeployConfig.single_operator(sender_address(operator)))
    deployment.write(path)
    return deployment, True


def check_deployment(w3: Web3, deployment: Deployment) -> None:
    """The chain is the recorded one, and holds the shipped ledger code at the recorded address."""
    if w3.eth.chain_id != deployment.chain_id:
        raise DeploymentMismatchError(
            f"the chain has id {w3.eth.chain_id} but the deployment record says {deployment.chain_id}"
        )
    code = bytes(w3.eth.get_code(Web3.to_checksum_address(deployment.ledger)))
    if not load_artifact(LEDGER).runs_on(code):
        raise DeploymentMismatchError(
            f"no ledger with the shipped code at {deployment.ledger}: the chain state was lost or replaced "
            "(delete the data directory to start a new chain)"
        )
