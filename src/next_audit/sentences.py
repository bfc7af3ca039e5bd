"""The auditor's sentences: a finding, a reason a check did not run, an action it judged, each a
code of the shared catalogue (next_contracts/messages.json) with its arguments. The JSON report
keeps the code and the arguments as data, so that its reader (the web app's audit page) says them
in its own language; the terminal hears them in its own (LANG, or --lang).

An argument is a string or a whole number, or one of three kinds a reader formats its own way:
an amount in hundredths ({"money": 1250}: 12,50 NXT, 12.50 NXT), basis points ({"bps": 35}:
0,35 %, 0.35%), or a phrase of the catalogue with its own arguments ({"phrase": code, "args": {}});
or a list of them, said one after the other, separated by "; ".
"""

from __future__ import annotations

from typing import Any

from next_contracts.messages import amount, percent, say

Argument = str | int | dict[str, Any] | list[Any]


def money(hundredths: int) -> dict[str, Any]:
    return {"money": int(hundredths)}


def bps(points: int) -> dict[str, Any]:
    return {"bps": int(points)}


def phrase(code: str, **args: object) -> dict[str, Any]:
    return {"phrase": code, "args": arguments(args)}


def arguments(args: dict[str, object]) -> dict[str, Argument]:
    """The arguments as the JSON report keeps them: numbers and the three kinds as they are, the
    rest (addresses, hashes, bytes already in hex) as text."""
    return {
        name: value
        if isinstance(value, dict | list) or (isinstance(value, int) and not isinstance(value, bool))
        else str(value)
        for name, value in args.items()
    }


def spoken(code: str, args: dict[str, Argument], language: str) -> str:
    """The sentence `code` in `language`, each argument written as that language's reader writes it."""
    return say(code, language, **{name: _written(value, language) for name, value in args.items()})


def _written(value: Argument, language: str) -> str:
    if isinstance(value, list):
        return "; ".join(_written(item, language) for item in value)
    if isinstance(value, dict):
        if "money" in value:
            return amount(value["money"], language)
        if "bps" in value:
            return percent(value["bps"], language)
        if "phrase" in value:
            return spoken(value["phrase"], value.get("args", {}), language)
    return str(value)
