"""Decoding the ledger's typed errors from revert data.

Every revert of the ledger is a custom error with the facts in it (EIP-6093 style), so that a
wallet or an indexer can tell the user exactly why: the selector names the error, the arguments
follow ABI-encoded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from eth_abi.abi import decode
from eth_abi.exceptions import DecodingError
from eth_utils.abi import function_signature_to_4byte_selector
from eth_utils.address import is_hex_address, to_checksum_address
from hexbytes import HexBytes

from next_contracts import BONUS_ALLOWANCES, COMMONS_REWARDS, LEDGER, REGIONAL_CLEARING, errors_fr, load_artifact
from next_contracts.messages import amount
from next_contracts.vocabulary import (  # role_name and claim_name: imported from here by the wallet and gateway
    ClaimState,
    CommonsKind,
    MemberKind,
    MemberStatus,
    ProposalState,
    claim_name,
    role_name,
    short_id,
    when,
)


class NextContractsError(Exception):
    """The one root of this package's errors: building, deploying, signing in, reading raw
    transactions and sending them. Each kind also derives from its builtin twin where one fits."""


@dataclass(frozen=True)
class DecodedError:
    name: str
    args: dict[str, Any]

    def __str__(self) -> str:
        # bytes (a role, a reference) as the contracts and block explorers write them: 0x and hex.
        inner = ", ".join(f"{k}={'0x' + v.hex() if isinstance(v, bytes) else v}" for k, v in self.args.items())
        return f"{self.name}({inner})"


def _signature_types(entry: dict[str, Any]) -> list[str]:
    return [_abi_type(i) for i in entry["inputs"]]


def _abi_type(item: dict[str, Any]) -> str:
    if item["type"].startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in item["components"])
        return f"({inner}){item['type'][5:]}"
    return str(item["type"])


@cache
def _errors_by_selector(contract: str) -> dict[bytes, dict[str, Any]]:
    abi = load_artifact(contract).abi
    return {
        function_signature_to_4byte_selector(f"{e['name']}({','.join(_signature_types(e))})"): e
        for e in abi
        if e["type"] == "error"
    }


# The contracts whose errors may reach a caller of the ledger's governance: a proposal executed by the
# timelock reverts with the timelock's or the ledger's error through the governor.
GOVERNANCE_CONTRACTS = ("CooperativeGovernor", "TimelockController", "Constitution")


@cache
def _all_errors() -> dict[bytes, dict[str, Any]]:
    found: dict[bytes, dict[str, Any]] = {}
    for contract in (
        LEDGER,
        BONUS_ALLOWANCES,
        COMMONS_REWARDS,
        REGIONAL_CLEARING,
        *GOVERNANCE_CONTRACTS,
    ):  # a holder's payment: either
        found.update(_errors_by_selector(contract))
    return found


def decode_error(data: bytes | str, contract: str = LEDGER) -> DecodedError | None:
    """The typed error in `data` (selector + arguments), or None when it is not one of ours: first
    among `contract`'s errors, then among every shipped contract's."""
    raw = HexBytes(data)
    selector = bytes(raw[:4])
    entry = _errors_by_selector(contract).get(selector) or _all_errors().get(selector)
    if entry is None:
        return None
    values = decode(_signature_types(entry), bytes(raw[4:]))
    return DecodedError(entry["name"], {i["name"]: v for i, v in zip(entry["inputs"], values, strict=True)})


def error_from_exception(error: BaseException, contract: str = LEDGER) -> DecodedError | None:
    """The typed error carried by a web3 ContractCustomError (or anything with revert data)."""
    data = getattr(error, "data", None)
    try:  # a node may put its reason string where the revert data goes ("execution reverted")
        raw = HexBytes(data) if isinstance(data, str | bytes) else b""
    except ValueError:  # binascii.Error included
        return None
    if len(raw) < 4:
        return None
    try:
        return decode_error(raw, contract)
    except DecodingError:  # a known selector followed by bytes that are not its arguments
        return None


def amount_in(language: str) -> Callable[[int], str]:
    """Hundredths as a sentence in `language` writes them, exactly: 1 234,50 NXT, or 1,234.50 NXT."""
    return lambda v: amount(v, language)


# The errors that carry an account's balance, limit or ceiling, by the name of that account's field.
PRIVATE_FIGURES = {
    "LedgerCeilingExceeded": "account",
    "LedgerInsufficientCredit": "account",
    "LedgerCreditHeld": "council",
}


def withhold_figures(decoded: DecodedError, viewer: str) -> tuple[DecodedError, bool]:
    """`decoded` as `viewer` may read it, and whether anything was withheld: another account's
    balance, limit or ceiling left out (a member learns that a payment to someone else cannot pass,
    never by how much: the payee of a payment over its ceiling, the council of an allowance)."""
    field = PRIVATE_FIGURES.get(decoded.name)
    subject = decoded.args.get(field) if field else None
    if not isinstance(subject, str) or subject.lower() == viewer.lower():
        return decoded, False
    return DecodedError(decoded.name, {field: subject}), True  # type: ignore[dict-item]


def describe(
    decoded: DecodedError, amount: Callable[[int], str] = lambda v: f"{v / 100:.2f} NXT", language: str = "en"
) -> str:
    """A typed error of the ledger in words, with its facts, in English or French (errors_fr.py);
    `amount` formats hundredths."""
    name = decoded.name
    a: dict[str, Any] = {
        k: to_checksum_address(v) if isinstance(v, str) and is_hex_address(v) else v for k, v in decoded.args.items()
    }
    words = errors_fr.sentences(a, amount) if language == "fr" else _english(a, amount)
    return words[name]() if name in words else str(decoded)


def _english(a: dict[str, Any], amount: Callable[[int], str]) -> dict[str, Callable[[], str]]:
    return {
        "AccessControlUnauthorizedAccount": lambda: f"{a['account']} does not hold {role_name(a['neededRole'])}",
        "MembershipInvalidAccount": lambda: (
            f"{a['account']} cannot be a member (the zero address, the reserve, or a key already used)"
        ),
        "MembershipInvalidStatus": lambda: (
            f"{a['account']} is {MemberStatus.of(a['status']).words}: not possible in that state"
        ),
        "LedgerAccountNotActive": lambda: f"{a['account']} is {MemberStatus.of(a['status']).words}, not active",
        "LedgerInsufficientCredit": lambda: (
            f"{a['account']} would have {amount(a['balanceAfter'])}, below its limit of {amount(-a['creditLimit'])}"
            if "creditLimit" in a
            else f"{a['account']} has not enough credit for it"
        ),
        "LedgerCeilingExceeded": lambda: (
            f"{a['account']} would have {amount(a['balanceAfter'])}, above its ceiling of {amount(a['ceiling'])}"
            if "ceiling" in a
            else f"{a['account']} cannot receive this amount now: it would pass its ceiling"
        ),
        "LedgerInvalidAmount": lambda: f"the amount {amount(a['amount'])} is not allowed",
        "LedgerSelfPayment": lambda: f"{a['account']} cannot pay itself",
        "LedgerInvalidBatch": lambda: f"a batch of {a['recipients']} payees and {a['amounts']} amounts",
        "LedgerFeeTooHigh": lambda: f"a fee of {a['feeBps']} bps is above the maximum of {a['maxFeeBps']} bps",
        "LedgerCreditLineTooLarge": lambda: f"{amount(a['value'])} is above the maximum of {amount(a['max'])}",
        "LedgerEnforcedPause": lambda: "payments are paused",
        "LedgerExpectedPause": lambda: "payments are not paused",
        "LedgerNoDebt": lambda: f"{a['account']} has no debt to write off (balance {amount(a['balance'])})",
        "LedgerReserveEmpty": lambda: (
            f"the reserve is empty: nothing can cover the debt of {amount(a['debt'])} of {a['account']}"
        ),
        "AccessControlBadConfirmation": lambda: "a role can only be renounced by its holder",
        "MembershipVotesNotDelegable": lambda: "votes are not delegated: each active member casts its own",
        "MembershipCouncilByVote": lambda: f"{a['account']} would be a council: councils are admitted by a vote",
        "LedgerCreditHeld": lambda: (
            f"{a['council']} would have {amount(a['balanceAfter'])}: its limit of -{amount(a['creditLimit'])} is "
            f"{amount(a['held'])} short of it, held back for the bonus allowances it issued"
            if "held" in a
            else f"{a['council']} has not enough credit for it, beside what its bonus allowances hold back"
        ),
        "LedgerNotBonusAllowances": lambda: f"{a['caller']} is not the bonus allowances contract",
        "LedgerNotClearing": lambda: f"{a['caller']} is not this region's clearing",
        # The clearing between regions.
        "ClearingNotPartner": lambda: f"{a['caller']} is not a region this one has a clearing relationship with",
        "ClearingUnauthorized": lambda: f"{a['caller']} does not hold the role this needs in this region's ledger",
        "ClearingInvalidPath": lambda: (
            f"invalid path ({a['length']}): 1 to {a['maxLength']} regions; a netting cycle passes at least two "
            "and ends where it began"
        ),
        "ClearingInvalidPayee": lambda: "a payment across regions needs a payee",
        "ClearingNotNetting": lambda: (
            f"moving {amount(a['amount'])} from {a['from']} ({amount(a['fromBalance'])}) to {a['to']} "
            f"({amount(a['toBalance'])}) would not bring both positions nearer to zero"
        ),
        "ClearingNotWelcomed": lambda: (
            f"{a['member']} is not expected here from {a['from']}: this region's registrar welcomes it first"
        ),
        "ClearingCannotMove": lambda: (
            f"{a['member']} is a {MemberKind.of(a['kind']).value}: only individuals and businesses move between regions"
        ),
        # The councils' bonus allowances.
        "BonusNotRegistrar": lambda: f"{a['caller']} is not a registrar: registrars set the categories",
        "BonusNotLedger": lambda: f"{a['caller']} is not the ledger: only a key recovery carries allowances over",
        "LedgerStimulusOutOfBounds": lambda: (
            f"a stimulus of {amount(a['extraCredit'])} until {a['endsAt']} passes the ledger's bound: "
            f"at most {amount(a['maxExtraCredit'])}, ending by {a['latestEnd']}"
        ),
        "BonusInvalidMember": lambda: (
            f"{a['account']} is {MemberStatus.of(a['status']).words} ({MemberKind.of(a['kind']).value}): "
            "this needs an active member (an active council to open a run)"
        ),
        "BonusInvalidExpiry": lambda: (
            f"an expiry on {when(a['expiresAt'])} is not allowed: after now and by {when(a['latest'])}"
        ),
        "BonusInvalidRegions": lambda: f"{a['count']} regions: at most {a['max']}, none of them 0",
        "BonusTooManyRuns": lambda: f"{a['council']} has {a['max']} bonus runs open already: the most there may be",
        "BonusUnknownRun": lambda: f"there is no bonus run {a['runId']}",
        "BonusNotRunCouncil": lambda: f"{a['caller']} is not the council of bonus run {a['runId']}",
        "BonusRunExpired": lambda: f"bonus run {a['runId']} expired on {when(a['expiresAt'])}",
        "BonusInvalidBatch": lambda: f"a batch of {a['holders']} holders and {a['amounts']} amounts",
        "BonusInvalidAmount": lambda: f"the amount {amount(a['amount'])} is not allowed",
        "BonusHolderFull": lambda: f"{a['holder']} holds {a['max']} live allowances already: the most there may be",
        "BonusCreditShort": lambda: (
            f"{a['council']} has {amount(a['available'])} of credit left, and these allowances need "
            f"{amount(a['needed'])} with the fee of their spending"
        ),
        "BonusSelfPayment": lambda: f"{a['holder']} cannot pay itself with its allowances",
        "BonusAllowanceShort": lambda: (
            f"the allowances of {a['holder']} that {a['payee']} takes cover {amount(a['spendable'])} of "
            f"{amount(a['amount'])}, and at most {amount(a['maxPlain'])} may be paid in plain units"
            if a["maxPlain"]
            else f"{a['payee']} takes {amount(a['spendable'])} of the allowances of {a['holder']}, not "
            f"{amount(a['amount'])}: it is not in their categories or regions, or they are spent or lapsed"
        ),
        # The commons rewards, on attestations.
        "CommonsAmountNotScheduled": lambda: (
            f"a reward of {amount(a['amount'])} for commons of kind {CommonsKind.words_of(a['kind'])}: the schedule "
            + (f"gives {amount(a['scheduled'])}" if a["scheduled"] else "rewards no such kind")
        ),
        "CommonsPeriodClosed": lambda: (
            f"period {a['period']} is closed for claims: only the current one ({a['current']}) and the last"
        ),
        "CommonsNotAttestor": lambda: f"the claim is signed by {a['signer']}, who is not an attestor",
        "CommonsSelfAttestation": lambda: f"{a['attestor']} cannot attest a commons of its own",
        "CommonsInvalidBeneficiary": lambda: (
            f"{a['beneficiary']} is {MemberStatus.of(a['status']).words}: only an active member is rewarded"
        ),
        "CommonsClaimExists": lambda: f"claim {claim_name(a['id'])} was submitted already",
        "CommonsBudgetExceeded": lambda: (
            f"period {a['period']} has {amount(a['committed'])} of its budget of {amount(a['budget'])} committed: "
            f"no room for {amount(a['amount'])} more"
        ),
        "CommonsBeneficiaryCap": lambda: (
            f"{a['beneficiary']} has {amount(a['received'])} in period {a['period']}: {amount(a['amount'])} more "
            f"would pass the cap of {amount(a['cap'])} per member"
        ),
        "CommonsAttestorCap": lambda: (
            f"{a['attestor']} attested {amount(a['attested'])} in period {a['period']}: {amount(a['amount'])} more "
            f"would pass the cap of {amount(a['cap'])} per attestor"
        ),
        "CommonsUnknownClaim": lambda: f"there is no claim {claim_name(a['id'])}",
        "CommonsWrongState": lambda: (
            f"claim {claim_name(a['id'])} is {ClaimState.of(a['state']).value}: not possible now"
        ),
        "CommonsNotContester": lambda: (
            f"{a['caller']} may not contest: the credit committee or an attestor other than the claim's may"
        ),
        "CommonsNotCommittee": lambda: f"{a['caller']} is not on the credit committee: it reinstates claims",
        "CommonsChallengeOver": lambda: (
            f"the challenge window of claim {claim_name(a['id'])} closed on {when(a['payableAt'])}"
        ),
        "CommonsChallengeOpen": lambda: (
            f"claim {claim_name(a['id'])} may be contested until {when(a['payableAt'])}: it is paid only then"
        ),
        "CommonsInvalidWindow": lambda: (
            f"a challenge window of {a['window']} s is not allowed: from {a['min']} s to {a['max']} s"
        ),
        "CommonsInvalidAmount": lambda: f"the amount {amount(a['amount'])} is not allowed",
        # The credit policy.
        "CreditPolicyNone": lambda: f"no credit policy is voted for {MemberKind.of(a['kind']).value} members",
        "CreditPolicyInvalid": lambda: (
            f"a credit policy of {a['turnoverBps'] / 100:g}% of turnover capped at {amount(a['cap'])} is not allowed "
            "(at most 100% of turnover, a cap at most the largest amount)"
        ),
        "CreditPolicyPinned": lambda: (
            f"the credit committee set the credit line of {a['account']} by hand: the policy leaves it"
        ),
        "CreditPolicyNoRaise": lambda: (
            f"the policy gives {a['account']} a limit of {amount(a['policyLimit'])}, not more than its "
            f"{amount(a['creditLimit'])}"
        ),
        # Projects funded from the reserve, above the coverage floor.
        "ReserveUnknownProject": lambda: f"there is no project {a['projectId']}",
        "ReserveInvalidProject": lambda: (
            f"a project of {a['instalments']} instalment(s) of {amount(a['instalment'])} every {a['interval']} s "
            "is not allowed (at least one instalment, of more than zero, at an interval if more than one)"
        ),
        "ReserveProjectClosed": lambda: (
            f"project {a['projectId']} is closed: {a['paid']} of its {a['instalments']} instalments paid"
        ),
        "ReserveInstalmentNotDue": lambda: (
            f"instalment {a['number']} of project {a['projectId']} is due only at time {a['dueAt']}"
        ),
        "ReserveCoverageBelowFloor": lambda: (
            f"paying it would leave the reserve at {amount(a['reserveAfter'])} against {amount(a['creditInUseAfter'])} "
            f"of credit in use: below the coverage floor of {a['floorBps'] / 100:g}%"
        ),
        "ReserveFloorTooHigh": lambda: (
            f"a coverage floor of {a['floorBps'] / 100:g}% is above the maximum of {a['maxFloorBps'] / 100:g}%"
        ),
        # The one admin (AccessControlDefaultAdminRules): handed over in two steps, by a vote.
        "AccessControlEnforcedDefaultAdminRules": lambda: (
            "the admin role is handed over in two steps only (begin, then accept), never granted or revoked"
        ),
        "AccessControlEnforcedDefaultAdminDelay": lambda: f"the new admin may accept only from time {a['schedule']}",
        "AccessControlInvalidDefaultAdmin": lambda: f"{a['defaultAdmin']} cannot become the admin",
        # Governance: the governor, its constitution and the timelock.
        "GovernorVoterNotActive": lambda: (
            f"{a['voter']} is {MemberStatus.of(a['status']).words}: only active members vote"
        ),
        "GovernorDelayNotElapsed": lambda: (
            f"the delay has not passed: proposal {short_id(a['proposalId'])} takes effect from time {a['eta']}"
        ),
        "GovernorNoVoteAtSnapshot": lambda: (
            f"{a['voter']} had no vote when the proposal's roll was taken (time {a['snapshot']})"
        ),
        "GovernorAlreadyCastVote": lambda: f"{a['voter']} has already voted on this proposal",
        "GovernorInsufficientProposerVotes": lambda: f"{a['proposer']} has no vote: only active members propose",
        "GovernorUnexpectedProposalState": lambda: (
            f"proposal {short_id(a['proposalId'])} is {ProposalState.of(a['current']).value}: "
            "not possible in that state"
        ),
        "GovernorNonexistentProposal": lambda: f"there is no proposal {short_id(a['proposalId'])}",
        "GovernorOnlyExecutor": lambda: f"{a['account']} is not the timelock: only a vote does this",
        "GovernorInvalidProposalLength": lambda: "a proposal's calls, values and targets differ in number",
        "ConstitutionCallUnknown": lambda: (
            f"the constitution does not let members vote on that call ({a['selector'].hex()} on {a['target']})"
        ),
        "ConstitutionCallWithValue": lambda: f"call {a['index']} sends ether: proposals never do",
        "ConstitutionRoleUnknown": lambda: (
            f"the constitution does not let members vote on granting {role_name(a['role'])} on {a['target']}"
        ),
        "ConstitutionRoleOnlyForTimelock": lambda: (
            f"{role_name(a['role'])} on {a['target']} carries out the members' votes: it goes to the timelock "
            f"{a['timelock']} alone, never to {a['account']}"
        ),
        "ConstitutionFeeAboveBound": lambda: (
            f"a fee of {a['feeBps']} bps is above the constitution's bound of {a['boundBps']} bps"
        ),
        "ConstitutionStimulusOutOfBounds": lambda: (
            f"a stimulus of {amount(a['extraCredit'])} until {a['endsAt']} passes the constitution's bounds: "
            f"at most {amount(a['maxExtraCredit'])}, ending by {a['latestEnd']}"
        ),
        "ConstitutionInvalidRule": lambda: (
            f"a rule of quorum {a['quorumBps']} bps, threshold {a['supportBps']} bps and delay {a['delay']} s "
            "is not allowed (at most 10,000 each, a threshold of at least a simple majority, at most 92 days)"
        ),
        "TimelockUnexpectedOperationState": lambda: "the timelock's delay has not passed, or it was done already",
        "TimelockUnauthorizedCaller": lambda: f"{a['caller']} cannot act on the timelock",
        "OwnableUnauthorizedAccount": lambda: f"{a['account']} is not the owner: only a vote does this",
        "OwnableInvalidOwner": lambda: f"{a['owner']} cannot be the owner",
        "GovernorAlreadyQueuedProposal": lambda: f"proposal {short_id(a['proposalId'])} is queued already",
        "GovernorNotQueuedProposal": lambda: f"proposal {short_id(a['proposalId'])} is not queued",
        "GovernorDisabledDeposit": lambda: "the governor takes no ether",
        "GovernorInvalidQuorumFraction": lambda: (
            f"a quorum of {a['quorumNumerator']} in {a['quorumDenominator']} is not allowed"
        ),
        "GovernorInvalidSignature": lambda: f"the vote's signature is not {a['voter']}'s",
        "GovernorInvalidVoteParams": lambda: "a vote takes no parameters here",
        "GovernorInvalidVoteType": lambda: "a vote is against (0), for (1) or abstain (2)",
        "GovernorInvalidVotingPeriod": lambda: f"a voting period of {a['votingPeriod']} s is not allowed",
        "GovernorQueueNotImplemented": lambda: "this governor has no queue",
        "GovernorRestrictedProposer": lambda: f"the description reserves this proposal to another than {a['proposer']}",
        "GovernorUnableToCancel": lambda: (
            f"{a['account']} cannot cancel proposal {short_id(a['proposalId'])}: only its proposer, while it is pending"
        ),
        "FailedCall": lambda: "a call the proposal made failed",
        "TimelockInsufficientDelay": lambda: f"a delay of {a['delay']} s is below the minimum of {a['minDelay']} s",
        "TimelockInvalidOperationLength": lambda: "an operation's calls, values and targets differ in number",
        "TimelockUnexecutedPredecessor": lambda: "an operation it depends on is not done yet",
        # The voting roll's library errors (OpenZeppelin Votes, Checkpoints, EIP-712, SafeCast).
        "ERC5805FutureLookup": lambda: f"no vote count yet for time {a['timepoint']} (now is {a['clock']})",
        "ERC6372InconsistentClock": lambda: "the voting clock is not the one it says it is",
        "CheckpointUnorderedInsertion": lambda: "a vote checkpoint out of order",
        "VotesExpiredSignature": lambda: f"the signature expired at {a['expiry']}",
        "InvalidAccountNonce": lambda: f"{a['account']}'s nonce is {a['currentNonce']}, not the one signed",
        "InvalidShortString": lambda: "a name too long for the signing domain",
        "StringTooLong": lambda: "a name too long for the signing domain",
        "SafeCastOverflowedUintDowncast": lambda: f"{a['value']} does not fit in {a['bits']} bits",
    }
