"""clique's and QBFT's rules as the auditor replays them, on headers sealed here: each rule broken once, and
named. (The same verifier passes on real geth chains: tests/node/test_network.py.)"""

from __future__ import annotations

import os

import pytest
from eth_keys.datatypes import PrivateKey

from next_audit.consensus import (
    NONCE_AUTHORIZE,
    NONCE_DROP,
    VANITY,
    CliqueVerifier,
    QbftVerifier,
    clique_signer,
    commit_seal_hash,
    qbft_committers,
    seal_hash,
)
from next_audit.report import Check, Failure

ZERO = "0x" + "00" * 20


def key() -> PrivateKey:
    return PrivateKey(os.urandom(32))


def address(k: PrivateKey) -> str:
    return str(k.public_key.to_checksum_address())


def genesis(signers: list[PrivateKey]) -> dict[str, str]:
    listed = b"".join(sorted((k.public_key.to_canonical_address() for k in signers), key=bytes.hex))
    return {"extraData": "0x" + (bytes(VANITY) + listed + bytes(65)).hex()}


def header(number: int, sealer: PrivateKey, *, difficulty: int, vote: str = ZERO, nonce: str = NONCE_DROP,
           listed: list[PrivateKey] | None = None) -> dict[str, str]:  # fmt: skip
    signers = b"".join(sorted((k.public_key.to_canonical_address() for k in listed or []), key=bytes.hex))
    block = {
        "parentHash": "0x" + os.urandom(32).hex(), "sha3Uncles": "0x" + "00" * 32, "miner": vote,
        "stateRoot": "0x" + "00" * 32, "transactionsRoot": "0x" + "00" * 32, "receiptsRoot": "0x" + "00" * 32,
        "logsBloom": "0x" + "00" * 256, "difficulty": hex(difficulty), "number": hex(number),
        "gasLimit": hex(10**9), "gasUsed": "0x0", "timestamp": hex(1_700_000_000 + number),
        "extraData": "0x" + (bytes(VANITY) + signers + bytes(65)).hex(), "mixHash": "0x" + "00" * 32,
        "nonce": nonce, "baseFeePerGas": "0x0",
    }  # fmt: skip
    seal = sealer.sign_msg_hash(seal_hash(block)).to_bytes()
    block["extraData"] = "0x" + (bytes(VANITY) + signers + seal).hex()
    return block


def turn(signers: list[PrivateKey], number: int, sealer: PrivateKey) -> int:
    ordered = sorted(address(k).lower() for k in signers)
    return 2 if ordered[number % len(ordered)] == address(sealer).lower() else 1


@pytest.fixture
def keys() -> list[PrivateKey]:
    return [key() for _ in range(3)]


def verifier(signers: list[PrivateKey], epoch: int = 30_000) -> CliqueVerifier:
    return CliqueVerifier(genesis(signers), Check("chain.consensus", Failure.CONSENSUS), epoch=epoch)


def run(v: CliqueVerifier, blocks: list[dict[str, str]]) -> list[str]:
    for number, block in enumerate(blocks, start=1):
        v.apply(number, block)
    return [f"{f.subject}: {f.message}" for f in v.check.findings]


def test_the_seal_recovers_to_its_sealer(keys):
    block = header(1, keys[0], difficulty=1)
    assert clique_signer(block) == address(keys[0])


def test_an_honest_rotation_passes(keys):
    v = verifier(keys)
    ordered = sorted(keys, key=lambda k: address(k).lower())
    blocks = [header(n, ordered[n % 3], difficulty=2) for n in range(1, 10)]
    assert run(v, blocks) == []
    assert v.check.checked == 9 and sum(v.sealed.values()) == 9


def test_a_block_sealed_by_an_outsider_is_named(keys):
    outsider = key()
    ordered = sorted(keys, key=lambda k: address(k).lower())
    blocks = [header(1, ordered[1], difficulty=2), header(2, outsider, difficulty=1)]
    findings = run(verifier(keys), blocks)
    assert findings == [f"block 2: sealed by {address(outsider)}, who is not a signer at this block "
                        f"({', '.join(address(k) for k in ordered)})"]  # fmt: skip


def test_a_signer_sealing_too_often_is_named(keys):
    ordered = sorted(keys, key=lambda k: address(k).lower())
    # 3 signers: at most one block in any 2 consecutive ones.
    blocks = [header(1, ordered[1], difficulty=2), header(2, ordered[1], difficulty=1)]
    assert run(verifier(keys), blocks) == [
        f"block 2: {address(ordered[1])} sealed block 1 too, within 2 consecutive blocks"
    ]


def test_a_wrong_difficulty_is_named(keys):
    ordered = sorted(keys, key=lambda k: address(k).lower())
    assert run(verifier(keys), [header(1, ordered[1], difficulty=1)]) == [
        "block 1: difficulty 1 for a block sealed in turn"
    ]


