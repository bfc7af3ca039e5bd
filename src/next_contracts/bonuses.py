"""The councils' bonus allowances as Python reads them: a holder's allowance from the contract's
`allowancesOf` (or a gateway's JSON of it), and where it may be spent, in words."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from web3 import Web3
from web3.contract import Contract

from next_contracts import BONUS_ALLOWANCES, load_artifact
from next_contracts.vocabulary import Category, category_words


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


@dataclass(frozen=True)
class RunLog:
    """A bonus run as its `BonusRunOpened` says."""

    run_id: int
    council: str
    expires_at: int
    categories: int  # a bit per Category; 0: any category
    regions: tuple[int, ...]  # none: any region
    ref: bytes


def ref_words(ref: bytes) -> str:
    """A reference as the wallet wrote it: its text when it was short text, else its hash."""
    text = ref.rstrip(b"\x00")
    try:
        decoded = text.decode()
    except UnicodeDecodeError:
        return "0x" + ref.hex()
    return decoded if decoded.isprintable() and decoded else "0x" + ref.hex()


def run_report(
    run: RunLog,
    issued: Iterable[tuple[str, int]],
    spent: Iterable[tuple[str, int]],
    categories_of: Callable[[str], int],
    now: int,
) -> dict[str, Any]:
    """What a council sees of a run: issued (to how many holders), spent, left or lapsed, and the
    spending by business and by category (a business in two categories counts in each; its
    categories as `categories_of` has them now). `issued` and `spent` are (holder or payee, amount)
    from the run's events: what is left is what was issued less what was spent."""
    holders: set[str] = set()
    issued_total = 0
    for holder, amount in issued:
        holders.add(holder.lower())
        issued_total += amount
    by_business: dict[str, int] = defaultdict(int)
    for payee, amount in spent:
        by_business[Web3.to_checksum_address(payee)] += amount
    by_category: dict[str, int] = defaultdict(int)
    for payee, amount in by_business.items():
        for category in Category.of_mask(categories_of(payee)) or ("uncategorised",):
            by_category[str(category)] += amount
    spent_total = sum(by_business.values())
    left = issued_total - spent_total
    expired = run.expires_at <= now
    return {
        "run_id": run.run_id,
        "ref": ref_words(run.ref),
        "expires_at": run.expires_at,
        "categories": [c.value for c in Category.of_mask(run.categories)],
        "regions": list(run.regions),
        "state": "expired" if expired else "open",
        "holders": len(holders),
        "issued": issued_total,
        "spent": spent_total,
        "outstanding": 0 if expired else left,
        "lapsed": left if expired else 0,
        "by_category": dict(by_category),
        "by_business": dict(by_business),
    }
