"""The demo's bonus allowances: the regional council pays its year-end bonus as allowances that
local businesses take, not as plain units.

1. The registrar puts the bookshops and the cafés in "culture" (the bridge to cultural cards),
   the grocers, bakeries and farms in "local-shop" (the farms in "organic" too); the garages,
   plumbers and pharmacies take no allowance.
2. The council issues the year-end run to 200 of its staff (and to the demo wallet's citizen):
   spendable for 90 days, in culture and local shops. It issues a short "festival pass" too, for
   30 of them, at culture venues of region 1 only: it lapses LAPSE_SECONDS after the demo starts.
3. Some staff spend: at a bookshop, a café or a grocer, a few with plain units beyond their
   allowance; one tries the garage, and is refused in words (the demo prints the sentence).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.exceptions import ContractCustomError

from next_contracts import LEDGER, load_artifact
from next_contracts.bonuses import bonus_contract
from next_contracts.deploy import Deployment
from next_contracts.errors import describe, error_from_exception
from next_contracts.transact import Sender
from next_contracts.vocabulary import Category
from next_node.demo import INDIVIDUAL, Community, Phase, ref

STAFF = 200
ISSUE_CHUNK = 100
YEAR_END_DAYS = 90
LAPSE_SECONDS = 90  # the festival pass lapses soon after the demo is up
SPEND_GAS = 300_000  # a spending takes about 62,000 with one allowance (README, gas figures)
CATEGORIES = {
    "bookshop": (Category.CULTURE, Category.LOCAL_SHOP),
    "cafe": (Category.CULTURE,),
    "grocer": (Category.LOCAL_SHOP, Category.ORGANIC),
    "bakery": (Category.LOCAL_SHOP,),
    "farm": (Category.LOCAL_SHOP, Category.ORGANIC),
}


@dataclass(frozen=True)
class BonusDemo:
    runs: tuple[int, int]  # the year-end run, the festival pass
    staff: list[LocalAccount]
    spendings: int
    refusal: str  # the garage's refusal, in words


def seed_bonuses(
    w3: Web3, deployment: Deployment, operator: Sender, community: Community, *, staff: int = STAFF, seed_value: int = 7
) -> BonusDemo:
    """Runs the three steps above; `operator` must hold the registrar role, as in `demo.seed`."""
    rng = random.Random(seed_value)
    ledger = w3.eth.contract(Web3.to_checksum_address(deployment.ledger), abi=load_artifact(LEDGER).abi)
    bonuses = bonus_contract(w3, ledger.functions.bonusAllowances().call())
    people = [Account.create() for _ in range(staff)]
    phase = Phase(w3, ledger)
    for i, person in enumerate(people):
        phase.send(operator, ledger.functions.admit(person.address, INDIVIDUAL, 1 + i % 2, ref(f"kyc:staff {i}")))
    for label, business in community.businesses.items():
        categories = CATEGORIES.get(label.split(" (")[0], ())
        if categories:
            phase.send(operator, bonuses.functions.setCategories(business.address, Category.mask(categories)))
    community.transactions.extend(phase.wait())

    now = int(w3.eth.get_block("latest")["timestamp"])
    phase = Phase(w3, ledger)
    year_end = Category.mask((Category.CULTURE, Category.LOCAL_SHOP))
    phase.send(
        community.council, bonuses.functions.openRun(now + YEAR_END_DAYS * 86_400, year_end, [], ref("year-end"))
    )
    phase.send(
        community.council, bonuses.functions.openRun(now + LAPSE_SECONDS, Category.CULTURE.bit, [1], ref("fest"))
    )
    community.transactions.extend(phase.wait())
    first = int(bonuses.functions.runCount().call()) - 1
    runs = (first, first + 1)

    holders = [*people, community.citizens[0]]
    amounts = [rng.randint(50, 150) * 100 for _ in holders]
    phase = Phase(w3, ledger)
    for start in range(0, len(holders), ISSUE_CHUNK):
        part = [h.address for h in holders[start : start + ISSUE_CHUNK]]
        phase.send(community.council, bonuses.functions.issue(runs[0], part, amounts[start : start + ISSUE_CHUNK]))
    phase.send(community.council, bonuses.functions.issue(runs[1], [p.address for p in people[:30]], [2_000] * 30))
    community.transactions.extend(phase.wait())

    venues = [(label, b) for label, b in community.businesses.items() if label.split(" (")[0] in CATEGORIES]
    phase = Phase(w3, ledger)
    spendings = 0
    for i, person in enumerate(people[:80]):
        label, venue = rng.choice(venues)
        festival = i < 30 and label.endswith("(1)") and Category.CULTURE in CATEGORIES[label.split(" (")[0]]
        allowance = amounts[i] + (2_000 if festival else 0)  # what the venue takes of this holder's
        amount = rng.randint(500, allowance) if i % 8 else allowance + 1_500  # every 8th adds plain units
        call = bonuses.functions.spend(venue.address, amount, max(0, amount - allowance), ref(f"receipt {i}"))
        phase.send(person, call, gas=SPEND_GAS)
        spendings += 1
    community.transactions.extend(phase.wait())
    return BonusDemo(runs, people, spendings, _garage_refusal(bonuses, people[-1], community))


def _garage_refusal(bonuses: object, holder: LocalAccount, community: Community) -> str:
    """A holder's try at the garage, which takes no allowance: the contract's refusal, in words."""
    garage = community.businesses["garage (1)"]
    call = bonuses.functions.spend(garage.address, 2_000, 0, ref("oil change"))  # type: ignore[attr-defined]
    try:
        call.call({"from": holder.address})
    except ContractCustomError as error:
        decoded = error_from_exception(error)
        return describe(decoded, lambda v: f"{v / 100:.2f} NXT") if decoded else "refused"
    raise RuntimeError("the garage took a bonus allowance: the demo's categories are wrong")
