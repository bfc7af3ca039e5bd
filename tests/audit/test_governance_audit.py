"""The auditor replays the members' decisions: on a governed ledger, the fee and a stimulus set by a
proposal that passed and was executed by the timelock pass (and a payment on the stimulus's credit
with them), and the same change made by a key that was given GOVERNANCE_ROLE at deployment is
named. Real anvil chains (whose clock the test moves)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3
from web3.exceptions import ContractCustomError

from next_contracts import LEDGER, load_artifact
from next_contracts.constitution import GovernanceConfig
from next_contracts.deploy import GOVERNOR, DeployConfig, Deployment, deploy
from next_contracts.rpc import connect
from next_contracts.transact import calldata, send
from next_contracts.vocabulary import ProposalKind, Role
from next_node.chain.anvil import AnvilChain, AnvilSettings
from next_node.chain.embedded import ChainSettings, EmbeddedChain
from tests.audit.conftest import run_audit
from tests.support.chain import later
from tests.support.ports import free_port

SETTINGS = GovernanceConfig(voting_delay=60, voting_period=600, timelock_delay=120)


@pytest.fixture
def governed_chain(tmp_path: Path) -> Iterator[tuple[Web3, str, Deployment, Path]]:
    """A governed ledger on a fresh anvil: the operator is registrar, and a 'treasurer' key was
    also given GOVERNANCE_ROLE by the deploy config (which a vote never gave it)."""
    with AnvilChain(AnvilSettings(tmp_path / "chain", free_port(), block_time=0)) as chain:
        chain.start()
        w3 = connect(chain.settings.rpc_url, trust_env=False)
        operator = w3.eth.accounts[0]
        treasurer = w3.eth.accounts[1]
        roles = {
            Role.REGISTRAR.value: (operator,),
            Role.CREDIT_COMMITTEE.value: (operator,),
            Role.GOVERNANCE.value: (treasurer,),
        }
        deployment = deploy(w3, operator, DeployConfig(roles=roles, governance=SETTINGS))
        record = tmp_path / "deployment.json"
        deployment.write(record)
        yield w3, chain.settings.rpc_url, deployment, record


def test_a_fee_voted_and_executed_passes_and_a_key_setting_it_alone_is_named(governed_chain):
    w3, rpc_url, deployment, record = governed_chain
    operator, treasurer = w3.eth.accounts[0], w3.eth.accounts[1]
    ledger = w3.eth.contract(deployment.ledger, abi=load_artifact(LEDGER).abi)
    governor = w3.eth.contract(deployment.governor, abi=load_artifact(GOVERNOR).abi)
    members = [Account.create() for _ in range(3)]
    line = ledger.functions.setDefaultCreditLine(0, 0, 1_000_000)  # no credit below zero; room above
    send(w3, operator, {"to": ledger.address, "data": calldata(line)})
    for member in members:
        send(
            w3,
            operator,
            {"to": ledger.address, "data": calldata(ledger.functions.admit(member.address, 0, 1, b"\x01" * 32))},
        )
    later(w3, 1)
    fee = bytes.fromhex(calldata(ledger.functions.setFee(42))[2:])
    ends = w3.eth.get_block("latest")["timestamp"] + 10 * 86_400
    relance = bytes.fromhex(calldata(ledger.functions.setStimulus((True, 0, True, 0), 50_000, ends))[2:])
    calls = ([ledger.address, ledger.address], [0, 0], [fee, relance])
    description = "Fee to 0.42 %, and 500,00 of credit for everyone for ten days"
    send(w3, members[0], {"to": governor.address, "data": calldata(governor.functions.propose(*calls, description))})
    proposal_id = governor.functions.hashProposal(*calls, Web3.keccak(text=description)).call()
    later(w3, SETTINGS.voting_delay + 1)
    for member, support in zip(members, (1, 1, 0), strict=True):
        send(w3, member, {"to": governor.address, "data": calldata(governor.functions.castVote(proposal_id, support))})
    later(w3, SETTINGS.voting_period + 1)
    description_hash = Web3.keccak(text=description)
    send(w3, operator, {"to": governor.address, "data": calldata(governor.functions.queue(*calls, description_hash))})
    later(w3, SETTINGS.timelock_delay + 1)
    send(w3, operator, {"to": governor.address, "data": calldata(governor.functions.execute(*calls, description_hash))})
    assert ledger.functions.feeBps().call() == 42
    # The members have no credit line of their own: the stimulus alone lets one pay.
    pay = ledger.functions.pay(members[1].address, 10_000, b"\x00" * 32)
    send(w3, members[0], {"to": ledger.address, "data": calldata(pay)})

    clean = run_audit(rpc_url, record)
    assert clean.code == 0, clean.err + clean.out
    votes = clean.check("governance.votes")
    assert votes["status"] == "pass" and votes["checked"] >= 6  # a proposal, 3 votes, an execution, 2 changes
    assert clean.check("ledger.rules")["status"] == "pass"  # the payment on stimulus credit is within it
    assert clean.report["figures"]["proposals"] == 1 and clean.report["figures"]["proposals_executed"] == 1

    send(w3, treasurer, {"to": ledger.address, "data": calldata(ledger.functions.setFee(90))})
    named = run_audit(rpc_url, record)
    assert named.code != 0
    (finding,) = named.findings("governance.votes")
    assert finding["subject"].lower() == treasurer.lower()
    assert "changing the fee to 0.9%" in finding["message"] and "made by a key, not by a vote" in finding["message"]


def test_on_geth_a_vote_executed_through_the_timelock_is_attributed_without_a_tracer(tmp_path: Path):
    """geth's RPC has no call tracer: the ledger's caller in the governor's execution is known from
    the execution itself (the timelock), not named as a key's change. Real time, one-second votes."""
    settings = GovernanceConfig(voting_delay=1, voting_period=4, timelock_delay=1)
    with EmbeddedChain(ChainSettings(tmp_path / "chain", free_port(), block_time=0)) as chain:
        chain.start()
        w3 = connect(chain.settings.rpc_url, trust_env=False)
        operator = chain.operator
        deployment = deploy(w3, operator, DeployConfig.single_operator(operator.address, governance=settings))
        deployment.write(tmp_path / "deployment.json")
        ledger = w3.eth.contract(deployment.ledger, abi=load_artifact(LEDGER).abi)
        governor = w3.eth.contract(deployment.governor, abi=load_artifact(GOVERNOR).abi)
        members = [Account.create() for _ in range(2)]
        for member in members:
            admit = ledger.functions.admit(member.address, 0, 1, b"\x01" * 32)
            send(w3, operator, {"to": ledger.address, "data": calldata(admit)})
        calls = ([ledger.address], [0], [bytes.fromhex(calldata(ledger.functions.setFee(33))[2:])])
        text, text_hash = "Fee to 0.33 %", Web3.keccak(text="Fee to 0.33 %")
        proposal_id = governor.functions.hashProposal(*calls, text_hash).call()

        def tick() -> None:  # a block, so that the chain's clock moves (its blocks come with transactions)
            time.sleep(0.3)
            send(w3, operator, {"to": operator.address, "value": 0})

        def until_sent(call: Any) -> None:  # the clique's block times may run ahead of the wall clock
            deadline = time.monotonic() + 30
            while True:
                try:
                    send(w3, members[0], {"to": governor.address, "data": calldata(call)})
                    return
                except ContractCustomError:
                    assert time.monotonic() < deadline, "the governor kept refusing"
                    tick()

        until_sent(governor.functions.propose(*calls, text))  # once the members' votes are past

        def step(call: Any, state_before: int) -> None:  # waits for the state, then sends
            deadline = time.monotonic() + 30
            while governor.functions.state(proposal_id).call() != state_before:
                assert time.monotonic() < deadline, "the proposal never reached the state"
                tick()
            until_sent(call)

        step(governor.functions.castVote(proposal_id, 1), 1)  # active
        step(governor.functions.queue(*calls, text_hash), 4)  # succeeded
        step(governor.functions.execute(*calls, text_hash), 5)  # queued; the delay is checked on send
        assert ledger.functions.feeBps().call() == 33

        audit = run_audit(chain.settings.rpc_url, tmp_path / "deployment.json")
        assert audit.check("governance.votes")["status"] == "pass", audit.out
        assert audit.check("ledger.authority")["status"] == "pass", audit.out


