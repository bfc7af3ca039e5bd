"""Several regions on one anvil chain for the clearing tests: each a whole deployment (ledger,
clearing, governance) through the deploy library, with its members, and every pair related."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractCustomError

from next_contracts import LEDGER, REGIONAL_CLEARING, load_artifact
from next_contracts.deploy import DeployConfig, deploy
from next_contracts.errors import DecodedError, error_from_exception
from next_contracts.transact import calldata, send
from next_contracts.vocabulary import MemberKind

INDIVIDUAL_LINE = (100_000, 5_000_000)  # 1 000,00 below zero, 50 000,00 above


@dataclass
class Region:
    number: int
    ledger: Contract
    clearing: Contract
    members: list[str] = field(default_factory=list)

    @property
    def address(self) -> str:
        """The region's clearing: its accounts' address in the other regions' ledgers."""
        return self.clearing.address


def deploy_region(w3: Web3, operator: str, number: int, members: list[str]) -> Region:
    """A region whose one operator holds every role (a developer's chain), with `members` admitted
    as individuals on the default line."""
    deployment = deploy(w3, operator, DeployConfig.single_operator(operator, region=number))
    ledger = w3.eth.contract(deployment.ledger, abi=load_artifact(LEDGER).abi)
    clearing = w3.eth.contract(deployment.regional_clearing, abi=load_artifact(REGIONAL_CLEARING).abi)
    region = Region(number, ledger, clearing)
    act(w3, operator, ledger.functions.setDefaultCreditLine(MemberKind.INDIVIDUAL.code, *INDIVIDUAL_LINE))
    for member in members:
        act(w3, operator, ledger.functions.admit(member, MemberKind.INDIVIDUAL.code, number, Web3.keccak(text=member)))
        region.members.append(member)
    return region


def relate(w3: Web3, operator: str, a: Region, b: Region, limit: int, ceiling: int) -> None:
    """Both sides of a relationship, the same figures on each: a's account for b in a's ledger and
    b's for a in b's."""
    act(w3, operator, a.clearing.functions.setRelationship(b.address, limit, ceiling))
    act(w3, operator, b.clearing.functions.setRelationship(a.address, limit, ceiling))


def act(w3: Web3, sender: str, call: Any) -> Any:
    """Sends `call` from `sender` (an anvil account) and returns the receipt; a refusal raises."""
    return send(w3, sender, {"to": call.address, "data": calldata(call)})


def refusal(w3: Web3, sender: str, call: Any) -> DecodedError:
    """The typed error `call` from `sender` is refused with; fails if it is not refused."""
    try:
        act(w3, sender, call)
    except ContractCustomError as error:
        decoded = error_from_exception(error)
        assert decoded is not None, f"an error none of the shipped contracts declares: {error}"
        args = {k: Web3.to_checksum_address(v) if Web3.is_address(v) else v for k, v in decoded.args.items()}
        return DecodedError(decoded.name, args)
    raise AssertionError(f"{call.fn_name} went through")


def book_total(region: Region, others: list[Region], also: tuple[str, ...] = ()) -> int:
    """The sum of every balance in the region's ledger: its members' (and those in `also`, who
    moved in), its reserve's and its accounts for the other regions. Zero, always."""
    balance = region.ledger.functions.balanceOf
    accounts = [*region.members, *also, region.ledger.address, *(other.address for other in others)]
    return sum(balance(account).call() for account in accounts)


def position(a: Region, b: Region) -> int:
    """a's account for b in a's ledger: what a's members paid b's, less what they received from them."""
    return int(a.ledger.functions.balanceOf(b.address).call())
