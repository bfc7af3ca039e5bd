"""Members' accounts as the ledger's `accountOf` answers them, read for many addresses at once, and
the verdict on a batch of payments against those states.

The wallet (through its node) and the gateway (for a wallet that talks to it alone) read accounts
in raw JSON-RPC batches of eth_calls, encoded with eth-abi: web3's contract calls cost some 9 ms
each in ABI lookups, and 10,000 reads in raw batches take well under a second. Both then give the
same verdict, in the same words, with `judge`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode, encode
from eth_utils.abi import function_signature_to_4byte_selector
from hexbytes import HexBytes

from next_contracts.errors import NextContractsError
from next_contracts.messages import Phrase, say
from next_contracts.vocabulary import MemberKind, MemberStatus, fee_for

ACCOUNT_OF = function_signature_to_4byte_selector("accountOf(address)")
HAS_ROLE = function_signature_to_4byte_selector("hasRole(bytes32,address)")
# accountOf(address) answers a static struct: balance, credit limit, ceiling, status, kind, region.
ACCOUNT_STATE = ("int256", "uint256", "uint256", "uint8", "uint8", "uint16")
BATCH_CALLS = 500  # eth_calls per JSON-RPC batch

# A batch line's refusals, as the gateway's batch check answers them; a payee's status is the
# third kind, in its words ("not a member", "frozen", ...). Never a balance.
SELF_PAYMENT = "is the payer: nobody pays itself"
OVER_CEILING = "would pass its ceiling after this run"
# A gateway's verdict on another member's ceiling, judged on its room rounded down to a sixteenth of
# the ceiling: the same question asked for amount after amount would give the exact room (and so the
# balance) away; this way it gives a sixteenth of the ceiling at most.
NEAR_CEILING = "may pass its ceiling after this run"
ROOM_STEPS = 16


def coarse_room(balance: int, ceiling: int) -> int:
    """A payee's room below its ceiling, rounded down to a sixteenth of the ceiling (what another
    member may learn of it through a gateway)."""
    step = max(ceiling // ROOM_STEPS, 1)
    room = max(ceiling - balance, 0)
    return room - room % step


JsonRpcCall = tuple[str, list[Any]]
Batch = Callable[[list[JsonRpcCall]], Any]  # a provider's make_batch_request, or one wrapped


class BatchReadError(NextContractsError, OSError):
    """The chain refused a batch of reads (an error answer instead of a result)."""


@dataclass(frozen=True)
class AccountState:
    address: str
    balance: int
    credit_limit: int
    ceiling: int
    status: MemberStatus
    kind: MemberKind
    region: int

    @property
    def available(self) -> int:
        return max(self.balance + self.credit_limit, 0)

    @classmethod
    def stranger(cls, address: str) -> AccountState:
        """An address never admitted, as accountOf answers it."""
        return cls(address, 0, 0, 0, MemberStatus.NONE, MemberKind.INDIVIDUAL, 0)


def account_of_call(ledger: str, address: str, block: int | str = "latest") -> JsonRpcCall:
    data = ACCOUNT_OF + encode(["address"], [address])
    return "eth_call", [
        {"to": ledger, "data": HexBytes(data).to_0x_hex()},
        hex(block) if isinstance(block, int) else block,
    ]


def has_role_call(ledger: str, role_id: bytes, address: str, block: int | str = "latest") -> JsonRpcCall:
    data = HAS_ROLE + encode(["bytes32", "address"], [role_id, address])
    return "eth_call", [
        {"to": ledger, "data": HexBytes(data).to_0x_hex()},
        hex(block) if isinstance(block, int) else block,
    ]


def decode_account(address: str, result: bytes | str) -> AccountState:
    balance, limit, ceiling, status, kind, region = decode(ACCOUNT_STATE, HexBytes(result))
    return AccountState(address, balance, limit, ceiling, MemberStatus.of(status), MemberKind.of(kind), region)


def read_accounts(batch: Batch, ledger: str, addresses: Sequence[str], block: int | str) -> dict[str, AccountState]:
    """accountOf for each address at `block`, by lowercase address, in JSON-RPC batches; raises
    BatchReadError if the chain answers a batch with an error."""
    states: dict[str, AccountState] = {}
    for start in range(0, len(addresses), BATCH_CALLS):
        part = addresses[start : start + BATCH_CALLS]
        answers = batch([account_of_call(ledger, address, block) for address in part])
        if not isinstance(answers, list) or any("error" in answer for answer in answers):
            raise BatchReadError(f"refused a batch of reads: {answers if isinstance(answers, dict) else ''}")
        for address, answer in zip(part, answers, strict=True):
            states[address.lower()] = decode_account(address, answer["result"])
    return states


@dataclass(frozen=True)
class BatchCheck:
    refusals: dict[int, str]  # a line's index -> why it cannot be paid (SELF_PAYMENT, OVER_CEILING, a status's words)
    payer_status: MemberStatus
    credit_ok: bool  # the payer's credit covers the total and the fees
    available: int  # the payer's available credit
    total: int
    fees: int
    paused: bool


def judge(
    payer: AccountState,
    payees: dict[str, AccountState],
    lines: Sequence[tuple[str, int]],
    fee_bps: int,
    paused: bool,
    payer_available: int | None = None,
    private_rooms: bool = False,
) -> BatchCheck:
    """The verdict on `lines` ((payee, amount) pairs) from the accounts' states (by lowercase
    address): every payee an active member and not above its ceiling once all its lines are paid,
    the payer active with enough credit for the total and the fees. `payer_available` is the
    ledger's `availableCredit` of the payer, a running stimulus included; without it, balance and
    limit only. `private_rooms` (a gateway answering a member): a payee's ceiling is judged on its
    coarse room (`coarse_room`), never its exact one, and a line near it "may pass" its ceiling."""
    incoming: dict[str, int] = {}
    for to, amount in lines:
        incoming[to.lower()] = incoming.get(to.lower(), 0) + amount
    refusals: dict[int, str] = {}
    for index, (to, _amount) in enumerate(lines):
        payee = payees[to.lower()]
        if to.lower() == payer.address.lower():
            refusals[index] = SELF_PAYMENT
        elif payee.status is not MemberStatus.ACTIVE:
            refusals[index] = payee.status.words
        elif private_rooms and incoming[to.lower()] > coarse_room(payee.balance, payee.ceiling):
            refusals[index] = NEAR_CEILING
        elif payee.balance + incoming[to.lower()] > payee.ceiling:
            refusals[index] = OVER_CEILING
    total = sum(amount for _to, amount in lines)
    fees = sum(fee_for(amount, fee_bps) for _to, amount in lines)
    available = payer.available if payer_available is None else payer_available
    return BatchCheck(refusals, payer.status, total + fees <= available, available, total, fees, paused)


def refusal_sentence(reason: str, language: str = "en") -> str:
    """A line's refusal as the wallet and the gateway say it after the payee's address."""
    if reason == SELF_PAYMENT:
        return say("ledger.line.self", language)
    if reason in (OVER_CEILING, NEAR_CEILING):
        return say("ledger.line.over_ceiling" if reason == OVER_CEILING else "ledger.line.near_ceiling", language)
    status = next((s for s in MemberStatus if reason in (s.words, s.value)), MemberStatus.NONE)
    return say("ledger.line.status", language, status=Phrase(f"status.is.{status.value}"))
