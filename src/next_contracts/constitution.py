"""The founding constitution: what members vote on, by which rule, and how long the votes last.

A proposal may make only the calls named here (the Constitution contract refuses any other), each
of a kind; each kind has its own quorum, support threshold and delay before it acts. The defaults
are a general assembly's: a simple majority of the votes cast, with a tenth of the active members
taking part, for the fee, the credit lines and the roles (a council's admission among them), acting
after the timelock's two days; the same majority with 15 % taking part for a stimulus (at most
5 000,00 more credit, for at most six months); 60 % with a fifth taking part to spend the reserve
(projects, the coverage floor), and two thirds with a fifth to change the rules themselves, both
acting only after a week, so that members who disagree see it coming. Every figure is changed later
by a vote of the kind Constitution.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, cast

from eth_typing import ABIFunction
from eth_utils.abi import function_abi_to_4byte_selector
from eth_utils.crypto import keccak

from next_contracts import load_artifact
from next_contracts.vocabulary import MAX_FEE_BPS, ProposalKind

DAY = 86_400

# The calls each kind of proposal may make, by contract and function name.
CALLS: dict[str, dict[str, ProposalKind]] = {
    "ledger": {
        "setFee": ProposalKind.FEE,
        "setStimulus": ProposalKind.STIMULUS,
        "setDefaultCreditLine": ProposalKind.CREDIT_LINES,
        "setCreditPolicy": ProposalKind.CREDIT_LINES,
        # A grant or revocation is of its role's kind (ROLE_KINDS): ROLES here only names the call.
        "grantRole": ProposalKind.ROLES,
        "revokeRole": ProposalKind.ROLES,
        "admitCouncil": ProposalKind.ROLES,
        "fundProject": ProposalKind.RESERVE,
        "cancelProject": ProposalKind.RESERVE,
        "setCoverageFloor": ProposalKind.RESERVE,
        "beginDefaultAdminTransfer": ProposalKind.CONSTITUTION,
        "cancelDefaultAdminTransfer": ProposalKind.CONSTITUTION,
        "changeDefaultAdminDelay": ProposalKind.CONSTITUTION,
        "rollbackDefaultAdminDelay": ProposalKind.CONSTITUTION,
        "setStimulusBound": ProposalKind.CONSTITUTION,
    },
    "constitution": {
        "setVoteRule": ProposalKind.CONSTITUTION,
        "setCallKind": ProposalKind.CONSTITUTION,
        "setFeeBound": ProposalKind.CONSTITUTION,
        "setRoleKinds": ProposalKind.CONSTITUTION,
    },
    "governor": {
        "setVotingDelay": ProposalKind.CONSTITUTION,
        "setVotingPeriod": ProposalKind.CONSTITUTION,
        "setProposalThreshold": ProposalKind.CONSTITUTION,
        "updateQuorumNumerator": ProposalKind.CONSTITUTION,
        "updateTimelock": ProposalKind.CONSTITUTION,
    },
    "timelock": {
        "updateDelay": ProposalKind.CONSTITUTION,
    },
    # The commons rewards: attestors are named like the ledger's roles; the budget, the caps and the
    # schedule make credit as credit lines do; the challenge window protects members, like the rules.
    "commons": {
        "grantRole": ProposalKind.ROLES,
        "revokeRole": ProposalKind.ROLES,
        "setBudget": ProposalKind.CREDIT_LINES,
        "setSchedule": ProposalKind.CREDIT_LINES,
        "setChallengeWindow": ProposalKind.CONSTITUTION,
    },
    # A relationship with another region: how far each may be in debt to the other, a credit line.
    "clearing": {
        "setRelationship": ProposalKind.CREDIT_LINES,
    },
}
# The kind of granting or revoking each role: the rule of the strongest power the role carries. A
# role of the kind CONSTITUTION carries out votes (it passes every bound a vote could not), so the
# Constitution contract lets a vote grant it to the timelock alone. A role named nowhere here cannot
# be granted by any vote.
ROLE_KINDS: dict[str, dict[str, ProposalKind]] = {
    "ledger": {
        "DEFAULT_ADMIN_ROLE": ProposalKind.CONSTITUTION,  # grants every role, sets the stimulus bound
        "GOVERNANCE_ROLE": ProposalKind.CONSTITUTION,  # fee, stimulus, projects, councils, regions
        "CREDIT_COMMITTEE_ROLE": ProposalKind.RESERVE,  # writes debts off against the reserve
        "REGISTRAR_ROLE": ProposalKind.CREDIT_LINES,  # each member it admits gets the default line
        "PAUSER_ROLE": ProposalKind.ROLES,  # stops payments, moves nothing
        "AUDITOR_ROLE": ProposalKind.ROLES,  # reads every account at the gateway, nothing on-chain
    },
    "commons": {
        "DEFAULT_ADMIN_ROLE": ProposalKind.CONSTITUTION,  # the budget, caps, schedule, window, attestors
        "ATTESTOR_ROLE": ProposalKind.CREDIT_LINES,  # its attestations are paid from the budget
    },
}
ARTIFACT_OF = {
    "ledger": "MutualCreditLedger",
    "constitution": "Constitution",
    "governor": "CooperativeGovernor",
    "timelock": "TimelockController",
    "commons": "CommonsRewards",
    "clearing": "RegionalClearing",
}


Rule = tuple[int, int, int]  # quorum and support threshold in basis points, delay in seconds


def _default_rules() -> dict[str, Rule]:
    majority, sixty, two_thirds, timelock, week = 5_000, 6_000, 6_667, 0, 7 * DAY
    return {
        ProposalKind.FEE.value: (1_000, majority, timelock),
        ProposalKind.CREDIT_LINES.value: (1_000, majority, timelock),
        ProposalKind.ROLES.value: (1_000, majority, timelock),
        ProposalKind.CONSTITUTION.value: (2_000, two_thirds, week),
        ProposalKind.STIMULUS.value: (1_500, majority, timelock),  # credit made for a while: more asked
        ProposalKind.RESERVE.value: (2_000, sixty, week),  # the members' insurance spent: more asked
    }


@dataclass(frozen=True)
class GovernanceConfig:
    """The governor's settings and the founding constitution. Times in seconds; rules as
    (quorum, support threshold, delay) by kind, quorum and threshold in basis points; a delay below
    the timelock's (0 in the defaults) means the timelock's."""

    voting_delay: int = DAY  # between a proposal and the snapshot of the roll: time to read it
    voting_period: int = 7 * DAY
    timelock_delay: int = 2 * DAY  # between a proposal passing and its taking effect
    quorum_bps: int = 1_000  # the general quorum, below every kind's own
    fee_bound_bps: int = MAX_FEE_BPS
    max_stimulus_credit: int = 500_000  # a stimulus gives at most 5 000,00 more credit ...
    max_stimulus_duration: int = 183 * DAY  # ... for at most six months from its proposal
    commons_min_window: int = DAY  # the shortest challenge window of a commons claim votes may set
    rules: dict[str, Rule] = field(default_factory=_default_rules)

    def __post_init__(self) -> None:
        unknown = set(self.rules) - {kind.value for kind in ProposalKind if kind is not ProposalKind.NONE}
        if unknown:
            raise ValueError(f"unknown proposal kind(s) {sorted(unknown)}")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GovernanceConfig:
        settings = {k: int(v) for k, v in data.items() if k != "rules"}
        given = {kind: _rule(values) for kind, values in data.get("rules", {}).items()}
        return cls(**settings, rules={**_default_rules(), **given})

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rules": {k: list(v) for k, v in self.rules.items()}}

    def rule_list(self) -> list[Rule]:
        """The rules indexed by kind, as the Constitution's constructor takes them."""
        return [self.rules.get(kind.value, (0, 5_000, 0)) for kind in ProposalKind]

    def delay_of(self, kind: ProposalKind) -> int:
        """The wait between a proposal of `kind` passing and its taking effect."""
        return max(self.timelock_delay, self.rules.get(kind.value, (0, 0, 0))[2])


