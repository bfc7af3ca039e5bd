"""The typed proposals: what a member may propose, in words and human amounts, and the ledger calls
each makes. The constitution (next_contracts.constitution) decides which kind each call is and by
which rule it is voted; the wallet only builds the calls."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from web3 import Web3

from next_contracts.amounts import checked_address, format_amount, parse_amount
from next_contracts.messages import Phrase
from next_contracts.said import BadInput
from next_contracts.vocabulary import MAX_FEE_BPS, CommonsKind, MemberKind, Role
from next_contracts.words import percent, say

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
        raise BadInput.said("wallet.propose.not_percent", what=Phrase(f"wallet.what.{what}"), text=repr(text)) from None
    if not bps.is_finite() or bps != bps.to_integral_value() or not 0 <= bps <= maximum:
        raise BadInput.said(
            "wallet.propose.percent_range", what=Phrase(f"wallet.what.{what}"), most=percent(maximum), text=repr(text)
        )
    return int(bps)


def fee_bps(text: str) -> int:
    """A fee in percent ("0,35", "0.35 %") as basis points."""
    return percent_bps(text, "fee", MAX_FEE_BPS)


def _count(text: str, what: str, maximum: int) -> int:
    if not (text.isdigit() and 1 <= int(text) <= maximum):
        raise BadInput.said(
            "wallet.propose.not_count", what=Phrase(f"wallet.what.{what}"), text=repr(text), most=maximum
        )
    return int(text)


def _region(text: str) -> int:
    if not (text.isdigit() and int(text) < 2**16):
        raise BadInput.said("wallet.propose.not_region", text=repr(text))
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
        raise BadInput.said("wallet.propose.values", kind=kind, expected=" ".join(expected), values=" ".join(values))
    if kind in COMMONS_PROPOSALS:
        if commons is None:
            raise BadInput.said("wallet.propose.no_commons")
        return _commons(commons, kind, values)
    if kind == "fee":
        bps = fee_bps(values[0])
        return [ledger.setFee(bps)], say("wallet.summary.fee", rate=percent(bps), bps=bps)
    if kind == "credit-line":
        if values[0] not in MEMBER_KINDS:
            raise BadInput.said("wallet.propose.not_member_kind", text=repr(values[0]), kinds=", ".join(MEMBER_KINDS))
        member_kind = MemberKind(values[0])
        limit, ceiling = parse_amount(values[1]), parse_amount(values[2])
        kind_words = say(f"member.kind.{member_kind.value}")
        return [ledger.setDefaultCreditLine(member_kind.code, limit, ceiling)], say(
            "wallet.summary.credit_line", kind=kind_words, limit=format_amount(limit), ceiling=format_amount(ceiling)
        )
    if kind == "stimulus":
        return _stimulus(ledger, *values)
    if kind == "credit-policy":
        return _credit_policy(ledger, *values)
    if kind in ("council", "project", "cancel-project", "coverage-floor"):
        return _reserve_or_council(ledger, kind, values)
    if values[0] not in VOTED_ROLES:
        raise BadInput.said("wallet.propose.not_role", text=repr(values[0]), roles=", ".join(VOTED_ROLES))
    role = VOTED_ROLES[values[0]]
    address = checked_address(values[1], "address")
    if kind == "grant":
        return [ledger.grantRole(role.id, address)], say("wallet.summary.grant", role=role.value, address=address)
    return [ledger.revokeRole(role.id, address)], say("wallet.summary.revoke", role=role.value, address=address)


def _commons(commons: Any, kind: str, values: list[str]) -> tuple[list[Any], str]:
    if kind == "commons-budget":
        budget, per_member, per_attestor = (parse_amount(v) for v in values)
        return [commons.setBudget(budget, per_member, per_attestor)], say(
            "wallet.summary.commons_budget",
            budget=format_amount(budget),
            per_member=format_amount(per_member),
            per_attestor=format_amount(per_attestor),
        )
    if kind == "commons-reward":
        try:
            commons_kind = CommonsKind(values[0])
        except ValueError:
            kinds = ", ".join(k.value for k in CommonsKind)
            raise BadInput.said("wallet.propose.not_commons", text=repr(values[0]), kinds=kinds) from None
        amount = 0 if values[1].strip() in ("0", "0,00", "0.00") else parse_amount(values[1])
        named = say(f"commons.kind.{commons_kind.value}")
        words = (
            say("wallet.summary.commons_reward", kind=named, amount=format_amount(amount))
            if amount
            else say("wallet.summary.commons_stop", kind=named)
        )
        return [commons.setSchedule(commons_kind.code, amount)], words
    address = checked_address(values[0], "attestor")
    if kind == "attestor":
        return [commons.grantRole(ATTESTOR_ROLE, address)], say("wallet.summary.attestor", address=address)
    return [commons.revokeRole(ATTESTOR_ROLE, address)], say("wallet.summary.attestor_revoke", address=address)


def _credit_policy(ledger: Any, kind_text: str, per_year: str, share: str, cap_text: str) -> tuple[list[Any], str]:
    if kind_text not in MEMBER_KINDS:
        raise BadInput.said("wallet.propose.not_member_kind", text=repr(kind_text), kinds=", ".join(MEMBER_KINDS))
    kind = MemberKind(kind_text)
    yearly, bps, cap = parse_amount(per_year), percent_bps(share, "share", 10_000), parse_amount(cap_text)
    kind_words = say(f"member.kind.{kind.value}")
    if cap == 0:
        return [ledger.setCreditPolicy(kind.code, 0, 0, 0)], say("wallet.summary.policy_end", kind=kind_words)
    return [ledger.setCreditPolicy(kind.code, yearly, bps, cap)], say(
        "wallet.summary.policy",
        kind=kind_words,
        yearly=format_amount(yearly),
        share=percent(bps),
        cap=format_amount(cap),
    )


def _reserve_or_council(ledger: Any, kind: str, values: list[str]) -> tuple[list[Any], str]:
    if kind == "council":
        address, region = checked_address(values[0], "council"), _region(values[1])
        reference = Web3.keccak(text=values[2])  # only the hash of the decision's reference goes on-chain
        return [ledger.admitCouncil(address, region, reference)], say(
            "wallet.summary.council", address=address, region=region, reference=repr(values[2])
        )
    if kind == "project":
        address, instalment = checked_address(values[0], "project"), parse_amount(values[1])
        if instalment == 0:
            raise BadInput.said("wallet.propose.zero_instalment")
        count = _count(values[2], "instalments", MAX_INSTALMENTS)
        every = _count(values[3], "days", MAX_INTERVAL_DAYS) if count > 1 else 0  # one: no interval
        reference = Web3.keccak(text=values[4])
        schedule = say("wallet.summary.once") if count == 1 else say("wallet.summary.times", count=count, every=every)
        return [ledger.fundProject(address, instalment, count, every * 86_400, reference)], say(
            "wallet.summary.project",
            name=repr(values[4]),
            instalment=format_amount(instalment),
            address=address,
            schedule=schedule,
            total=format_amount(instalment * count),
        )
    if kind == "cancel-project":
        number = _count(values[0], "project_number", 2**63 - 1)
        return [ledger.cancelProject(number)], say("wallet.summary.cancel_project", number=number)
    bps = percent_bps(values[0], "floor", MAX_FLOOR_BPS)
    return [ledger.setCoverageFloor(bps)], say("wallet.summary.floor", share=percent(bps))


def _stimulus(ledger: Any, region_text: str, kind_text: str, extra_text: str, end_text: str) -> tuple[list[Any], str]:
    all_regions = region_text == "all"
    if not all_regions and not (region_text.isdigit() and int(region_text) < 2**16):
        raise BadInput.said("wallet.propose.not_region_all", text=repr(region_text))
    if kind_text != "all" and kind_text not in MEMBER_KINDS:
        kinds = ", ".join(MEMBER_KINDS)
        raise BadInput.said("wallet.propose.not_member_kind_all", text=repr(kind_text), kinds=kinds)
    try:
        end = datetime.strptime(end_text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise BadInput.said("wallet.propose.not_date", text=repr(end_text)) from None
    extra = parse_amount(extra_text)
    kind = MemberKind.INDIVIDUAL if kind_text == "all" else MemberKind(kind_text)
    scope = (all_regions, 0 if all_regions else int(region_text), kind_text == "all", kind.code)
    where = say("wallet.summary.every_region") if all_regions else say("wallet.summary.region", region=region_text)
    who = (
        say("wallet.summary.all_members", where=where)
        if kind_text == "all"
        else say("wallet.summary.kind_members", kind=say(f"member.kind.{kind.value}"), where=where)
    )
    return [ledger.setStimulus(scope, extra, int(end.timestamp()))], say(
        "wallet.summary.stimulus", who=who, extra=format_amount(extra), end=end_text
    )
