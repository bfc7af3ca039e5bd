"""Governance commands: a member reads the proposals, proposes, votes, queues and executes.

Proposals are typed: a member proposes a fee, a default credit line of a member kind, or granting
or revoking a staff role, in words and human amounts; the wallet builds the calls. Every command
checks first, before any password is asked, that the governor would accept it on the latest state
(its typed refusal, in words: "bob is excluded: only active members vote"). A proposal is named by
the first hexadecimal digits of its id, as `proposals` shows them; any unambiguous prefix will do.

They need a node's JSON-RPC (`--rpc URL`, or the config's) and the governor's address (from
`next-wallet init --deployment FILE`, or `--governor ADDRESS`).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractCustomError, ContractLogicError

from next_contracts import load_artifact
from next_contracts.deploy import GOVERNOR
from next_contracts.errors import describe, error_from_exception
from next_contracts.transact import calldata
from next_contracts.vocabulary import MAX_FEE_BPS, MemberKind, ProposalKind, ProposalState, Role, short_id
from next_wallet import keystore
from next_wallet.amounts import format_amount, parse_amount
from next_wallet.config import Config, checked_address
from next_wallet.errors import BadInputError, NeedsNodeError, NotMemberError, RefusedError
from next_wallet.ledger import Ledger
from next_wallet.prompts import confirm, unlock

if TYPE_CHECKING:
    from next_wallet.output import Output

Add = Callable[..., argparse.ArgumentParser]
SUPPORT = {"against": 0, "for": 1, "abstain": 2}
# The staff roles a vote grants or revokes, by the words a member types.
VOTED_ROLES = {
    "registrar": Role.REGISTRAR,
    "credit-committee": Role.CREDIT_COMMITTEE,
    "pauser": Role.PAUSER,
    "auditor": Role.AUDITOR,
}
# The refusals that mean "you are not a voting member", exit 7 like a payment's.
NOT_A_VOTER = ("GovernorVoterNotActive", "GovernorNoVoteAtSnapshot", "GovernorInsufficientProposerVotes")


@dataclass(frozen=True)
class Proposal:
    """A proposal as its ProposalCreated event states it, with what the governor says of it now."""

    id: int
    proposer: str
    targets: list[str]
    values: list[int]
    calldatas: list[bytes]
    description: str
    vote_start: int
    vote_end: int

    @property
    def short_id(self) -> str:
        return short_id(self.id)

    @property
    def description_hash(self) -> bytes:
        return bytes(Web3.keccak(text=self.description))

    def calls(self) -> tuple[list[str], list[int], list[bytes], bytes]:
        return self.targets, self.values, self.calldatas, self.description_hash


class Governance:
    """The governor through a node's JSON-RPC, beside the ledger (for its checks and sending)."""

    def __init__(self, config: Config, rpc: str | None) -> None:
        rpc = rpc or config.rpc_url
        if not rpc:
            raise NeedsNodeError(
                "governance commands need a node's JSON-RPC (--rpc URL, or next-wallet init --rpc URL)"
            )
        if not config.governor:
            raise BadInputError(
                "no governor configured: next-wallet init --deployment FILE (or --governor ADDRESS) ..."
            )
        self.ledger = Ledger(replace(config, rpc_url=rpc))
        self.governor: Contract = self.ledger.w3.eth.contract(
            Web3.to_checksum_address(config.governor), abi=load_artifact(GOVERNOR).abi
        )

    def node(self, call: Callable[[], Any]) -> Any:
        return self.ledger._node(call)

    def proposals(self) -> list[Proposal]:
        self.ledger.check_chain()
        logs = self.node(lambda: self.governor.events.ProposalCreated.get_logs(from_block=0))
        return [
            Proposal(
                id=log.args.proposalId,
                proposer=log.args.proposer,
                targets=list(log.args.targets),
                values=list(log.args.values),
                calldatas=[bytes(c) for c in log.args.calldatas],
                description=log.args.description,
                vote_start=log.args.voteStart,
                vote_end=log.args.voteEnd,
            )
            for log in logs
        ]

    def find(self, prefix: str) -> Proposal:
        wanted = prefix.lower().removeprefix("0x")
        if not wanted or any(c not in "0123456789abcdef" for c in wanted):
            raise BadInputError(f"not a proposal id: {prefix!r} (hexadecimal digits, as `proposals` shows)")
        found = [p for p in self.proposals() if f"{p.id:064x}".startswith(wanted)]
        if not found:
            raise BadInputError(f"no proposal {prefix}: `next-wallet proposals` lists them")
        if len(found) > 1:
            raise BadInputError(f"{prefix} names {len(found)} proposals: give more digits")
        return found[0]

    def state(self, proposal: Proposal) -> ProposalState:
        return ProposalState.of(self.node(lambda: self.governor.functions.state(proposal.id).call()))

    def tally(self, proposal: Proposal) -> dict[str, int]:
        against, for_, abstain = self.node(lambda: self.governor.functions.proposalVotes(proposal.id).call())
        return {"for": for_, "against": against, "abstain": abstain}

    def rule(self, proposal: Proposal) -> dict[str, Any]:
        (quorum_bps, support_bps), kinds = self.node(lambda: self.governor.functions.proposalRule(proposal.id).call())
        return {
            "kinds": [kind.value for kind in ProposalKind if kinds & (1 << kind.code)],
            "quorum_bps": quorum_bps,
            "support_bps": support_bps,
        }

    def preflight(self, sender: str, call: Any, what: str) -> None:
        """The governor's verdict on the latest state, in words; nothing is signed."""
        self.ledger.check_chain()
        try:
            self.ledger.estimate_gas(sender, call)
        except (ContractCustomError, ContractLogicError) as error:
            decoded = error_from_exception(error, GOVERNOR)
            why = describe(decoded, format_amount) if decoded else "it did not say why"
            refusal = NotMemberError if decoded and decoded.name in NOT_A_VOTER else RefusedError
            raise refusal(f"the governor would refuse to {what}: {why}") from None


