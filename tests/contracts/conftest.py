"""The contract tests' fixtures: a real anvil chain, started by ape-foundry, with the ledger
deployed through the same deploy library that `ape run deploy` and the embedded node use."""

from __future__ import annotations

import ape
import pytest
from web3 import Web3

from next_contracts import LEDGER, load_artifact
from next_contracts.deploy import DeployConfig, Deployment, deploy
from next_contracts.vocabulary import MemberKind, MemberStatus, Role
from tests.contracts.governance import SETTINGS, Governance
from tests.contracts.helpers import kyc

# The Solidity enums' ordinals, as the contract tests pass and compare them.
INDIVIDUAL, BUSINESS, COUNCIL, SYSTEM = (kind.code for kind in MemberKind)
NONE, ACTIVE, FROZEN, EXCLUDED, MIGRATED, MOVED = (status.code for status in MemberStatus)


@pytest.fixture(scope="session")
def ape_web3() -> Web3:
    return ape.chain.provider.web3


@pytest.fixture(scope="session")
def admin(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def registrar(accounts):
    return accounts[1]


@pytest.fixture(scope="session")
def committee(accounts):
    return accounts[2]


@pytest.fixture(scope="session")
def governor(accounts):
    return accounts[3]


@pytest.fixture(scope="session")
def pauser(accounts):
    return accounts[4]


@pytest.fixture(scope="session")
def auditor(accounts):
    return accounts[5]


@pytest.fixture(scope="session")
def alice(accounts):
    return accounts[6]


@pytest.fixture(scope="session")
def bob(accounts):
    return accounts[7]


@pytest.fixture(scope="session")
def council(accounts):
    return accounts[8]


@pytest.fixture(scope="session")
def stranger(accounts):
    return accounts[9]


@pytest.fixture(scope="session")
def deploy_config(admin, registrar, committee, governor, pauser, auditor) -> DeployConfig:
    return DeployConfig(
        admin=admin.address,
        roles={
            "REGISTRAR_ROLE": (registrar.address,),
            "CREDIT_COMMITTEE_ROLE": (committee.address,),
            "GOVERNANCE_ROLE": (governor.address,),
            "PAUSER_ROLE": (pauser.address,),
            "AUDITOR_ROLE": (auditor.address,),
        },
        fee_bps=20,
    )


@pytest.fixture(scope="session")
def ledger_deployment(ape_web3, admin, deploy_config) -> Deployment:
    return deploy(ape_web3, admin.address, deploy_config)


@pytest.fixture(scope="session")
def ledger(ledger_deployment):
    """The deployed ledger, seen through ape so that reverts decode to their typed errors."""
    return ape.Contract(ledger_deployment.ledger, abi=load_artifact(LEDGER).abi)


@pytest.fixture
def community(ledger, registrar, committee, governor, alice, bob, council):
    """Alice and Bob (individuals, region 1) and a council (region 1, admitted by governance), with
    credit lines."""
    ledger.setDefaultCreditLine(INDIVIDUAL, 100_000, 5_000_000, sender=committee)
    ledger.setDefaultCreditLine(COUNCIL, 100_000_000, 10_000_000_000, sender=committee)
    for member in (alice, bob):
        ledger.admit(member, INDIVIDUAL, 1, Web3.keccak(text=f"kyc:{member.address}"), sender=registrar)
    ledger.admitCouncil(council, 1, Web3.keccak(text=f"kyc:{council.address}"), sender=governor)
    return ledger


@pytest.fixture(scope="session")
def governed(ape_web3, admin, registrar, committee, pauser, auditor) -> Deployment:
    """A production-shaped deployment: staff roles to their keys, admin and governance to the timelock."""
    roles = {
        Role.REGISTRAR.value: (registrar.address,),
        Role.CREDIT_COMMITTEE.value: (committee.address,),
        Role.PAUSER.value: (pauser.address,),
        Role.AUDITOR.value: (auditor.address,),
    }
    return deploy(ape_web3, admin.address, DeployConfig(roles=roles, fee_bps=20, governance=SETTINGS))


@pytest.fixture
def gov(ape_web3, governed, registrar, committee, alice, bob, council, stranger) -> Governance:
    """Four voting members (alice, bob, a business named council, the stranger) under the governed
    deployment (a registrar cannot admit a real council there: only a vote does)."""
    g = Governance(ape_web3, governed)
    g.act(committee, g.ledger.functions.setDefaultCreditLine(INDIVIDUAL, 100_000, 5_000_000))
    for member, kind in ((alice, INDIVIDUAL), (bob, INDIVIDUAL), (council, BUSINESS), (stranger, INDIVIDUAL)):
        g.act(registrar, g.ledger.functions.admit(member.address, kind, 1, kyc(member.address)))
    g.wait(1)
    return g
