"""The vocabulary of next_contracts (and the auditor's own copy of it) against what the contracts
say: the Solidity enums' members in order, the roles and bounds the deployed ledger answers, and a
sentence for each of its typed errors."""

from __future__ import annotations

import re

import pytest

from next_audit import ledger_state, members
from next_contracts import BONUS_ALLOWANCES, COMMONS_REWARDS, LEDGER, REGIONAL_CLEARING, load_artifact
from next_contracts.errors import GOVERNANCE_CONTRACTS, DecodedError, describe
from next_contracts.vocabulary import (
    MAX_AMOUNT,
    MAX_FEE_BPS,
    Category,
    ClaimState,
    MemberKind,
    MemberStatus,
    ProposalKind,
    Role,
    fee_for,
)
from tests.paths import ROOT


def solidity_enum(name: str) -> list[str]:
    """The members of `enum name { ... }`, in order, from the sources under contracts/."""
    for path in sorted((ROOT / "contracts").rglob("*.sol")):
        found = re.search(rf"enum\s+{name}\s*\{{([^}}]*)\}}", path.read_text())
        if found:
            return [member.strip() for member in found.group(1).split(",") if member.strip()]
    raise AssertionError(f"no enum {name} under contracts/")


def snake_upper(camel: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", camel).upper()


@pytest.mark.parametrize(("enum", "auditors"), [(MemberStatus, members.STATUSES), (MemberKind, members.KINDS)])
def test_the_enums_name_the_solidity_members_in_order(enum, auditors):
    members = solidity_enum(enum.__name__)
    assert [snake_upper(m) for m in members] == [e.name for e in enum]
    assert [e.code for e in enum] == list(range(len(members)))
    assert [e.value for e in enum] == list(auditors)  # the auditor's copy says the same
    assert all(enum.of(e.code) is e for e in enum)


def test_the_claim_states_name_the_solidity_members_in_order():
    assert [snake_upper(m) for m in solidity_enum("ClaimState")] == [s.name for s in ClaimState]


def test_the_proposal_kinds_name_the_solidity_members_in_order():
    members = solidity_enum("ProposalKind")
    assert [snake_upper(m) for m in members] == [e.name for e in ProposalKind]
    assert all(ProposalKind.of(e.code) is e for e in ProposalKind)


def test_the_roles_are_the_contracts_roles_with_their_ids(ledger):
    abi_roles = {
        entry["name"]
        for entry in load_artifact(LEDGER).abi
        if entry["type"] == "function" and entry["name"].endswith("_ROLE") and not entry["inputs"]
    }
    assert abi_roles == {role.value for role in Role}
    for role in Role:
        assert bytes(getattr(ledger, role.value)()) == role.id
        assert Role.from_id(role.id) is role and Role.from_id("0x" + role.id.hex()) is role
    assert {role.id: role.value for role in Role} == ledger_state.ROLES
    assert Role.from_id(b"\x01" * 32) is None


def test_the_bounds_and_the_fee_are_the_ledgers(ledger):
    assert ledger.MAX_AMOUNT() == MAX_AMOUNT
    assert ledger.MAX_FEE_BPS() == MAX_FEE_BPS
    fee_bps = ledger.feeBps()
    for amount in (1, 99, 100, 4_999, 5_000, 123_456_789, MAX_AMOUNT):
        assert ledger.quoteFee(amount) == fee_for(amount, fee_bps), amount


def test_the_categories_are_bits_in_order_and_read_back():
    assert [c.bit for c in Category] == [1, 2, 4, 8]
    assert Category.mask(Category.parse("culture, local-shop,culture")) == 5
    assert Category.of_mask(5 | 1 << 40) == (Category.LOCAL_SHOP, Category.CULTURE)
    with pytest.raises(ValueError, match="no category cinema: the categories are local-shop, organic"):
        Category.parse("culture,cinema")


def sample(abi_type: str) -> object:
    if abi_type == "address":
        return "0x" + "11" * 20
    if abi_type.startswith("bytes"):
        return b"\x00" * int(abi_type[5:] or 32)
    return 1


@pytest.mark.parametrize(
    "contract", [LEDGER, BONUS_ALLOWANCES, COMMONS_REWARDS, REGIONAL_CLEARING, *GOVERNANCE_CONTRACTS]
)
def test_every_typed_error_of_the_ledger_and_its_governance_has_its_sentence(contract):
    for entry in load_artifact(contract).abi:
        if entry["type"] != "error":
            continue
        args = {i["name"]: sample(i["type"]) for i in entry["inputs"]}
        decoded = DecodedError(entry["name"], args)
        assert describe(decoded) != str(decoded), f"{entry['name']} has no sentence in next_contracts.errors.describe"
