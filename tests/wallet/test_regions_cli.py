"""Regions through the wallet's real entry point on a real chain: three regions (the wallet's is the
first), related 1-2, 2-3 and 3-1. A payment across regions along the path the wallet finds, one that
no path has room for, the relationships listed; a cycle of debts netted, the figures before and
after; a member welcomed by a registrar, then moving with its balance."""

from __future__ import annotations

import json

import pytest
from eth_account import Account

from next_contracts import LEDGER, REGIONAL_CLEARING, load_artifact
from next_contracts.constitution import role_id
from next_contracts.deploy import DeployConfig, deploy
from next_contracts.transact import calldata, send
from next_contracts.vocabulary import MemberStatus
from next_wallet.errors import ExitStatus
from tests.wallet.conftest import admit
from tests.wallet.test_gateway_wallet import gateway_only
from tests.wallet.test_staff import PW, create

LIMIT = 50_000  # each side: 500,00 each way


def _contracts(w3, deployment):
    ledger = w3.eth.contract(deployment.ledger, abi=load_artifact(LEDGER).abi)
    clearing = w3.eth.contract(deployment.regional_clearing, abi=load_artifact(REGIONAL_CLEARING).abi)
    return ledger, clearing


def _send(w3, sender, call):
    return send(w3, sender, {"to": call.address, "data": calldata(call)})


@pytest.fixture(scope="module")
def three_regions(w3, deployment, operator):
    """The wallet's region (1) and regions 2 and 3, every pair related, each with a member."""
    others = [deploy(w3, operator, DeployConfig.single_operator(operator, region=n)) for n in (2, 3)]
    regions = [deployment, *others]
    contracts = [_contracts(w3, d) for d in regions]
    for i, (_, mine) in enumerate(contracts):
        for j, (_, theirs) in enumerate(contracts):
            if i != j:
                _send(w3, operator, mine.functions.setRelationship(theirs.address, LIMIT, LIMIT))
    members = []
    for number, (ledger, _) in enumerate(contracts, start=1):
        member = Account.create()
        _send(w3, operator, ledger.functions.admit(member.address, 0, number, b"\x01" * 32))
        _send(w3, operator, ledger.functions.setCreditLine(member.address, 100_000, 10_000_000))
        _send(w3, operator, ledger.functions.setDefaultCreditLine(0, 100_000, 10_000_000))
        members.append(member)
    return regions, contracts, members


def test_pay_across_finds_the_path_and_refuses_what_no_path_has_room_for(
    wallet, w3, deployment, operator, three_regions
):
    _, contracts, members = three_regions
    alice = create(wallet, "alice")
    admit(w3, deployment, operator, alice)
    carol = members[1].address  # in region 2

    paid = wallet("--json", "pay-across", "alice", carol, "12,50", "--ref", "invoice 7", "--yes", *PW)
    assert paid.code == 0, paid.err
    assert json.loads(paid.out)["path"] == [1, 2]
    assert contracts[1][0].functions.balanceOf(carol).call() == 12_50
    assert contracts[0][0].functions.balanceOf(alice).call() == -(12_50 + 3)  # 0.2% fee, rounded up

    listed = wallet("--json", "regions")
    assert listed.code == 0, listed.err
    sides = {(s["region"], s["partner_region"]): s for s in json.loads(listed.out)["relationships"]}
    assert sides[(1, 2)]["position"] == 12_50 and sides[(2, 1)]["position"] == -12_50
    assert sides[(1, 2)]["room_out"] == LIMIT - 12_50

    # 600,00 passes every relationship's 500,00: refused before a password is asked, in words.
    refused = wallet("pay-across", "alice", carol, "600", "--yes", *PW)
    assert refused.code == ExitStatus.REFUSED
    assert "no path from region 1 to region 2 has room for" in refused.err
    stranger = wallet("pay-across", "alice", Account.create().address, "1", "--yes", *PW)
    assert stranger.code == ExitStatus.PAYEE_NOT_MEMBER


