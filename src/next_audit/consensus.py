"""Who sealed each block, and whether they had the right to: clique (geth's proof of authority)
and QBFT (Besu's, in production).

Replays clique's own rules from block 0 (geth's consensus/clique/snapshot.go), trusting nothing the
node says about its signers:
- block 0's extraData names the first signers; every checkpoint (each EPOCH-th block) restates
  the set, which must equal the one the votes made;
- each block's seal (the last 65 bytes of extraData) recovers to a signer of the set at that block;
- a signer seals at most one block in any `len(signers) // 2 + 1` consecutive ones, and a block
  sealed in turn has difficulty 2, out of turn 1;
- a vote is the block's coinbase (the candidate) and nonce (all ones: add, zero: drop); a change
  takes effect when more than half of the signers voted for it.
A block sealed by an outsider, or by a signer out of its rights, is named with the rule it broke.

QBFT (Besu's BftBlockHashing and QbftExtraDataCodec): extraData is RLP([vanity, validators, vote,
round, commit seals]); each commit seal signs the header whose extraData has no seals (round
kept). A block needs seals from at least two thirds of the validators its parent lists, each from a
distinct validator of that list; the list changes by one validator at most from block to block.
"""

from __future__ import annotations

from typing import Any

import rlp
from eth_keys.datatypes import Signature
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from next_audit.chain import BFT_MIX_HASH, header_fields, hexbytes, integer
from next_audit.report import Check

VANITY, SEAL = 32, 65
EPOCH = 30_000  # the checkpoint interval of the cooperative's clique genesis
NONCE_AUTHORIZE = "0xffffffffffffffff"
NONCE_DROP = "0x0000000000000000"
ZERO_ADDRESS = "0x" + "00" * 20
IN_TURN, OUT_OF_TURN = 2, 1


class SealError(ValueError):
    """A header whose seal cannot be read or recovered."""


def is_clique(genesis: dict[str, Any]) -> bool:
    """Block 0 of a clique chain: vanity, whole signer addresses, an empty seal, no BFT mix hash."""
    extra = hexbytes(genesis["extraData"])
    return len(extra) > VANITY + SEAL and (len(extra) - VANITY - SEAL) % 20 == 0 and not any(extra[-SEAL:])


def signers_in(extra: bytes) -> list[str]:
    body = extra[VANITY : len(extra) - SEAL]
    return [to_checksum_address(body[i : i + 20]) for i in range(0, len(body), 20)]


def seal_hash(block: dict[str, Any]) -> bytes:
    """keccak256 of the header without its seal, as the signer signed it (geth's SealHash)."""
    fields = header_fields(block)
    extra = fields[12]
    if len(extra) < VANITY + SEAL:
        raise SealError(f"extraData of {len(extra)} bytes holds no seal")
    fields[12] = extra[: len(extra) - SEAL]
    return bytes(keccak(rlp.encode(fields)))


def recover(seal: bytes, message_hash: bytes) -> str:
    """The address whose key made a 65-byte seal (r, s, recovery id 0 or 1) of a hash."""
    if len(seal) != SEAL:
        raise SealError(f"a seal of {len(seal)} bytes, not {SEAL}")
    if seal[64] > 1:
        raise SealError(f"seal recovery id {seal[64]} is not 0 or 1")
    try:
        return str(Signature(seal).recover_public_key_from_msg_hash(message_hash).to_checksum_address())
    except Exception as error:  # eth_keys raises several kinds for a bad signature
        raise SealError(f"the seal does not recover to a key: {error}") from error


def clique_signer(block: dict[str, Any]) -> str:
    """The address whose key sealed the block."""
    return recover(hexbytes(block["extraData"])[-SEAL:], seal_hash(block))


def is_qbft(genesis: dict[str, Any]) -> bool:
    return hexbytes(genesis["mixHash"]) == BFT_MIX_HASH


def qbft_validators(extra: bytes) -> list[str]:
    return [to_checksum_address(v) for v in rlp.decode(extra)[1]]


def commit_seal_hash(block: dict[str, Any]) -> bytes:
    """What each QBFT commit seal signs: the header with its extraData's seals emptied."""
    fields = header_fields(block)
    vanity, validators, vote, round_number, _seals = rlp.decode(fields[12])
    fields[12] = rlp.encode([vanity, validators, vote, round_number, []])
    return bytes(keccak(rlp.encode(fields)))


def qbft_committers(block: dict[str, Any]) -> list[str]:
    """The validators whose commit seals the block carries, in order."""
    message = commit_seal_hash(block)
    return [recover(seal, message) for seal in rlp.decode(hexbytes(block["extraData"]))[4]]


