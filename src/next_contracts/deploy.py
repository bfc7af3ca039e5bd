"""Deploys the ledger and writes its deployment record.

The one deploy procedure: the tests call it, `ape run deploy` (scripts/deploy.py) calls it, and the
embedded node calls it on first start. Every role is granted in the constructor, so the deployment
is complete in one transaction and everything about it can be replayed from its block.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from eth_typing import ChecksumAddress
from hexbytes import HexBytes
from web3 import Web3

from next_contracts import LEDGER, Artifact, load_artifact
from next_contracts.errors import NextContractsError
from next_contracts.transact import Sender, gas_price, send, sender_address
from next_contracts.vocabulary import Role

# The roles a deploy config grants (the admin role is the `admin` key's).
ROLE_NAMES = tuple(role.value for role in Role if role is not Role.DEFAULT_ADMIN)
DEFAULT_FEE_BPS = 20  # 0.2% of each payment goes to the insurance reserve


class DeployError(NextContractsError):
    """The deployment could not be made, or what was deployed is not what was built."""


def role_id(name: str) -> bytes:
    """The bytes32 id of a role, as the contract computes it: keccak256 of its name."""
    return Web3.keccak(text=name)


@dataclass(frozen=True)
class DeployConfig:
    """Who holds which role from the first block, and the initial fee.

    `roles` maps a role name (REGISTRAR_ROLE, ...) to the addresses that get it. The admin
    (DEFAULT_ADMIN_ROLE) can grant and revoke all of them later, and is meant to become governance.
    """

    admin: ChecksumAddress
    roles: dict[str, tuple[ChecksumAddress, ...]] = field(default_factory=dict)
    fee_bps: int = DEFAULT_FEE_BPS

    def __post_init__(self) -> None:
        unknown = set(self.roles) - set(ROLE_NAMES)
        if unknown:
            raise DeployError(f"unknown role(s) {sorted(unknown)}; known: {', '.join(ROLE_NAMES)}")

    @classmethod
    def single_operator(cls, operator: ChecksumAddress, fee_bps: int = DEFAULT_FEE_BPS) -> DeployConfig:
        """Every role to one address: a developer's or a demo's chain, never production."""
        return cls(admin=operator, roles={name: (operator,) for name in ROLE_NAMES}, fee_bps=fee_bps)

    @classmethod
    def from_toml(cls, path: Path) -> DeployConfig:
        """Reads `admin = "0x.."`, `fee_bps = 20` and a `[roles]` table of address lists."""
        try:
            data = tomllib.loads(path.read_text())  # TOMLDecodeError is a ValueError
            roles = {
                name: tuple(Web3.to_checksum_address(a) for a in addresses)
                for name, addresses in data.get("roles", {}).items()
            }
            return cls(
                admin=Web3.to_checksum_address(data["admin"]),
                roles=roles,
                fee_bps=int(data.get("fee_bps", DEFAULT_FEE_BPS)),
            )
        except (OSError, KeyError, ValueError) as error:
            raise DeployError(f"{path}: {error}") from error


@dataclass(frozen=True)
class Deployment:
    """The deployment record: enough for a gateway, a wallet or an auditor to find and check it."""

    chain_id: int
    ledger: ChecksumAddress
    deploy_block: int
    deploy_block_hash: str
    deploy_tx: str
    deployer: ChecksumAddress
    config: dict[str, Any]
    artifacts: dict[str, dict[str, str]]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json())

    @classmethod
    def read(cls, path: Path) -> Deployment:
        return cls(**json.loads(path.read_text()))


def artifact_hashes(artifact: Artifact, code: bytes) -> dict[str, str]:
    """What an auditor compares: the artifact file, and the runtime code the chain holds (the
    artifact's, with the immutables its constructor wrote)."""
    return {
        "artifact_sha256": hashlib.sha256(artifact.path.read_bytes()).hexdigest(),
        "runtime_keccak256": Web3.keccak(code).to_0x_hex(),
    }


def deploy(w3: Web3, deployer: Sender, config: DeployConfig) -> Deployment:
    """Deploys the ledger from `deployer` with `config`, checks the code the chain now holds against
    the artifact, and returns the deployment record."""
    artifact = load_artifact(LEDGER)
    grants = [(role_id(name), address) for name, addresses in config.roles.items() for address in addresses]
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    tx = factory.constructor(config.admin, grants, config.fee_bps).build_transaction(
        {"from": sender_address(deployer), "gasPrice": gas_price(w3)}
    )
    receipt = send(w3, deployer, {"data": tx["data"], "gas": tx["gas"]})
    address = receipt["contractAddress"]
    if address is None:
        raise DeployError("the deploy transaction created no contract")
    code = bytes(w3.eth.get_code(address))
    if not artifact.runs_on(code):
        raise DeployError(f"the code at {address} is not the shipped artifact's runtime bytecode")
    block = w3.eth.get_block(receipt["blockNumber"])
    return Deployment(
        chain_id=w3.eth.chain_id,
        ledger=address,
        deploy_block=receipt["blockNumber"],
        deploy_block_hash=HexBytes(block["hash"]).to_0x_hex(),
        deploy_tx=receipt["transactionHash"].to_0x_hex(),
        deployer=sender_address(deployer),
        config={
            "admin": config.admin,
            "roles": {k: list(v) for k, v in config.roles.items()},
            "fee_bps": config.fee_bps,
        },
        artifacts={LEDGER: artifact_hashes(artifact, code)},
    )
