"""The privilege table (README, "Who can do what"): for each role of each contract, the rule under
which a vote grants or revokes it, and the bound its contract enforces whoever holds it. A role
carries the rule of its strongest power, so a vote of a weaker kind cannot hand it out: the case of a
tenth of the members granting GOVERNANCE_ROLE to one of them, who then set a stimulus of ten
million for ten years and paid five million with a credit limit of zero."""

from __future__ import annotations

import re
from pathlib import Path

import ape
import pytest
from web3 import Web3

from next_contracts import load_artifact
from next_contracts.constitution import ROLE_KINDS, GovernanceConfig, role_id
from next_contracts.deploy import CONSTITUTION
from next_contracts.vocabulary import MAX_FEE_BPS, ProposalKind
from tests.contracts.governance import SETTINGS, Governance

ROWS = [(contract, name, kind) for contract, roles in ROLE_KINDS.items() for name, kind in roles.items()]
REGION_1 = (False, 1, True, 0)  # a stimulus's scope: region 1, every kind of member


def contract_of(gov: Governance, name: str):
    return gov.ledger if name == "ledger" else gov.commons


@pytest.mark.parametrize(("contract", "name", "kind"), ROWS, ids=[f"{c}-{n}" for c, n, _ in ROWS])
def test_a_role_is_granted_and_revoked_by_the_rule_of_its_strongest_power(
    gov, governed, alice, stranger, contract, name, kind
):
    target = contract_of(gov, contract)
    grant = target.functions.grantRole(role_id(name), stranger.address)
    if kind is ProposalKind.CONSTITUTION:
        # A role that carries out votes goes to the timelock or to nobody, whatever the majority.
        refused = gov.refusal(alice, gov.governor.functions.propose(*gov.proposal(grant)[:3], f"{name} to a member"))
        assert refused == (
            f"ConstitutionRoleOnlyForTimelock(target={target.address.lower()}, role=0x{role_id(name).hex()}, "
            f"account={stranger.address.lower()}, timelock={governed.timelock.lower()})"
        )
        grant = target.functions.grantRole(role_id(name), governed.timelock)
    for call in (grant, target.functions.revokeRole(role_id(name), stranger.address)):
        proposal_id = gov.propose(alice, call, description=f"{call.fn_name} {name} at the {contract}")
        rule, kinds = gov.governor.functions.proposalRule(proposal_id).call()
        assert kinds == 1 << kind.code, name
        assert tuple(rule) == SETTINGS.rules[kind.value]


def test_a_role_the_constitution_does_not_name_cannot_be_granted_by_any_vote(gov, alice, stranger):
    minter = Web3.keccak(text="MINTER_ROLE")
    for target in (gov.ledger, gov.commons):
        grant = target.functions.grantRole(minter, stranger.address)
        refused = gov.refusal(alice, gov.governor.functions.propose(*gov.proposal(grant)[:3], "a new role"))
        assert refused == f"ConstitutionRoleUnknown(target={target.address.lower()}, role=0x{minter.hex()})"
    # Nor can the role kinds be rewritten but by the constitution's own rule, through the timelock.
    assert gov.refusal(alice, gov.constitution.functions.setRoleKinds([])).startswith("OwnableUnauthorizedAccount")
    table = gov.constitution.functions.setRoleKinds([(gov.ledger.address, minter, ProposalKind.ROLES.code)])
    proposal_id = gov.propose(alice, table, description="a minter role, granted by a roles vote")
    assert gov.governor.functions.proposalRule(proposal_id).call()[1] == 1 << ProposalKind.CONSTITUTION.code


