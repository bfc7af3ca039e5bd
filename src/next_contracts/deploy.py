"""Deploys the ledger and its governance, and writes the deployment record.

The one deploy procedure: the tests call it, `ape run deploy` (scripts/deploy.py) calls it, and the
embedded node calls it on first start. In order: the timelock (its admin the deployer, for the
moment), the ledger (its admin, GOVERNANCE_ROLE and CREDIT_COMMITTEE_ROLE the timelock's, so that
votes on the fee and the default credit lines take effect; every other role granted in the
constructor, so that the ledger is complete in its one transaction and replayable from its block),
the commons rewards (their admin the timelock), the constitution (owned by the timelock), the
governor; then the timelock takes the governor as its only proposer and canceller, lets anyone
execute what passed, and the deployer renounces it. After that no key holds the ledger's admin or
governance roles: only votes change them.

A developer's chain (`DeployConfig.single_operator`) keeps one operator key as admin and
governance beside the timelock, so that tests and demos can act without a vote; never production.
The timelock carries out what members vote there too: the staff roles' admin is GOVERNANCE_ROLE,
which it holds, not the admin key.
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
from web3.types import Nonce, TxParams

from next_contracts import BONUS_ALLOWANCES, COMMONS_REWARDS, LEDGER, REGIONAL_CLEARING, Artifact, load_artifact
from next_contracts.constitution import GovernanceConfig, call_kinds, role_id, role_kinds
from next_contracts.errors import NextContractsError
from next_contracts.transact import Sender, calldata, gas_price, send, sender_address, submit
from next_contracts.vocabulary import Role

GOVERNOR, TIMELOCK, CONSTITUTION = "CooperativeGovernor", "TimelockController", "Constitution"

# The roles a deploy config grants (the admin role is the `admin` key's).
ROLE_NAMES = tuple(role.value for role in Role if role is not Role.DEFAULT_ADMIN)
DEFAULT_FEE_BPS = 20  # 0.2% of each payment goes to the insurance reserve


class DeployError(NextContractsError):
    """The deployment could not be made, or what was deployed is not what was built."""


@dataclass(frozen=True)
class DeployConfig:
    """Who holds which role from the first block, the initial fee, and the governance.

    `roles` maps a role name (REGISTRAR_ROLE, ...) to the addresses that get it; the timelock gets
    GOVERNANCE_ROLE and CREDIT_COMMITTEE_ROLE besides. `admin` None (production) makes the timelock
    the ledger's one admin, which grants and revokes every role by vote; an address keeps that key
    as admin instead, for a developer's chain. `admin_delay` is the wait, in seconds, before a new
    admin may accept the role.
    """

    admin: ChecksumAddress | None = None
    roles: dict[str, tuple[ChecksumAddress, ...]] = field(default_factory=dict)
    fee_bps: int = DEFAULT_FEE_BPS
    admin_delay: int = 3 * 86_400
    governance: GovernanceConfig = field(default_factory=GovernanceConfig)
    region: int = 1

    def __post_init__(self) -> None:
        unknown = set(self.roles) - set(ROLE_NAMES)
        if unknown:
            raise DeployError(f"unknown role(s) {sorted(unknown)}; known: {', '.join(ROLE_NAMES)}")

    @classmethod
    def single_operator(
        cls,
        operator: ChecksumAddress,
        fee_bps: int = DEFAULT_FEE_BPS,
        governance: GovernanceConfig | None = None,
        region: int = 1,
    ) -> DeployConfig:
        """Every role to one address, the admin's too: a developer's chain, never production."""
        return cls(
            admin=operator,
            roles={name: (operator,) for name in ROLE_NAMES},
            fee_bps=fee_bps,
            admin_delay=0,
            governance=governance or GovernanceConfig(),
            region=region,
        )

    @classmethod
    def from_toml(cls, path: Path) -> DeployConfig:
        """Reads `fee_bps = 20`, a `[roles]` table of address lists, a `[governance]` table (see
        GovernanceConfig, with a `[governance.rules]` table of [quorum, threshold] by kind), and
        `admin = "0x.."` only for a developer's chain that keeps a key as admin."""
        try:
            data = tomllib.loads(path.read_text())  # TOMLDecodeError is a ValueError
            roles = {
                name: tuple(Web3.to_checksum_address(a) for a in addresses)
                for name, addresses in data.get("roles", {}).items()
            }
            admin = data.get("admin")
            return cls(
                admin=Web3.to_checksum_address(admin) if admin else None,
                roles=roles,
                fee_bps=int(data.get("fee_bps", DEFAULT_FEE_BPS)),
                admin_delay=int(data.get("admin_delay", 3 * 86_400)),
                governance=GovernanceConfig.from_dict(data.get("governance", {})),
                region=int(data.get("region", 1)),
            )
        except (OSError, KeyError, ValueError, TypeError) as error:
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
    governor: ChecksumAddress | None = None  # None in a record written before governance
    timelock: ChecksumAddress | None = None
    constitution: ChecksumAddress | None = None
    bonus_allowances: ChecksumAddress | None = None  # None in a record written before the councils' bonuses
    commons_rewards: ChecksumAddress | None = None  # None in a record written before the commons rewards
    regional_clearing: ChecksumAddress | None = None  # None in a record written before the regions
    region: int = 1
    # Block 0's hash: it pins the chain (and a clique or QBFT chain's first signers, in its extra
    # data) for an auditor, who refuses a node serving another. None in a record written before.
    genesis_hash: str | None = None

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
    """Deploys the ledger and its governance from `deployer` with `config`, checks the code the
    chain now holds against the artifacts, and returns the deployment record."""
    me = sender_address(deployer)
    governance = config.governance
    timelock, _ = _create(w3, deployer, TIMELOCK, governance.timelock_delay, [], [], me)
    admin = config.admin or timelock
    # The timelock carries out what members voted: the fee (GOVERNANCE_ROLE) and the default credit
    # lines (CREDIT_COMMITTEE_ROLE, beside the committee's day-to-day use of it).
    voted = (Role.GOVERNANCE.value, Role.CREDIT_COMMITTEE.value)
    roles = {**config.roles, **{name: (*config.roles.get(name, ()), timelock) for name in voted}}
    grants = [(role_id(name), address) for name, addresses in roles.items() for address in addresses]
    stimulus_bound = (governance.max_stimulus_credit, governance.max_stimulus_duration)
    ledger, receipt = _create(
        w3, deployer, LEDGER, admin, config.admin_delay, grants, config.fee_bps, config.region, *stimulus_bound
    )
    ledger_functions = w3.eth.contract(ledger, abi=load_artifact(LEDGER).abi).functions
    bonuses = _created_by_ledger(w3, BONUS_ALLOWANCES, ledger_functions.bonusAllowances().call())
    clearing = _created_by_ledger(w3, REGIONAL_CLEARING, ledger_functions.regionalClearing().call())
    addresses = {"ledger": ledger, "timelock": timelock, "clearing": clearing}
    # The commons rewards' admin is the timelock (and a developer's operator beside it). Its ledger
    # account is a registrar's and the committee's to open, like any system account's.
    admins = sorted({admin, timelock})
    commons, _ = _create(w3, deployer, COMMONS_REWARDS, ledger, admins, governance.commons_min_window)
    addresses["commons"] = commons
    rules = governance.rule_list()
    constitution, _ = _create(w3, deployer, CONSTITUTION, ledger, me, rules, governance.fee_bound_bps)
    addresses["constitution"] = constitution
    settings = (governance.voting_delay, governance.voting_period, governance.quorum_bps)
    governor, _ = _create(w3, deployer, GOVERNOR, ledger, timelock, constitution, settings)
    addresses["governor"] = governor
    _wire_timelock(w3, deployer, addresses)
    block = w3.eth.get_block(receipt["blockNumber"])
    return Deployment(
        chain_id=w3.eth.chain_id,
        ledger=ledger,
        deploy_block=receipt["blockNumber"],
        deploy_block_hash=HexBytes(block["hash"]).to_0x_hex(),
        deploy_tx=receipt["transactionHash"].to_0x_hex(),
        deployer=me,
        config={
            "admin": admin,
            "admin_delay": config.admin_delay,
            "roles": {k: list(v) for k, v in roles.items()},
            "fee_bps": config.fee_bps,
            "governance": governance.to_dict(),
            "region": config.region,
        },
        artifacts={
            name: artifact_hashes(load_artifact(name), bytes(w3.eth.get_code(address)))
            for name, address in (
                (LEDGER, ledger),
                (TIMELOCK, timelock),
                (CONSTITUTION, constitution),
                (GOVERNOR, governor),
                (BONUS_ALLOWANCES, bonuses),
                (COMMONS_REWARDS, commons),
                (REGIONAL_CLEARING, clearing),
            )
        },
        governor=governor,
        timelock=timelock,
        constitution=constitution,
        bonus_allowances=bonuses,
        commons_rewards=commons,
        regional_clearing=clearing,
        region=config.region,
        genesis_hash=HexBytes(w3.eth.get_block(0)["hash"]).to_0x_hex(),
    )