def test_net_reduces_the_cycle_and_shows_before_and_after(wallet, w3, operator, three_regions):
    _, contracts, members = three_regions
    # 1 pays 2 (100,00), 2 pays 3 (80,00), 3 pays 1 (60,00): 1 owes 2, 2 owes 3, 3 owes 1.
    for payer, (_, clearing), payee, partner, amount in (
        (members[0], contracts[0], members[1], contracts[1][1], 100_00),
        (members[1], contracts[1], members[2], contracts[2][1], 80_00),
        (members[2], contracts[2], members[0], contracts[0][1], 60_00),
    ):
        _send(w3, payer, clearing.functions.payAcross([partner.address], payee.address, amount, b"\0" * 32))

    def position(i, j):
        return contracts[i][0].functions.balanceOf(contracts[j][1].address).call()

    before = [position(0, 1), position(1, 2), position(2, 0)]  # earlier tests of the module paid too
    smallest = min(before)
    create(wallet, "anyone")
    netted = wallet("net", "anyone", "--yes", *PW)
    assert netted.code == 0, netted.err
    assert f"before: 1 owes 2 {before[0] / 100:.2f}".replace(".", ",") in netted.out
    assert [position(0, 1), position(1, 2), position(2, 0)] == [p - smallest for p in before]
    assert "after: " in netted.out
    assert wallet("net", "anyone", "--yes", *PW).out.startswith("no cycle of debts")


def test_a_member_moves_once_a_registrar_welcomed_it(wallet, w3, operator, three_regions):
    _, contracts, _ = three_regions
    alice = create(wallet, "alice")
    registrar = create(wallet, "registrar")
    ledger_one, ledger_two = contracts[0][0], contracts[1][0]
    _send(w3, operator, ledger_one.functions.admit(alice, 0, 1, b"\x02" * 32))
    _send(w3, operator, ledger_one.functions.setCreditLine(alice, 100_000, 10_000_000))
    # Before any welcome, the move is refused in words, nothing signed.
    refused = wallet("move", "alice", "--to-region", "2", "--yes", *PW)
    assert refused.code != 0 and "welcome" in refused.err
    # Region 2's registrar welcomes alice (its keystore's key holds the role in region 2's ledger),
    # from this wallet of region 1 (--region), as the demo's README says; a key that holds no role
    # there is refused in words first.
    not_yet = wallet("welcome", "registrar", alice, "--from-region", "1", "--region", "2", "--yes", *PW)
    assert not_yet.code == ExitStatus.REFUSED and "does not hold the role this needs" in not_yet.err
    _send(w3, operator, ledger_two.functions.grantRole(role_id("REGISTRAR_ROLE"), registrar))
    welcomed = wallet("--json", "welcome", "registrar", alice, "--from-region", "1", "--region", "2", "--yes", *PW)
    assert welcomed.code == 0, welcomed.err
    assert json.loads(welcomed.out)["region"] == 2
    moved = wallet("--json", "move", "alice", "--to-region", "2", "--yes", *PW)
    assert moved.code == 0, moved.err
    assert MemberStatus.of(ledger_one.functions.accountOf(alice).call()[3]) is MemberStatus.MOVED
    assert MemberStatus.of(ledger_two.functions.accountOf(alice).call()[3]) is MemberStatus.ACTIVE


def test_a_members_wallet_with_the_gateway_alone_lists_pays_across_and_moves(
    wallet, w3, deployment, operator, three_regions, gateway, tmp_path
):
    """The regions a production wallet sees: through the gateway, no node."""
    _, contracts, members = three_regions
    dora = create(wallet, "dora")
    admit(w3, deployment, operator, dora)
    carol = members[1].address  # in region 2
    gateway.refresh()
    gateway_only(wallet, tmp_path, gateway.url)
    assert wallet("login", "dora", *PW).code == 0
    listed = wallet("--json", "regions")
    assert listed.code == 0, listed.err
    assert {s["region"] for s in json.loads(listed.out)["relationships"]} == {2, 3}
    before = contracts[1][0].functions.balanceOf(carol).call()
    paid = wallet("--json", "pay-across", "dora", carol, "2,00", "--ref", "livre", "--yes", *PW)
    assert paid.code == 0, paid.err
    assert json.loads(paid.out)["path"] in ([1, 2], [1, 3, 2])
    assert contracts[1][0].functions.balanceOf(carol).call() == before + 200
    here = wallet("pay-across", "dora", members[0].address, "1", "--yes", *PW)
    assert here.code == ExitStatus.BAD_INPUT and "next-wallet pay pays it" in here.err
    nowhere = wallet("move", "dora", "--to-region", "9", "--yes", *PW)
    assert nowhere.code == ExitStatus.BAD_INPUT and "no region 9 is reachable" in nowhere.err
