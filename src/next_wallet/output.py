"""What a command prints: its result as text for a person, or as one JSON object (--json), with
amounts in the chosen style (--style)."""

from __future__ import annotations

import json
import sys
from typing import Any

from next_contracts.amounts import format_amount
from next_contracts.words import say


class Output:
    def __init__(self, as_json: bool, style: str) -> None:
        self.as_json, self.style = as_json, style

    def amount(self, hundredths: int) -> str:
        return format_amount(hundredths, style=self.style)

    def result(self, data: dict[str, Any], text: str) -> None:
        print(json.dumps(data) if self.as_json else text)

    def note(self, text: str | None) -> None:
        """Something the reader should know that stops nothing, on stderr (stdout stays the result's)."""
        if text:
            print(say("wallet.note", note=text), file=sys.stderr)
