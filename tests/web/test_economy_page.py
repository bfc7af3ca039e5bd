"""The economics page in a real browser, on a chain of its own (this module's): the public sees a
region's months only when no group is too small beside it, so other tests' members stay out."""

from __future__ import annotations

import json
import time
import urllib.request

from eth_account import Account

from tests.support.chain import call
from tests.wallet.conftest import ledger_of
from tests.web.test_webapp import ARTIFACTS, run_flow


def test_the_economics_page_shows_a_regions_months(w3, deployment, operator, following_gateway):
    """Six members of region 7 pay each other round a ring: the region's month shows all its volume
    in cycles and five of its six receipts spent again; its businesses (none) show nothing."""
    ledger = ledger_of(w3, deployment)
    ring = [Account.create() for _ in range(6)]
    for member in ring:
        for fn in (ledger.functions.admit(member.address, 0, 7, b"\x01" * 32),
                   ledger.functions.setCreditLine(member.address, 100_000, 10_000_000)):  # fmt: skip
            call(w3, operator, fn)
    for payer, payee in zip(ring, ring[1:] + ring[:1], strict=True):
        call(w3, payer, ledger.functions.pay(payee.address, 1_000, b"\x00" * 32))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for _ in range(100):  # until the index has the six payments and their month's cycles
        with urllib.request.urlopen(f"{following_gateway}/economy?region=7") as answer:
            months = json.load(answer)["series"]
        if months and months[0]["months"][-1]["cycles_share"] == 1.0:
            break
        time.sleep(0.2)

    result = run_flow("economy_flow.mjs", following_gateway, "7", str(ARTIFACTS))
    figures = result["figures_fr"].replace("\u202f", " ").replace("\u00a0", " ")
    assert "100 %" in figures and "83,3 %" in figures  # in cycles; re-spent within 30 days
    assert "0 / 6" in figures  # nobody of the six dormant
    assert "60,00 NXT" in result["months_fr"].replace("\u202f", " ").replace("\u00a0", " ")
    assert result["charts"] >= 3
    assert "Aucun mois" in result["businesses"] and result["hash"] == "#/economy?region=7&kind=business"
    assert "No bonus run or stimulus" in result["multipliers_en"]