def test_votes_add_a_signer_once_a_majority_voted_and_it_may_seal(keys):
    newcomer = key()
    ordered = sorted(keys, key=lambda k: address(k).lower())
    blocks = [
        header(1, ordered[1], difficulty=2, vote=address(newcomer), nonce=NONCE_AUTHORIZE),
        header(2, ordered[2], difficulty=2, vote=address(newcomer), nonce=NONCE_AUTHORIZE),
    ]
    v = verifier(keys)
    assert run(v, blocks) == []
    assert address(newcomer) in v.signers and len(v.signers) == 4
    block = header(3, newcomer, difficulty=turn([*keys, newcomer], 3, newcomer))
    v.apply(3, block)
    assert v.check.findings == []


def test_one_vote_of_three_is_not_enough(keys):
    newcomer = key()
    ordered = sorted(keys, key=lambda k: address(k).lower())
    blocks = [
        header(1, ordered[1], difficulty=2, vote=address(newcomer), nonce=NONCE_AUTHORIZE),
        header(2, newcomer, difficulty=1),
    ]
    assert run(verifier(keys), blocks) == [
        f"block 2: sealed by {address(newcomer)}, who is not a signer at this block "
        f"({', '.join(address(k) for k in ordered)})"
    ]


def test_a_checkpoint_must_list_the_signers_the_votes_made(keys):
    ordered = sorted(keys, key=lambda k: address(k).lower())
    honest = header(4, ordered[1], difficulty=2, listed=keys)
    forged = header(4, ordered[1], difficulty=2, listed=keys[:2])
    before = [header(n, ordered[n % 3], difficulty=2) for n in range(1, 4)]
    assert run(verifier(keys, epoch=4), [*before, honest]) == []
    findings = run(verifier(keys, epoch=4), [*before, forged])
    assert len(findings) == 1 and findings[0].startswith("block 4: the checkpoint lists signers")


def test_a_seal_that_is_not_a_signature_is_named(keys):
    block = header(1, keys[0], difficulty=2)
    block["extraData"] = block["extraData"][:-2] + "07"  # recovery id 7
    assert run(verifier(keys), [block]) == ["block 1: seal recovery id 7 is not 0 or 1"]


# QBFT (Besu): commit seals from two thirds of the parent's validators.


def qbft_block(number: int, listed: list[PrivateKey], committers: list[PrivateKey], round_number: int = 0) -> dict:
    from next_node.chain.besu import BFT_MIX_HASH, QbftExtra, encode_extra

    validators = tuple(sorted((address(k) for k in listed), key=str.lower))
    block = header(number, listed[0], difficulty=1)
    block["mixHash"] = BFT_MIX_HASH
    block["extraData"] = "0x" + encode_extra(QbftExtra(bytes(32), validators, None, round_number, ())).hex()
    message = commit_seal_hash(block)
    seals = tuple(k.sign_msg_hash(message).to_bytes() for k in committers)
    block["extraData"] = "0x" + encode_extra(QbftExtra(bytes(32), validators, None, round_number, seals)).hex()
    return block


def qbft_verifier(validators: list[PrivateKey]) -> QbftVerifier:
    from next_node.chain.besu import genesis as besu_genesis

    spec = besu_genesis(1, [address(k) for k in validators])
    return QbftVerifier(spec, Check("chain.consensus", Failure.CONSENSUS))


def test_qbft_commit_seals_of_a_quorum_pass_and_are_counted():
    four = [key() for _ in range(4)]
    v = qbft_verifier(four)
    assert run(v, [qbft_block(1, four, four[:3], round_number=2), qbft_block(2, four, four)]) == []
    assert qbft_committers(qbft_block(3, four, four[1:3])) == [address(k) for k in four[1:3]]
    assert sum(v.sealed.values()) == 7


def test_qbft_below_quorum_an_outsider_and_a_seal_twice_are_named():
    four, outsider = [key() for _ in range(4)], key()
    assert run(qbft_verifier(four), [qbft_block(1, four, four[:2])]) == [
        "block 1: 2 commit seals of validators, below the quorum of 3 of 4"
    ]
    findings = run(qbft_verifier(four), [qbft_block(1, four, [*four[:3], outsider])])
    assert findings == [f"block 1: commit sealed by {address(outsider)}, not a validator of its parent"]
    findings = run(qbft_verifier(four), [qbft_block(1, four, [four[0], four[0], four[1]])])
    assert "block 1: a validator's commit seal is there twice" in findings


def test_qbft_the_block_hash_leaves_out_the_round_and_the_seals():
    """Two copies of block 1 committed in different rounds by different quorums: one hash."""
    from next_audit.chain import header_hash

    four = [key() for _ in range(4)]
    first, second = qbft_block(1, four, four[:3], round_number=0), qbft_block(1, four, four[1:], round_number=5)
    second["parentHash"] = first["parentHash"]
    assert header_hash(first) == header_hash(second)
    assert commit_seal_hash(first) != commit_seal_hash(second)  # the seals sign the round
