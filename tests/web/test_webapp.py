"""The members' web app in a real browser (Debian's Chromium, driven by playwright-core): served by
a real gateway over a real chain and index, the page unlocks a member's keystore (the CLI's file
format) in the browser, signs in, pays with a decimal comma through the relay, and finds the payment
in its history and its CSV; French and English switch; axe-core finds no serious violation; nothing
is fetched from outside the gateway."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import requests
from eth_account import Account

from next_contracts import keyfile, load_artifact
from next_contracts.constitution import GovernanceConfig, role_id
from next_contracts.deploy import GOVERNOR
from next_contracts.login import login
from next_contracts.vocabulary import reference
from next_node.db.engine import make_engine
from tests.node.test_bonus_api import festival_and_year_end
from tests.paths import ROOT
from tests.support.chain import call, later
from tests.wallet.conftest import admit, ledger_of

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLOWS = Path(__file__).parent
DIST = ROOT / "src" / "next_node" / "web" / "dist"
LONG_REF = "facture 2026-1234, atelier de réparation de vélos"  # 52 bytes: only its hash on-chain
ARTIFACTS = ROOT / "build" / "screenshots"  # kept after the run, as the test's artifacts
PASSWORD = "pain au levain"


def run_flow(script: str, *args: str) -> dict:
    """Runs a browser flow (tests/web/*.mjs) and returns what it saw; its errors fail the test."""
    done = subprocess.run(
        ["node", str(FLOWS / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "CHROMIUM": CHROMIUM},
    )
    assert done.returncode == 0, done.stderr
    result: dict = json.loads(done.stdout)
    assert result["errors"] == [], result["errors"]
    assert result["outside"] == []  # nothing from a CDN, a font service or anywhere else
    assert all(found == [] for found in result["violations"].values()), result["violations"]
    # Every audited page state, at 1280x900 and at 390x844 (a phone), fits the window's width.
    assert all(found == [] for found in result["overflow"].values()), result["overflow"]
    return result


def test_a_member_signs_in_pays_and_finds_it_in_its_history(w3, deployment, operator, following_gateway, tmp_path):
    assert (ROOT / "src" / "next_node" / "web" / "dist" / "index.html").exists(), (
        "the web app is not built: make webapp"
    )
    assert Path(CHROMIUM).exists(), "no Chromium: make chromium (Debian's package)"
    member, bakery = Account.create(), Account.create()
    admit(w3, deployment, operator, member.address, limit=100_000)
    admit(w3, deployment, operator, bakery.address, kind=1)
    # A proposal open to votes: the bakery proposes a fee of 0.3 %, the voting delay passes.
    later(w3, 1)  # the roll counts votes from the second after an admission
    governor = w3.eth.contract(deployment.governor, abi=load_artifact(GOVERNOR).abi)
    fee = ledger_of(w3, deployment).encode_abi("setFee", [30])
    call(
        w3, bakery, governor.functions.propose([deployment.ledger], [0], [bytes.fromhex(fee[2:])], "Commission à 0,3 %")
    )
    later(w3, GovernanceConfig().voting_delay + 1)
    keystore = tmp_path / "member.json"
    keystore.write_text(json.dumps(keyfile.encrypt(member.key, PASSWORD)))  # the CLI's own format
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    result = run_flow("member_flow.mjs", following_gateway, str(keystore), PASSWORD, bakery.address, str(ARTIFACTS))
    assert result["menu_folded"] and result["menu_folded_again"] and result["menu_on_desktop"]
    assert "Circulation" in result["health_fr"] and "Crédit utilisé" in result["health_fr"]
    assert "Credit in use" in result["health_en"]
    assert "Volume paid per day" in result["health_en"] and "fewer than 5 payers" in result["health_en"]
    assert "Wrong password" in result["wrong_password"]
    assert member.address in result["account_before"] and "NXT 1,000.00" in result["account_before"]
    assert "Montant invalide" in result["bad_amount"]  # 1,234 is neither 1 234 nor 1,23: refused
    assert "12,50 NXT" in result["summary"] and "0,03 NXT" in result["summary"]  # the fee, 0.2 % rounded up
    assert "Payé" in result["paid"]
    receipt = result["receipt"]
    assert "12,50" in receipt and "0,03" in receipt and "12,53" in receipt and "pain et croissants" in receipt
    assert bakery.address in receipt and member.address in receipt and "#/receipt?tx=0x" in result["receipt_link"]
    assert result["emptied"] == ""  # the form is cleared once paid
    assert "déjà payé 12,50" in result["again"] and "seconde fois" in result["again_refused"]
    assert "pain et croissants" in result["history"] and result["searched_rows"] == 1
    header, line = result["csv"].strip().splitlines()[:2]  # a statement a French spreadsheet opens as it is
    assert header.startswith("\ufeffdate;heure;sens;avec;de;à;montant;cotisation;référence")
    assert (
        ";payé;" in line
        and ";12,50;0,03;pain et croissants;" in line
        and re.match(r"\d\d/\d\d/20\d\d;\d\d:\d\d;", line)
    )
    assert "Aucune allocation" in result["allowances"]
    assert f"#/pay?to={member.address}&amount=7.20&ref=facture+12" in result["request_link"]
    assert result["prefilled"] == [member.address, "7.20", "facture 12"]
    assert result["prefilled_after_sign_in"] == "7.20"
    bad = result["batch_bad"]
    # The split comma, the short address: named in the page's language (the gateway's catalogue).
    assert "ligne 2 :" in bad and "ligne 3 :" not in bad and "ligne 4 : adresse du bénéficiaire invalide" in bad
    good = result["batch_good"]
    assert "2 ligne(s), total 7,00 NXT" in good and "Ligne 3 :" in good and "n'est pas membre" in good
    assert "vote ouvert" in result["proposals"] and "pour 1, contre 0" in result["proposals"]
    assert "Vous avez voté : Pour" in result["proposals"] and result["vote_buttons_after"] == 0
    assert "pas une valeur de cotisation : 'beaucoup'" in result["propose_refused"]
    assert "Commission à 0,4 % pour la réserve" in result["propose_draft"]
    assert "Commission à 0,4 % pour la réserve" in result["proposals_after"]
    # Its call, in French words, under its description (which names its kind: no warning).
    assert "fixer la cotisation sur les paiements à 0,4\u202f% (le registre des comptes)" in result["proposals_after"]
    assert "Attention" not in result["proposals_after"]
    created = governor.events.ProposalCreated.get_logs(from_block=0)
    first, proposed = (log["args"] for log in created)
    assert governor.functions.hasVoted(first["proposalId"], member.address).call()
    assert proposed["proposer"] == member.address and proposed["description"] == "Commission à 0,4 % pour la réserve"
    assert proposed["calldatas"] == [bytes.fromhex(ledger_of(w3, deployment).encode_abi("setFee", [40])[2:])]
    ledger = ledger_of(w3, deployment).functions
    assert ledger.balanceOf(bakery.address).call() == 1_250
    assert ledger.balanceOf(member.address).call() == -1_253
    assert (ARTIFACTS / "pay.png").stat().st_size > 0
    print(f"webapp_first_load_ms={result['first_load_ms']}")  # a figure for the README, not a test of time


def test_staff_admit_and_set_a_line_in_the_page_and_are_refused_in_words(
    w3, deployment, operator, following_gateway, tmp_path
):
    """A registrar and committee key that is no member: its calls go through the relay, each held
    by the gateway's pre-flight to the roles it holds."""
    staff, newcomer, stranger = Account.create(), Account.create(), Account.create()
    ledger = ledger_of(w3, deployment)
    for role in ("REGISTRAR_ROLE", "CREDIT_COMMITTEE_ROLE"):
        call(w3, operator, ledger.functions.grantRole(role_id(role), staff.address))
    payer, payee = Account.create(), Account.create()  # a payment today, for the daily chart
    for account in (payer, payee):
        admit(w3, deployment, operator, account.address)
    call(w3, payer, ledger.functions.pay(payee.address, 100, b"\x00" * 32))
    keystore = tmp_path / "registrar.json"
    keystore.write_text(json.dumps(keyfile.encrypt(staff.key, PASSWORD)))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    args = (following_gateway, str(keystore), PASSWORD, newcomer.address, stranger.address, str(ARTIFACTS))
    result = run_flow("staff_flow.mjs", *args)
    state = ledger.functions.accountOf(newcomer.address).call()
    assert (state[1], state[2], state[3], state[4], state[5]) == (
        50_000,
        2_000_000,
        1,
        1,
        2,
    )  # active business, region 2
    assert result["bars"] >= 1  # today's payment, which staff see
    # The refusal in the page's language: the gateway says it in French to a French page.
    assert "Refusé" in result["refused"] and "n'est pas membre" in result["refused"], result["refused"]
    assert "ne peut pas être annulée" in result["unsure"] and result["status_in_view"]  # 1,427 px down before
    assert ledger.functions.accountOf(newcomer.address).call()[3] == 1  # still active: nothing was signed


def test_the_gateway_serves_the_app_under_a_strict_policy(w3, deployment, tmp_path):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from next_node.api.app import create_app
    from next_node.api.webapp import install_webapp

    client = TestClient(create_app(make_engine(f"sqlite:///{tmp_path / 'index.db'}"), deployment, w3))
    home = client.get("/", follow_redirects=False)
    assert home.status_code in (302, 307) and home.headers["location"] == "/app/"
    page = client.get("/app/")
    assert page.status_code == 200 and "<title>NExT</title>" in page.text
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert client.get("/app/app.js").headers["content-type"].startswith(("text/javascript", "application/javascript"))
    worker = client.get("/app/sw.js").text  # caches the app and what it imports at once, not the QR reader
    chunks = re.findall(r'"(chunks/[\w-]+\.js)"', worker)
    assert not any(c.startswith("chunks/scan-") for c in chunks) and re.search(r'"next-shell-[0-9a-f]{12}"', worker)
    assert all(client.get(f"/app/{c}").status_code == 200 for c in chunks)
    # Compressed for a browser that takes gzip; a hashed chunk cached for a year, the rest revalidated.
    script = client.get("/app/app.js", headers={"Accept-Encoding": "gzip"})
    assert script.headers["content-encoding"] == "gzip" and script.headers["vary"] == "Accept-Encoding"
    assert int(script.headers["content-length"]) < 0.5 * len(script.content)  # httpx inflated it
    assert script.headers["cache-control"] == "no-cache" and "content-security-policy" in script.headers
    plain = client.get("/app/app.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == script.content
    scan = next(p for p in (DIST / "chunks").iterdir() if p.name.startswith("scan-") and p.suffix == ".js")
    lazy = client.get(f"/app/chunks/{scan.name}", headers={"Accept-Encoding": "gzip, br"})
    assert lazy.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert lazy.headers["content-encoding"] == "gzip"
    assert client.get("/app/", headers={"Accept-Encoding": "gzip"}).headers["content-encoding"] == "gzip"
    assert client.get("/app/%2e%2e/%2e%2e/pyproject.toml").status_code == 404
    assert "content-security-policy" not in client.get("/ledger").headers  # the API's JSON needs none

    bare = FastAPI()
    install_webapp(bare, tmp_path / "nothing")
    missing = TestClient(bare).get("/app/")
    assert missing.status_code == 404 and "make webapp" in missing.text


def test_the_auditor_opens_a_report_from_its_own_disk(w3, deployment, following_gateway, tmp_path):
    """A report as next-audit writes it (its own Report class, here in English): a failing check's
    finding and a check that did not run said in the page's French from their codes, the figures
    shown; a file that is no report refused."""
    from next_audit.report import Failure, Report
    from next_audit.sentences import money

    report = Report(4242, deployment.ledger, 0, 1_234, "0x" + "ab" * 32)
    report.check("chain.integrity", Failure.CHAIN, "blocks").checked = 1_235
    rules = report.check("ledger.rules", Failure.LEDGER_RULES, "events")
    rules.fail("0x" + "cd" * 20, "audit.ledger.past_limit", amount=money(1_250), fee=money(5),
               balance=money(-49_900), limit=money(50_000), tx="0xfeed", block=1_200)  # fmt: skip
    report.check("gateway.stats", Failure.GATEWAY, "figures").skip("audit.gateway.behind", indexed=1_200, block=1_234)
    report.figures.update({"payments": 2_400, "reserve": 1_520, "coverage_ratio": 0.0034})
    (tmp_path / "report.json").write_text(report.to_json())
    (tmp_path / "not.json").write_text('{"hello": "world"}')
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    args = (following_gateway, str(tmp_path / "report.json"), str(tmp_path / "not.json"), str(ARTIFACTS))
    result = run_flow("audit_flow.mjs", *args)
    assert "pas un rapport" in result["refused"]
    shown = result["shown"]
    assert "Résultat : échoué, blocs 0 à 1234" in shown and "chain.integrity" in shown and "échoué" in shown
    plain = shown.replace("\u202f", " ").replace("\u00a0", " ")
    assert "a payé 12,50 NXT + 0,05 NXT depuis -499,00 NXT, au-delà de sa limite de crédit de 500,00 NXT" in plain
    assert "dans 0xfeed (bloc 1200)" in plain and "2 400" in plain
    assert "non exécuté : la passerelle n'a indexé que jusqu'au bloc 1200, avant le bloc audité 1234" in plain
    # In their units and in French: a reserve of 15,20 (not 1 520), a coverage of 0,34 % (not 0).
    assert "Réserve\n15,20 NXT" in plain and "0,34 %" in plain and "1 235 blocs" in plain
    assert "liens entre blocs" in shown  # the check's words in French


def test_a_council_sees_its_runs_issued_spent_and_lapsed(w3, deployment, operator, following_gateway, tmp_path):
    runs = festival_and_year_end(w3, deployment, operator)
    keystore = tmp_path / "council.json"
    keystore.write_text(json.dumps(keyfile.encrypt(runs.council.key, PASSWORD)))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    result = run_flow("runs_flow.mjs", following_gateway, str(keystore), PASSWORD, str(ARTIFACTS))
    year_end, festival = (" ".join(r.replace("\u202f", " ").replace("\u00a0", " ").split()) for r in result["runs"])
    assert "« year-end »" in year_end and "Ouverte jusqu'au" in year_end and "toute catégorie" in year_end
    assert "Émis 5,00 NXT" in year_end and "Rien de dépensé encore" in year_end
    assert "« festival »" in festival and "Expirée le" in festival and "à dépenser : culture" in festival
    assert "Bénéficiaires 3" in festival and "Dépensé 9,00 NXT" in festival
    assert "Perdu à l'expiration 21,00 NXT" in festival
    assert "commerce de proximité 9,00 NXT" in festival and f"{runs.bookshop.address} 9,00 NXT" in festival


def test_a_member_pays_by_scanning_a_request_with_the_camera_or_a_photo(
    w3, deployment, operator, following_gateway, tmp_path
):
    """The camera is Chromium's fake capture device playing a video of the bakery's request code."""
    member, bakery = Account.create(), Account.create()
    admit(w3, deployment, operator, member.address, limit=100_000)
    admit(w3, deployment, operator, bakery.address, kind=1)
    keystore = tmp_path / "member.json"
    keystore.write_text(json.dumps(keyfile.encrypt(member.key, PASSWORD)))
    link = f"{following_gateway}/app/#/pay?to={bakery.address}&amount=4.80&ref=baguettes"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    result = run_flow("scan_flow.mjs", following_gateway, str(keystore), PASSWORD, link, str(ARTIFACTS))
    assert result["scanned"] == [bakery.address, "4.80", "baguettes"] and "QR code lu" in result["scan_status"]
    assert result["camera_off"]  # the camera stops once a code is read
    assert "4,80 NXT" in result["summary"] and bakery.address in result["summary"]
    assert result["photo"] == ["0x00000000000000000000000000000000000000a1", ""]  # an EIP-681 address
    assert "pas le QR code d'un paiement" in result["not_payment"]


def test_a_council_pays_a_batch_file_from_the_page_each_line_once(
    w3, deployment, operator, following_gateway, tmp_path
):
    council, payees = Account.create(), [Account.create() for _ in range(4)]
    admit(w3, deployment, operator, council.address, kind=2, limit=10_000_000)
    for payee in payees:
        admit(w3, deployment, operator, payee.address)
    keystore = tmp_path / "council.json"
    keystore.write_text(json.dumps(keyfile.encrypt(council.key, PASSWORD)))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    addresses = ",".join(p.address for p in payees)
    result = run_flow("batch_flow.mjs", following_gateway, str(keystore), PASSWORD, addresses, str(ARTIFACTS))
    assert "3 ligne(s) sur 3 payées" in result["first"] and "(0 l'étaient déjà)" in result["first"]
    assert "3 ligne(s) sur 3 payées" in result["again"] and "(3 l'étaient déjà)" in result["again"]
    assert "Ligne 3 :" in result["conflict"] and "pas 25,00 NXT" in result["conflict"]
    assert "4 ligne(s) sur 4 payées" in result["more"] and "(3 l'étaient déjà)" in result["more"]
    balance = ledger_of(w3, deployment).functions.balanceOf
    assert [balance(p.address).call() for p in payees] == [1_000, 2_000, 3_000, 4_000]  # each once


def test_a_newcomer_creates_its_key_in_the_browser_then_pays_with_it(w3, deployment, operator, following_gateway):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    created = run_flow("new_key_flow.mjs", "create", following_gateway, PASSWORD, str(ARTIFACTS))
    keystore = json.loads(Path(created["file"]).read_text())
    address = Account.from_key(Account.decrypt(keystore, PASSWORD)).address  # the CLI's format and password
    assert address in created["status"] and "Nouvelle clé créée" in created["status"]
    assert "trop faible" in created["weak"] and "pas les mêmes" in created["mismatch"]
    assert "Gardez ce fichier" in created["steps"] and address in created["steps"]  # to give the registrar
    assert "Fichier téléchargé" in created["saved"]
    shop = Account.create()
    admit(w3, deployment, operator, address, limit=100_000)  # the registrar admits the address it was given
    admit(w3, deployment, operator, shop.address, kind=1)
    args = (following_gateway, created["file"], PASSWORD, shop.address, str(ARTIFACTS))
    paid = run_flow("new_key_flow.mjs", "pay", *args)
    assert "premier achat" in paid["history"] and "3,10" in paid["history"]
    assert ledger_of(w3, deployment).functions.balanceOf(shop.address).call() == 310


def test_a_tab_left_open_signs_in_again_by_itself(w3, deployment, operator, short_token_gateway, tmp_path):
    """Tokens expire (15 minutes; 3 s here): while the key is unlocked in the page, the page signs in
    again and repeats the call, on the same page: no "token has expired", no reload."""
    member, shop = Account.create(), Account.create()
    admit(w3, deployment, operator, member.address, limit=100_000)
    admit(w3, deployment, operator, shop.address, kind=1)
    keystore = tmp_path / "member.json"
    keystore.write_text(json.dumps(keyfile.encrypt(member.key, PASSWORD)))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    result = run_flow("session_flow.mjs", short_token_gateway, str(keystore), PASSWORD, shop.address, str(ARTIFACTS))
    assert "2,00 NXT" in result["summary"]
    assert member.address in result["account"] and "expired" not in result["account"] + result["status"]


def test_the_whole_history_pages_on_and_exports_as_a_french_statement(
    w3, deployment, operator, following_gateway, tmp_path
):
    """The history stopped at 200 rows: it now shows a page, then older pages on demand, and the
    export holds every movement."""
    member, shop = Account.create(), Account.create()
    admit(w3, deployment, operator, member.address, limit=100_000)
    admit(w3, deployment, operator, shop.address, kind=1, limit=100_000)
    ledger = ledger_of(w3, deployment)
    for n in range(60):
        call(w3, shop, ledger.functions.pay(member.address, 100 + n, f"ticket {n}".encode().ljust(32, b"\x00")))
    # A reference longer than the chain's 32 bytes: its hash on-chain, its words given by the shop.
    call(w3, shop, ledger.functions.pay(member.address, 5_000, reference(LONG_REF)))
    token = login(following_gateway, shop).token
    kept = requests.post(f"{following_gateway}/references", json={"text": LONG_REF}, timeout=30,
                         headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert kept.status_code == 200 and kept.json()["kept"], kept.text
    head = w3.eth.block_number
    for _ in range(100):  # the gateway's index reaches the last payment before the page opens
        if requests.get(f"{following_gateway}/stats", timeout=30).json()["indexed_block"] >= head:
            break
        time.sleep(0.1)
    keystore = tmp_path / "member.json"
    keystore.write_text(json.dumps(keyfile.encrypt(member.key, PASSWORD)))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    result = run_flow("history_flow.mjs", following_gateway, str(keystore), PASSWORD, str(ARTIFACTS))
    assert result["first_page"] == 50 and result["all_rows"] == 61 and result["more_hidden"]
    lines = result["csv"].strip().splitlines()
    assert len(lines) == 62 and ";reçu;" in lines[1] and f";50,00;0,10;{LONG_REF};" in lines[1]
    assert ";1,59;0,01;ticket 59;" in lines[2] and result["long_ref_shown"]
    assert "61 mouvement(s)" in result["status"]


def test_people_have_names_in_the_directory_the_pay_form_the_receipt_and_the_history(
    w3, deployment, operator, following_gateway, tmp_path
):
    bakery, member = Account.create(), Account.create()
    admit(w3, deployment, operator, bakery.address, kind=1)
    admit(w3, deployment, operator, member.address, limit=100_000)
    keystores = []
    for name, account in (("bakery", bakery), ("member", member)):
        keystores.append(tmp_path / f"{name}.json")
        keystores[-1].write_text(json.dumps(keyfile.encrypt(account.key, PASSWORD)))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    result = run_flow("people_flow.mjs", following_gateway, *map(str, keystores), PASSWORD, str(ARTIFACTS))
    assert "Boulangerie du Levain — Lyon" in result["directory"] and "mar-sam 7h-19h" in result["directory"]
    assert result["picked"] == bakery.address
    assert "Boulangerie du Levain (0x" in result["summary"]
    assert "Boulangerie du Levain" in result["receipt"] and bakery.address in result["receipt"]  # the full address too
    assert "Boulangerie du Levain" in result["history"]
    assert "★" in result["contacts"] and "Boulangerie du Levain" in result["contacts"]
    assert ledger_of(w3, deployment).functions.balanceOf(bakery.address).call() == 420
