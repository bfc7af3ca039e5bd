"""Rewards for commons in the wallet. An attestor signs a claim offline into a file (`attest`: no
chain is needed to sign); anyone submits it (`submit-claim`: the beneficiary, through the gateway
or a node); members see their claims and where each stands (`claims`); the credit committee or
another attestor contests one in its window (`contest`), the committee reinstates one
(`reinstate`), and anyone has one paid once its window is over (`pay-claim`).

A claim is named by the first digits of its id (the EIP-712 digest), as the listing shows it.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_utils.crypto import keccak
from hexbytes import HexBytes
from web3 import Web3

from next_contracts.amounts import checked_address, parse_amount
from next_contracts.commons import Claim, SignedClaim, period_of, sign_claim
from next_contracts.commons_logs import commons_contract
from next_contracts.messages import Phrase
from next_contracts.vocabulary import ClaimState, CommonsKind, claim_name
from next_contracts.words import moment, say
from next_wallet import keystore
from next_wallet.checked_send import confirm_and_send
from next_wallet.config import Config
from next_wallet.errors import BadInputError, NeedsNodeError, NotStaffError
from next_wallet.gateway_ledger import open_ledger
from next_wallet.ledger import Ledger, LedgerClient
from next_wallet.prompts import unlock

if TYPE_CHECKING:
    from next_wallet.output import Output

ATTESTOR_ROLE = keccak(text="ATTESTOR_ROLE")
MAX_EVIDENCE_BYTES = 64 * 1024 * 1024  # a report or photos; hashed, never sent
MAX_ATTESTATION_BYTES = 64 * 1024  # an attestation file is a few hundred bytes


def _kind_words(kind: str) -> str:
    """A kind of commons in the reader's words; a number the vocabulary does not know, as it is."""
    return say(f"commons.kind.{kind}") if kind in {k.value for k in CommonsKind} else kind


def commons_address(config: Config) -> str:
    if not config.commons:
        raise BadInputError.said("wallet.commons.none")
    return config.commons


def node_ledger(args: argparse.Namespace, config: Config, why: str) -> Ledger:
    rpc = getattr(args, "rpc", None) or config.rpc_url
    if not rpc:
        raise NeedsNodeError.said("wallet.needs_rpc", why=Phrase(f"wallet.why.{why}"))
    return Ledger(replace(config, rpc_url=rpc))


# signing and submitting --------------------------------------------------------------------------


