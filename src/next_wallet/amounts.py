"""Amounts: what people type and read (12.50, 1 234,50 NXT) against what the ledger holds
(integers in hundredths). Parsing is exact: no float ever touches money, and nothing is guessed.

What `parse_amount` accepts, the same for `pay`, `sign` and every line of `batch-pay`:
- ASCII digits 0-9 only (no other script's digits, no sign, no currency symbol);
- an optional decimal separator, a point or a comma, followed by 1 or 2 digits: 12, 12.5, 12,50;
- thousands grouped by spaces only (a space, a no-break space U+00A0 or a narrow no-break space
  U+202F), in groups of three digits: 1 234,56 or 1 234 567.50.
What it refuses, naming why: a point or comma followed by three digits (1,234 or 1.234: thousands
or decimals? it is ambiguous, so it is an error), both a point and a comma (1.234,5), more than
2 decimals, zero, and anything above the ledger's bound.
"""

from __future__ import annotations

import re

from next_contracts.vocabulary import MAX_AMOUNT  # the ledger's own bound, in hundredths
from next_wallet.errors import BadInputError

DECIMALS = 2
SYMBOL = "NXT"
SPACES = " \u00a0\u202f"
_PLAIN = re.compile(r"[0-9]+")
_GROUPED = re.compile(r"[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+")
_DECIMALS = re.compile(r"[0-9]{1,2}")


def parse_amount(text: str) -> int:
    """'12.50', '12,5' or '1 234,50' -> hundredths; see the module's docstring for the rules."""
    shown = text.strip()
    if any(c.isdigit() and not c.isascii() for c in shown):
        raise BadInputError(f"not an amount: {text!r} has a digit that is not 0-9")
    if "." in shown and "," in shown:
        raise BadInputError(f"ambiguous amount {text!r}: write it without a thousands separator, like 1234.50")
    separators = [c for c in shown if c in ".,"]
    if len(separators) > 1:
        raise BadInputError(f"ambiguous amount {text!r}: group thousands with spaces, like 1 234 567,50")
    units, _, cents = shown.partition(separators[0]) if separators else (shown, "", "")
    if separators and len(cents) == 3 and cents.isdigit():
        raise BadInputError(
            f"ambiguous amount {text!r}: thousands or decimals? write 1234 or 1 234 for thousands, at most 2 decimals"
        )
    if separators and len(cents) > 3 and cents.isdigit():
        raise BadInputError(f"{text!r} has more than {DECIMALS} decimals: the smallest amount is 0.01")
    if not (_PLAIN.fullmatch(units) or _GROUPED.fullmatch(units)) or (separators and not _DECIMALS.fullmatch(cents)):
        raise BadInputError(f"not an amount: {text!r} (write it like 12.50, 12,50 or 1 234,50)")
    whole = int("".join(c for c in units if c not in SPACES))
    hundredths: int = whole * 10**DECIMALS + int(cents.ljust(DECIMALS, "0") or "0")
    if hundredths <= 0:
        raise BadInputError("the amount must be more than 0")
    if hundredths > MAX_AMOUNT:
        raise BadInputError(f"{text!r} is more than the ledger can hold")
    return hundredths


STYLES = ("fr", "plain")
_style = "fr"  # the process's own: next-wallet's --style, set once by its main (use_style)


def use_style(style: str) -> None:
    """Every amount this process writes, in its messages and its errors alike, in `style`."""
    global _style
    if style not in STYLES:
        raise ValueError(f"no amount style {style!r}: one of {', '.join(STYLES)}")
    _style = style


def format_amount(hundredths: int, *, style: str | None = None, symbol: bool = True) -> str:
    """`fr`: 1 234,50 NXT (narrow spaces between thousands, a comma for decimals); `plain`: 1234.50.
    Without `style`, the one of `use_style`."""
    style = style or _style
    sign = "-" if hundredths < 0 else ""
    units, cents = divmod(abs(hundredths), 10**DECIMALS)
    if style == "plain":
        text = f"{sign}{units}.{cents:02d}"
    else:
        grouped = f"{units:,}".replace(",", "\u202f")
        text = f"{sign}{grouped},{cents:02d}"
    return f"{text} {SYMBOL}" if symbol else text