def _send(args: argparse.Namespace, out: Output, gov: Governance, call: Any, what: str, facts: dict[str, Any]) -> None:
    sender = keystore.address_of(args.label)
    gov.preflight(sender, call, what)
    if not out.as_json:
        print(f"{args.label} ({sender}) will {what}")
    confirm(args, "Send it?")
    account = unlock(args, args.label)
    tx_hash = gov.ledger.sign_and_send(account, call)
    gov.ledger.wait(tx_hash)
    out.result({"tx_hash": tx_hash, "member": sender, **facts}, f"done: {tx_hash}")


# the typed proposals ----------------------------------------------------------------------------


def fee_bps(text: str) -> int:
    """A fee in percent ("0,35", "0.35 %") as basis points; refused if not a whole number of them."""
    cleaned = text.strip().removesuffix("%").strip().replace(",", ".")
    try:
        bps = Decimal(cleaned) * 100
    except InvalidOperation:
        raise BadInputError(f"not a fee: {text!r} (a percentage such as 0,35)") from None
    if bps != bps.to_integral_value() or not 0 <= bps <= MAX_FEE_BPS:
        raise BadInputError(f"a fee is a percentage from 0 to {MAX_FEE_BPS / 100:g} in steps of 0,01: not {text!r}")
    return int(bps)


# Each kind of proposal and the values it takes, in order.
PROPOSAL_ARGS = {
    "fee": ("RATE",),
    "credit-line": ("MEMBER_KIND", "LIMIT", "CEILING"),
    "grant": ("ROLE", "ADDRESS"),
    "revoke": ("ROLE", "ADDRESS"),
    "stimulus": ("REGION", "MEMBER_KIND", "EXTRA", "END"),
}
MEMBER_KINDS = [k.value for k in MemberKind if k is not MemberKind.SYSTEM]
PROPOSE_HELP = f"""the values of each kind:
  fee RATE                              the payment fee in percent, e.g. 0,35
  credit-line KIND LIMIT CEILING        the default credit line of new members of a kind
                                        ({", ".join(MEMBER_KINDS)}), e.g. individual 1000,00 20000,00
  grant ROLE ADDRESS, revoke ROLE ADDRESS   a staff role ({", ".join(VOTED_ROLES)})
  stimulus REGION KIND EXTRA END        a relance: members of a region (or all) and a kind (or all)
                                        may go EXTRA further below zero until END (a date, UTC),
                                        e.g. stimulus 2 business 2000,00 2027-03-31"""


