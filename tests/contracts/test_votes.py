"""The voting roll: one vote per active member, checkpointed by timestamp (IERC5805/IERC6372), with
no delegation step; freezes, exclusions and key recovery move votes at once and never double one."""

import ape
import pytest

from tests.contracts.conftest import INDIVIDUAL, SYSTEM
from tests.contracts.helpers import kyc


def now() -> int:
    """The timestamp of the last mined block, a timepoint the past-vote reads accept once one more
    block is mined."""
    return ape.chain.blocks.head.timestamp


def past() -> int:
    """The head's timestamp, made strictly past by mining a later block."""
    at = now()
    ape.chain.mine(1, timestamp=at + 1)
    return at


def test_a_member_votes_from_its_admission_without_delegating(ledger, registrar, governor, alice, bob):
    before = past()
    ledger.admit(alice, INDIVIDUAL, 1, kyc("alice"), sender=registrar)
    ledger.admitCouncil(bob, 1, kyc("bob"), sender=governor)  # councils vote as members
    assert ledger.getVotes(alice) == ledger.getVotes(bob) == 1
    assert ledger.delegates(alice) == alice.address
    after = past()
    assert ledger.getPastTotalSupply(before) == 0
    assert ledger.getPastTotalSupply(after) == 2
    assert ledger.getPastVotes(alice, before) == 0 and ledger.getPastVotes(alice, after) == 1
    assert ledger.clock() == now() and ledger.CLOCK_MODE() == "mode=timestamp"


def test_system_accounts_do_not_vote(ledger, registrar, stranger):
    ledger.admit(stranger, SYSTEM, 0, kyc("operations"), sender=registrar)
    assert ledger.getVotes(stranger) == 0
    assert ledger.getPastTotalSupply(past()) == 0
    ledger.freeze(stranger, sender=registrar)
    ledger.unfreeze(stranger, sender=registrar)
    assert ledger.getVotes(stranger) == 0


def test_freezing_and_excluding_take_the_vote_at_once_and_unfreezing_gives_it_back(community, registrar, alice, bob):
    assert ledger_total(community) == 3
    community.freeze(alice, sender=registrar)
    frozen_at = past()
    assert community.getVotes(alice) == 0 and community.getPastTotalSupply(frozen_at) == 2
    community.unfreeze(alice, sender=registrar)
    assert community.getVotes(alice) == 1 and ledger_total(community) == 3
    community.freeze(alice, sender=registrar)
    community.exclude(alice, sender=registrar)  # excluded while frozen: no vote to take twice
    community.exclude(bob, sender=registrar)
    assert community.getVotes(alice) == community.getVotes(bob) == 0
    assert ledger_total(community) == 1
    assert community.getPastVotes(alice, frozen_at - 1) == 1  # the vote it had stays in the past


def test_key_recovery_carries_the_vote_to_the_new_key_and_never_doubles_it(
    community, registrar, alice, bob, stranger, accounts
):
    community.migrate(alice, stranger, sender=registrar)
    assert community.getVotes(alice) == 0 and community.getVotes(stranger) == 1
    assert ledger_total(community) == 3
    community.freeze(bob, sender=registrar)
    new_bob = accounts.generate_test_account()
    community.migrate(bob, new_bob, sender=registrar)  # a frozen member's new key is frozen too
    assert community.getVotes(bob) == community.getVotes(new_bob) == 0
    assert ledger_total(community) == 2
    community.unfreeze(new_bob, sender=registrar)
    assert community.getVotes(new_bob) == 1 and ledger_total(community) == 3


def test_votes_cannot_be_delegated(community, alice, bob):
    with ape.reverts(community.MembershipVotesNotDelegable):  # ape's own `delegate` attribute shadows it
        community.invoke_transaction("delegate", bob, sender=alice)
    with ape.reverts(community.MembershipVotesNotDelegable):
        community.delegateBySig(bob, 0, 2**40, 27, b"\x01" * 32, b"\x02" * 32, sender=alice)
    assert community.delegates(alice) == alice.address


def test_a_future_timepoint_is_refused(community):
    with pytest.raises(ape.exceptions.ContractLogicError):
        community.getPastTotalSupply(now() + 1000)


def ledger_total(ledger) -> int:
    return ledger.getPastTotalSupply(past())