def _evidence(path: str) -> bytes:
    """The hash of the evidence file: the file stays with the attestor, its hash goes on-chain."""
    file = Path(path)
    try:
        if file.stat().st_size > MAX_EVIDENCE_BYTES:
            raise BadInputError.said("wallet.commons.evidence_big", path=path, most=MAX_EVIDENCE_BYTES // 2**20)
        return keccak(file.read_bytes())
    except OSError as error:
        raise BadInputError.said("wallet.commons.evidence_unreadable", path=path, error=error.strerror) from None


def cmd_attest(args: argparse.Namespace, out: Output) -> None:
    """An attestor signs a claim into a file, offline when --amount is given (else the schedule's
    amount is read from the node)."""
    config = Config.load()
    contract = commons_address(config)
    beneficiary = checked_address(args.beneficiary, "beneficiary")
    kind = CommonsKind(args.kind)
    evidence = _evidence(args.evidence)
    period = args.period if args.period is not None else period_of(int(time.time()))
    if not 0 <= period < 2**32:
        raise BadInputError.said("wallet.commons.period")
    attestor = keystore.address_of(args.label)
    if args.amount is not None:
        amount = parse_amount(args.amount)
    else:
        ledger = node_ledger(args, config, "schedule")
        ledger.check_chain()
        commons = commons_contract(ledger.w3, contract)
        amount = int(commons.functions.scheduled(kind.code).call())
        if not amount:
            raise BadInputError.said("wallet.commons.unscheduled", kind=_kind_words(kind.value))
        if not commons.functions.hasRole(ATTESTOR_ROLE, attestor).call():
            raise NotStaffError.said("wallet.commons.not_attestor", attestor=attestor)
    claim = Claim(Web3.to_checksum_address(beneficiary), kind.code, evidence, amount, period)
    account = unlock(args, args.label)
    signed = sign_claim(account.key, claim, config.chain_id, contract)
    target = Path(args.out or f"attestation-{claim_name(signed.id)}.json")
    if target.exists():
        raise BadInputError.said("wallet.commons.exists", target=target)
    target.write_text(signed.to_json() + "\n")
    out.result(
        {"file": str(target), "id": HexBytes(signed.id).to_0x_hex(), "attestor": signed.attestor}
        | {"beneficiary": beneficiary, "kind": kind.value, "amount": amount, "period": period},
        say(
            "wallet.commons.attested",
            kind=_kind_words(kind.value),
            beneficiary=beneficiary,
            amount=out.amount(amount),
            period=period,
            claim=claim_name(signed.id),
            target=target,
        ),
    )


def read_attestation(path: str, config: Config) -> SignedClaim:
    try:
        if Path(path).stat().st_size > MAX_ATTESTATION_BYTES:  # before reading it: a file can be huge
            raise BadInputError.said("wallet.commons.too_large", path=path)
        text = Path(path).read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise BadInputError.said("wallet.commons.unreadable", path=path, error=error) from None
    try:
        signed = SignedClaim.from_json(text)
    except ValueError as error:
        raise BadInputError.said("wallet.commons.bad_file", path=path, error=error) from None
    if signed.chain_id != config.chain_id or signed.contract != commons_address(config):
        raise BadInputError.said(
            "wallet.commons.other_chain",
            path=path,
            chain=signed.chain_id,
            contract=signed.contract,
            ours=config.chain_id,
            our_contract=config.commons,
        )
    return signed


def cmd_submit_claim(args: argparse.Namespace, out: Output) -> None:
    """Submits an attestation file from any member's key, through the gateway or a node."""
    config = Config.load()
    signed = read_attestation(args.file, config)
    ledger = open_ledger(config)
    sender = keystore.address_of(args.label)
    commons = commons_contract(ledger.w3, commons_address(config))
    call = commons.functions.submit(signed.claim.as_tuple(), signed.signature)
    ledger.build(sender, call)  # the contract's refusal, in words, before a password is asked
    claim = signed.claim
    summary = say(
        "wallet.commons.submit",
        claim=claim_name(signed.id),
        kind=_kind_words(CommonsKind.words_of(claim.kind)),
        beneficiary=claim.beneficiary,
        amount=out.amount(claim.amount),
        attestor=signed.attestor,
    )
    confirm_and_send(args, out, ledger, sender, call, summary, {"id": HexBytes(signed.id).to_0x_hex()})


# reading ---------------------------------------------------------------------------------------


def cmd_claims(args: argparse.Namespace, out: Output) -> None:
    config = Config.load()
    address = checked_address(args.address) if args.address else None
    if address is None and args.label:
        address = keystore.address_of(args.label)
    ledger: LedgerClient
    if args.rpc or config.rpc_url:  # a node's logs: anyone's claims, or every one
        ledger = node_ledger(args, config, "claims")
    elif address is None:
        raise BadInputError.said("wallet.commons.whose")
    else:  # the gateway's index: a signed-in member's own claims
        ledger = open_ledger(config)
    claims = ledger.claims(commons_address(config), address)
    now = int(time.time())
    lines = []
    for c in claims:
        when_paid = (
            say("wallet.commons.payable_from", moment=moment(c["payable_at"]))
            if c["payable_at"] > now
            else say("wallet.commons.payable_now", claim=c["id"][2:12])
        )
        state = (
            say("wallet.commons.pending", when=when_paid)
            if c["state"] == ClaimState.PENDING.value
            else say(f"claim.state.{c['state']}")
            if c["state"] in {s.value for s in ClaimState}
            else c["state"]
        )
        kind = _kind_words(c["kind"])
        lines.append(
            say(
                "wallet.commons.line",
                claim=c["id"][2:12],
                kind=f"{kind:<13}",
                amount=f"{out.amount(c['amount']):>14}",
                beneficiary=c["beneficiary"],
                attestor=c["attestor"],
                period=c["period"],
                state=state,
            )
        )
    out.result({"claims": claims}, "\n".join(lines) if lines else say("wallet.commons.no_claims"))


# contesting, reinstating, paying -----------------------------------------------------------------


def find_claim(ledger: LedgerClient, contract: str, prefix: str) -> bytes:
    """A claim's id from its first hexadecimal digits (at least 6), as listed."""
    text = prefix.lower().removeprefix("0x")
    if len(text) < 6 or any(c not in "0123456789abcdef" for c in text):
        raise BadInputError.said("wallet.commons.not_id", prefix=repr(prefix))
    logs = commons_contract(ledger.w3, contract).events.ClaimSubmitted.get_logs(from_block=0)
    ids = {bytes(log["args"]["id"]) for log in logs if bytes(log["args"]["id"]).hex().startswith(text)}
    if len(ids) != 1:
        raise BadInputError.said("wallet.commons.ambiguous", count=len(ids), text=text)
    return ids.pop()


def _claim_call(args: argparse.Namespace, out: Output, verb: str) -> None:
    config = Config.load()
    ledger = node_ledger(args, config, f"claim_{verb}")
    ledger.check_chain()
    contract = commons_address(config)
    commons = commons_contract(ledger.w3, contract)
    claim_id = find_claim(ledger, contract, args.id)
    sender = keystore.address_of(args.label)
    if verb == "contest":
        call = commons.functions.contest(claim_id, Web3.keccak(text=args.reason))
        summary = say("wallet.commons.contest", claim=claim_name(claim_id), reason=repr(args.reason))
    elif verb == "reinstate":
        call = commons.functions.reinstate(claim_id)
        summary = say("wallet.commons.reinstate", claim=claim_name(claim_id))
    else:
        call = commons.functions.pay(claim_id)
        summary = say("wallet.commons.pay", claim=claim_name(claim_id))
    ledger.build(sender, call)  # the contract's refusal, in words, before a password is asked
    confirm_and_send(args, out, ledger, sender, call, summary, {"id": HexBytes(claim_id).to_0x_hex(), "action": verb})


def add_commands(add: Any) -> None:
    kinds = ", ".join(k.value for k in CommonsKind)
    sub = add("attest", "an attestor: sign a claim that a member produced a commons, into a file", secret=True)
    sub.add_argument("label", help="the attestor's keystore")
    sub.add_argument("beneficiary", help="the member's address")
    sub.add_argument("kind", choices=[k.value for k in CommonsKind], help=kinds)
    sub.add_argument("--evidence", required=True, help="the evidence file (report, photos): only its hash is signed")
    sub.add_argument("--amount", help="the schedule's reward for the kind (default: read from the node)")
    sub.add_argument("--period", type=int, help="the period it counts in (default: the current one)")
    sub.add_argument("--out", help="the attestation file (default: attestation-ID.json)")
    sub.add_argument("--rpc", metavar="URL", help="a node's JSON-RPC URL (default: the config's)")
    sub.set_defaults(run=cmd_attest)
    sub = add(
        "submit-claim", "submit an attestation file (anyone: the beneficiary, the attestor)", secret=True, confirm=True
    )
    sub.add_argument("label", help="the keystore that sends it")
    sub.add_argument("file", help="the attestation file")
    sub.set_defaults(run=cmd_submit_claim)
    sub = add("claims", "commons claims: yours (as beneficiary or attestor), or every one; and where each stands")
    sub.add_argument("label", nargs="?", help="a keystore's label")
    sub.add_argument("--address", help="any member's or attestor's address instead")
    sub.add_argument("--rpc", metavar="URL", help="a node's JSON-RPC URL (default: the config's)")
    sub.set_defaults(run=cmd_claims)
    for name, verb, words in (
        ("contest", "contest", "the credit committee or another attestor: contest a claim in its window"),
        ("reinstate", "reinstate", "the credit committee: set a contested claim back to pending"),
        ("pay-claim", "pay", "anyone: pay a claim whose challenge window is over"),
    ):
        sub = add(name, words, secret=True, confirm=True)
        sub.add_argument("label", help="the keystore that sends it")
        sub.add_argument("id", help="the claim's id, or its first digits as `claims` lists them")
        if verb == "contest":
            sub.add_argument("--reason", required=True, help="why: its hash goes on-chain")
        sub.add_argument("--rpc", metavar="URL", help="a node's JSON-RPC URL (default: the config's)")
        sub.set_defaults(run=lambda args, out, verb=verb: _claim_call(args, out, verb))
