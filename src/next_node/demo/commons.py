"""The demo's rewards for commons, on attestations.

1. The registrar opens the commons account (a system member) and the committee gives it a credit
   line; governance (the dev operator stands for the vote) sets a budget per period, caps, a
   schedule (environment 40,00, solidarity 25,00, knowledge 15,00), the demo's short challenge
   window, and names two attestors: an association and the council's environment service.
2. The association attests a tree planting and a repair café, the service a food collection; the
   beneficiaries submit the attestations. The association contests the service's claim (the
   same collection was rewarded last month).
3. When the window is over (`finish`, at the end of the seeding), anyone has the two others paid.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract

from next_contracts import COMMONS_REWARDS, LEDGER, load_artifact
from next_contracts.commons import Claim, evidence_hash, period_of, sign_claim
from next_contracts.constitution import role_id
from next_contracts.deploy import Deployment
from next_contracts.transact import Sender
from next_contracts.vocabulary import CommonsKind, MemberKind
from next_node.demo import Community, Phase, ref

SCHEDULE = {CommonsKind.ENVIRONMENT: 4_000, CommonsKind.SOLIDARITY: 2_500, CommonsKind.KNOWLEDGE: 1_500}
BUDGET, PER_MEMBER, PER_ATTESTOR = 500_000, 20_000, 200_000  # per 30-day period
COMMONS_LINE = 2_000_000  # the commons account may go 20 000,00 below zero
PAY_GAS = 200_000  # a reward's payment takes about 60,000
CLAIMS = (  # (attestor, beneficiary's index among the citizens, kind, evidence)
    ("association", 1, CommonsKind.ENVIRONMENT, "40 trees planted on the river bank, photos and list"),
    ("association", 2, CommonsKind.KNOWLEDGE, "repair café, 14 appliances mended, open notes"),
    ("service", 3, CommonsKind.SOLIDARITY, "food collection, 300 kg for the food bank"),
)


@dataclass(frozen=True)
class CommonsDemo:
    attestors: dict[str, LocalAccount]  # association, service
    claims: list[bytes]  # ids, in CLAIMS' order; the last one contested
    window: int
    submitted_at: float  # the machine's clock when they were submitted


def commons_of(w3: Web3, deployment: Deployment) -> Contract:
    address = Web3.to_checksum_address(str(deployment.commons_rewards))
    return w3.eth.contract(address, abi=load_artifact(COMMONS_REWARDS).abi)


def seed_commons(w3: Web3, deployment: Deployment, operator: Sender, community: Community) -> CommonsDemo:
    """Steps 1 and 2; `operator` holds every role and the commons' admin, as on a dev chain."""
    ledger = w3.eth.contract(Web3.to_checksum_address(deployment.ledger), abi=load_artifact(LEDGER).abi)
    commons = commons_of(w3, deployment)
    attestors = {"association": Account.create(), "service": Account.create()}
    window = int(commons.functions.MIN_WINDOW().call())
    phase = Phase(w3, ledger)
    phase.send(operator, ledger.functions.admit(commons.address, MemberKind.SYSTEM.code, 0, ref("kyc:commons")))
    community.transactions.extend(phase.wait())  # the credit line needs the member: a phase of its own
    phase = Phase(w3, ledger)
    phase.send(operator, ledger.functions.setCreditLine(commons.address, COMMONS_LINE, 0))
    phase.send(operator, commons.functions.setBudget(BUDGET, PER_MEMBER, PER_ATTESTOR))
    for kind, amount in SCHEDULE.items():
        phase.send(operator, commons.functions.setSchedule(kind.code, amount))
    phase.send(operator, commons.functions.setChallengeWindow(window))
    for attestor in attestors.values():
        phase.send(operator, commons.functions.grantRole(role_id("ATTESTOR_ROLE"), attestor.address))
    community.transactions.extend(phase.wait())

    period = period_of(int(w3.eth.get_block("latest")["timestamp"]))
    phase = Phase(w3, ledger)
    ids = []
    for attestor, index, kind, evidence in CLAIMS:
        beneficiary = community.citizens[index]
        claim = Claim(beneficiary.address, kind.code, evidence_hash(evidence.encode()), SCHEDULE[kind], period)
        signed = sign_claim(attestors[attestor].key, claim, w3.eth.chain_id, commons.address)
        phase.send(beneficiary, commons.functions.submit(claim.as_tuple(), signed.signature))
        ids.append(signed.id)
    community.transactions.extend(phase.wait())
    submitted_at = time.monotonic()
    phase = Phase(w3, ledger)
    phase.send(attestors["association"], commons.functions.contest(ids[-1], ref("rewarded last month already")))
    community.transactions.extend(phase.wait())
    return CommonsDemo(attestors, ids, window, submitted_at)


def finish_commons(
    w3: Web3,
    deployment: Deployment,
    community: Community,
    demo: CommonsDemo,
    wait: Callable[[float], None] = time.sleep,
) -> int:
    """Step 3: waits for the end of the window if the seeding was quicker (`wait`: a test chain
    moves its clock instead), then has the two uncontested claims paid by one of the demo's
    citizens. Returns how many were paid."""
    left = demo.window + 2 - (time.monotonic() - demo.submitted_at)  # a block's time beyond it
    if left > 0:
        wait(left)
    ledger = w3.eth.contract(Web3.to_checksum_address(deployment.ledger), abi=load_artifact(LEDGER).abi)
    commons = commons_of(w3, deployment)
    phase = Phase(w3, ledger)
    for claim_id in demo.claims[:-1]:
        # The gas is given: an estimate on the latest block, sealed before the window ended, would fail.
        phase.send(community.citizens[0], commons.functions.pay(claim_id), gas=PAY_GAS)
    community.transactions.extend(phase.wait())
    return len(demo.claims) - 1
