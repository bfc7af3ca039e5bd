"""A small, realistic community on a fresh ledger, so that a newcomer sees real data at once.

Two regions (1: Yvelines, 2: Essonne). The operator's key holds the registrar and credit-committee
roles (a demo; production gives them to distinct people). Then:
1. the credit committee sets the default credit lines of each kind;
2. the registrar admits businesses, citizens and a regional council;
3. the council pays its staff a year-end bonus from a CSV file, in one batch;
4. citizens and businesses pay each other (groceries, rent, repairs ...);
5. a business defaults: it is excluded and the committee writes its debt off against the reserve;
6. a citizen who lost their phone gets their account moved to a new key (key recovery), and the
   credit committee raises the bakery's credit line.

`keep_wallet` then makes the demo playable: a ready wallet home (config and keystores, dev password
"demo") for a few named members (a citizen, a business, the council) and staff keys that hold
their roles (a registrar, a credit committee, an auditor), with a sample bonus CSV for the council.

Each phase's transactions are submitted together and waited for once, so the demo takes seconds
even on a chain that makes one block a second.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3

from next_contracts import LEDGER, keyfile, load_artifact
from next_contracts.deploy import Deployment
from next_contracts.transact import Sender, calldata, submit
from next_contracts.vocabulary import Role, fee_for, reference
from next_wallet import keystore
from next_wallet.config import Config

INDIVIDUAL, BUSINESS, COUNCIL = 0, 1, 2
DEFAULT_LINES = {
    INDIVIDUAL: (50_000, 2_000_000),
    BUSINESS: (1_000_000, 50_000_000),
    COUNCIL: (50_000_000, 500_000_000),
}
PAY_GAS = 120_000  # a payment takes about 41,000 (README, gas figures)
SHOPS = ["bakery", "grocer", "garage", "plumber", "bookshop", "farm", "cafe", "pharmacy"]


@dataclass
class Community:
    council: LocalAccount
    businesses: dict[str, LocalAccount]
    citizens: list[LocalAccount]
    defaulter: LocalAccount
    bonus_csv: str
    recovered: tuple[str, LocalAccount]  # the lost key's address, and the new key
    transactions: list[str] = field(default_factory=list)


def ref(text: str) -> bytes:
    """A reference as a member's wallet writes it: up to 32 bytes of text kept readable on-chain
    (`invoice 7`, `year-end`), else its hash; a KYC file's (`kyc:...`) always hashed, never shown."""
    return bytes(Web3.keccak(text=text)) if text.startswith("kyc:") else reference(text)


class Phase:
    """Transactions submitted together, then waited for together."""

    def __init__(self, w3: Web3, ledger: Any) -> None:
        self.w3, self.ledger, self.hashes = w3, ledger, []  # type: ignore[var-annotated]
        self.nonces: dict[str, int] = {}

    def send(self, sender: Sender, call: Any, gas: int | None = None) -> None:
        address = sender.address if isinstance(sender, LocalAccount) else sender
        nonce = self.nonces.get(address)
        if nonce is None:
            nonce = self.w3.eth.get_transaction_count(address, "pending")
        self.nonces[address] = nonce + 1
        # Gas is estimated on the latest state: each phase depends only on the phases before it.
        tx = {"to": call.address, "data": calldata(call), "nonce": nonce}  # the ledger's, or the governor's
        if gas is not None:  # known in advance: no estimate on a state the pending payments have not reached
            tx["gas"] = gas
        self.hashes.append(submit(self.w3, sender, tx))  # type: ignore[arg-type]

    def wait(self) -> list[str]:
        done = []
        for tx_hash in self.hashes:
            receipt = self.w3.eth.wait_for_transaction_receipt(HexBytes(tx_hash), timeout=120)
            if receipt["status"] != 1:
                raise RuntimeError(f"demo transaction {HexBytes(tx_hash).to_0x_hex()} reverted")
            done.append(HexBytes(tx_hash).to_0x_hex())
        return done


