"""A proposal's calls in words, in English and French: what members vote on is the calls, not the
proposer's description, so each is decoded (contract, function, arguments) and said with its kind,
the role or the figure it sets. A description that does not name every kind its calls are of is
flagged: a grant of a strong role is easy to hide under a harmless title.

The wallet's `proposals`, the gateway's /proposals and the web app all show these words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode
from eth_abi.exceptions import DecodingError
from eth_utils.abi import function_abi_to_4byte_selector
from eth_utils.address import to_checksum_address
from hexbytes import HexBytes

from next_contracts import load_artifact
from next_contracts.constitution import ARTIFACT_OF, CALLS, ROLE_KINDS, role_id
from next_contracts.errors import amount_in
from next_contracts.errors_fr import COMMONS, KIND
from next_contracts.messages import percent
from next_contracts.vocabulary import CommonsKind, MemberKind, ProposalKind, role_name, when

# Each contract's name in a sentence.
CONTRACT_WORDS = {
    "en": {
        "ledger": "the ledger",
        "constitution": "the constitution",
        "governor": "the governor",
        "timelock": "the timelock",
        "commons": "the commons rewards",
        "clearing": "the regional clearing",
    },
    "fr": {
        "ledger": "le registre des comptes",
        "constitution": "la constitution",
        "governor": "le scrutin",
        "timelock": "le délai d'exécution",
        "commons": "les récompenses des communs",
        "clearing": "la compensation entre régions",
    },
}
KIND_WORDS = {
    "en": {kind: kind.value for kind in ProposalKind},
    "fr": {
        ProposalKind.NONE: "hors constitution",
        ProposalKind.FEE: "cotisation",
        ProposalKind.CREDIT_LINES: "lignes de crédit",
        ProposalKind.ROLES: "rôles",
        ProposalKind.CONSTITUTION: "constitution",
        ProposalKind.STIMULUS: "relance",
        ProposalKind.RESERVE: "réserve",
    },
}
# What a description must say, in either language, to name a kind (lower case, accents kept).
KIND_MARKERS = {
    ProposalKind.FEE: ("fee", "cotisation", "frais", "commission", "%"),
    ProposalKind.CREDIT_LINES: (
        "credit", "crédit", "limit", "plafond", "ceiling", "line", "ligne", "registrar", "registre",
        "attestor", "attesteur", "budget", "reward", "récompense", "relationship", "région", "region",
    ),
    ProposalKind.ROLES: ("role", "rôle", "council", "collectivité", "pauser", "auditor", "auditeur", "pause"),
    ProposalKind.CONSTITUTION: (
        "constitution", "rule", "règle", "quorum", "admin", "governance", "gouvernance", "timelock", "délai",
        "delay", "vote", "bound", "borne",
    ),
    ProposalKind.STIMULUS: ("stimulus", "relance"),
    ProposalKind.RESERVE: ("reserve", "réserve", "project", "projet", "floor", "plancher"),
}  # fmt: skip
ATTESTOR = "ATTESTOR_ROLE"


@dataclass(frozen=True)
class CallWords:
    """One call of a proposal, decoded."""

    contract: str  # ledger, constitution, governor, timelock, commons, clearing; "" if none of them
    function: str  # its name, "" if unknown
    kind: ProposalKind  # as the constitution types it (a grant: its role's kind)
    args: dict[str, Any]  # decoded, addresses checksummed, bytes in 0x hex
    words: str  # the call in a sentence, in the language asked


@dataclass(frozen=True)
class ProposalWords:
    calls: list[CallWords]
    unnamed_kinds: list[ProposalKind]  # kinds of its calls that its description does not name

    @property
    def description_matches(self) -> bool:
        return not self.unnamed_kinds


def describe_proposal(
    targets: Sequence[str],
    datas: Sequence[bytes | str],
    description: str,
    addresses: Mapping[str, str | None],
    language: str,
) -> ProposalWords:
    """Every call of a proposal in words (`addresses`: the deployment's contracts by name)."""
    calls = [describe_call(target, data, addresses, language) for target, data in zip(targets, datas, strict=False)]
    text = description.lower()
    kinds = sorted({call.kind for call in calls if call.kind is not ProposalKind.NONE}, key=lambda k: k.code)
    unnamed: list[ProposalKind] = [k for k in kinds if not any(marker in text for marker in KIND_MARKERS.get(k, ()))]
    return ProposalWords(calls, unnamed)


def describe_call(target: str, data: bytes | str, addresses: Mapping[str, str | None], language: str) -> CallWords:
    """One call in words: its contract, function, kind and arguments, or why it cannot be read."""
    language = language if language in CONTRACT_WORDS else "en"
    try:
        raw = bytes(HexBytes(data))
    except (ValueError, UnicodeError):  # served cut with a note (megabytes of call data): unreadable here
        cut = "a call too long to read here" if language == "en" else "un appel trop long pour être lu ici"
        return CallWords("", "", ProposalKind.NONE, {}, f"{cut} → {target}")
    contract = next((name for name, a in addresses.items() if a and a.lower() == target.lower()), "")
    entry = _functions(contract).get(raw[:4]) if contract else None
    if entry is None:
        unknown = "a call nobody can read" if language == "en" else "un appel illisible"
        return CallWords(contract, "", ProposalKind.NONE, {}, f"{unknown}: 0x{raw[:4].hex()} → {target}")
    try:
        values = decode([_abi_type(i) for i in entry["inputs"]], raw[4:])
    except (DecodingError, OverflowError, ValueError):
        bad = "its arguments cannot be read" if language == "en" else "ses arguments sont illisibles"
        return CallWords(contract, entry["name"], ProposalKind.NONE, {}, f"{entry['name']}: {bad}")
    args = {i["name"].rstrip("_"): _plain(v) for i, v in zip(entry["inputs"], values, strict=True)}
    kind = CALLS.get(contract, {}).get(entry["name"], ProposalKind.NONE)
    if entry["name"] in ("grantRole", "revokeRole"):
        kind = _role_kind(contract, args["role"])
    say = _Say(language, addresses)
    sentence = SENTENCES.get(entry["name"])
    words = sentence(say, args)[0 if language == "en" else 1] if sentence else say.generic(entry["name"], args)
    where = CONTRACT_WORDS[language][contract]
    kind_words = KIND_WORDS[language][kind]
    return CallWords(contract, entry["name"], kind, args, f"[{kind_words}] {words} ({where})")


def _role_kind(contract: str, role: str) -> ProposalKind:
    for name, kind in ROLE_KINDS.get(contract, {}).items():
        if "0x" + role_id(name).hex() == role:
            return kind
    return ProposalKind.NONE


def _functions(contract: str) -> dict[bytes, dict[str, Any]]:
    abi = load_artifact(ARTIFACT_OF[contract]).abi
    return {
        function_abi_to_4byte_selector(entry): entry  # type: ignore[arg-type]
        for entry in abi
        if entry["type"] == "function" and entry["name"] in CALLS.get(contract, {})
    }


def _abi_type(entry: dict[str, Any]) -> str:
    if entry["type"].startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in entry["components"])
        return f"({inner}){entry['type'][5:]}"
    return str(entry["type"])