def _calls(gov: Governance, args: argparse.Namespace) -> tuple[list[Any], str]:
    """The ledger calls of the typed proposal in `args`, and what it does in words."""
    expected = PROPOSAL_ARGS[args.kind]
    if len(args.values) != len(expected):
        raise BadInputError(f"a {args.kind} proposal takes {' '.join(expected)}: not {' '.join(args.values)}")
    ledger = gov.ledger.contract.functions
    if args.kind == "fee":
        bps = fee_bps(args.values[0])
        return [ledger.setFee(bps)], f"set the payment fee to {bps / 100:.2f} % ({bps} bps)"
    if args.kind == "credit-line":
        if args.values[0] not in MEMBER_KINDS:
            raise BadInputError(f"not a member kind: {args.values[0]!r} ({', '.join(MEMBER_KINDS)})")
        kind = MemberKind(args.values[0])
        limit, ceiling = parse_amount(args.values[1]), parse_amount(args.values[2])
        return [ledger.setDefaultCreditLine(kind.code, limit, ceiling)], (
            f"give new {kind.value} members a credit limit of {format_amount(limit)} and a ceiling of "
            f"{format_amount(ceiling)}"
        )
    if args.kind == "stimulus":
        return _stimulus(ledger, *args.values)
    if args.values[0] not in VOTED_ROLES:
        raise BadInputError(f"not a staff role: {args.values[0]!r} ({', '.join(VOTED_ROLES)})")
    role = VOTED_ROLES[args.values[0]]
    address = checked_address(args.values[1], "address")
    if args.kind == "grant":
        return [ledger.grantRole(role.id, address)], f"grant {role.value} to {address}"
    return [ledger.revokeRole(role.id, address)], f"revoke {role.value} from {address}"


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


def cmd_propose(args: argparse.Namespace, out: Output) -> None:
    gov = Governance(Config.load(), args.rpc)
    calls, summary = _calls(gov, args)
    # The description is part of the proposal's id: a date makes the same proposal, made again
    # later, a new one.
    description = args.description or f"{summary} (proposed {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())})"
    targets = [call.address for call in calls]
    datas = [bytes.fromhex(calldata(call)[2:]) for call in calls]
    propose = gov.governor.functions.propose(targets, [0] * len(calls), datas, description)
    proposal_id = gov.node(
        lambda: gov.governor.functions.hashProposal(
            targets, [0] * len(calls), datas, Web3.keccak(text=description)
        ).call()
    )
    short = short_id(proposal_id)
    _send(args, out, gov, propose, f"propose to {summary}", {"proposal": short, "description": description})


def cmd_proposals(args: argparse.Namespace, out: Output) -> None:
    gov = Governance(Config.load(), args.rpc)
    now = gov.node(lambda: gov.ledger.w3.eth.get_block("latest")["timestamp"])
    rows: list[dict[str, Any]] = []
    for proposal in gov.proposals():
        state = gov.state(proposal)
        if not args.all and state not in (ProposalState.PENDING, ProposalState.ACTIVE, ProposalState.SUCCEEDED,
                                          ProposalState.QUEUED):  # fmt: skip
            continue
        rows.append(
            {
                "proposal": proposal.short_id,
                "id": str(proposal.id),
                "state": state.value,
                "description": proposal.description,
                "proposer": proposal.proposer,
                "votes": gov.tally(proposal),
                "rule": gov.rule(proposal),
                "vote_start": proposal.vote_start,
                "vote_end": proposal.vote_end,
            }
        )
    if out.as_json:
        out.result({"now": now, "proposals": rows}, "")
        return
    if not rows:
        print("no open proposals" + ("" if args.all else " (--all shows every one)"))
    for row in rows:
        votes, rule = row["votes"], row["rule"]
        when = _when(row, now)
        print(
            f"{row['proposal']}  {row['state']:<9}  {row['description']}\n"
            f"            for {votes['for']}, against {votes['against']}, abstain {votes['abstain']}; "
            f"{', '.join(rule['kinds'])}: quorum {rule['quorum_bps'] / 100:g} % of members, "
            f"more than {rule['support_bps'] / 100:g} % for; {when}"
        )


