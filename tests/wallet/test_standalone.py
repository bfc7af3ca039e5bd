"""The wallet installs and runs with the base dependencies alone: no FastAPI, SQLModel, ape, or the
gateway's code. Run in a subprocess where importing any of them fails."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("fastapi", "sqlmodel", "sqlalchemy", "uvicorn", "ape", "ape_foundry", "psycopg", "next_node")

PROGRAM = f"""
import importlib.abc, sys

class Forbid(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {FORBIDDEN!r}:
            raise ImportError(f"the wallet must not need {{name}}")
        return None

sys.meta_path.insert(0, Forbid())
from next_wallet import cli
sys.exit(cli.main(sys.argv[1:]))
"""


def test_wallet_runs_without_the_gateway_or_ape(tmp_path):
    env = {"NEXT_WALLET_HOME": str(tmp_path), "WALLET_PASSWORD": "a long enough password", "PATH": "/usr/bin:/bin"}
    created = subprocess.run(
        [sys.executable, "-c", PROGRAM, "--json", "create", "alice", "--password-env", "WALLET_PASSWORD"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert created.returncode == 0, created.stderr
    assert '"address": "0x' in created.stdout
    helped = subprocess.run([sys.executable, "-c", PROGRAM, "--help"], capture_output=True, text=True, env=env)
    assert helped.returncode == 0 and "batch-pay" in helped.stdout
