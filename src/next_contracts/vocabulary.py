"""The contracts' vocabulary, once for every package: member statuses and kinds, roles, the amount
and fee bounds, and the fee formula.

Each enum lists the Solidity enum's members in their order (the chain speaks in their ordinals),
and its values are the words the index, the API and the CLIs use. `tests/contracts/test_vocabulary.py`
holds them to the compiled ABI and to the Solidity sources, so a new member or role there fails
a test here until it is named. The auditor keeps its own copy on purpose (next_audit.vocabulary),
held to the same test.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from typing import Self

from eth_utils.crypto import keccak
from hexbytes import HexBytes


class _Ordered(StrEnum):
    """A Solidity enum: `of(ordinal)` from the chain, `.code` back to it."""

    @classmethod
    def of(cls, code: int) -> Self:
        return _members(cls)[code]  # type: ignore[return-value]

    @property
    def code(self) -> int:
        return _members(type(self)).index(self)


@cache
def _members(cls: type[_Ordered]) -> tuple[_Ordered, ...]:
    return tuple(cls)


class MemberStatus(_Ordered):
    """Where a member stands (IMembershipRegistry.MemberStatus)."""

    NONE = "none"  # never admitted
    ACTIVE = "active"
    FROZEN = "frozen"
    EXCLUDED = "excluded"
    MIGRATED = "migrated"  # moved to a new key by key recovery: disabled for good
    MOVED = "moved"  # moved to another region's ledger, where it lives on

    @property
    def words(self) -> str:
        """The status in a sentence's words: "… is not a member", "… is moved to a new key"."""
        return _STATUS_WORDS.get(self, self.value)


_STATUS_WORDS = {
    MemberStatus.NONE: "not a member",
    MemberStatus.MIGRATED: "moved to a new key",
    MemberStatus.MOVED: "moved to another region",
}


class MemberKind(_Ordered):
    """What a member is (IMembershipRegistry.MemberKind)."""

    INDIVIDUAL = "individual"
    BUSINESS = "business"
    COUNCIL = "council"
    SYSTEM = "system"  # the cooperative's own operating accounts


class Category(StrEnum):
    """A member category (BonusAllowances' bits, in this order): where a council's bonus allowances
    may be spent. Registrars put businesses in them; a business may be in several; "culture" is the
    bridge to cultural cards, a cultural venue admitted in it taking the bonus."""

    LOCAL_SHOP = "local-shop"
    ORGANIC = "organic"
    CULTURE = "culture"
    SOLIDARITY = "solidarity"  # the social and solidarity economy

    @property
    def bit(self) -> int:
        return 1 << list(Category).index(self)

    @classmethod
    def mask(cls, categories: Iterable[Category]) -> int:
        """The bits of `categories`, as the contract takes them (0: none, or any for a bonus run)."""
        return sum({category.bit for category in categories})

    @classmethod
    def of_mask(cls, mask: int) -> tuple[Category, ...]:
        """The categories whose bits `mask` holds; bits no category names are left out."""
        return tuple(category for category in cls if mask & category.bit)

    @classmethod
    def parse(cls, text: str) -> tuple[Category, ...]:
        """Categories from "culture,local-shop" (ValueError naming the unknown ones and the known)."""
        names = [part.strip().lower() for part in text.split(",") if part.strip()]
        unknown = [name for name in names if name not in {c.value for c in cls}]
        if unknown:
            raise ValueError(f"no category {', '.join(unknown)}: the categories are {', '.join(c.value for c in cls)}")
        return tuple(dict.fromkeys(cls(name) for name in names))


def category_words(mask: int) -> str:
    """A run's or a member's categories in words: "culture, local-shop", or "any category"."""
    return ", ".join(c.value for c in Category.of_mask(mask)) or "any category"


class ProposalKind(_Ordered):
    """What a proposal decides (IConstitution.ProposalKind): each kind has its own vote rule."""

    NONE = "none"  # a call the constitution does not name: it cannot be proposed
    FEE = "fee"
    CREDIT_LINES = "credit lines"
    ROLES = "roles"
    CONSTITUTION = "constitution"  # the rules themselves, the governor's settings, the timelock
    STIMULUS = "stimulus"  # a temporary raise of credit lines ("relance"), ending by itself
    RESERVE = "reserve"  # spending the reserve: projects, and the coverage floor that bounds them


class ProposalState(_Ordered):
    """Where a proposal stands (OpenZeppelin's IGovernor.ProposalState)."""

    PENDING = "pending"  # proposed; the roll is taken at the end of the voting delay
    ACTIVE = "active"
    CANCELED = "canceled"
    DEFEATED = "defeated"
    SUCCEEDED = "succeeded"
    QUEUED = "queued"  # in the timelock, waiting for its delay
    EXPIRED = "expired"
    EXECUTED = "executed"


def when(timestamp: int) -> str:
    """A chain timestamp for people, in UTC: "2026-12-31 23:59 UTC" (out of range: the number)."""
    try:
        return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (OverflowError, OSError, ValueError):
        return f"time {timestamp}"


