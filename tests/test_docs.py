"""The README and docs/ stay true to the code: every link leads to a file and a heading that exist,
every `make` target they name is the Makefile's, and every command line of `next-node`,
`next-wallet` and `next-audit` they show names a command and options the installed parser has."""

from __future__ import annotations

import argparse
import re
import shlex

import pytest

from next_audit.cli import parser as audit_parser
from next_node.cli import build_parser as node_parser
from next_wallet.cli import build_parser as wallet_parser
from tests.paths import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PARSERS = {"next-node": node_parser, "next-wallet": wallet_parser, "next-audit": audit_parser}


def _anchor(heading: str) -> str:
    """A heading's anchor as GitHub makes it: lowercase, punctuation dropped, spaces to dashes."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(text: str) -> set[str]:
    outside_code = re.sub(r"```.*?```", "", text, flags=re.S)
    return {_anchor(m[1]) for m in re.finditer(r"^#+ (.+)$", outside_code, re.M)}


def test_the_docs_are_where_the_readme_says_and_it_stays_short():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 220  # what a newcomer reads first
    assert {p.name for p in DOCS[1:]} >= {"members.md", "operators.md", "auditors.md", "contracts.md", "api.md"}


@pytest.mark.parametrize("page", DOCS, ids=lambda p: p.name)
def test_every_link_leads_somewhere(page):
    text = page.read_text()
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.exists(), f"{page.name}: {target}"
        if anchor and linked.suffix == ".md":
            assert anchor in _anchors(linked.read_text()), f"{page.name}: no heading for {target}"


def _shown_lines(text: str) -> list[str]:
    """Every line a reader would type: inside code blocks, and inline `code` spans."""
    blocks = re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S)
    lines = [line for block in blocks for line in block.splitlines()]
    return lines + re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))


@pytest.mark.parametrize("page", DOCS, ids=lambda p: p.name)
def test_every_make_target_shown_exists(page):
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][\w-]*):", makefile, re.M))
    for line in _shown_lines(page.read_text()):
        for target in re.findall(r"\bmake ([a-z][\w*-]*)", line):
            if not target.endswith("*"):  # `make bench-*`: the family
                assert target in targets, f"{page.name}: make {target}"


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _options(parser: argparse.ArgumentParser) -> set[str]:
    found = {flag for action in parser._actions for flag in action.option_strings}
    for command in _commands(parser).values():  # a network's own commands (next-node network up)
        found |= _options(command)
    return found


@pytest.mark.parametrize("page", DOCS, ids=lambda p: p.name)
def test_every_command_line_shown_names_real_commands_and_options(page):
    checked = 0
    for line in _shown_lines(page.read_text()):
        for program, build in PARSERS.items():
            for found in re.finditer(rf"(?<![\w/-]){program}((?: [^|;&#)`]+)?)", line):
                try:
                    words = shlex.split(found[1])
                except ValueError:  # an unbalanced quote cut by the pattern: its words as they are
                    words = found[1].split()
                parser = build()
                commands = _commands(parser)
                if commands and words and not words[0].startswith(("-", "$", "<")) and words[0].isascii():
                    if words[0] in commands:
                        parser = commands[words[0]]
                        sub = _commands(parser)
                        if sub and len(words) > 1 and words[1] in sub:
                            parser = sub[words[1]]
                    elif re.fullmatch(r"[a-z][a-z-]+", words[0]) and words[0] not in ("up", "a", "the"):
                        raise AssertionError(f"{page.name}: {program} {words[0]}: no such command ({line.strip()})")
                options = _options(parser) | _options(build())
                for word in words:
                    flag = word.split("=")[0]
                    if re.fullmatch(r"--[a-z][a-z0-9-]+", flag):
                        assert flag in options, f"{page.name}: {program} ... {flag}: no such option ({line.strip()})"
                checked += 1
    if page.name in ("README.md", "members.md", "operators.md"):
        assert checked > 3, page.name
