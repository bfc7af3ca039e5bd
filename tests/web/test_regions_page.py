"""The regions page in a real browser, on a chain of its own: region 1's gateway shows its
relationship with region 2 and the position after a payment across, in French and English; a
member of region 1 then pays one of region 2 from the payment form, through the clearing, is told
in words when no path has room, and moves to region 2 (welcomed there) with its balance; a
registrar of region 1, no member, welcomes a member of region 2 from the staff page."""

from __future__ import annotations

import json
import time
import urllib.request

from eth_account import Account

from next_contracts import LEDGER, REGIONAL_CLEARING, keyfile, load_artifact
from next_contracts.constitution import role_id
from next_contracts.deploy import DeployConfig, deploy
from tests.support.chain import call
from tests.web.test_webapp import ARTIFACTS, PASSWORD, run_flow


def test_the_regions_page_shows_the_relationship_and_the_position(
    w3, deployment, operator, following_gateway, tmp_path
):
    south = deploy(w3, operator, DeployConfig.single_operator(operator, region=2))
    ledgers = [w3.eth.contract(d.ledger, abi=load_artifact(LEDGER).abi) for d in (deployment, south)]
    clearing_abi = load_artifact(REGIONAL_CLEARING).abi
    clearings = [w3.eth.contract(d.regional_clearing, abi=clearing_abi) for d in (deployment, south)]
    call(w3, operator, clearings[0].functions.setRelationship(clearings[1].address, 100_000, 150_000))
    call(w3, operator, clearings[1].functions.setRelationship(clearings[0].address, 100_000, 150_000))
    payer, payee = Account.create(), Account.create()
    for ledger, member, region in ((ledgers[0], payer, 1), (ledgers[1], payee, 2)):
        call(w3, operator, ledger.functions.admit(member.address, 0, region, b"\x01" * 32))
        call(w3, operator, ledger.functions.setCreditLine(member.address, 100_000, 10_000_000))
    call(w3, payer, clearings[0].functions.payAcross([clearings[1].address], payee.address, 25_000, b"\x00" * 32))
    for _ in range(100):  # until the index has the payment
        with urllib.request.urlopen(f"{following_gateway}/regions") as answer:
            relationships = json.load(answer)["relationships"]
        if relationships and relationships[0]["position"] == 25_000:
            break
        time.sleep(0.2)
    # Region 2 welcomes the payer, and gives individuals a line its debt fits in (a debt moves
    # within the new region's own line for its kind).
    call(w3, operator, clearings[1].functions.welcome(payer.address, clearings[0].address))
    call(w3, operator, ledgers[1].functions.setDefaultCreditLine(0, 100_000, 10_000_000))
    registrar = Account.create()
    call(w3, operator, ledgers[0].functions.grantRole(role_id("REGISTRAR_ROLE"), registrar.address))
    keystore, staff_keystore = tmp_path / "payer.json", tmp_path / "registrar.json"
    keystore.write_text(json.dumps(keyfile.encrypt(payer.key, PASSWORD)))
    staff_keystore.write_text(json.dumps(keyfile.encrypt(registrar.key, PASSWORD)))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    args = (str(keystore), PASSWORD, payee.address, str(staff_keystore))
    result = run_flow("regions_flow.mjs", following_gateway, str(ARTIFACTS), *args)
    french = result["table_fr"].replace("\u202f", " ").replace("\u00a0", " ")
    assert "nous devons 250,00 NXT" in french and "1 000,00 NXT" in french and "1 250,00 NXT" in french
    assert "we owe NXT 250.00" in result["table_en"].replace("\u202f", " ").replace("\u00a0", " ")
    assert "1" in result["figures_fr"]
    summary = result["summary"].replace("\u202f", " ").replace("\u00a0", " ")
    assert f"to {payee.address}, a member of region 2, through the clearing of regions 1 → 2" in summary
    assert ledgers[1].functions.balanceOf(payee.address).call() == 25_000 + 12_50
    assert "Paid" in result["paid"]
    assert payee.address in result["receipt"] and "12.50" in result["receipt"]  # the member on the other side
    # Moved: closed in region 1, active in region 2 with the balance it had (two payments, their fees).
    assert "You are now a member of region 2" in result["moved"]
    [moved] = clearings[0].events.MemberMoved().get_logs(from_block=0)
    assert moved.args.member == payer.address and moved.args.balance < -(25_000 + 12_50)
    assert ledgers[0].functions.accountOf(payer.address).call()[3] == 5  # MemberStatus.Moved
    assert ledgers[1].functions.accountOf(payer.address).call()[3] == 1  # Active
    assert ledgers[1].functions.balanceOf(payer.address).call() == moved.args.balance
    assert clearings[0].functions.welcomedFrom(payee.address).call() == clearings[1].address
    # Region 2's limit for region 1 (1 000,00) less what region 1 owes it now: no room for 5 000,00.
    assert "no path of clearing relationships from region 1 to region 2 has room for" in result["too_much"]