class ClaimState(_Ordered):
    """Where a commons claim stands (ICommonsRewards.ClaimState)."""

    NONE = "none"  # never submitted
    PENDING = "pending"  # in its challenge window, or past it and not paid yet
    CONTESTED = "contested"
    PAID = "paid"


class CommonsKind(StrEnum):
    """The kinds of commons the schedule rewards, by their number in a claim (its `kind`): an
    attestation says the member produced one; governance votes each kind's reward."""

    ENVIRONMENT = "environment"  # environmental impact: planting, repair, waste avoided
    SOLIDARITY = "solidarity"  # solidarity actions: care, help, food banks
    KNOWLEDGE = "knowledge"  # open knowledge: courses, documentation, free software

    @property
    def code(self) -> int:
        return list(CommonsKind).index(self)

    @classmethod
    def words_of(cls, code: int) -> str:
        """The kind's word, or its number when the vocabulary has no word for it."""
        kinds = list(cls)
        return kinds[code].value if 0 <= code < len(kinds) else str(code)


class TransferKind(StrEnum):
    """What a movement of the ledger (a Transferred event) is, told by the event that goes with it
    in the same transaction: as the gateway indexes it, the auditor replays it and the wallet shows it."""

    PAYMENT = "payment"  # a member's payment, or a line of a batch
    BONUS = "bonus"  # a holder's spending of a council's bonus allowance (the council's account pays)
    REWARD = "reward"  # a commons reward, from the commons account
    ACROSS = "across"  # a payment across regions, on either side (PaidAcross, ReceivedAcross)
    CLEARING = "clearing"  # between two regions' accounts: passed through, or netted
    MOVE = "move"  # a member's balance carried to the region it moves to (MemberArrived)
    MIGRATION = "migration"  # a balance carried to a recovered key (AccountMigrated)
    WRITE_OFF = "write_off"  # an excluded member's debt covered by the reserve
    PROJECT = "project"  # a voted project's instalment from the reserve (InstalmentReleased)


def short_id(proposal_id: int) -> str:
    """A proposal's name for people: the first ten hexadecimal digits of its id (a uint256), as the
    wallet, the gateway and the sentences of refusals show it; the wallet takes any unique prefix."""
    return f"{proposal_id:064x}"[:10]


class Role(StrEnum):
    """The access-control roles of the registry and the ledger, by their Solidity constant's name."""

    DEFAULT_ADMIN = "DEFAULT_ADMIN_ROLE"
    REGISTRAR = "REGISTRAR_ROLE"
    CREDIT_COMMITTEE = "CREDIT_COMMITTEE_ROLE"
    GOVERNANCE = "GOVERNANCE_ROLE"
    PAUSER = "PAUSER_ROLE"
    AUDITOR = "AUDITOR_ROLE"

    @property
    def id(self) -> bytes:
        """The bytes32 the contracts use: keccak256 of the name, zero for the default admin."""
        return _role_ids()[self]

    @classmethod
    def from_id(cls, role_id: bytes | str) -> Role | None:
        """The role of a bytes32 id (bytes or 0x-hex), or None for an id no contract defines."""
        raw = bytes.fromhex(role_id.removeprefix("0x")) if isinstance(role_id, str) else bytes(role_id)
        return _roles_by_id().get(raw)


@cache
def _role_ids() -> dict[Role, bytes]:
    return {role: b"\x00" * 32 if role is Role.DEFAULT_ADMIN else keccak(text=role.value) for role in Role}


@cache
def _roles_by_id() -> dict[bytes, Role]:
    return {role_id: role for role, role_id in _role_ids().items()}


# Staff: who sees every account and member (the gateway's STAFF rule), and whom the demo names.
STAFF_ROLES = (Role.REGISTRAR, Role.CREDIT_COMMITTEE, Role.AUDITOR)

# The ledger's bounds (MutualCreditLedger.MAX_AMOUNT, MAX_FEE_BPS): an amount, a credit limit or a
# ceiling fits an int64; the fee is at most 5%.
MAX_AMOUNT = 2**63 - 1
MAX_FEE_BPS = 500
BPS = 10_000


def fee_for(amount: int, fee_bps: int) -> int:
    """The fee the ledger charges on a payment of `amount` at `fee_bps`: rounded up, as its
    FeeMath.fee. For clients that know the rate already; `quoteFee` asks the ledger itself."""
    return (amount * fee_bps + BPS - 1) // BPS


def role_name(role: bytes) -> str:
    """The name of a role id, else its hex."""
    found = Role.from_id(role)
    return found.value if found is not None else HexBytes(role).to_0x_hex()


def claim_name(claim_id: bytes | str) -> str:
    """A commons claim's name for people: the first ten hexadecimal digits of its id."""
    return HexBytes(claim_id).hex()[:10]


def reference(text: str | None) -> bytes:
    """A payment's or a run's reference (bytes32) as every client writes it: up to 32 bytes of
    text kept readable on-chain (`invoice 7`), else the text's hash; none for no text."""
    if not text:
        return b"\x00" * 32
    raw = text.encode()
    return raw.ljust(32, b"\x00") if len(raw) <= 32 else bytes(keccak(raw))
