"""The clearing between regions, as a client sees it on the chain: the regions reachable from one
region's clearing, each relationship's two sides and its position, the path a payment across
regions takes (as Trustlines routes along trust lines: the shortest path on which every hop has
room for the amount), and the cycles that netting reduces.

Everything is read from the chain itself: each clearing names its ledger and region, and its
`RelationshipSet` events name its partners; each side's figures are the partner's account in the
ledger. No gateway is needed, and none of its figures is trusted.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from web3 import Web3

from next_contracts import LEDGER, REGIONAL_CLEARING, load_artifact
from next_contracts.vocabulary import MemberStatus

MAX_PATH = 6  # RegionalClearing.MAX_PATH: regions a payment crosses after the payer's


@dataclass(frozen=True)
class Side:
    """One region's side of a relationship: its account for the other region, in its own ledger."""

    clearing: str  # this region's clearing
    partner: str  # the other region's clearing: the account's address
    credit_limit: int  # how far the other region may be in debt to this one
    ceiling: int  # how far this region may be in debt to the other
    position: int  # the account's balance: > 0 when this region owes the other


@dataclass(frozen=True)
class Region:
    clearing: str
    number: int
    ledger: str


class Regions:
    """The regions reachable from `start` (a clearing address) through relationships, read once."""

    def __init__(self, w3: Web3, start: str, block: Any = "latest") -> None:
        self.w3, self.block = w3, block
        self.regions: dict[str, Region] = {}
        self.sides: dict[tuple[str, str], Side] = {}
        todo: deque[str] = deque([Web3.to_checksum_address(start)])
        while todo:
            clearing = todo.popleft()
            if clearing in self.regions:
                continue
            self._read(clearing)
            todo.extend(p for (c, p) in self.sides if c == clearing and p not in self.regions)

    def _read(self, clearing: str) -> None:
        contract = self.w3.eth.contract(Web3.to_checksum_address(clearing), abi=load_artifact(REGIONAL_CLEARING).abi)
        ledger_address = Web3.to_checksum_address(contract.functions.ledger().call(block_identifier=self.block))
        number = contract.functions.region().call(block_identifier=self.block)
        self.regions[clearing] = Region(clearing, number, ledger_address)
        ledger = self.ledger(clearing)
        set_events = contract.events.RelationshipSet().get_logs(from_block=0, to_block=self.block)
        for partner in dict.fromkeys(Web3.to_checksum_address(e.args.partner) for e in set_events):
            account = ledger.functions.accountOf(partner).call(block_identifier=self.block)
            self.sides[(clearing, partner)] = Side(clearing, partner, account[1], account[2], account[0])

    def ledger(self, clearing: str) -> Any:
        return self.w3.eth.contract(
            Web3.to_checksum_address(self.regions[clearing].ledger), abi=load_artifact(LEDGER).abi
        )

    def by_number(self, number: int) -> Region | None:
        return next((r for r in self.regions.values() if r.number == number), None)

    def home_of(self, member: str) -> Region | None:
        """The region where `member` is an active member, if any reachable."""
        for clearing, region in self.regions.items():
            account = self.ledger(clearing).functions.accountOf(member).call(block_identifier=self.block)
            if MemberStatus.of(account[3]) is MemberStatus.ACTIVE:
                return region
        return None

    def room(self, a: str, b: str) -> int:
        """What a's members may still pay b's, net: within a's ceiling for b and b's limit for a;
        0 where either side is not set."""
        mine, theirs = self.sides.get((a, b)), self.sides.get((b, a))
        if mine is None or theirs is None:
            return 0
        return max(0, min(mine.ceiling - mine.position, theirs.credit_limit + theirs.position))

    def path(self, source: str, target: str, amount: int) -> list[str] | None:
        """The shortest path of clearings after `source` to `target` on which every hop has room for
        `amount`, or None; at most MAX_PATH hops."""
        previous: dict[str, str] = {source: source}
        todo = deque([source])
        while todo:
            here = todo.popleft()
            if here == target:
                break
            for a, b in self.sides:
                if a == here and b not in previous and self.room(a, b) >= amount:
                    previous[b] = here
                    todo.append(b)
        if target not in previous or target == source:
            return None
        path = [target]
        while previous[path[-1]] != source:
            path.append(previous[path[-1]])
        path.reverse()
        return path if len(path) <= MAX_PATH else None

    def cycles(self) -> list[tuple[list[str], int]]:
        """Cycles of debts (A owes B, B owes C, ... owes A), each with what netting can take off it
        (its smallest debt), largest first. Each is given as `net` takes it from its first region:
        the clearings after it against the debts, itself last."""
        owes = {(a, b): s.position for (a, b), s in self.sides.items() if s.position > 0}
        found: dict[frozenset[tuple[str, str]], tuple[list[str], int]] = {}

        def walk(start: str, trail: list[str]) -> None:
            here = trail[-1]
            for a, b in owes:
                if a != here:
                    continue
                if b == start and len(trail) >= 3:
                    edges = frozenset(zip(trail, [*trail[1:], start], strict=True))
                    amount = min(owes[e] for e in edges)
                    # net from `start`: against the debts, so the trail reversed, `start` last.
                    found.setdefault(edges, ([*reversed(trail[1:]), start], amount))
                elif b not in trail and len(trail) < MAX_PATH:
                    walk(start, [*trail, b])

        for start in self.regions:
            walk(start, [start])
        return sorted(found.values(), key=lambda c: -c[1])

    def figures(self) -> list[dict[str, Any]]:
        """Every side, with its region numbers: what a `regions` listing shows."""
        return [
            {
                "region": self.regions[a].number,
                "partner_region": self.regions[b].number if b in self.regions else None,
                "credit_limit": s.credit_limit,
                "ceiling": s.ceiling,
                "position": s.position,
                "room_out": self.room(a, b),
            }
            for (a, b), s in sorted(self.sides.items(), key=lambda item: (self.regions[item[0][0]].number,))
        ]
