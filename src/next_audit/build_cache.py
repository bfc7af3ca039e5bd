"""The compiler's output kept between audits, by what it was built from.

Rebuilding every shipped contract with the pinned solcjs takes some 12 s of one core, as long as
replaying 100,000 payments: an auditor who checks the chain every night would spend most of each run
compiling the same sources again. The output is a pure function of the compiler and of its
standard-JSON input, so it is kept under the key sha256(compiler's `--version` line, input) and read
back when both are the same. Only an input that holds every source is kept (the shipped build
input): a checkout's imports are read from its node_modules by the compiler, outside the key.

The cache is the auditor's own folder ($XDG_CACHE_HOME/next-audit/builds, else ~/.cache/...): who
can write it can also replace the compiler, so it adds no one to trust. `next-audit --fresh-build`
compiles without it.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from next_contracts.build import BuildError, compile_standard


def default_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "next-audit" / "builds"


def compiler_version(solc: Path) -> str:
    completed = subprocess.run([str(solc), "--version"], capture_output=True, text=True, check=False)
    version = next((line for line in completed.stdout.splitlines() if line.startswith("Version:")), None)
    if completed.returncode != 0 or version is None:
        raise BuildError(f"{solc} --version did not say its version: {completed.stderr.strip()}")
    return version


def key(version: str, standard: dict[str, Any]) -> str:
    text = version + "\n" + json.dumps(standard, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def compile_cached(standard: dict[str, Any], solc: Path, folder: Path) -> tuple[dict[str, Any], bool]:
    """The compiler's output for `standard` (which must hold every source), and whether it came from
    the cache. A cached file that cannot be read is compiled again and replaced."""
    path = folder / f"{key(compiler_version(solc), standard)}.json"
    try:
        output: dict[str, Any] = json.loads(path.read_text())
        if isinstance(output, dict) and isinstance(output.get("contracts"), dict):
            return output, True
    except (OSError, ValueError):
        pass
    output = compile_standard(None, standard, solc)
    try:  # written whole or not at all: an audit killed meanwhile leaves no half file behind
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=folder, suffix=".part", delete=False) as file:
            json.dump(output, file)
        os.replace(file.name, path)
    except OSError:
        pass  # a read-only home: the audit goes on, it only compiles again next time
    return output, False
