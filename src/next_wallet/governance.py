"""Governance commands: a member reads the proposals, proposes, votes, queues and executes.

Proposals are typed (proposal_kinds.py): a member proposes a fee, a default credit line of a member
kind, a stimulus, granting or revoking a staff role, admitting a council, funding a project from the
reserve or the coverage floor, in words and human amounts; the wallet builds the calls. Every command
checks first, before any password is asked, that the governor would accept it on the latest state
(its typed refusal, in words: "bob is excluded: only active members vote"). A proposal is named by
the first hexadecimal digits of its id, as `proposals` shows them; any unambiguous prefix will do.

They go through the gateway alone, as a member's wallet does (the proposals as the gateway serves
them, each vote, proposal, queuing or execution signed here and relayed), or through a node's
JSON-RPC (`--rpc URL`, or the config's); and they need the governor's address (from `next-wallet
init --gateway URL`, `--deployment FILE`, or `--governor ADDRESS`).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from eth_abi.abi import encode
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import BadFunctionCallOutput, ContractCustomError, ContractLogicError

from next_contracts import load_artifact, messages
from next_contracts.amounts import checked_address, format_amount
from next_contracts.commons_logs import commons_contract
from next_contracts.deploy import GOVERNOR
from next_contracts.errors import describe, error_from_exception
from next_contracts.proposal_calls import KIND_WORDS, describe_proposal
from next_contracts.proposal_kinds import PROPOSAL_ARGS, PROPOSE_HELP, proposed_calls
from next_contracts.transact import calldata
from next_contracts.vocabulary import ProposalKind, ProposalState, short_id
from next_contracts.words import language, percent, say
from next_wallet import keystore
from next_wallet.checked_send import confirm_and_send
from next_wallet.config import Config
from next_wallet.errors import BadInputError, NeedsNodeError, NotMemberError, RefusedError
from next_wallet.gateway_ledger import GatewayLedger
from next_wallet.ledger import Ledger, LedgerClient

if TYPE_CHECKING:
    from next_wallet.output import Output

Add = Callable[..., argparse.ArgumentParser]
SUPPORT = {"against": 0, "for": 1, "abstain": 2}
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
    """The governor through a node's JSON-RPC, or through the gateway alone (`through_gateway`),
    beside the ledger (for its checks and sending)."""

    def __init__(self, config: Config, rpc: str | None) -> None:
        rpc = rpc or config.rpc_url
        if not config.governor:
            raise BadInputError.said("wallet.gov.no_governor")
        self.through_gateway = not rpc
        self.ledger: LedgerClient = Ledger(replace(config, rpc_url=rpc)) if rpc else GatewayLedger(config)
        self.governor: Contract = self.ledger.w3.eth.contract(
            Web3.to_checksum_address(config.governor), abi=load_artifact(GOVERNOR).abi
        )
        self._served: dict[int, dict[str, Any]] = {}  # the gateway's proposals, by id

    def node(self, call: Callable[[], Any]) -> Any:
        if not isinstance(self.ledger, Ledger):
            raise NeedsNodeError.said("wallet.gov.needs_node")
        return self.ledger._node(call)

    def proposals(self) -> list[Proposal]:
        self.ledger.check_chain()
        if isinstance(self.ledger, GatewayLedger):
            return self._served_proposals(self.ledger)
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

    def _served_proposals(self, gateway: GatewayLedger) -> list[Proposal]:
        """Every proposal as the gateway serves it (its calls, state, totals and rule), oldest first."""
        rows: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 200} | ({"cursor": cursor} if cursor else {})
            page = gateway.answer(gateway.request("GET", "/proposals", params=params))
            rows += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                break
        self._served = {int(row["proposal_id"]): row for row in rows}
        return [
            Proposal(
                id=int(row["proposal_id"]),
                proposer=row["proposer"],
                targets=[call["target"] for call in row["calls"]],
                values=[int(call["value"]) for call in row["calls"]],
                calldatas=[bytes.fromhex(call["data"].removeprefix("0x")) for call in row["calls"]],
                description=row["description"],
                vote_start=row["vote_start"],
                vote_end=row["vote_end"],
            )
            for row in reversed(rows)
        ]

    def addresses(self) -> dict[str, str | None]:
        """The contracts a proposal may call, by name: the governor tells its timelock and
        constitution, the ledger its clearing; the config names the commons rewards."""
        if isinstance(self.ledger, GatewayLedger):
            info = self.ledger.info()
            return {
                "ledger": self.ledger.contract.address,
                "governor": self.governor.address,
                "timelock": info.get("timelock"),
                "constitution": info.get("constitution"),
                "commons": self.ledger.config.commons,
                "clearing": info.get("regional_clearing"),
            }
        functions = self.governor.functions
        return {
            "ledger": self.ledger.contract.address,
            "governor": self.governor.address,
            "timelock": self.node(lambda: functions.timelock().call()),
            "constitution": self.node(lambda: functions.constitution().call()),
            "commons": self.ledger.config.commons,
            "clearing": self._optional(lambda: self.ledger.contract.functions.regionalClearing().call()),
        }

    def _optional(self, read: Callable[[], Any]) -> str | None:
        """A contract a ledger deployed before it does not have: None."""
        try:
            return str(self.node(read))
        except (ContractLogicError, BadFunctionCallOutput):
            return None

    def find(self, prefix: str) -> Proposal:
        wanted = prefix.lower().removeprefix("0x")
        if not wanted or any(c not in "0123456789abcdef" for c in wanted):
            raise BadInputError.said("wallet.gov.not_an_id", prefix=repr(prefix))
        found = [p for p in self.proposals() if f"{p.id:064x}".startswith(wanted)]
        if not found:
            raise BadInputError.said("wallet.gov.no_proposal", prefix=prefix)
        if len(found) > 1:
            raise BadInputError.said("wallet.gov.ambiguous", prefix=prefix, count=len(found))
        return found[0]

    def state(self, proposal: Proposal) -> ProposalState:
        if proposal.id in self._served:
            return ProposalState(self._served[proposal.id]["state"])
        return ProposalState.of(self.node(lambda: self.governor.functions.state(proposal.id).call()))

    def tally(self, proposal: Proposal) -> dict[str, int]:
        if proposal.id in self._served:
            votes = self._served[proposal.id]["votes"]
            return {"for": votes["for"], "against": votes["against"], "abstain": votes["abstain"]}
        against, for_, abstain = self.node(lambda: self.governor.functions.proposalVotes(proposal.id).call())
        return {"for": for_, "against": against, "abstain": abstain}

    def rule(self, proposal: Proposal) -> dict[str, Any]:
        if proposal.id in self._served:
            served = self._served[proposal.id]["rule"]
            return {key: served[key] for key in ("kinds", "quorum_bps", "support_bps", "delay")}
        rule, kinds = self.node(lambda: self.governor.functions.proposalRule(proposal.id).call())
        quorum_bps, support_bps, delay = rule
        return {
            "kinds": [kind.value for kind in ProposalKind if kinds & (1 << kind.code)],
            "quorum_bps": quorum_bps,
            "support_bps": support_bps,
            "delay": delay,
        }

    def preflight(self, sender: str, call: Any, what: str) -> None:
        """The governor's verdict on the latest state, in words; nothing is signed."""
        self.ledger.check_chain()
        if not isinstance(self.ledger, Ledger):  # the gateway's pre-flight, its refusal in words
            try:
                self.ledger.build(Web3.to_checksum_address(sender), call)
            except RefusedError as error:
                raise RefusedError.said("wallet.gov.would_refuse", what=what, why=error) from None
            return
        try:
            self.ledger.estimate_gas(sender, call)
        except (ContractCustomError, ContractLogicError) as error:
            decoded = error_from_exception(error, GOVERNOR)
            why = describe(decoded, format_amount, language()) if decoded else say("wallet.gov.no_reason")
            refusal = NotMemberError if decoded and decoded.name in NOT_A_VOTER else RefusedError
            raise refusal.said("wallet.gov.would_refuse", what=what, why=why) from None