def _rule(values: Any) -> Rule:
    """[quorum, threshold] or [quorum, threshold, delay] from a config file."""
    quorum, support, *delay = (int(v) for v in values)
    if len(delay) > 1:
        raise ValueError(f"a rule is [quorum, threshold] or [quorum, threshold, delay], not {list(values)}")
    return quorum, support, delay[0] if delay else 0


def call_kinds(addresses: Mapping[str, str]) -> list[tuple[str, bytes, int]]:
    """(target, selector, kind) for every call of the constitution, at the deployed `addresses`."""
    found = []
    for contract, functions in CALLS.items():
        abi = load_artifact(ARTIFACT_OF[contract]).abi
        for entry in abi:
            if entry["type"] == "function" and entry["name"] in functions:
                selector = function_abi_to_4byte_selector(cast(ABIFunction, entry))
                found.append((addresses[contract], selector, functions[entry["name"]].code))
    return found


def role_kinds(addresses: Mapping[str, str]) -> list[tuple[str, bytes, int]]:
    """(target, role id, kind) for every role a vote may grant, at the deployed `addresses`."""
    return [
        (addresses[contract], role_id(name), kind.code)
        for contract, roles in ROLE_KINDS.items()
        for name, kind in roles.items()
    ]


def role_id(name: str) -> bytes:
    """The bytes32 id of a role, as the contracts compute it: keccak256 of its name (the admin's is 0)."""
    return bytes(32) if name == "DEFAULT_ADMIN_ROLE" else keccak(text=name)
