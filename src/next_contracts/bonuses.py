"""The councils' bonus allowances as Python reads them: a holder's allowance from the contract's
`allowancesOf` (or a gateway's JSON of it), and where it may be spent, in words."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from web3 import Web3
from web3.contract import Contract

from next_contracts import BONUS_ALLOWANCES, load_artifact
from next_contracts.vocabulary import category_words


def bonus_contract(w3: Web3, address: str) -> Contract:
    return w3.eth.contract(Web3.to_checksum_address(address), abi=load_artifact(BONUS_ALLOWANCES).abi)


@dataclass(frozen=True)
class HeldAllowance:
    """A holder's live allowance: what is left of it, until when, and where it may be spent."""

    run_id: int
    council: str
    remaining: int  # hundredths
    expires_at: int  # a chain timestamp
    categories: int  # a bit per Category; 0: any category
    regions: tuple[int, ...]  # none: any region

    @classmethod
    def from_chain(cls, value: Any) -> HeldAllowance:
        """From one `Allowance` tuple of `allowancesOf`."""
        run_id, council, remaining, expires_at, categories, regions = value
        return cls(
            int(run_id),
            Web3.to_checksum_address(council),
            int(remaining),
            int(expires_at),
            int(categories),
            tuple(int(r) for r in regions if r),
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HeldAllowance:
        return cls(
            int(data["run_id"]),
            str(data["council"]),
            int(data["remaining"]),
            int(data["expires_at"]),
            int(data["categories"]),
            tuple(int(r) for r in data["regions"]),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"regions": list(self.regions)}

    @property
    def where(self) -> str:
        """ "culture, local-shop in regions 1, 2", "any category in any region"."""
        regions = f"in region{'s' if len(self.regions) > 1 else ''} {', '.join(map(str, self.regions))}"
        return f"{category_words(self.categories)} {regions if self.regions else 'in any region'}"


def read_allowances(contract: Contract, holder: str) -> list[HeldAllowance]:
    """The holder's live allowances on the latest state, the soonest to expire first (the
    contract's order)."""
    values = contract.functions.allowancesOf(Web3.to_checksum_address(holder)).call()
    return [HeldAllowance.from_chain(value) for value in values]