def _send(args: argparse.Namespace, out: Output, gov: Governance, call: Any, what: str, facts: dict[str, Any]) -> None:
    sender = keystore.address_of(args.label)
    gov.preflight(sender, call, what)
    confirm_and_send(args, out, gov.ledger, sender, call, what, {"member": sender, **facts})


def cmd_propose(args: argparse.Namespace, out: Output) -> None:
    gov = Governance(Config.load(), args.rpc)
    config = Config.load()
    commons = commons_contract(gov.ledger.w3, config.commons).functions if config.commons else None
    calls, summary = proposed_calls(gov.ledger.contract.functions, args.kind, args.values, commons)
    # The description is part of the proposal's id: a date makes the same proposal, made again
    # later, a new one.
    proposed_at = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    description = args.description or say("wallet.gov.proposed_on", summary=summary, moment=proposed_at)
    targets = [call.address for call in calls]
    datas = [bytes.fromhex(calldata(call)[2:]) for call in calls]
    propose = gov.governor.functions.propose(targets, [0] * len(calls), datas, description)
    short = short_id(proposal_id_of(targets, [0] * len(calls), datas, description))
    what = say("wallet.gov.propose", summary=summary)
    _send(args, out, gov, propose, what, {"proposal": short, "description": description})


def proposal_id_of(targets: list[str], values: list[int], datas: list[bytes], description: str) -> int:
    """The governor's id of a proposal (OpenZeppelin's Governor.hashProposal), computed here."""
    encoded = encode(
        ["address[]", "uint256[]", "bytes[]", "bytes32"], [targets, values, datas, Web3.keccak(text=description)]
    )
    return int.from_bytes(Web3.keccak(encoded), "big")


