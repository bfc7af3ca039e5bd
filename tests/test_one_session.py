"""The one test session keeps working only if no fixture name of the contract tests is also a
fixture name elsewhere: ape's test isolation tracks fixtures by name, and a module-scoped
`community` of the gateway's tests once made ape stop isolating the contract tests' function-scoped
`community` (each test then ran on the members the one before admitted)."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).parent
FIXTURE = re.compile(r"@(?:pytest|ape)\.fixture[^\n]*\n(?:@[^\n]*\n)*def (\w+)")


def fixture_names(paths: list[Path]) -> set[str]:
    return {name for path in paths for name in FIXTURE.findall(path.read_text())}


def test_no_fixture_name_of_the_contract_tests_is_used_elsewhere() -> None:
    contracts = fixture_names(sorted((TESTS / "contracts").glob("*.py")))
    others = fixture_names([p for p in sorted(TESTS.rglob("*.py")) if "contracts" not in p.relative_to(TESTS).parts])
    assert len(contracts) > 10 and len(others) > 10  # the scan finds fixtures at all
    assert contracts & others == set()