def test_a_project_and_a_council_voted_pass_and_a_project_funded_by_a_key_is_named(governed_chain):
    """A vote admits a council, funds a project above a floor (a week's delay: the reserve's) and
    sets a credit policy; the instalment, released by anyone, passes the schedule and floor checks,
    the policy applied by anyone its rule's check; the same funding by the treasurer's key is named."""
    w3, rpc_url, deployment, record = governed_chain
    operator, treasurer = w3.eth.accounts[0], w3.eth.accounts[1]
    ledger = w3.eth.contract(deployment.ledger, abi=load_artifact(LEDGER).abi)
    governor = w3.eth.contract(deployment.governor, abi=load_artifact(GOVERNOR).abi)
    members = [Account.create() for _ in range(3)]

    def act(sender: Any, call: Any) -> None:
        send(w3, sender, {"to": call.address, "data": calldata(call)})

    act(operator, ledger.functions.setDefaultCreditLine(0, 1_000_000, 10_000_000))
    for member in members:
        act(operator, ledger.functions.admit(member.address, 0, 1, b"\x01" * 32))
    act(members[0], ledger.functions.pay(members[1].address, 500_000, b"\x00" * 32))  # 1 000 to the reserve
    later(w3, 1)
    council = Account.create()
    proposed = (
        ledger.functions.admitCouncil(council.address, 2, b"\x02" * 32),
        ledger.functions.setCoverageFloor(10),
        ledger.functions.fundProject(members[2].address, 400, 2, 86_400, b"\x03" * 32),
        ledger.functions.setCreditPolicy(0, 0, 1_000, 2_000_000),  # + 10 % of the turnover received
    )
    calls = ([c.address for c in proposed], [0] * 4, [bytes.fromhex(calldata(c)[2:]) for c in proposed])
    description = "Admit region 2's council; fund the repair café, 2 x 4,00, above a floor of 0.1 %"
    act(members[0], governor.functions.propose(*calls, description))
    proposal_id = governor.functions.hashProposal(*calls, Web3.keccak(text=description)).call()
    later(w3, SETTINGS.voting_delay + 1)
    for member in members:
        act(member, governor.functions.castVote(proposal_id, 1))
    later(w3, SETTINGS.voting_period + 1)
    act(operator, governor.functions.queue(*calls, Web3.keccak(text=description)))
    later(w3, SETTINGS.delay_of(ProposalKind.RESERVE) + 1)
    act(operator, governor.functions.execute(*calls, Web3.keccak(text=description)))
    act(members[1], ledger.functions.releaseInstalment(1))
    assert ledger.functions.balanceOf(members[2].address).call() == 400
    act(members[0], ledger.functions.applyCreditPolicy(members[1].address))  # it received 5 000,00
    assert ledger.functions.accountOf(members[1].address).call()[1] == 1_000_000 + 50_000

    clean = run_audit(rpc_url, record)
    assert clean.code == 0, clean.err + clean.out
    assert clean.check("governance.votes")["status"] == "pass"
    figures = clean.report["figures"]
    assert (figures["projects_funded"], figures["projects_paid"], figures["coverage_floor_bps"]) == (1, 400, 10)

    act(treasurer, ledger.functions.fundProject(members[2].address, 1, 1, 0, b"\x04" * 32))
    named = run_audit(rpc_url, record)
    (finding,) = named.findings("governance.votes")
    assert finding["subject"].lower() == treasurer.lower() and "funding project 2" in finding["message"]