def cmd_proposals(args: argparse.Namespace, out: Output) -> None:
    gov = Governance(Config.load(), args.rpc)
    gov.ledger.check_chain()
    now = (
        int(time.time())
        if gov.through_gateway
        else gov.node(lambda: gov.ledger.w3.eth.get_block("latest")["timestamp"])
    )
    rows: list[dict[str, Any]] = []
    addresses = gov.addresses()
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
                **_calls_in_words(proposal, addresses),
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
        print(say("wallet.gov.none_open") + ("" if args.all else say("wallet.gov.all_hint")))
    for row in rows:
        votes, rule = row["votes"], row["rule"]
        when = _when(row, now)
        tally = say("wallet.gov.votes", for_=votes["for"], against=votes["against"], abstain=votes["abstain"])
        kinds = ", ".join(KIND_WORDS[language()][ProposalKind(kind)] for kind in rule["kinds"])
        quorum, support = percent(rule["quorum_bps"]), percent(rule["support_bps"])
        said_rule = say("wallet.gov.rule", kinds=kinds, quorum=quorum, support=support, acting=_acting(rule["delay"]))
        shown_state = say(f"state.{row['state']}")
        print(f"{row['proposal']}  {shown_state:<9}  {row['description']}\n            {tally}; {said_rule}; {when}")
        for call in row["calls"]:
            print(f"            - {call['words']}")
        if row["unnamed_kinds"]:
            unnamed = ", ".join(KIND_WORDS[language()][ProposalKind(kind)] for kind in row["unnamed_kinds"])
            print(f"            {say('wallet.gov.unnamed', kinds=unnamed)}")


def _calls_in_words(proposal: Proposal, addresses: dict[str, str | None]) -> dict[str, Any]:
    """What the proposal's calls do, in the wallet's language, and the kinds its description does
    not name (next_contracts.proposal_calls)."""
    said = describe_proposal(proposal.targets, proposal.calldatas, proposal.description, addresses, language())
    return {
        "calls": [
            {"contract": c.contract, "function": c.function, "kind": c.kind.value, "args": c.args, "words": c.words}
            for c in said.calls
        ],
        "description_matches": said.description_matches,
        "unnamed_kinds": [kind.value for kind in said.unnamed_kinds],
    }


