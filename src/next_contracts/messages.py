"""Every sentence the gateway, the wallet and the web app say, from one catalogue (messages.json):
a code, and its sentence in French and English with {named} arguments. The web app's build imports
the same file. A test checks that every code has both sentences, with the same arguments.

And the reader's formats: amounts, percentages and dates as a French or an English reader writes
them. French for a reader who asks it (the wallet's LANG=fr_FR.UTF-8 or --lang fr, a browser's
Accept-Language); English, the program's own words, for one who names neither (LANG=C, unset).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES = ("en", "fr")
SYMBOL = "NXT"
NARROW_SPACE = "\u202f"  # French groups thousands with it, and sets it before %, : and ;


@cache
def catalogue() -> dict[str, dict[str, str]]:
    text = resources.files("next_contracts").joinpath("messages.json").read_text(encoding="utf-8")
    loaded: dict[str, dict[str, str]] = json.loads(text)
    return loaded


class Phrase(str):
    """An argument that is itself a code of the catalogue ("status.is.frozen"): said in the
    sentence's language, and given as its code where a client reads the arguments."""


def say(code: str, language: str, /, **args: Any) -> str:
    """The sentence `code` in `language` (French or English), its {names} filled from `args`, a
    Phrase said in the same language. An unknown code is a bug of ours: it raises KeyError."""
    language = language if language in LANGUAGES else "en"
    said = {name: say(value, language) if isinstance(value, Phrase) else value for name, value in args.items()}
    return catalogue()[code][language].format(**said)


def status_phrase(status: str) -> Phrase:
    """A member's status as a sentence's verb: "… is frozen", "… est gelé"."""
    return Phrase(f"status.is.{status}")


def language_of_header(accept_language: str | None) -> str:
    """The language a client reads, of those spoken here: its Accept-Language, in order of
    preference; English when it names neither."""
    ranked = []
    for position, entry in enumerate((accept_language or "")[:200].split(",")):
        tag, _, weight = entry.strip().partition(";q=")
        try:
            q = float(weight) if weight else 1.0
        except ValueError:
            q = 0.0
        ranked.append((-q, position, tag.split("-")[0].split("_")[0].strip().lower()))
    return next((tag for _, _, tag in sorted(ranked) if tag in LANGUAGES), "en")


def language_of_environment(environ: Mapping[str, str] = os.environ, default: str = "en") -> str:
    """The language of a terminal, as gettext reads it: LANGUAGE, LC_ALL, LC_MESSAGES, then LANG
    (fr_FR.UTF-8 -> fr); `default` when none names a language spoken here (C, POSIX, unset: a
    program's own words, English, as gettext does)."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        for entry in environ.get(name, "").split(":"):
            tag = entry.split(".")[0].split("_")[0].split("-")[0].lower()
            if tag in LANGUAGES:
                return tag
    return default


def grouped(units: int, language: str) -> str:
    """A whole number with its thousands: 1 234 567 (fr, narrow spaces), 1,234,567 (en)."""
    text = f"{units:,}"
    return text.replace(",", NARROW_SPACE) if language == "fr" else text


def amount(hundredths: int, language: str, *, symbol: bool = True) -> str:
    """Hundredths as a reader writes money, exactly (no float): 1 234,50 NXT (fr), 1,234.50 NXT (en)."""
    sign = "-" if hundredths < 0 else ""
    units, cents = divmod(abs(hundredths), 100)
    separator = "," if language == "fr" else "."
    text = f"{sign}{grouped(units, language)}{separator}{cents:02d}"
    return f"{text} {SYMBOL}" if symbol else text


def percent(basis_points: int, language: str) -> str:
    """Basis points as a percentage: 0,35 % (fr), 0.35% (en)."""
    whole, rest = divmod(abs(basis_points), 100)
    digits = f"{whole}.{rest:02d}".rstrip("0").rstrip(".")
    sign = "-" if basis_points < 0 else ""
    return f"{sign}{digits.replace('.', ',')}{NARROW_SPACE}%" if language == "fr" else f"{sign}{digits}%"


def number(value: float, language: str, digits: int = 2) -> str:
    """A ratio or a count as a reader writes it: 1,74 (fr), 1.74 (en); at most `digits` decimals."""
    text = f"{value:,.{digits}f}"
    if digits:
        text = text.rstrip("0").rstrip(".")
    if language == "fr":
        text = text.replace(",", " ").replace(".", ",").replace(" ", NARROW_SPACE)
    return text


_MONTHS = {
    "fr": ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def moment(seconds: int, language: str, *, utc: bool = False) -> str:
    """A block's time as a reader writes it, in the machine's time zone: 7 déc. 2026 18:37 (fr),
    7 Dec 2026 18:37 (en)."""
    at = time.gmtime(seconds) if utc else time.localtime(seconds)
    month = _MONTHS["fr" if language == "fr" else "en"][at.tm_mon - 1]
    return f"{at.tm_mday} {month} {at.tm_year} {at.tm_hour:02d}:{at.tm_min:02d}"
