"""The one catalogue of sentences (next_contracts/messages.json), which the gateway, the wallet and
the web app all say from: every code in French and English, with the same arguments, and every code
the code names is in it. And the reader's formats."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from next_contracts.messages import (
    LANGUAGES,
    Phrase,
    amount,
    catalogue,
    language_of_environment,
    language_of_header,
    percent,
    say,
)

ROOT = Path(__file__).resolve().parents[1]


def _names(sentence: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(sentence) if name is not None}


def test_every_code_is_said_in_both_languages_with_the_same_arguments():
    for code, sentences in catalogue().items():
        assert set(sentences) == set(LANGUAGES), code
        assert all(sentences[language].strip() for language in LANGUAGES), code
        assert _names(sentences["fr"]) == _names(sentences["en"]), code


# A code as the Python sources name it: a string of a namespace the catalogue owns.
PYTHON_CODE = re.compile(r"\"((?:gateway|wallet|status|member|ledger)\.[a-z0-9_.-]+)\"")
AUDIT_CODE = re.compile(r"\"(audit\.[a-z0-9_.-]+)\"")
# A check of the auditor, with the unit it counts: report.check("ledger.rules", Failure.X, "events").
AUDIT_CHECK = re.compile(r"check\(\"([a-z_.]+)\", Failure\.\w+, \"(\w+)\"\)")
# A code as the web app names it: t("...") with a literal key.
WEB_CODE = re.compile(r"\bt\(\s*\"([a-z0-9_.-]+)\"")


def test_every_code_the_sources_name_is_in_the_catalogue():
    named = {
        code: path
        for package in ("next_contracts", "next_node", "next_wallet")  # the auditor's checks are named gateway.*
        for path in (ROOT / "src" / package).rglob("*.py")
        for code in PYTHON_CODE.findall(path.read_text(encoding="utf-8"))
    }
    named |= {  # the auditor's findings, reasons and actions
        code: path
        for path in (ROOT / "src" / "next_audit").rglob("*.py")
        for code in AUDIT_CODE.findall(path.read_text(encoding="utf-8"))
    }
    named |= {
        code: path
        for path in (ROOT / "webapp" / "src").rglob("*.js")
        for code in WEB_CODE.findall(path.read_text(encoding="utf-8"))
    }
    assert len(named) > 250  # the scan finds the codes (a pattern gone wrong would find none)
    missing = {code: str(path.relative_to(ROOT)) for code, path in named.items() if code not in catalogue()}
    assert missing == {}


def test_every_check_of_the_auditor_says_what_it_verifies_and_what_it_counts():
    checks = {
        found for path in (ROOT / "src" / "next_audit").rglob("*.py") for found in AUDIT_CHECK.findall(path.read_text())
    }
    assert len(checks) >= 13
    missing = [
        code
        for name, unit in checks
        for code in (f"audit.what.{name}", f"audit.unit.{unit}")
        if code not in catalogue()
    ]
    assert missing == []


def test_a_sentence_fills_its_arguments_and_says_its_phrases_in_its_own_language():
    assert say("gateway.not_carried", "fr", address="0xA", status=Phrase("status.is.frozen")).endswith("0xA est gelé")
    assert say("gateway.not_carried", "en", address="0xA", status=Phrase("status.is.frozen")).endswith("0xA is frozen")
    assert say("gateway.no_member", "de", address="0xA") == "no member with address 0xA"  # English for the rest
    with pytest.raises(KeyError):
        say("gateway.no_such_code", "fr")


@pytest.mark.parametrize(
    ("environment", "language"),
    [
        ({"LANG": "fr_FR.UTF-8"}, "fr"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LANG": "fr_FR.UTF-8", "LC_ALL": "en_US.UTF-8"}, "en"),  # LC_ALL first, as gettext
        ({"LANGUAGE": "de:en", "LANG": "fr_FR.UTF-8"}, "en"),  # the first language spoken here
        ({"LANG": "C.UTF-8"}, "en"),  # a program's own words, as gettext
        ({}, "en"),
    ],
)
def test_a_terminal_language_is_read_as_gettext_reads_it(environment, language):
    assert language_of_environment(environment) == language


@pytest.mark.parametrize(
    ("header", "language"),
    [("fr-FR,fr;q=0.9,en;q=0.8", "fr"), ("en;q=0.2, fr;q=0.8", "fr"), ("de", "en"), (None, "en"), ("fr;q=abc", "fr")],
)
def test_a_client_language_is_its_accept_language(header, language):
    assert language_of_header(header) == language


def test_amounts_and_percentages_in_the_readers_locale():
    assert amount(2707409, "fr") == "27\u202f074,09 NXT"
    assert amount(2707409, "en") == "27,074.09 NXT"
    assert amount(-5, "fr") == "-0,05 NXT"
    assert amount(10**40 + 1, "en").endswith(",000.01 NXT")  # exact, never a float
    assert (percent(35, "fr"), percent(35, "en"), percent(200, "fr"), percent(1, "en")) == (
        "0,35\u202f%",
        "0.35%",
        "2\u202f%",
        "0.01%",
    )
