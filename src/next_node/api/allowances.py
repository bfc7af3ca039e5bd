"""A holder's bonus allowances, read from the chain (the contract's own view, on the latest state):
what a wallet shows before a payment and spends first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from web3 import Web3

from next_contracts.bonuses import bonus_contract, read_allowances
from next_contracts.vocabulary import Category
from next_node.api.access import OwnerOrStaff
from next_node.api.deps import ContextDep
from next_node.api.errors import NotFound, chain_call
from next_node.api.params import AddressPath

router = APIRouter(tags=["bonus allowances"])


class AllowancePublic(BaseModel):
    run_id: int
    council: str
    remaining: int  # hundredths
    expires_at: int  # a chain timestamp
    categories: int  # a bit per category (0: any)
    category_names: list[str]
    regions: list[int]  # none: any region


class AllowancesPublic(BaseModel):
    address: str
    allowances: list[AllowancePublic]  # live ones, the soonest to expire first
    payee: str | None  # as asked
    spendable_at_payee: int | None  # what they can pay at `payee`, when asked


@router.get(
    "/accounts/{address}/allowances",
    responses={
        401: {"description": "no valid token"},
        403: {"description": "another member's account"},
        404: {"description": "this deployment has no bonus allowances"},
        503: {"description": "the chain does not answer"},
    },
)
def allowances(
    context: ContextDep,
    address: AddressPath,
    viewer: OwnerOrStaff,
    payee: Annotated[str | None, Query(pattern=r"^0x[0-9a-fA-F]{40}$")] = None,
) -> AllowancesPublic:
    """OWNER or STAFF. The holder's live bonus allowances (not spent, not lapsed), the soonest to
    expire first, with where each may be spent; with `payee`, what they can pay there now."""
    if context.deployment.bonus_allowances is None:
        raise NotFound("gateway.no_allowances")
    contract = bonus_contract(context.w3, context.deployment.bonus_allowances)
    holder = Web3.to_checksum_address(address)
    held = chain_call(lambda: read_allowances(contract, holder))
    spendable = None
    if payee is not None:
        at = Web3.to_checksum_address(payee)
        spendable = int(chain_call(lambda: contract.functions.spendableAt(holder, at).call()))
    return AllowancesPublic(
        address=holder,
        allowances=[
            AllowancePublic(**a.to_dict(), category_names=[c.value for c in Category.of_mask(a.categories)])
            for a in held
        ],
        payee=Web3.to_checksum_address(payee) if payee else None,
        spendable_at_payee=spendable,
    )
