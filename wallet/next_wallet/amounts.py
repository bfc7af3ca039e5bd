"""Amounts: what people type and read (12.50, 1 234,50 NXT) against what the ledger holds
(integers in hundredths). Parsing is exact: no float ever touches money."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from next_wallet.errors import BadInputError

DECIMALS = 2
SYMBOL = "NXT"
MAX_AMOUNT = 2**63 - 1  # the ledger's own bound, in hundredths
_AMOUNT = re.compile(r"^\d+([.,]\d+)?$")


def parse_amount(text: str) -> int:
    """'12.50', '12,5' or '1 234.50' -> hundredths; refuses signs, more than 2 decimals, zero."""
    cleaned = text.strip().replace(" ", "").replace("\u202f", "").replace("\u00a0", "")
    if not _AMOUNT.match(cleaned):
        raise BadInputError(f"not an amount: {text!r} (write it like 12.50)")
    try:
        value = Decimal(cleaned.replace(",", "."))
    except InvalidOperation as error:
        raise BadInputError(f"not an amount: {text!r}") from error
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > DECIMALS:
        raise BadInputError(f"{text!r} has more than {DECIMALS} decimals: the smallest amount is 0.01")
    hundredths = int(value.scaleb(DECIMALS))
    if hundredths <= 0:
        raise BadInputError("the amount must be more than 0")
    if hundredths > MAX_AMOUNT:
        raise BadInputError(f"{text!r} is more than the ledger can hold")
    return hundredths


def format_amount(hundredths: int, *, style: str = "fr", symbol: bool = True) -> str:
    """`fr`: 1 234,50 NXT (narrow spaces between thousands, a comma for decimals); `plain`: 1234.50."""
    sign = "-" if hundredths < 0 else ""
    units, cents = divmod(abs(hundredths), 10**DECIMALS)
    if style == "plain":
        text = f"{sign}{units}.{cents:02d}"
    else:
        grouped = f"{units:,}".replace(",", "\u202f")
        text = f"{sign}{grouped},{cents:02d}"
    return f"{text} {SYMBOL}" if symbol else text
