"""`next-node up` as a subprocess, and a small community on its chain, for the embedded node's tests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from next_contracts import load_artifact
from next_contracts.deploy import Deployment
from next_contracts.transact import calldata, send
from next_node.chain.embedded import dev_operator
from next_node.chain.guard import LOCK_FILE
from tests.support.ports import free_port

NODE = [sys.executable, "-m", "next_node.cli"]


def start(data_dir: Path, port: int, *extra: str, banner_seconds: float | None = None) -> subprocess.Popen[str]:
    """Starts `next-node up` and returns once it printed its banner (after the demo's seeding, with
    --demo: give it `banner_seconds`)."""
    process = subprocess.Popen(
        [*NODE, "up", "--data-dir", str(data_dir), "--rpc-port", str(port), "--api-port", str(free_port()), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    banner = read_banner(process, banner_seconds or BANNER_SECONDS)
    process.api_url = next(line.split()[1] for line in banner if line.startswith("api "))  # type: ignore[attr-defined]
    return process


BANNER_SECONDS = 120


def read_banner(process: subprocess.Popen[str], seconds: float = BANNER_SECONDS) -> list[str]:
    """The lines up to the banner's Ctrl-C hint. A node that exits first, or prints nothing for
    `seconds` (then it is killed, so that a hang fails instead of stalling), fails the test with
    what it printed."""
    assert process.stdout is not None
    watchdog = threading.Timer(seconds, process.kill)
    watchdog.start()
    lines: list[str] = []
    try:
        for line in process.stdout:
            lines.append(line)
            if "Ctrl-C" in line:
                return lines
    finally:
        watchdog.cancel()
    code = process.wait()
    printed = "".join(lines[-40:]) or "(nothing)\n"
    why = f"exit {code}; -9 is the watchdog's kill after {seconds} s"
    pytest.fail(f"the node printed no banner ({why}); it printed:\n{printed}")


def stop(process: subprocess.Popen[str], how: signal.Signals = signal.SIGINT) -> str:
    process.send_signal(how)
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 0, out
    return out


def chain_pid(data_dir: Path) -> int:
    """The running node's chain (geth), as the data directory's lock file names it."""
    return int(json.loads((data_dir / LOCK_FILE).read_text())["chain"])


def alive(pid: int) -> bool:
    """True while `pid` runs (a zombie, dead but not yet reaped, counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


class Community:
    """Alice and Bob, admitted with credit lines by the node's operator; Alice pays Bob."""

    def __init__(self, w3: Web3, data_dir: Path) -> None:
        self.w3 = w3
        self.operator = dev_operator(data_dir)
        self.deployment = Deployment.read(data_dir / "deployment.json")
        self.ledger = w3.eth.contract(self.deployment.ledger, abi=load_artifact().abi)
        self.alice: LocalAccount = Account.create()
        self.bob: LocalAccount = Account.create()

    def admit(self) -> None:
        for member in (self.alice, self.bob):
            self._send(self.operator, self.ledger.functions.admit(member.address, 0, 1, b"\x01" * 32))
            self._send(self.operator, self.ledger.functions.setCreditLine(member.address, 50_000, 50_000))

    def pay(self, amount: int = 1_000) -> None:
        self._send(self.alice, self.ledger.functions.pay(self.bob.address, amount, os.urandom(32)))

    def _send(self, sender: LocalAccount, call: object) -> None:
        send(self.w3, sender, {"to": self.deployment.ledger, "data": calldata(call)})  # type: ignore[attr-defined]
