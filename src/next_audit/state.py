"""The replay against the contract's own state, read by eth_call at the audited block.

Every account the events ever touched is read with `accountOf`, `kycHashOf` and `successorOf`;
then the reserve, the fee, the pause flag, the member count, the default credit lines, and every
(role, account) pair the events ever named. Each difference is a finding that names the account.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eth_abi.abi import decode, encode
from eth_utils.abi import function_signature_to_4byte_selector

from next_audit.ledger_state import ROLES, Ledger
from next_audit.members import KINDS, STATUSES
from next_audit.report import Check
from next_audit.rpc import Rpc
from next_audit.sentences import money, phrase

ACCOUNT_FIELDS = ("balance", "credit_limit", "ceiling", "status", "kind", "region")
ACCOUNT_TYPES = ["int256", "uint256", "uint256", "uint8", "uint8", "uint16"]
CALLS_PER_STEP = 2_000


def selector(signature: str) -> bytes:
    return function_signature_to_4byte_selector(signature)


ACCOUNT_OF = selector("accountOf(address)")
KYC_HASH_OF = selector("kycHashOf(address)")
SUCCESSOR_OF = selector("successorOf(address)")
TURNOVER_OF = selector("turnoverOf(address)")
PINNED = selector("creditLinePinned(address)")
HAS_ROLE = selector("hasRole(bytes32,address)")


class StateReader:
    def __init__(self, rpc: Rpc, ledger: str, block: int) -> None:
        self.rpc, self.ledger, self.block = rpc, ledger, hex(block)

    def calls(self, payloads: list[bytes]) -> list[bytes]:
        results = self.rpc.batch(
            [("eth_call", [{"to": self.ledger, "data": "0x" + p.hex()}, self.block]) for p in payloads]
        )
        return [bytes.fromhex(r[2:]) for r in results]

    def call(self, signature: str, types: list[str], args: tuple[Any, ...] = (), out: list[str] | None = None) -> Any:
        payload = selector(signature) + (encode(types, list(args)) if types else b"")
        (result,) = self.calls([payload])
        decoded = decode(out or ["uint256"], result)
        return decoded if out and len(out) > 1 else decoded[0]


def compare(
    replayed: Ledger, reader: StateReader, state: Check, zero_sum: Check, on_progress: Callable[[int], None]
) -> int:
    """Compares every account and figure; returns the sum of the on-chain balances, reserve included."""
    addresses = sorted(replayed.accounts)
    total = 0
    for start in range(0, len(addresses), CALLS_PER_STEP):
        chunk = addresses[start : start + CALLS_PER_STEP]
        payloads = []
        for address in chunk:
            word = encode(["address"], [address])
            payloads += [ACCOUNT_OF + word, KYC_HASH_OF + word, SUCCESSOR_OF + word, TURNOVER_OF + word, PINNED + word]
        results = reader.calls(payloads)
        for i, address in enumerate(chunk):
            account = replayed.accounts[address]
            on_chain = decode(ACCOUNT_TYPES, results[5 * i])
            kyc_hash = results[5 * i + 1][:32]
            successor = "0x" + results[5 * i + 2][12:32].hex()
            turnover, pinned = (int.from_bytes(results[5 * i + k][:32], "big") for k in (3, 4))
            total += on_chain[0]
            differences = [
                phrase("audit.state.field", field=name, replayed=_show(name, mine), chain=_show(name, theirs))
                for name, mine, theirs in zip(ACCOUNT_FIELDS, account.fields(), on_chain, strict=True)
                if mine != theirs
            ]
            if kyc_hash != account.kyc_hash:
                differences.append(
                    phrase(
                        "audit.state.field",
                        field="KYC hash",
                        replayed="0x" + account.kyc_hash.hex(),
                        chain="0x" + kyc_hash.hex(),
                    )
                )
            if successor != (account.successor or "0x" + "00" * 20):
                differences.append(
                    phrase("audit.state.field", field="successor", replayed=account.successor, chain=successor)
                )
            if turnover != account.received:
                differences.append(
                    phrase(
                        "audit.state.field", field="turnover", replayed=money(account.received), chain=money(turnover)
                    )
                )
            if bool(pinned) != account.pinned:
                differences.append(
                    phrase("audit.state.field", field="pinned", replayed=account.pinned, chain=bool(pinned))
                )
            if account.votes != int(account.voter):  # a status changed without its vote, or the reverse
                differences.append(phrase("audit.state.votes", votes=account.votes, expected=int(account.voter)))
            if differences:
                state.fail(address, "audit.state.differs", differences=differences)
            state.checked += 1
        on_progress(len(chunk))

    reserve = reader.call("reserveBalance()", [], out=["int256"])
    total += reserve
    globals_: dict[str, tuple[Any, Any]] = {
        "reserve": (replayed.reserve, reserve),
        "fee (bps)": (replayed.fee_bps, reader.call("feeBps()", [])),
        "paused": (replayed.paused, reader.call("paused()", [], out=["bool"])),
        "member count": (replayed.admitted, reader.call("memberCount()", [])),
        "credit in use": (replayed.credit_in_use(), reader.call("creditInUse()", [])),
        "coverage floor (bps)": (replayed.coverage_floor_bps, reader.call("coverageFloorBps()", [])),
        "projects": (len(replayed.projects), reader.call("projectCount()", [])),
    }
    for kind, name in enumerate(KINDS):
        line = tuple(reader.call("defaultCreditLine(uint8)", ["uint8"], (kind,), out=["uint256", "uint256"]))
        globals_[f"default credit line of {name} members"] = (replayed.default_lines.get(kind, (0, 0)), line)
    for subject, (mine, theirs) in globals_.items():
        state.checked += 1
        if mine != theirs:
            state.fail(subject, "audit.state.figure", replayed=mine, chain=theirs)

    pairs = replayed.role_pairs()
    results = reader.calls([HAS_ROLE + encode(["bytes32", "address"], [role, address]) for role, address in pairs])
    for (role, address), result in zip(pairs, results, strict=True):
        mine = replayed.has_role(role, address)
        theirs = bool(int.from_bytes(result[:32], "big"))
        state.checked += 1
        if mine != theirs:
            name = ROLES.get(role, "0x" + role.hex())
            state.fail(address, "audit.state.role_events_only" if mine else "audit.state.role_chain_only", role=name)

    zero_sum.checked += 1
    if total != 0:
        zero_sum.fail("ledger", "audit.state.chain_sum", total=money(total))
    replay_total = sum(a.balance for a in replayed.accounts.values()) + replayed.reserve
    if replay_total != 0:
        zero_sum.fail("replay", "audit.state.replay_sum", total=money(replay_total))
    return int(total)


def _show(name: str, value: int) -> str:
    if name == "status":
        return STATUSES[value] if value < len(STATUSES) else str(value)
    if name == "kind":
        return KINDS[value] if value < len(KINDS) else str(value)
    return str(value)
