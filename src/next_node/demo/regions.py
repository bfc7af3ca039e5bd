"""The demo's second region: Val-d'Oise (region 3), a ledger of its own beside the first one
(region 1, whose members carry the area numbers 1 and 2 that its bonus runs and stimuli use), with
its own governance, members and reserve. Both regions' governance (the demo operator, on a
developer's chain) set their side of the relationship: each lets the other owe it 2 000,00. Then:

1. citizens of region 1 buy cider from Val-d'Oise's cidery, and the cidery buys bread from region
   1's bakery: payments across regions, each one transaction through both ledgers;
2. a citizen of region 1 moves to Val-d'Oise, welcomed by its registrar, with its balance.

The region's deployment record is kept beside the first one's (`deployment-region-3.json`), so that
`next-wallet init --deployment` or a second gateway can follow it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from next_contracts import LEDGER, REGIONAL_CLEARING, load_artifact
from next_contracts.deploy import DeployConfig, Deployment, deploy
from next_contracts.transact import Sender, sender_address
from next_node.demo import BUSINESS, DEFAULT_LINES, INDIVIDUAL, Community, Phase, ref

REGION = 3
RELATIONSHIP = 200_000  # 2 000,00 each way, each side
RECORD = f"deployment-region-{REGION}.json"


@dataclass
class RegionsDemo:
    deployment: Deployment
    payments: int  # across the two regions
    mover: str  # the citizen who moved to Val-d'Oise
    balance: int  # what it took along


def seed_regions(w3: Web3, first: Deployment, operator: Sender, community: Community, data_dir: Path) -> RegionsDemo:
    """Deploys region 3 beside `first`, relates them, and trades and moves across them."""
    me = sender_address(operator)
    second = deploy(w3, operator, DeployConfig.single_operator(me, region=REGION))
    second.write(data_dir / RECORD)
    ledgers = [
        w3.eth.contract(Web3.to_checksum_address(d.ledger), abi=load_artifact(LEDGER).abi) for d in (first, second)
    ]
    clearings = [
        w3.eth.contract(Web3.to_checksum_address(d.regional_clearing or ""), abi=load_artifact(REGIONAL_CLEARING).abi)
        for d in (first, second)
    ]
    cidery, *neighbours = (Account.create() for _ in range(4))

    phase = Phase(w3, ledgers[1])
    phase.send(operator, clearings[0].functions.setRelationship(clearings[1].address, RELATIONSHIP, RELATIONSHIP))
    phase.send(operator, clearings[1].functions.setRelationship(clearings[0].address, RELATIONSHIP, RELATIONSHIP))
    for kind, (limit, ceiling) in DEFAULT_LINES.items():
        phase.send(operator, ledgers[1].functions.setDefaultCreditLine(kind, limit, ceiling))
    phase.wait()
    phase = Phase(w3, ledgers[1])
    phase.send(operator, ledgers[1].functions.admit(cidery.address, BUSINESS, REGION, ref("kyc:cidery (3)")))
    for i, neighbour in enumerate(neighbours):
        phase.send(operator, ledgers[1].functions.admit(neighbour.address, INDIVIDUAL, REGION, ref(f"kyc:val {i}")))
    phase.wait()

    # Region 1's staff (paid their bonus) buy cider; the cidery buys bread; a neighbour pays a friend.
    buyers: list[tuple[LocalAccount, int, str, int, str]] = [
        (citizen, 0, cidery.address, 1_800 + 150 * i, f"cider {i}") for i, citizen in enumerate(community.citizens[:6])
    ]
    buyers += [
        (cidery, 1, community.businesses["bakery (1)"].address, 4_500, "bread for the cidery"),
        (neighbours[0], 1, community.citizens[2].address, 1_200, "share of a trip"),
    ]
    phase = Phase(w3, clearings[0])
    for payer, home, payee, amount, text in buyers:
        partner = clearings[1 - home].address
        phase.send(payer, clearings[home].functions.payAcross([partner], payee, amount, ref(text)))
    phase.wait()

    # A citizen of region 1 moves to Val-d'Oise: its registrar welcomes it, then it moves itself. One
    # that holds no bonus allowance, no commons claim and no place in the demo wallet, after the votes.
    mover = community.citizens[-2]
    balance = ledgers[0].functions.balanceOf(mover.address).call()
    phase = Phase(w3, clearings[1])
    phase.send(operator, clearings[1].functions.welcome(mover.address, clearings[0].address))
    phase.wait()
    phase = Phase(w3, clearings[0])
    phase.send(mover, clearings[0].functions.moveTo(clearings[1].address))
    phase.wait()
    return RegionsDemo(second, len(buyers), mover.address, balance)
