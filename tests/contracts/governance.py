"""A governed deployment's contracts through web3, and the steps of a proposal: shared by the
governance and privilege tests. Time moves by mining blocks with later timestamps (anvil)."""

from __future__ import annotations

from typing import Any

import ape
import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractCustomError

from next_contracts import COMMONS_REWARDS, LEDGER, load_artifact
from next_contracts.constitution import GovernanceConfig
from next_contracts.deploy import CONSTITUTION, GOVERNOR, TIMELOCK, Deployment
from next_contracts.errors import error_from_exception
from next_contracts.transact import calldata, send
from next_contracts.vocabulary import ProposalKind, ProposalState

AGAINST, FOR, ABSTAIN = 0, 1, 2
SETTINGS = GovernanceConfig(voting_delay=60, voting_period=3_600, timelock_delay=600)


class Governance:
    """The governed deployment's contracts through web3, and the steps of a proposal."""

    def __init__(self, w3: Web3, deployment: Deployment) -> None:
        self.w3 = w3
        self.ledger = self._contract(LEDGER, deployment.ledger)
        self.governor = self._contract(GOVERNOR, deployment.governor)
        self.timelock = self._contract(TIMELOCK, deployment.timelock)
        self.constitution = self._contract(CONSTITUTION, deployment.constitution)
        self.commons = self._contract(COMMONS_REWARDS, deployment.commons_rewards)

    def _contract(self, name: str, address: str | None) -> Contract:
        assert address is not None
        return self.w3.eth.contract(Web3.to_checksum_address(address), abi=load_artifact(name).abi)

    def act(self, sender: Any, call: Any) -> Any:
        """Sends `call` from an ape test account (unlocked on anvil) or a local key (signed here)."""
        signer = sender if isinstance(sender, LocalAccount) else sender.address
        return send(self.w3, signer, {"to": call.address, "data": calldata(call)})

    def new_key(self, funder: Any) -> LocalAccount:
        """A fresh key with ether for gas (anvil's base fee is not zero)."""
        key: LocalAccount = Account.create()
        funder.transfer(key.address, 10**18)
        return key

    def refusal(self, sender: Any, call: Any) -> str:
        with pytest.raises(ContractCustomError) as raised:
            self.act(sender, call)
        return str(error_from_exception(raised.value))

    def proposal(self, *calls: Any, description: str = "a proposal") -> tuple[list, list, list, bytes]:
        targets = [call.address for call in calls]
        return targets, [0] * len(calls), [HexBytes(calldata(call)) for call in calls], Web3.keccak(text=description)

    def propose(self, proposer: Any, *calls: Any, description: str = "a proposal") -> int:
        targets, values, datas, _ = self.proposal(*calls, description=description)
        self.act(proposer, self.governor.functions.propose(targets, values, datas, description))
        return self.governor.functions.hashProposal(targets, values, datas, Web3.keccak(text=description)).call()

    def state(self, proposal_id: int) -> ProposalState:
        return ProposalState.of(self.governor.functions.state(proposal_id).call())

    def wait(self, seconds: int) -> None:
        ape.chain.mine(1, timestamp=ape.chain.blocks.head.timestamp + seconds)

    def vote(self, proposal_id: int, **ballots: Any) -> None:
        for support, voters in ballots.items():
            for voter in voters:
                choice = {"yes": FOR, "no": AGAINST, "abstain": ABSTAIN}[support]
                self.act(voter, self.governor.functions.castVote(proposal_id, choice))

    def passed(self, proposer: Any, voters: list[Any], *calls: Any, description: str) -> tuple[int, Any]:
        """Proposes `calls`, has `voters` vote for, and queues it; returns its id and its execute call."""
        proposal_id = self.propose(proposer, *calls, description=description)
        self.wait(SETTINGS.voting_delay + 1)
        self.vote(proposal_id, yes=voters)
        self.wait(SETTINGS.voting_period + 1)
        targets, values, datas, hashed = self.proposal(*calls, description=description)
        self.act(proposer, self.governor.functions.queue(targets, values, datas, hashed))
        return proposal_id, self.governor.functions.execute(targets, values, datas, hashed)

    def enact(self, proposer: Any, voters: list[Any], *calls: Any, description: str, kind: ProposalKind) -> int:
        """A proposal passed, queued and executed after its kind's delay."""
        proposal_id, execute = self.passed(proposer, voters, *calls, description=description)
        self.wait(SETTINGS.delay_of(kind) + 1)
        self.act(proposer, execute)
        return proposal_id
