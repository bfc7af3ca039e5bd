"""`next-node`'s errors end in one line and an exit code, never in a traceback: its main maps the
node's root (NodeError) and next_contracts' root (NextContractsError) in one place."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from next_node.errors import ExitStatus

BAD_CONFIGS = {
    "not TOML": "admin = [unclosed\n",
    "an unknown proposal kind": "fee_bps = 20\n[governance.rules]\nking = [1000, 5000]\n",
    "not an address": 'admin = "0xnot-an-address"\n',
}


@pytest.mark.parametrize("content", BAD_CONFIGS.values(), ids=BAD_CONFIGS.keys())
def test_up_with_a_bad_deploy_config_says_so_in_one_line(tmp_path: Path, content: str) -> None:
    config = tmp_path / "deploy.toml"
    config.write_text(content)
    command = ["up", "--data-dir", str(tmp_path / "data"), "--deploy-config", str(config)]
    done = subprocess.run(
        [sys.executable, "-m", "next_node.cli", *command],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == ExitStatus.CONFIG, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("next-node: the deploy config") and str(config) in lines[0]
    assert not (tmp_path / "data" / "deployment.json").exists()  # nothing was deployed


@pytest.mark.parametrize(("name", "value"), [("NEXT_RELAY_RATE", "many"), ("NEXT_LOGIN_RATE", "0/minute")])
def test_up_with_a_bad_rate_limit_says_so_before_starting(tmp_path: Path, name: str, value: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "next_node.cli", "up", "--data-dir", str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ | {name: value},
    )
    assert done.returncode == ExitStatus.CONFIG, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"next-node: {name}: ") and "Traceback" not in done.stderr
    assert not (tmp_path / "data" / "deployment.json").exists()  # no chain was started, nothing deployed


def test_a_missing_deployment_record_is_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "next_node.cli",
            "index",
            "--data-dir",
            str(tmp_path),
            "--rpc-url",
            "http://127.0.0.1:9",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == ExitStatus.ERROR and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_dev_token_without_a_running_gateway_says_what_to_do(tmp_path: Path) -> None:
    from next_node.chain.embedded import MNEMONIC_FILE
    from tests.support.ports import free_port

    (tmp_path / MNEMONIC_FILE).write_text("test test test test test test test test test test test junk\n")
    port = free_port()  # nothing listens there
    done = subprocess.run(
        [sys.executable, "-m", "next_node.cli", "dev-token", "--data-dir", str(tmp_path), "--api-port", str(port)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert done.stderr.strip() == (
        f"next-node: no gateway answers at http://127.0.0.1:{port}: is the node running? (its port: --api-port)"
    )