class _Book:
    """The demo's own running balances, to keep its payments within limits and ceilings."""

    def __init__(self, fee_bps: int) -> None:
        self.fee_bps = fee_bps
        self.balances: dict[str, int] = {}

    def can_pay(self, payer: str, payee: str, amount: int, lines: dict[str, tuple[int, int]]) -> bool:
        after_payer = self.balances.get(payer, 0) - amount - fee_for(amount, self.fee_bps)
        after_payee = self.balances.get(payee, 0) + amount
        return after_payer >= -lines[payer][0] and after_payee <= lines[payee][1]

    def pay(self, payer: str, payee: str, amount: int) -> None:
        self.balances[payer] = self.balances.get(payer, 0) - amount - fee_for(amount, self.fee_bps)
        self.balances[payee] = self.balances.get(payee, 0) + amount


def bonus_csv(staff: list[LocalAccount], rng: random.Random) -> str:
    """The council's spreadsheet: address, amount in units (two decimals), name."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["address", "amount", "name"])
    for i, member in enumerate(staff):
        writer.writerow([member.address, f"{rng.randint(150, 400)}.{rng.randint(0, 99):02d}", f"agent {i + 1}"])
    return out.getvalue()


def seed(
    w3: Web3,
    deployment: Deployment,
    operator: Sender,
    *,
    citizens: int = 40,
    payments: int = 120,
    seed_value: int = 2026,
) -> Community:
    """Seeds the community on `deployment`; `operator` must hold the registrar and committee roles."""
    rng = random.Random(seed_value)
    ledger = w3.eth.contract(Web3.to_checksum_address(deployment.ledger), abi=load_artifact(LEDGER).abi)
    council = Account.create()
    businesses = {f"{name} ({region})": Account.create() for name in SHOPS for region in (1, 2)}
    people = [Account.create() for _ in range(citizens)]
    defaulter = Account.create()
    transactions: list[str] = []

    phase = Phase(w3, ledger)
    for kind, (limit, ceiling) in DEFAULT_LINES.items():
        phase.send(operator, ledger.functions.setDefaultCreditLine(kind, limit, ceiling))
    transactions += phase.wait()

    phase = Phase(w3, ledger)
    # A council is the members' decision: the operator holds GOVERNANCE_ROLE on a developer's chain.
    phase.send(operator, ledger.functions.admitCouncil(council.address, 1, ref("kyc:council of Yvelines")))
    for label, business in [*businesses.items(), ("failing shop (2)", defaulter)]:
        region = int(label[-2])
        phase.send(operator, ledger.functions.admit(business.address, BUSINESS, region, ref(f"kyc:{label}")))
    for i, person in enumerate(people):
        phase.send(operator, ledger.functions.admit(person.address, INDIVIDUAL, 1 + i % 2, ref(f"kyc:citizen {i}")))
    transactions += phase.wait()

    # The council's year-end bonus run, from its spreadsheet, in one payBatch.
    staff = people[: max(1, citizens // 2)]
    sheet = bonus_csv(staff, rng)
    rows = list(csv.DictReader(io.StringIO(sheet)))
    phase = Phase(w3, ledger)
    phase.send(
        council,
        ledger.functions.payBatch(
            [r["address"] for r in rows], [round(float(r["amount"]) * 100) for r in rows], ref("bonus 2026")
        ),
    )
    transactions += phase.wait()

    # Everyday life: citizens buy from shops, shops buy from each other, citizens pay citizens.
    # The balances are followed here so that a payment the ledger would refuse (credit exhausted,
    # ceiling reached) is made the other way round: the shop pays the citizen for a day's work.
    shops = list(businesses.values())
    fee_bps = ledger.functions.feeBps().call()
    book = _Book(fee_bps)
    for row in rows:
        book.pay(council.address, row["address"], round(float(row["amount"]) * 100))
    limits = {a.address: DEFAULT_LINES[BUSINESS] for a in shops} | {
        p.address: DEFAULT_LINES[INDIVIDUAL] for p in people
    }
    phase = Phase(w3, ledger)
    for i in range(payments):
        if i % 3 == 0:
            payer, payee, amount = rng.choice(shops), rng.choice(shops), rng.randint(5_000, 80_000)
        elif i % 3 == 1:
            payer, payee, amount = rng.choice(staff), rng.choice(shops), rng.randint(300, 9_000)
        else:
            payer, payee, amount = rng.choice(people), rng.choice(people), rng.randint(100, 5_000)
        if payer.address == payee.address:
            continue
        if not book.can_pay(payer.address, payee.address, amount, limits):
            payer, payee = payee, payer
            if not book.can_pay(payer.address, payee.address, amount, limits):
                continue
        book.pay(payer.address, payee.address, amount)
        phase.send(payer, ledger.functions.pay(payee.address, amount, ref(f"invoice {i}")), gas=PAY_GAS)
    phase.send(defaulter, ledger.functions.pay(shops[0].address, 2_500, ref("unpaid stock")))
    transactions += phase.wait()

    # The failing shop defaults: excluded, its debt written off against the reserve.
    for call in (
        ledger.functions.exclude(defaulter.address),
        ledger.functions.writeOff(defaulter.address, ref("default: failing shop")),
    ):
        phase = Phase(w3, ledger)  # the write-off needs the exclusion mined first
        phase.send(operator, call)
        transactions += phase.wait()

    # Key recovery: the last citizen lost their key; the registrar moves the account to a new one.
    lost, new_key = people[-1], Account.create()
    phase = Phase(w3, ledger)
    phase.send(operator, ledger.functions.migrate(lost.address, new_key.address))
    limit, ceiling = DEFAULT_LINES[BUSINESS]
    bakery = businesses["bakery (1)"]
    phase.send(operator, ledger.functions.setCreditLine(bakery.address, 2 * limit, ceiling))
    transactions += phase.wait()
    people[-1] = new_key
    return Community(council, businesses, people, defaulter, sheet, (lost.address, new_key), transactions)


DEMO_PASSWORD = "demo"  # a dev password for a dev chain, documented in the README: never for real keys
STAFF_ROLES = {"registrar": Role.REGISTRAR, "committee": Role.CREDIT_COMMITTEE, "auditor": Role.AUDITOR}


def keep_wallet(
    w3: Web3,
    deployment: Deployment,
    operator: Sender,
    community: Community,
    home: Path,
    *,
    rpc_url: str,
    gateway_url: str,
    password: str = DEMO_PASSWORD,
    others: dict[str, LocalAccount] | None = None,
    other_regions: tuple[Deployment, ...] = (),
) -> Path:
    """A ready wallet home for the demo (`NEXT_WALLET_HOME=home next-wallet ...`): config.toml for
    this node and gateway; keystores for `citizen` (one of the council's staff), `business` (the
    bakery), `council`, and staff keys `registrar`, `committee`, `auditor` that the operator (the
    admin) grants their roles now, and `others` (the commons' attestors); and bonus.csv, a few
    citizens' bonuses for the council to pay.
    Returns `home`. `operator` must hold the admin role."""
    ledger = w3.eth.contract(Web3.to_checksum_address(deployment.ledger), abi=load_artifact(LEDGER).abi)
    staff = {label: Account.create() for label in STAFF_ROLES}
    phase = Phase(w3, ledger)
    for label, role in STAFF_ROLES.items():
        phase.send(operator, ledger.functions.grantRole(role.id, staff[label].address))
    community.transactions.extend(phase.wait())
    # The registrar is the other regions' too: it welcomes a member moving there (README, regions).
    for region in other_regions:
        there = w3.eth.contract(Web3.to_checksum_address(region.ledger), abi=load_artifact(LEDGER).abi)
        phase = Phase(w3, there)
        phase.send(operator, there.functions.grantRole(Role.REGISTRAR.id, staff["registrar"].address))
        phase.wait()
    named = {
        "citizen": community.citizens[0],
        "business": community.businesses["bakery (1)"],
        "council": community.council,
        **staff,
        **(others or {}),
    }
    Config(
        rpc_url,
        deployment.chain_id,
        Web3.to_checksum_address(deployment.ledger),
        gateway_url,
        deployment.governor,
        deployment.commons_rewards,
    ).save(home / "config.toml")
    for label, account in named.items():
        keystore.write_new(home / "keystores" / f"{label}.json", keyfile.encrypt(account.key, password))
    sheet = io.StringIO()
    writer = csv.writer(sheet)
    writer.writerow(["address", "amount", "name"])
    for i, member in enumerate(community.citizens[1:4]):
        writer.writerow([member.address, f"{25 * (i + 1)}.50", f"agent {i + 1}"])
    (home / "bonus.csv").write_text(sheet.getvalue())
    return home
