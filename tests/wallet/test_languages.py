"""The wallet in French and in English: it follows the terminal's LANG (as gettext reads it) or
--lang, every sentence from the one catalogue, amounts and percentages as the reader writes them."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from next_audit.cli import parser as audit_parser
from next_contracts.help_texts import speak
from next_wallet.cli import build_parser as wallet_parser
from next_wallet.errors import ExitStatus
from tests.support.chain import later
from tests.wallet.conftest import admit, new_member
from tests.wallet.test_cli import PW, create
from tests.wallet.test_governance_cli import member


def test_lang_fr_says_a_refusal_in_french_with_the_same_exit_code(wallet):
    create(wallet, "alice")
    english = wallet("pay", "alice", "0x" + "11" * 20, "1,234", "--yes", *PW)
    french = wallet("--lang", "fr", "pay", "alice", "0x" + "11" * 20, "1,234", "--yes", *PW)
    assert english.code == french.code == ExitStatus.BAD_INPUT
    assert english.err.startswith("next-wallet: ambiguous amount '1,234': thousands or decimals?")
    assert french.err.startswith("next-wallet: montant ambigu '1,234' : milliers ou décimales ?")


def test_a_french_terminal_reads_its_balance_in_french(wallet, w3, deployment, operator, monkeypatch):
    address = create(wallet, "alice")
    admit(w3, deployment, operator, address, limit=123_450, ceiling=2_707_409)
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    french = wallet("balance", "alice").out
    assert "limite de crédit  1\u202f234,50 NXT" in french and "plafond           27\u202f074,09 NXT" in french
    assert "statut            actif (particulier, région 1)" in french
    # --lang wins over LANG; English amounts for an English reader who named English.
    english = wallet("--lang", "en", "balance", "alice").out
    assert "credit limit      1,234.50 NXT" in english and "status            active (individual, region 1)" in english
    monkeypatch.setenv("LANG", "C.UTF-8")  # a terminal that names no language: English, French amounts
    assert "credit limit      1\u202f234,50 NXT" in wallet("balance", "alice").out


def test_a_french_council_reads_its_bad_lines_in_french(wallet, w3, deployment, operator, tmp_path, monkeypatch):
    council = create(wallet, "council")
    admit(w3, deployment, operator, council, limit=10**8, ceiling=10**8, kind=2)
    payee = new_member(w3, deployment, operator).address
    path = tmp_path / "primes.csv"
    path.write_text(f"adresse;montant\n{payee};10,00\n0x1234;10,00\n{payee};1,234\n{'0x' + '55' * 20};1,00\n")
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    result = wallet("batch-pay", "council", str(path), "--yes", *PW)
    assert result.code == ExitStatus.BAD_INPUT
    said = result.err.splitlines()
    assert said[0] == "ligne 3 : adresse du bénéficiaire invalide : '0x1234' (0x et 40 chiffres hexadécimaux)"
    assert said[1].startswith("ligne 4 : montant ambigu '1,234'")
    assert said[-1] == "next-wallet: 3 ligne(s) refusée(s) : rien n'a été signé ni envoyé"
    path.write_text(f"adresse;montant\n{payee};10,00\n{'0x' + '55' * 20};1,00\n")
    result = wallet("batch-pay", "council", str(path), "--yes", *PW)
    assert f"ligne 3 : {'0x' + '55' * 20} ne peut être payé : il n'est pas membre" in result.err


def test_a_proposal_is_summed_up_in_the_proposers_language(wallet, w3, deployment, operator):
    member(wallet, w3, deployment, operator, "erin")
    later(w3, 1)  # its vote counts from the block after its admission
    result = wallet("--json", "--lang", "fr", "propose", "erin", "fee", "0,35", "--yes", *PW)
    assert result.code == 0, result.err
    description = json.loads(result.out)["description"]
    assert description.startswith(
        "fixer la cotisation sur les paiements à 0,35\u202f% (35 points de base) (proposé le "
    )
    listed = wallet("--lang", "fr", "proposals", "--all").out
    assert "[cotisation] fixer la cotisation sur les paiements à 0,35\u202f% (le registre des comptes)" in listed
    assert "pour 0, contre 0, abstention 0" in listed


def _help_texts(parser: argparse.ArgumentParser, place: str = "") -> dict[str, str | None]:
    """Every help text of a parser and its commands, by where it stands."""
    texts: dict[str, str | None] = {f"{place}:description": parser.description, f"{place}:epilog": parser.epilog}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            texts |= {f"{place} {listed.dest}:listed": listed.help for listed in action._choices_actions}
            for name, command in action.choices.items():
                texts |= _help_texts(command, f"{place} {name}")
        elif not isinstance(action, argparse._HelpAction):
            texts[f"{place}:{action.dest}"] = action.help
    return texts


@pytest.mark.parametrize(("build", "place"), [(wallet_parser, "wallet"), (audit_parser, "audit")])
def test_every_help_text_is_said_from_the_catalogue_in_both_languages(build, place):
    """The catalogue's English is the sources' own (a help text changed in one place only fails
    here), and each text has its French."""
    sources = _help_texts(build())
    assert _help_texts(speak(build(), "en", place)) == sources
    french = _help_texts(speak(build(), "fr", place))
    said = [where for where, text in sources.items() if text]
    untranslated = [where for where in said if french[where] == sources[where]]
    assert len(said) > (150 if place == "wallet" else 12)
    assert len(untranslated) <= 2, untranslated  # "environment, solidarity, knowledge" stays as typed


def test_a_french_terminal_gets_its_help_and_its_usage_errors_in_french(tmp_path):
    """Through the installed command, as a terminal runs it."""

    def run(*args: str, lang: str = "fr_FR.UTF-8") -> subprocess.CompletedProcess[str]:
        environment = {**os.environ, "LANG": lang, "NEXT_WALLET_HOME": str(tmp_path)}
        command = [str(Path(sys.executable).with_name("next-wallet")), *args]
        return subprocess.run(command, capture_output=True, text=True, env=environment, timeout=60, check=False)

    shown = run("pay", "--help")
    assert shown.returncode == 0 and shown.stdout.startswith("utilisation : next-wallet pay")
    assert "payer un membre : montre la cotisation et le total" in shown.stdout
    assert "afficher cette aide et quitter" in shown.stdout and "l'adresse du bénéficiaire" in shown.stdout
    refused = run("pay", "alice")
    assert refused.returncode == 2
    assert "next-wallet pay : erreur : ces arguments sont requis : to, amount" in refused.stderr
    assert "erreur : argument --lang : choix invalide : 'de'" in run("--lang", "de", "list").stderr
    english = run("--lang", "en", "pay", "alice")
    assert "next-wallet pay: error: the following arguments are required: to, amount" in english.stderr
    assert "utilisation :" not in run("--help", lang="C.UTF-8").stdout
