"""The demo's assembly: two proposals open when `next-node up --demo` is ready, one that the
members' votes carry (a stimulus: the businesses of region 1 may go 5 000,00 further below zero
for three months, to buy locally) and one they defeat (the fee to 1 %). Both close two minutes
later; the first can then be queued and, after the timelock's delay, executed from the demo wallet
(`next-wallet queue|execute`).

The demo's deployment votes fast (DEMO_GOVERNANCE); a real deployment's delays are days. Its
members may propose any other kind from the demo wallet too (a project from the reserve, a council,
a credit policy): a proposal of the reserve or of the rules acts two minutes after it is queued.
"""

from __future__ import annotations

import time

from web3 import Web3

from next_contracts import LEDGER, load_artifact
from next_contracts.constitution import GovernanceConfig
from next_contracts.deploy import GOVERNOR, Deployment
from next_contracts.transact import calldata
from next_contracts.vocabulary import MemberKind, MemberStatus, ProposalState
from next_node.demo import Community, Phase

# The demo votes in minutes; the kinds that wait a week in production (the reserve, the rules) wait
# two minutes here, still longer than the others' 30 seconds.
DEMO_GOVERNANCE = GovernanceConfig(
    voting_delay=3,
    voting_period=120,
    timelock_delay=30,
    commons_min_window=10,  # a commons claim is payable seconds after it is submitted, not a day
    rules={
        kind: (quorum, support, 120 if delay else 0)
        for kind, (quorum, support, delay) in GovernanceConfig().rules.items()
    },
)
STIMULUS_CREDIT = 500_000  # 5 000,00: the founding constitution's bound
STIMULUS_DAYS = 90
FOR, AGAINST = 1, 0
ACTIVE = MemberStatus.ACTIVE


def open_proposals(w3: Web3, deployment: Deployment, community: Community) -> list[str]:
    """Proposes the two, waits for their roll to be taken, and has the members vote; returns the
    proposals' descriptions, the one that will pass first."""
    ledger = w3.eth.contract(Web3.to_checksum_address(deployment.ledger), abi=load_artifact(LEDGER).abi)
    governor = w3.eth.contract(Web3.to_checksum_address(str(deployment.governor)), abi=load_artifact(GOVERNOR).abi)
    ends = int(w3.eth.get_block("latest")["timestamp"]) + STIMULUS_DAYS * 86_400
    region_1_businesses = (False, 1, False, MemberKind.BUSINESS.code)
    proposals = [
        (
            community.council,
            ledger.functions.setStimulus(region_1_businesses, STIMULUS_CREDIT, ends),
            "Relance: the businesses of region 1 may go 5 000,00 further below zero for three months, to buy locally",
        ),
        (community.citizens[0], ledger.functions.setFee(100), "Raise the fee to 1 % for a bigger reserve"),
    ]
    phase = Phase(w3, ledger)
    ids = []
    for proposer, call, description in proposals:
        data = bytes.fromhex(calldata(call)[2:])
        phase.send(proposer, governor.functions.propose([ledger.address], [0], [data], description))
        ids.append(governor.functions.hashProposal([ledger.address], [0], [data], Web3.keccak(text=description)).call())
    community.transactions.extend(phase.wait())

    deadline = time.monotonic() + 60
    while any(ProposalState.of(governor.functions.state(i).call()) is ProposalState.PENDING for i in ids):
        if time.monotonic() > deadline:
            raise RuntimeError("the demo's proposals did not open for votes within a minute")
        time.sleep(0.5)

    # Most members back the relance and reject the higher fee; a few think otherwise.
    # Only active members vote: by now a citizen has moved to region 3, another key was replaced.
    everyone = [community.council, *community.businesses.values(), *community.citizens]
    voters = [v for v in everyone if MemberStatus.of(ledger.functions.accountOf(v.address).call()[3]) is ACTIVE]
    phase = Phase(w3, ledger)
    for n, voter in enumerate(voters):
        phase.send(voter, governor.functions.castVote(ids[0], AGAINST if n % 5 == 4 else FOR))
        phase.send(voter, governor.functions.castVote(ids[1], FOR if n % 4 == 3 else AGAINST))
    community.transactions.extend(phase.wait())
    return [description for _, _, description in proposals]
