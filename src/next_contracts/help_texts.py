"""A command line's help in its reader's language, from the one catalogue (messages.json).

Each help text of a parser is the catalogue's sentence of a code named after its place in the
command line: `help.wallet` for next-wallet's description, `help.wallet.pay` for its pay command,
`help.wallet.pay.ref` for that command's --ref, and `help.wallet.option.ref` for a --ref that says
the same in every command. argparse's own words (usage, the sections, -h, its refusals) are said in the
same language. The sources keep their English texts as the program's own words; a test holds the
catalogue's English to them.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any, cast

from next_contracts.messages import LANGUAGES, catalogue, say


def asked_language(argv: list[str]) -> str | None:
    """--lang as a command line gives it, read before the parser that speaks it is built; None
    where it names none spoken here (the parser proper then refuses it, in the terminal's words)."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--lang")
    asked = early.parse_known_args(argv)[0].lang
    return asked if asked in LANGUAGES else None


def option_name(action: argparse.Action) -> str:
    """An argument as its code names it: --password-env -> password-env, label -> label."""
    longest = max(action.option_strings, key=len) if action.option_strings else action.dest
    return longest.lstrip("-")


def help_code(place: str, action: argparse.Action, root: str) -> str | None:
    """The code of an argument's help: its command's own, else the one its name has everywhere."""
    for code in (f"help.{place}.{option_name(action)}", f"help.{root}.option.{option_name(action)}"):
        if code in catalogue():
            return code
    return None


def speak(parser: argparse.ArgumentParser, language: str, place: str) -> argparse.ArgumentParser:
    """`parser` (and its commands) with every help text, and argparse's own words, in `language`."""
    root = place.split(".")[0]
    _speak(parser, language, place, root)
    return parser


def _speak(parser: argparse.ArgumentParser, language: str, place: str, root: str) -> None:
    words = catalogue()
    if f"help.{place}" in words:
        parser.description = say(f"help.{place}", language)
    if f"help.{place}.epilog" in words:
        parser.epilog = say(f"help.{place}.epilog", language)
    parser.formatter_class = _formatter(cast(type[Any], parser.formatter_class), language)  # type: ignore[assignment]
    parser.error = _refusal(parser, language)  # type: ignore[method-assign]
    parser._positionals.title = say("help.positionals", language)
    parser._optionals.title = say("help.options", language)
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            action.help = say("help.help", language)
        elif isinstance(action, argparse._SubParsersAction):
            for listed in action._choices_actions:
                listed.help = say(f"help.{place}.{listed.dest}", language)
            for name, command in action.choices.items():
                _speak(command, language, f"{place}.{name}", root)
        elif action.help not in (None, argparse.SUPPRESS):
            code = help_code(place, action, root)
            if code is not None:
                action.help = say(code, language)


def _formatter(base: type[Any], language: str) -> type[Any]:
    if getattr(base, "language", None) is not None:
        base = base.__bases__[0]

    class Formatter(base):  # type: ignore[misc]
        def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
            super().add_usage(usage, actions, groups, prefix or say("help.usage", language) + " ")

    Formatter.language = language
    return Formatter


# argparse's refusals of a command line, as its English says them: each said in the reader's words.
_REFUSALS = [
    (re.compile(r"the following arguments are required: (?P<names>.+)"), "help.refused.required"),
    (
        re.compile(r"argument (?P<name>\S+): invalid choice: (?P<value>.+) \(choose from (?P<choices>.+)\)"),
        "help.refused.choice",
    ),
    (re.compile(r"argument (?P<name>\S+): invalid (?P<kind>\w+) value: (?P<value>.+)"), "help.refused.value"),
    (re.compile(r"argument (?P<name>\S+): expected one argument"), "help.refused.expected_one"),
    (re.compile(r"argument (?P<name>\S+): not allowed with argument (?P<other>\S+)"), "help.refused.exclusive"),
    (re.compile(r"unrecognized arguments: (?P<names>.+)"), "help.refused.unrecognized"),
]


def refusal_said(message: str, language: str) -> str:
    """argparse's refusal `message` in `language`; as argparse said it where no pattern knows it."""
    for pattern, code in _REFUSALS:
        found = pattern.fullmatch(message)
        if found:
            return say(code, language, **found.groupdict())
    return message


def _refusal(parser: argparse.ArgumentParser, language: str) -> Any:
    def error(message: str) -> None:
        parser.print_usage(sys.stderr)
        parser.exit(2, say("help.error", language, prog=parser.prog, message=refusal_said(message, language)) + "\n")

    return error