def _plain(value: Any) -> Any:
    """Decoded values as JSON takes them: bytes in hex, addresses checksummed, tuples as lists."""
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return to_checksum_address(value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


class _Say:
    """The pieces of a sentence, in one language."""

    def __init__(self, language: str, addresses: Mapping[str, str | None]) -> None:
        self.fr = language == "fr"
        self.names = {a.lower(): CONTRACT_WORDS[language][n] for n, a in addresses.items() if a}

    def amount(self, hundredths: int) -> str:
        return amount_in("fr" if self.fr else "en")(hundredths)

    def pct(self, bps: int) -> str:
        return percent(bps, "fr" if self.fr else "en")

    def days(self, seconds: int) -> str:
        days = seconds / 86_400
        if days >= 1 and days == int(days):
            return f"{int(days)} {'jour' if self.fr else 'day'}{'s' if days > 1 else ''}"
        return f"{seconds} s"

    def who(self, address: str) -> str:
        return self.names.get(address.lower(), address)

    def role(self, role: str) -> str:
        raw = bytes(HexBytes(role))
        return ATTESTOR if raw == role_id(ATTESTOR) else role_name(raw)

    def member_kind(self, code: int) -> str:
        try:
            kind = MemberKind.of(code)
        except (ValueError, IndexError):
            return str(code)
        return KIND[kind] if self.fr else kind.value

    def proposal_kind(self, code: int) -> str:
        try:
            return KIND_WORDS["fr" if self.fr else "en"][ProposalKind.of(code)]
        except (ValueError, IndexError):
            return str(code)

    def commons_kind(self, code: int) -> str:
        kinds = list(CommonsKind)
        if not 0 <= code < len(kinds):
            return str(code)
        return COMMONS[kinds[code]] if self.fr else kinds[code].value

    def scope(self, scope: list[Any]) -> str:
        all_regions, region, all_kinds, kind = scope
        if self.fr:
            where = "toutes les régions" if all_regions else f"la région {region}"
            who = "tous les membres" if all_kinds else f"les membres {self.member_kind(kind)}"
            return f"{who} de {where}"
        where = "every region" if all_regions else f"region {region}"
        who = "every member" if all_kinds else f"{self.member_kind(kind)} members"
        return f"{who} in {where}"

    def generic(self, name: str, args: dict[str, Any]) -> str:
        return f"{name}({', '.join(f'{k}={v}' for k, v in args.items())})"


Sentence = Callable[[_Say, dict[str, Any]], tuple[str, str]]


def _grant(s: _Say, a: dict[str, Any]) -> tuple[str, str]:
    return (
        f"grant {s.role(a['role'])} to {s.who(a['account'])}",
        f"donner {s.role(a['role'])} à {s.who(a['account'])}",
    )


def _revoke(s: _Say, a: dict[str, Any]) -> tuple[str, str]:
    role, who = s.role(a["role"]), s.who(a["account"])
    return (f"take {role} from {who}", f"retirer {role} à {who}")


SENTENCES: dict[str, Sentence] = {
    "setFee": lambda s, a: (
        f"set the payment fee to {s.pct(a['newFeeBps'])}",
        f"fixer la cotisation sur les paiements à {s.pct(a['newFeeBps'])}",
    ),
    "setStimulus": lambda s, a: (
        f"a stimulus of {s.amount(a['extraCredit'])} more credit for {s.scope(a['scope'])} until {when(a['endsAt'])}",
        f"une relance de {s.amount(a['extraCredit'])} de crédit en plus pour {s.scope(a['scope'])} "
        f"jusqu'au {when(a['endsAt'])}",
    ),
    "setDefaultCreditLine": lambda s, a: (
        f"new {s.member_kind(a['kind'])} members get a credit limit of {s.amount(a['creditLimit'])} "
        f"and a ceiling of {s.amount(a['ceiling'])}",
        f"les nouveaux membres {s.member_kind(a['kind'])} ont une limite de crédit de {s.amount(a['creditLimit'])} "
        f"et un plafond de {s.amount(a['ceiling'])}",
    ),
    "setCreditPolicy": lambda s, a: (
        f"{s.member_kind(a['kind'])} members' limits grow by {s.amount(a['perYear'])} a year and "
        f"{s.pct(a['turnoverBps'])} of their turnover, up to {s.amount(a['cap'])}",
        f"la limite des membres {s.member_kind(a['kind'])} croît de {s.amount(a['perYear'])} par an et de "
        f"{s.pct(a['turnoverBps'])} de leur chiffre d'affaires, jusqu'à {s.amount(a['cap'])}",
    ),
    "grantRole": _grant,
    "revokeRole": _revoke,
    "admitCouncil": lambda s, a: (
        f"admit {a['account']} as a council of region {a['region']}",
        f"admettre {a['account']} comme collectivité de la région {a['region']}",
    ),
    "fundProject": lambda s, a: (
        f"pay {a['account']} {a['instalments']} instalment(s) of {s.amount(a['instalment'])} from the reserve, "
        f"every {s.days(a['interval'])}",
        f"verser à {a['account']} {a['instalments']} échéance(s) de {s.amount(a['instalment'])} sur la réserve, "
        f"tous les {s.days(a['interval'])}",
    ),
    "cancelProject": lambda s, a: (
        f"cancel project {a['projectId']}",
        f"annuler le projet {a['projectId']}",
    ),
    "setCoverageFloor": lambda s, a: (
        f"no project is paid below a reserve of {s.pct(a['floorBps'])} of the credit in use",
        f"aucun projet n'est payé sous une réserve de {s.pct(a['floorBps'])} du crédit utilisé",
    ),
    "beginDefaultAdminTransfer": lambda s, a: (
        f"hand the ledger's admin (every role's grant) to {s.who(a['newAdmin'])}",
        f"confier l'administration du registre (l'attribution de tous les rôles) à {s.who(a['newAdmin'])}",
    ),
    "cancelDefaultAdminTransfer": lambda s, a: (
        "cancel the hand-over of the ledger's admin",
        "annuler la passation de l'administration du registre",
    ),
    "changeDefaultAdminDelay": lambda s, a: (
        f"set the wait before a new admin takes over to {s.days(a['newDelay'])}",
        f"fixer l'attente avant qu'un nouvel administrateur prenne la main à {s.days(a['newDelay'])}",
    ),
    "rollbackDefaultAdminDelay": lambda s, a: (
        "keep the admin's wait as it was",
        "garder l'attente de l'administrateur telle qu'elle était",
    ),
    "setStimulusBound": lambda s, a: (
        f"a stimulus may give at most {s.amount(a['maxExtraCredit'])} for at most {s.days(a['maxDuration'])}",
        f"une relance donne au plus {s.amount(a['maxExtraCredit'])} pendant au plus {s.days(a['maxDuration'])}",
    ),
    "setVoteRule": lambda s, a: (
        f"proposals of the kind {s.proposal_kind(a['kind'])} need {s.pct(a['rule'][0])} of the members taking part, "
        f"{s.pct(a['rule'][1])} of the votes for, and act {s.days(a['rule'][2])} after",
        f"les propositions de type {s.proposal_kind(a['kind'])} demandent {s.pct(a['rule'][0])} des membres "
        f"votants, {s.pct(a['rule'][1])} de voix pour, et agissent {s.days(a['rule'][2])} après",
    ),
    "setCallKind": lambda s, a: (
        f"the call {a['selector']} on {s.who(a['target'])} becomes of the kind {s.proposal_kind(a['kind'])}",
        f"l'appel {a['selector']} sur {s.who(a['target'])} devient de type {s.proposal_kind(a['kind'])}",
    ),
    "setFeeBound": lambda s, a: (
        f"no fee may be voted above {s.pct(a['boundBps'])}",
        f"aucune cotisation ne peut être votée au-dessus de {s.pct(a['boundBps'])}",
    ),
    "setRoleKinds": lambda s, a: (
        "grants of "
        + "; ".join(f"{s.role(r[1])} on {s.who(r[0])} become of the kind {s.proposal_kind(r[2])}" for r in a["roles"]),
        "l'attribution de "
        + "; ".join(f"{s.role(r[1])} sur {s.who(r[0])} devient de type {s.proposal_kind(r[2])}" for r in a["roles"]),
    ),
    "setVotingDelay": lambda s, a: (
        f"votes open {s.days(a['newVotingDelay'])} after a proposal",
        f"le vote s'ouvre {s.days(a['newVotingDelay'])} après une proposition",
    ),
    "setVotingPeriod": lambda s, a: (
        f"votes last {s.days(a['newVotingPeriod'])}",
        f"le vote dure {s.days(a['newVotingPeriod'])}",
    ),
    "setProposalThreshold": lambda s, a: (
        f"proposing takes {a['newProposalThreshold']} vote(s)",
        f"proposer demande {a['newProposalThreshold']} voix",
    ),
    "updateQuorumNumerator": lambda s, a: (
        f"the general quorum becomes {a['newQuorumNumerator']} (of the governor's denominator)",
        f"le quorum général devient {a['newQuorumNumerator']} (du dénominateur du scrutin)",
    ),
    "updateTimelock": lambda s, a: (
        f"votes are carried out by another timelock, {a['newTimelock']}",
        f"les votes sont exécutés par un autre délai d'exécution, {a['newTimelock']}",
    ),
    "updateDelay": lambda s, a: (
        f"every decision waits at least {s.days(a['newDelay'])} before it acts",
        f"toute décision attend au moins {s.days(a['newDelay'])} avant d'agir",
    ),
    "setBudget": lambda s, a: (
        f"commons rewards: {s.amount(a['budget'])} a period, at most {s.amount(a['beneficiaryCap'])} a member "
        f"and {s.amount(a['attestorCap'])} an attestor",
        f"récompenses des communs : {s.amount(a['budget'])} par période, au plus {s.amount(a['beneficiaryCap'])} "
        f"par membre et {s.amount(a['attestorCap'])} par attesteur",
    ),
    "setSchedule": lambda s, a: (
        f"a commons of the kind {s.commons_kind(a['kind'])} is rewarded {s.amount(a['amount'])}",
        f"un commun de type {s.commons_kind(a['kind'])} est récompensé de {s.amount(a['amount'])}",
    ),
    "setChallengeWindow": lambda s, a: (
        f"a commons claim may be contested for {s.days(a['window'])}",
        f"une attestation de commun peut être contestée pendant {s.days(a['window'])}",
    ),
    "setRelationship": lambda s, a: (
        f"the relationship with the region at {a['partner']}: a credit limit of {s.amount(a['creditLimit'])} "
        f"and a ceiling of {s.amount(a['ceiling'])}",
        f"la relation avec la région {a['partner']} : une limite de crédit de {s.amount(a['creditLimit'])} "
        f"et un plafond de {s.amount(a['ceiling'])}",
    ),
}
