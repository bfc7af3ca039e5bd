"""Amounts and addresses: what people type and read (12.50, 1 234,50 NXT, 0x...) against what the
ledger holds (integers in hundredths, checksummed addresses), the same for the wallet and the
gateway. Parsing is exact: no float ever touches money, and nothing is guessed.

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

from eth_utils.address import is_checksum_address, to_checksum_address

from next_contracts import messages
from next_contracts.messages import Phrase
from next_contracts.said import BadInput
from next_contracts.vocabulary import MAX_AMOUNT  # the ledger's own bound, in hundredths

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
        raise BadInput.said("wallet.amount.digit", text=repr(text))
    if "." in shown and "," in shown:
        raise BadInput.said("wallet.amount.both", text=repr(text))
    separators = [c for c in shown if c in ".,"]
    if len(separators) > 1:
        raise BadInput.said("wallet.amount.separators", text=repr(text))
    units, _, cents = shown.partition(separators[0]) if separators else (shown, "", "")
    if separators and len(cents) == 3 and cents.isdigit():
        raise BadInput.said("wallet.amount.three", text=repr(text))
    if separators and len(cents) > 3 and cents.isdigit():
        raise BadInput.said("wallet.amount.decimals", text=repr(text), decimals=DECIMALS)
    if not (_PLAIN.fullmatch(units) or _GROUPED.fullmatch(units)) or (separators and not _DECIMALS.fullmatch(cents)):
        raise BadInput.said("wallet.amount.not", text=repr(text))
    whole = int("".join(c for c in units if c not in SPACES))
    hundredths: int = whole * 10**DECIMALS + int(cents.ljust(DECIMALS, "0") or "0")
    if hundredths <= 0:
        raise BadInput.said("wallet.amount.zero")
    if hundredths > MAX_AMOUNT:
        raise BadInput.said("wallet.amount.too_big", text=repr(text))
    return hundredths


STYLES = ("fr", "en", "plain")
_style = "fr"  # the process's own: next-wallet's --style, set once by its main (use_style)


def use_style(style: str) -> None:
    """Every amount this process writes, in its messages and its errors alike, in `style`."""
    global _style
    if style not in STYLES:
        raise ValueError(f"no amount style {style!r}: one of {', '.join(STYLES)}")
    _style = style


def format_amount(hundredths: int, *, style: str | None = None, symbol: bool = True) -> str:
    """`fr`: 1 234,50 NXT (narrow spaces between thousands, a comma for decimals); `en`: 1,234.50
    NXT; `plain`: 1234.50. Without `style`, the one of `use_style`."""
    style = style or _style
    if style == "plain":
        sign = "-" if hundredths < 0 else ""
        units, cents = divmod(abs(hundredths), 10**DECIMALS)
        return f"{sign}{units}.{cents:02d} {SYMBOL}" if symbol else f"{sign}{units}.{cents:02d}"
    return messages.amount(hundredths, style, symbol=symbol)


def checked_address(text: str, what: str = "address") -> str:
    """A checksummed address, or a one-line error that says what is wrong with it; `what` names it
    (the catalogue's wallet.what.WHAT: payee, member, ledger, ...)."""
    named = Phrase(f"wallet.what.{what}")
    text = text.strip()
    digits = text[2:]
    if not (text.startswith("0x") and len(digits) == 40 and all(c in "0123456789abcdefABCDEF" for c in digits)):
        raise BadInput.said("wallet.address.invalid", what=named, text=repr(text))
    # Mixed case carries a checksum (EIP-55) that catches a mistyped letter; one case carries none.
    mixed = digits != digits.lower() and digits != digits.upper()
    if mixed and not is_checksum_address(text):
        raise BadInput.said("wallet.address.checksum", what=named, text=repr(text))
    return to_checksum_address(text)
