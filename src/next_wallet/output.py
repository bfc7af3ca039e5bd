"""What a command prints: its result as text for a person, or as one JSON object (--json), with
amounts in the chosen style (--style)."""

from __future__ import annotations

import json
from typing import Any

from next_wallet.amounts import format_amount


class Output:
    def __init__(self, as_json: bool, style: str) -> None:
        self.as_json, self.style = as_json, style

    def amount(self, hundredths: int) -> str:
        return format_amount(hundredths, style=self.style)

    def result(self, data: dict[str, Any], text: str) -> None:
        print(json.dumps(data) if self.as_json else text)
