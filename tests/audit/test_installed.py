"""The packages as a wheel installs them, away from any checkout: the auditor still rebuilds the
contracts' code from the build input shipped inside next_contracts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.paths import ROOT, SOLC_BIN

PROBE = """
import json, sys
import next_contracts
from next_audit.contracts import rebuild
from next_contracts import LEDGER, load_artifact
runtime = "0x" + rebuild(None, None)["evm"]["deployedBytecode"]["object"]
print(json.dumps({"package": next_contracts.__file__, "same": runtime == load_artifact(LEDGER).deployed_bytecode}))
"""


def test_the_wheel_ships_artifacts_types_and_rebuilds_outside_a_checkout(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path / "dist"), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(site)
    for package in ("next_contracts", "next_node", "next_wallet", "next_audit"):
        assert f"{package}/py.typed" in names, package
    assert "next_contracts/artifacts/build-input.json" in names

    away = tmp_path / "elsewhere"  # no contracts/, no node_modules, no scripts/ here
    away.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "SOLCX_BINARY_PATH": str(SOLC_BIN)}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=away, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert Path(found["package"]).is_relative_to(site), found  # the wheel's copy, not the checkout's
    assert found["same"] is True


def test_the_installed_commands_find_the_pinned_compiler_by_themselves(tmp_path: Path) -> None:
    """`next-audit` as `make setup` installs it, with no SOLCX_BINARY_PATH and no ~/.solcx: its
    contracts check finds the checkout's compiler beside it (it used to be "not run" without --solc)."""
    env = {k: v for k, v in os.environ.items() if k != "SOLCX_BINARY_PATH"} | {"HOME": str(tmp_path)}
    probe = "from next_contracts.build import find_solc; print(find_solc())"
    python = Path(sys.prefix) / "bin" / "python"
    result = subprocess.run([str(python), "-c", probe], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()) == Path(sys.prefix) / "bin" / "solc-v0.8.30"
    assert Path(result.stdout.strip()).resolve() == (SOLC_BIN / "solc-v0.8.30").resolve()