def _when(row: dict[str, Any], now: int) -> str:
    def at(timestamp: int) -> str:
        return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(timestamp))

    if row["state"] == ProposalState.PENDING.value:
        return f"voting opens {at(row['vote_start'])}"
    if row["state"] == ProposalState.ACTIVE.value:
        return f"voting closes {at(row['vote_end'])}"
    return f"voting closed {at(row['vote_end'])}" if row["vote_end"] < now else ""


def cmd_vote(args: argparse.Namespace, out: Output) -> None:
    gov = Governance(Config.load(), args.rpc)
    proposal = gov.find(args.proposal)
    call = (
        gov.governor.functions.castVoteWithReason(proposal.id, SUPPORT[args.support], args.reason)
        if args.reason
        else gov.governor.functions.castVote(proposal.id, SUPPORT[args.support])
    )
    what = f"vote {args.support} {proposal.short_id} ({proposal.description})"
    _send(args, out, gov, call, what, {"proposal": proposal.short_id, "support": args.support})


def _step(name: str, verb: str) -> Callable[[argparse.Namespace, Output], None]:
    def command(args: argparse.Namespace, out: Output) -> None:
        gov = Governance(Config.load(), args.rpc)
        proposal = gov.find(args.proposal)
        call = getattr(gov.governor.functions, name)(*proposal.calls())
        _send(
            args,
            out,
            gov,
            call,
            f"{verb} {proposal.short_id} ({proposal.description})",
            {"proposal": proposal.short_id},
        )

    return command


# the parser -------------------------------------------------------------------------------------


def add_commands(add: Add) -> None:
    """Adds the governance commands; each names its function as `run`."""

    def rpc(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument("--rpc", metavar="URL", help="a node's JSON-RPC URL (default: the config's)")
        return sub

    sub = rpc(add("proposals", "the open proposals, their votes and rules (--all: every one)"))
    sub.add_argument("--all", action="store_true", help="also the defeated, executed, canceled and expired")
    sub.set_defaults(run=cmd_proposals)

    sub = rpc(add("propose", "propose a vote: a fee, a credit line, a role, a stimulus", secret=True, confirm=True))
    sub.add_argument("label", help="the proposing member's keystore")
    sub.add_argument("--description", help="the proposal's text (default: what it does, and when proposed)")
    sub.add_argument("kind", choices=list(PROPOSAL_ARGS), help="what the proposal decides")
    sub.add_argument("values", nargs="+", metavar="VALUE", help="the kind's values (below)")
    sub.formatter_class, sub.epilog = argparse.RawDescriptionHelpFormatter, PROPOSE_HELP
    sub.set_defaults(run=cmd_propose)

    sub = rpc(add("vote", "vote for, against or abstain on a proposal", secret=True, confirm=True))
    sub.add_argument("label", help="the voting member's keystore")
    sub.add_argument("proposal", help="the proposal's id, or its first digits as `proposals` shows them")
    sub.add_argument("support", choices=list(SUPPORT))
    sub.add_argument("--reason", help="a reason, kept on-chain with the vote")
    sub.set_defaults(run=cmd_vote)

    for name, verb, help_text in (
        ("queue", "queue", "put a proposal that passed in the timelock (anyone may)"),
        ("execute", "execute", "carry out a queued proposal once its delay is over (anyone may)"),
    ):
        sub = rpc(add(name, help_text, secret=True, confirm=True))
        sub.add_argument("label", help="the sending keystore")
        sub.add_argument("proposal")
        sub.set_defaults(run=_step(name, verb))