class QbftVerifier:
    """Each block's commit seals against the validators of its parent."""

    def __init__(self, genesis: dict[str, Any], check: Check) -> None:
        self.check = check
        self.signers = qbft_validators(hexbytes(genesis["extraData"]))
        self.sealed: dict[str, int] = {}  # validator -> commit seals given (a figure)

    def apply(self, number: int, block: dict[str, Any]) -> None:
        if number == 0:
            return
        subject = f"block {number}"
        self.check.checked += 1
        try:
            listed = qbft_validators(hexbytes(block["extraData"]))
            committers = qbft_committers(block)
        except (SealError, rlp.DecodingError, ValueError, IndexError) as error:
            self.check.fail(subject, "audit.qbft.unreadable", error=error)
            return
        outsiders = [c for c in committers if c not in self.signers]
        if outsiders:
            self.check.fail(subject, "audit.qbft.outsiders", outsiders=", ".join(outsiders))
        valid = set(committers) - set(outsiders)
        if len(valid) != len(committers) - len(outsiders):
            self.check.fail(subject, "audit.qbft.twice")
        quorum = -(-2 * len(self.signers) // 3)  # ceil(2n/3), Besu's BftHelpers
        if len(valid) < quorum:
            self.check.fail(subject, "audit.qbft.quorum", valid=len(valid), quorum=quorum, signers=len(self.signers))
        if len(set(listed) ^ set(self.signers)) > 1:
            self.check.fail(subject, "audit.qbft.jump", before=self.signers, after=listed)
        for committer in valid:
            self.sealed[committer] = self.sealed.get(committer, 0) + 1
        self.signers = listed


class CliqueVerifier:
    """Applies each block in order, from block 0, to clique's snapshot of signers and votes."""

    def __init__(self, genesis: dict[str, Any], check: Check, epoch: int = EPOCH) -> None:
        self.check = check
        self.epoch = epoch
        self.signers = sorted(signers_in(hexbytes(genesis["extraData"])), key=str.lower)
        self.recents: dict[int, str] = {}  # block number -> its signer, over the last `limit` blocks
        self.votes: list[tuple[str, str, bool]] = []  # (signer, candidate, authorize)
        self.tally: dict[str, tuple[bool, int]] = {}  # candidate -> (authorize, votes)
        self.sealed: dict[str, int] = {}  # signer -> blocks sealed (a figure)

    def apply(self, number: int, block: dict[str, Any]) -> None:
        if number == 0:
            return
        subject = f"block {number}"
        self.check.checked += 1
        extra = hexbytes(block["extraData"])
        checkpoint = number % self.epoch == 0
        if checkpoint:
            self.votes, self.tally = [], {}
            listed = sorted(signers_in(extra), key=str.lower) if len(extra) >= VANITY + SEAL else []
            if listed != self.signers:
                self.check.fail(subject, "audit.clique.checkpoint_signers", listed=listed, signers=self.signers)
        elif len(extra) != VANITY + SEAL:
            self.check.fail(subject, "audit.clique.no_signer", length=len(extra))
        limit = len(self.signers) // 2 + 1
        self.recents.pop(number - limit, None)
        try:
            signer = clique_signer(block)
        except ValueError as error:  # a SealError, or a header field missing
            self.check.fail(subject, "audit.error", error=error)
            return
        if signer not in self.signers:
            self.check.fail(subject, "audit.clique.outsider", signer=signer, signers=", ".join(self.signers))
            return
        for seen, recent in self.recents.items():
            if recent == signer:
                self.check.fail(subject, "audit.clique.too_often", signer=signer, seen=seen, limit=limit)
        self.recents[number] = signer
        self.sealed[signer] = self.sealed.get(signer, 0) + 1
        in_turn = self.signers[number % len(self.signers)] == signer
        if integer(block["difficulty"]) != (IN_TURN if in_turn else OUT_OF_TURN):
            sealed = "audit.clique.difficulty_in" if in_turn else "audit.clique.difficulty_out"
            self.check.fail(subject, sealed, difficulty=integer(block["difficulty"]))
        self._vote(number, signer, block, checkpoint)

    def _vote(self, number: int, signer: str, block: dict[str, Any], checkpoint: bool) -> None:
        subject = f"block {number}"
        candidate = to_checksum_address(block["miner"])
        nonce = block["nonce"]
        if nonce not in (NONCE_AUTHORIZE, NONCE_DROP):
            self.check.fail(subject, "audit.clique.bad_nonce", nonce=nonce)
            return
        if checkpoint:
            if candidate != to_checksum_address(ZERO_ADDRESS) or nonce != NONCE_DROP:
                self.check.fail(subject, "audit.clique.checkpoint_vote")
            return
        authorize = nonce == NONCE_AUTHORIZE
        # A signer's new vote on a candidate replaces its previous one.
        for i, (voter, address, was) in enumerate(self.votes):
            if voter == signer and address == candidate:
                self._uncast(address, was)
                del self.votes[i]
                break
        if candidate != to_checksum_address(ZERO_ADDRESS) and self._cast(candidate, authorize):
            self.votes.append((signer, candidate, authorize))
        tally = self.tally.get(candidate)
        if tally is None or tally[1] <= len(self.signers) // 2:
            return
        if tally[0]:
            self.signers = sorted([*self.signers, candidate], key=str.lower)
        else:
            self.signers = [s for s in self.signers if s != candidate]
            limit = len(self.signers) // 2 + 1
            self.recents.pop(number - limit, None)
            for _voter, address, was in [v for v in self.votes if v[0] == candidate]:
                self._uncast(address, was)
            self.votes = [v for v in self.votes if v[0] != candidate]
        self.votes = [v for v in self.votes if v[1] != candidate]
        self.tally.pop(candidate, None)

    def _cast(self, candidate: str, authorize: bool) -> bool:
        if (candidate in self.signers) == authorize:
            return False  # adding a signer, or dropping a stranger: no vote
        kind, count = self.tally.get(candidate, (authorize, 0))
        self.tally[candidate] = (kind, count + 1)
        return True

    def _uncast(self, candidate: str, authorize: bool) -> None:
        tally = self.tally.get(candidate)
        if tally is None or tally[0] != authorize:
            return
        if tally[1] > 1:
            self.tally[candidate] = (tally[0], tally[1] - 1)
        else:
            del self.tally[candidate]
