"""The typed proposals: what a member may propose, in words and human amounts, and the ledger calls
each makes. The constitution (next_contracts.constitution) decides which kind each call is and by
which rule it is voted; the wallet only builds the calls."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from web3 import Web3

from next_contracts.vocabulary import MAX_FEE_BPS, CommonsKind, MemberKind, Role
from next_wallet.amounts import format_amount, parse_amount
from next_wallet.config import checked_address
from next_wallet.errors import BadInputError

# The staff roles a vote grants or revokes, by the words a member types.
VOTED_ROLES = {
    "registrar": Role.REGISTRAR,
    "credit-committee": Role.CREDIT_COMMITTEE,
    "pauser": Role.PAUSER,
    "auditor": Role.AUDITOR,
}


def percent_bps(text: str, what: str, maximum: int) -> int:
    """A percentage ("0,35", "0.35 %") as basis points; refused if not a whole number of them, or
    above `maximum`."""
    cleaned = text.strip().removesuffix("%").strip().replace(",", ".")
    try:
        bps = Decimal(cleaned) * 100
    except ArithmeticError:  # not a number (InvalidOperation), or beyond any (Overflow: "1e999999")
        raise BadInputError(f"not a {what}: {text!r} (a percentage such as 0,35)") from None
    if not bps.is_finite() or bps != bps.to_integral_value() or not 0 <= bps <= maximum:
        raise BadInputError(f"a {what} is a percentage from 0 to {maximum / 100:g} in steps of 0,01: not {text!r}")
    return int(bps)


def fee_bps(text: str) -> int:
    """A fee in percent ("0,35", "0.35 %") as basis points."""
    return percent_bps(text, "fee", MAX_FEE_BPS)


def _count(text: str, what: str, maximum: int) -> int:
    if not (text.isdigit() and 1 <= int(text) <= maximum):
        raise BadInputError(f"not a {what}: {text!r} (a whole number from 1 to {maximum})")
    return int(text)


def _region(text: str) -> int:
    if not (text.isdigit() and int(text) < 2**16):
        raise BadInputError(f"not a region: {text!r} (a number from 0 to 65535)")
    return int(text)


# Each kind of proposal and the values it takes, in order.
PROPOSAL_ARGS = {
    "fee": ("RATE",),
    "credit-line": ("MEMBER_KIND", "LIMIT", "CEILING"),
    "grant": ("ROLE", "ADDRESS"),
    "revoke": ("ROLE", "ADDRESS"),
    "stimulus": ("REGION", "MEMBER_KIND", "EXTRA", "END"),
    "credit-policy": ("MEMBER_KIND", "PER_YEAR", "TURNOVER_PERCENT", "CAP"),
    "council": ("ADDRESS", "REGION", "REFERENCE"),
    "project": ("ADDRESS", "INSTALMENT", "COUNT", "EVERY_DAYS", "REFERENCE"),
    "cancel-project": ("PROJECT",),
    "coverage-floor": ("PERCENT",),
    "commons-budget": ("BUDGET", "PER_MEMBER", "PER_ATTESTOR"),
    "commons-reward": ("COMMONS_KIND", "AMOUNT"),
    "attestor": ("ADDRESS",),
    "revoke-attestor": ("ADDRESS",),
}
COMMONS_PROPOSALS = ("commons-budget", "commons-reward", "attestor", "revoke-attestor")
ATTESTOR_ROLE = Web3.keccak(text="ATTESTOR_ROLE")
MAX_INSTALMENTS, MAX_INTERVAL_DAYS, MAX_FLOOR_BPS = 65_535, 49_710, 100_000  # as the ledger bounds them
MEMBER_KINDS = [k.value for k in MemberKind if k is not MemberKind.SYSTEM]
PROPOSE_HELP = f"""the values of each kind:
  fee RATE                              the payment fee in percent, e.g. 0,35
  credit-line KIND LIMIT CEILING        the default credit line of new members of a kind
                                        ({", ".join(MEMBER_KINDS)}), e.g. individual 1000,00 20000,00
  grant ROLE ADDRESS, revoke ROLE ADDRESS   a staff role ({", ".join(VOTED_ROLES)})
  stimulus REGION KIND EXTRA END        a relance: members of a region (or all) and a kind (or all)
                                        may go EXTRA further below zero until END (a date, UTC),
                                        e.g. stimulus 2 business 2000,00 2027-03-31
  credit-policy KIND PER_YEAR TURNOVER_PERCENT CAP
                                        the credit policy of a kind: its default limit, plus PER_YEAR
                                        for each year of membership, plus TURNOVER_PERCENT of the
                                        turnover received, up to CAP (0 ends it), applied by anyone,
                                        e.g. credit-policy business 500,00 10 20000,00
  council ADDRESS REGION REFERENCE      admit a council (REFERENCE: its decision to join; only its
                                        hash goes on-chain), e.g. council 0x.. 2 "deliberation 2026-14"
  project ADDRESS INSTALMENT COUNT EVERY_DAYS REFERENCE
                                        fund a project from the reserve: COUNT instalments of
                                        INSTALMENT to a member account, the first when the vote takes
                                        effect, then one every EVERY_DAYS days, each only if the
                                        reserve stays above the coverage floor,
                                        e.g. project 0x.. 500,00 12 30 "community garden"
  cancel-project PROJECT                stop a project's remaining instalments
  coverage-floor PERCENT                the least coverage ratio (reserve / credit in use) that a
                                        project's instalment may leave, e.g. 50
  commons-budget BUDGET PER_MEMBER PER_ATTESTOR
                                        what the commons rewards may pay in a 30-day period, to one
                                        member and on one attestor's claims, e.g. 5000,00 200,00 2000,00
  commons-reward COMMONS_KIND AMOUNT    the reward of a kind of commons ({", ".join(k.value for k in CommonsKind)}),
                                        0 to stop rewarding it, e.g. commons-reward environment 40,00
  attestor ADDRESS, revoke-attestor ADDRESS   who attests commons (an association, a council's service)"""


def proposed_calls(ledger: Any, kind: str, values: list[str], commons: Any = None) -> tuple[list[Any], str]:
    """The calls of `ledger` (a web3 contract's `functions`; `commons`, the commons rewards') that a
    proposal of `kind` with `values` makes, and what it does in words."""
    expected = PROPOSAL_ARGS[kind]
    if len(values) != len(expected):
        raise BadInputError(f"a {kind} proposal takes {' '.join(expected)}: not {' '.join(values)}")
    if kind in COMMONS_PROPOSALS:
        if commons is None:
            raise BadInputError("this wallet knows no commons rewards contract: next-wallet init --deployment FILE")
        return _commons(commons, kind, values)
    if kind == "fee":
        bps = fee_bps(values[0])
        return [ledger.setFee(bps)], f"set the payment fee to {bps / 100:.2f} % ({bps} bps)"
    if kind == "credit-line":
        if values[0] not in MEMBER_KINDS:
            raise BadInputError(f"not a member kind: {values[0]!r} ({', '.join(MEMBER_KINDS)})")
        member_kind = MemberKind(values[0])
        limit, ceiling = parse_amount(values[1]), parse_amount(values[2])
        return [ledger.setDefaultCreditLine(member_kind.code, limit, ceiling)], (
            f"give new {member_kind.value} members a credit limit of {format_amount(limit)} and a ceiling of "
            f"{format_amount(ceiling)}"
        )
    if kind == "stimulus":
        return _stimulus(ledger, *values)
    if kind == "credit-policy":
        return _credit_policy(ledger, *values)
    if kind in ("council", "project", "cancel-project", "coverage-floor"):
        return _reserve_or_council(ledger, kind, values)
    if values[0] not in VOTED_ROLES:
        raise BadInputError(f"not a staff role: {values[0]!r} ({', '.join(VOTED_ROLES)})")
    role = VOTED_ROLES[values[0]]
    address = checked_address(values[1], "address")
    if kind == "grant":
        return [ledger.grantRole(role.id, address)], f"grant {role.value} to {address}"
    return [ledger.revokeRole(role.id, address)], f"revoke {role.value} from {address}"


def _commons(commons: Any, kind: str, values: list[str]) -> tuple[list[Any], str]:
    if kind == "commons-budget":
        budget, per_member, per_attestor = (parse_amount(v) for v in values)
        return [commons.setBudget(budget, per_member, per_attestor)], (
            f"let the commons rewards pay {format_amount(budget)} in a 30-day period, at most "
            f"{format_amount(per_member)} to one member and {format_amount(per_attestor)} on one attestor's claims"
        )
    if kind == "commons-reward":
        try:
            commons_kind = CommonsKind(values[0])
        except ValueError:
            raise BadInputError(
                f"not a kind of commons: {values[0]!r} ({', '.join(k.value for k in CommonsKind)})"
            ) from None
        amount = 0 if values[1].strip() in ("0", "0,00", "0.00") else parse_amount(values[1])
        words = (
            f"reward {commons_kind.value} commons with {format_amount(amount)}"
            if amount
            else (f"stop rewarding {commons_kind.value} commons")
        )
        return [commons.setSchedule(commons_kind.code, amount)], words
    address = checked_address(values[0], "attestor's address")
    if kind == "attestor":
        return [commons.grantRole(ATTESTOR_ROLE, address)], f"make {address} an attestor of commons"
    return [commons.revokeRole(ATTESTOR_ROLE, address)], f"revoke {address} as an attestor of commons"


def _credit_policy(ledger: Any, kind_text: str, per_year: str, share: str, cap_text: str) -> tuple[list[Any], str]:
    if kind_text not in MEMBER_KINDS:
        raise BadInputError(f"not a member kind: {kind_text!r} ({', '.join(MEMBER_KINDS)})")
    kind = MemberKind(kind_text)
    yearly, bps, cap = parse_amount(per_year), percent_bps(share, "share of turnover", 10_000), parse_amount(cap_text)
    if cap == 0:
        return [ledger.setCreditPolicy(kind.code, 0, 0, 0)], f"end the credit policy of {kind.value} members"
    return [ledger.setCreditPolicy(kind.code, yearly, bps, cap)], (
        f"raise the credit limit of {kind.value} members by {format_amount(yearly)} a year of membership and "
        f"{bps / 100:g} % of the turnover they receive, up to {format_amount(cap)}"
    )


def _reserve_or_council(ledger: Any, kind: str, values: list[str]) -> tuple[list[Any], str]:
    if kind == "council":
        address, region = checked_address(values[0], "council's address"), _region(values[1])
        reference = Web3.keccak(text=values[2])  # only the hash of the decision's reference goes on-chain
        return [ledger.admitCouncil(address, region, reference)], (
            f"admit {address} as the council of region {region} (reference {values[2]!r})"
        )
    if kind == "project":
        address, instalment = checked_address(values[0], "project's account"), parse_amount(values[1])
        if instalment == 0:
            raise BadInputError("an instalment pays more than nothing: not 0")
        count = _count(values[2], "number of instalments", MAX_INSTALMENTS)
        every = _count(values[3], "number of days", MAX_INTERVAL_DAYS) if count > 1 else 0  # one: no interval
        reference = Web3.keccak(text=values[4])
        schedule = "once" if count == 1 else f"{count} times, every {every} day(s)"
        return [ledger.fundProject(address, instalment, count, every * 86_400, reference)], (
            f"fund {values[4]!r} from the reserve: {format_amount(instalment)} to {address} {schedule}, "
            f"{format_amount(instalment * count)} in all"
        )
    if kind == "cancel-project":
        number = _count(values[0], "project number", 2**63 - 1)
        return [ledger.cancelProject(number)], f"stop the remaining instalments of project {number}"
    bps = percent_bps(values[0], "coverage floor", MAX_FLOOR_BPS)
    return [ledger.setCoverageFloor(bps)], (
        f"keep the reserve at {bps / 100:g} % of the credit in use at least, after any project's instalment"
    )


def _stimulus(ledger: Any, region_text: str, kind_text: str, extra_text: str, end_text: str) -> tuple[list[Any], str]:
    all_regions = region_text == "all"
    if not all_regions and not (region_text.isdigit() and int(region_text) < 2**16):
        raise BadInputError(f"not a region: {region_text!r} (a number from 0 to 65535, or all)")
    if kind_text != "all" and kind_text not in MEMBER_KINDS:
        raise BadInputError(f"not a member kind: {kind_text!r} ({', '.join(MEMBER_KINDS)}, or all)")
    try:
        end = datetime.strptime(end_text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise BadInputError(f"not a date: {end_text!r} (YYYY-MM-DD)") from None
    extra = parse_amount(extra_text)
    kind = MemberKind.INDIVIDUAL if kind_text == "all" else MemberKind(kind_text)
    scope = (all_regions, 0 if all_regions else int(region_text), kind_text == "all", kind.code)
    where = "every region" if all_regions else f"region {region_text}"
    who = f"{'all' if kind_text == 'all' else kind.value} members of {where}"
    return [ledger.setStimulus(scope, extra, int(end.timestamp()))], (
        f"let {who} go {format_amount(extra)} further below zero until {end_text} (a stimulus)"
    )