def test_governance_keys_cannot_pass_the_ledgers_stimulus_bound(ledger, ledger_deployment, admin, governor):
    """GOVERNANCE_ROLE held by a key (a developer's chain) is bounded by the ledger itself."""
    bound = ledger.stimulusBound()
    assert tuple(bound) == (500_000, 183 * 86_400)  # GovernanceConfig's defaults, written at deployment
    now = ape.chain.blocks.head.timestamp
    ten_years = now + 10 * 365 * 86_400
    with ape.reverts(ledger.LedgerStimulusOutOfBounds, extraCredit=1_000_000_000, maxExtraCredit=500_000):
        ledger.setStimulus(REGION_1, 1_000_000_000, ten_years, sender=governor)
    with ape.reverts(ledger.LedgerStimulusOutOfBounds, extraCredit=500_000, endsAt=ten_years):
        ledger.setStimulus(REGION_1, 500_000, ten_years, sender=governor)
    ledger.setStimulus(REGION_1, 500_000, now + 30 * 86_400, sender=governor)  # within the bound
    ledger.setStimulus(REGION_1, 0, ten_years, sender=governor)  # ending one early is never refused
    # The bound is the admin's alone (the timelock: a vote of the constitution's rule).
    with ape.reverts(ledger.AccessControlUnauthorizedAccount):
        ledger.setStimulusBound(10**9, 10 * 365 * 86_400, sender=governor)
    receipt = ledger.setStimulusBound(100_000, 30 * 86_400, sender=admin)
    assert [tuple(e.event_arguments.values()) for e in receipt.events] == [(100_000, 30 * 86_400)]
    with ape.reverts(ledger.LedgerCreditLineTooLarge):
        ledger.setStimulusBound(2**63, 1, sender=admin)
    # The constitution reads the same bound when a stimulus is proposed: one bound, stated once.
    constitution = ape.Contract(ledger_deployment.constitution, abi=load_artifact(CONSTITUTION).abi)
    assert tuple(constitution.stimulusBound()) == (100_000, 30 * 86_400)


def test_governance_keys_cannot_pass_the_ledgers_fee_maximum(ledger, governor):
    with ape.reverts(ledger.LedgerFeeTooHigh, feeBps=MAX_FEE_BPS + 1, maxFeeBps=MAX_FEE_BPS):
        ledger.setFee(MAX_FEE_BPS + 1, sender=governor)


def test_the_readme_privilege_table_says_what_the_constitution_holds():
    """Each role's row names the rule ROLE_KINDS gives it: the README cannot drift from the code."""
    readme = (Path(__file__).parents[2] / "docs" / "contracts.md").read_text()
    rows = {}
    for line in readme.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 5 and cells[0] in ("ledger", "commons rewards"):
            role = re.search(r"`([A-Z_]+_ROLE)`", cells[1])
            assert role, line
            rows[("ledger" if cells[0] == "ledger" else "commons", role.group(1))] = cells[4]
    assert set(rows) == {(contract, name) for contract, name, _ in ROWS}
    for contract, name, kind in ROWS:
        said = rows[(contract, name)]
        # The ledger's admin is never granted: its row says how its transfer is decided instead.
        assert said.startswith(kind.value) or (name == "DEFAULT_ADMIN_ROLE" and f"kind {kind.value}" in said), said


def test_a_passed_grant_is_carried_out_where_a_developers_key_keeps_the_admin(
    ape_web3, ledger_deployment, registrar, committee, alice, bob, stranger
):
    """On a developer's chain the operator key is the ledger's admin; the timelock still grants the
    staff roles members vote (it holds GOVERNANCE_ROLE, their admin), as the README's demo does."""
    g = Governance(ape_web3, ledger_deployment)
    g.act(committee, g.ledger.functions.setDefaultCreditLine(0, 100_000, 5_000_000))
    for member in (alice, bob):
        g.act(registrar, g.ledger.functions.admit(member.address, 0, 1, Web3.keccak(text=member.address)))
    config = GovernanceConfig()  # the developer's chain's: a day to read, a week to vote, two days' delay
    grant = g.ledger.functions.grantRole(role_id("PAUSER_ROLE"), stranger.address)
    g.wait(1)
    proposal_id = g.propose(alice, grant, description="The stranger may pause payments")
    g.wait(config.voting_delay + 1)
    g.vote(proposal_id, yes=[alice, bob])
    g.wait(config.voting_period + 1)
    targets, values, datas, hashed = g.proposal(grant, description="The stranger may pause payments")
    g.act(alice, g.governor.functions.queue(targets, values, datas, hashed))
    g.wait(config.delay_of(ProposalKind.ROLES) + 1)
    g.act(alice, g.governor.functions.execute(targets, values, datas, hashed))
    assert g.ledger.functions.hasRole(role_id("PAUSER_ROLE"), stranger.address).call()