def _created_by_ledger(w3: Web3, name: str, address: str) -> ChecksumAddress:
    """A contract the ledger's constructor deployed, checked against its shipped artifact."""
    checked = Web3.to_checksum_address(address)
    if not load_artifact(name).runs_on(bytes(w3.eth.get_code(checked))):
        raise DeployError(f"the code at {checked} is not the shipped {name} artifact's runtime bytecode")
    return checked


def _create(w3: Web3, deployer: Sender, name: str, *args: Any) -> tuple[ChecksumAddress, Any]:
    """Deploys the artifact `name` and checks that the chain holds its runtime code."""
    artifact = load_artifact(name)
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    tx = factory.constructor(*args).build_transaction({"from": sender_address(deployer), "gasPrice": gas_price(w3)})
    receipt = send(w3, deployer, {"data": tx["data"], "gas": tx["gas"]})
    address = receipt["contractAddress"]
    if address is None:
        raise DeployError(f"the deploy transaction of {name} created no contract")
    if not artifact.runs_on(bytes(w3.eth.get_code(address))):
        raise DeployError(f"the code at {address} is not the shipped {name} artifact's runtime bytecode")
    return address, receipt


def _wire_timelock(w3: Web3, deployer: Sender, addresses: dict[str, ChecksumAddress]) -> None:
    """Names the constitution's calls (at the contracts just deployed) and hands it to the timelock;
    makes the governor the timelock's one proposer, canceller and executor (anyone executes a passed
    proposal through the governor, which holds it to its kind's delay); and has the deployer renounce
    the timelock's admin: from here on only a vote schedules what the timelock does. The seven
    transactions are independent, so they are sent at once and awaited together."""
    me = sender_address(deployer)
    constitution = w3.eth.contract(addresses["constitution"], abi=load_artifact(CONSTITUTION).abi)
    timelock = w3.eth.contract(addresses["timelock"], abi=load_artifact(TIMELOCK).abi)
    proposer, canceller, executor, admin = (
        timelock.functions[name]().call()
        for name in ("PROPOSER_ROLE", "CANCELLER_ROLE", "EXECUTOR_ROLE", "DEFAULT_ADMIN_ROLE")
    )
    calls = [
        (constitution, constitution.functions.setCallKinds(call_kinds(addresses))),
        (constitution, constitution.functions.setRoleKinds(role_kinds(addresses))),
        (constitution, constitution.functions.transferOwnership(addresses["timelock"])),
        (timelock, timelock.functions.grantRole(proposer, addresses["governor"])),
        (timelock, timelock.functions.grantRole(canceller, addresses["governor"])),
        (timelock, timelock.functions.grantRole(executor, addresses["governor"])),
        (timelock, timelock.functions.renounceRole(admin, me)),
    ]
    nonce = w3.eth.get_transaction_count(me, "pending")
    hashes = []
    for offset, (contract, call) in enumerate(calls):
        tx: TxParams = {"to": contract.address, "data": calldata(call), "nonce": Nonce(nonce + offset)}
        hashes.append(submit(w3, deployer, tx))
    for tx_hash in hashes:
        receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
        if receipt["status"] != 1:
            raise DeployError(f"wiring the governance failed in {tx_hash.to_0x_hex()}")