def _acting(delay: int) -> str:
    """A kind's own delay before it acts, when it asks one (else the timelock's applies)."""
    return say("wallet.gov.acting", days=f"{delay / 86_400:g}") if delay else ""


def _when(row: dict[str, Any], now: int) -> str:
    def at(timestamp: int) -> str:
        return say("wallet.history.utc", moment=messages.moment(timestamp, language(), utc=True))

    if row["state"] == ProposalState.PENDING.value:
        return say("wallet.gov.opens", moment=at(row["vote_start"]))
    if row["state"] == ProposalState.ACTIVE.value:
        return say("wallet.gov.closes", moment=at(row["vote_end"]))
    return say("wallet.gov.closed", moment=at(row["vote_end"])) if row["vote_end"] < now else ""


def cmd_vote(args: argparse.Namespace, out: Output) -> None:
    gov = Governance(Config.load(), args.rpc)
    proposal = gov.find(args.proposal)
    call = (
        gov.governor.functions.castVoteWithReason(proposal.id, SUPPORT[args.support], args.reason)
        if args.reason
        else gov.governor.functions.castVote(proposal.id, SUPPORT[args.support])
    )
    support = say(f"wallet.gov.support.{args.support}")
    what = say("wallet.gov.vote", support=support, proposal=proposal.short_id, description=proposal.description)
    addresses = gov.addresses()
    said = describe_proposal(proposal.targets, proposal.calldatas, proposal.description, addresses, language())
    what += "".join(f"\n  - {call.words}" for call in said.calls)
    if said.unnamed_kinds:
        kinds = ", ".join(KIND_WORDS[language()][kind] for kind in said.unnamed_kinds)
        what += "\n  " + say("wallet.gov.unnamed_short", kinds=kinds)
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
            say(f"wallet.gov.step.{name}", proposal=proposal.short_id, description=proposal.description),
            {"proposal": proposal.short_id},
        )

    return command


def cmd_apply_policy(args: argparse.Namespace, out: Output) -> None:
    gov = Governance(Config.load(), args.rpc)
    address = checked_address(args.address, "member")
    limit = gov.node(lambda: gov.ledger.contract.functions.policyLimitOf(address).call())
    call = gov.ledger.contract.functions.applyCreditPolicy(address)
    what = say("wallet.gov.apply_policy", address=address, limit=format_amount(limit))
    _send(args, out, gov, call, what, {"member_address": address, "credit_limit": limit})


def cmd_release(args: argparse.Namespace, out: Output) -> None:
    gov = Governance(Config.load(), args.rpc)
    if not (args.project.isdigit() and 1 <= int(args.project) < 2**63):
        raise BadInputError.said("wallet.gov.not_project", project=repr(args.project))
    number = int(args.project)
    call = gov.ledger.contract.functions.releaseInstalment(number)
    _send(args, out, gov, call, say("wallet.gov.release", number=number), {"project": number})


# the parser -------------------------------------------------------------------------------------


def add_commands(add: Add) -> None:
    """Adds the governance commands; each names its function as `run`."""

    def rpc(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument("--rpc", metavar="URL", help="a node's JSON-RPC URL (default: the config's)")
        return sub

    sub = rpc(add("proposals", "the open proposals, their votes and rules (--all: every one)"))
    sub.add_argument("--all", action="store_true", help="also the defeated, executed, canceled and expired")
    sub.set_defaults(run=cmd_proposals)

    sub = rpc(
        add("propose", "propose a vote: fee, credit line, role, stimulus, council, project", secret=True, confirm=True)
    )
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

    sub = rpc(add("apply-policy", "raise a member's limit to what the credit policy gives (anyone may)",
                  secret=True, confirm=True))  # fmt: skip
    sub.add_argument("label", help="the sending keystore")
    sub.add_argument("address", help="the member's address")
    sub.set_defaults(run=cmd_apply_policy)

    sub = rpc(add("release", "pay a voted project's next instalment once due (anyone may)", secret=True, confirm=True))
    sub.add_argument("label", help="the sending keystore")
    sub.add_argument("project", help="the project's number")
    sub.set_defaults(run=cmd_release)
