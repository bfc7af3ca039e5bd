"""The regions page in a real browser, on a chain of its own: region 1's gateway shows its
relationship with region 2 and the position after a payment across, in French and English."""

from __future__ import annotations

import json
import time
import urllib.request

from eth_account import Account

from next_contracts import LEDGER, REGIONAL_CLEARING, load_artifact
from next_contracts.deploy import DeployConfig, deploy
from tests.support.chain import call
from tests.web.test_webapp import ARTIFACTS, run_flow


def test_the_regions_page_shows_the_relationship_and_the_position(w3, deployment, operator, following_gateway):
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
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    result = run_flow("regions_flow.mjs", following_gateway, str(ARTIFACTS))
    french = result["table_fr"].replace("\u202f", " ").replace("\u00a0", " ")
    assert "nous devons 250,00 NXT" in french and "1 000,00 NXT" in french and "1 250,00 NXT" in french
    assert "we owe NXT 250.00" in result["table_en"].replace("\u202f", " ").replace("\u00a0", " ")
    assert "1" in result["figures_fr"]
