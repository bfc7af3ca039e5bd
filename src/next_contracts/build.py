"""Compiles contracts/ into the artifacts committed in this package, reproducibly.

The compiler is solc 0.8.30, found as py-solc-x finds it: `solc-v0.8.30` in $SOLCX_BINARY_PATH
(the Makefile points it at the pinned npm solcjs behind scripts/solc/bin) or in ~/.solcx (where
`solcx.install_solc("0.8.30")` puts the native one); the settings are fixed here. Each
artifact holds the ABI, bytecode, runtime bytecode, metadata and exact compiler settings, and
build-input.json holds the whole standard-JSON input (sources included), so that anyone can
rebuild the bytecode deployed on the chain and compare it byte for byte.

    python -m next_contracts.build            # check: exit 1 if an artifact differs
    python -m next_contracts.build --write    # rewrite the artifacts

from the root of a checkout (the folder holding contracts/ and node_modules/), or with --root.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from next_contracts import ARTIFACTS_DIR
from next_contracts.errors import NextContractsError

SOLC_VERSION = "0.8.30"
SETTINGS: dict[str, Any] = {
    # London: the newest fork that geth's clique seals (peers reject Shanghai blocks) and that Besu
    # runs too, so one build serves every engine. No PUSH0, no MCOPY (hence OpenZeppelin 5.3.0).
    "evmVersion": "london",
    # 500 runs, not more: at 1,000 the ledger (payments, registry, votes, projects, credit policy,
    # the councils' bonus allowances' hooks) comes within 155 bytes of the 24,576-byte contract size
    # limit (EIP-170), at 10,000 it passes it; see the README's gas table for what a payment costs.
    "optimizer": {"enabled": True, "runs": 500},
    "metadata": {"bytecodeHash": "ipfs"},
    "outputSelection": {
        "*": {
            "*": [
                "abi",
                "evm.bytecode.object",
                "evm.deployedBytecode.object",
                "evm.deployedBytecode.immutableReferences",
                "metadata",
            ]
        },
    },
}
# The contracts whose artifacts ship; mocks are test-only but ship too, for the benchmarks.
SHIPPED = {
    "MutualCreditLedger": "contracts/ledger/MutualCreditLedger.sol",
    "CooperativeGovernor": "contracts/governance/CooperativeGovernor.sol",
    "Constitution": "contracts/governance/Constitution.sol",
    "BonusAllowances": "contracts/councils/BonusAllowances.sol",
    "CommonsRewards": "contracts/councils/CommonsRewards.sol",
    "RegionalClearing": "contracts/clearing/RegionalClearing.sol",
    "TimelockController": "@openzeppelin/contracts/governance/TimelockController.sol",
    "ReferenceERC20": "contracts/mocks/ReferenceERC20.sol",
    "ReferenceVotesToken": "contracts/mocks/ReferenceVotesToken.sol",
    "ReferenceGovernor": "contracts/mocks/ReferenceGovernor.sol",
}
IMPORT_ROOT = "node_modules"


class BuildError(NextContractsError, RuntimeError):
    """The compiler failed or reported errors."""


def find_solc() -> Path:
    """The pinned compiler, the installed package knowing no checkout: $SOLCX_BINARY_PATH first,
    then beside the running Python's own commands (`make setup` links the checkout's wrapper into
    .venv/bin, so that an installed `next-audit` finds it by itself), then ~/.solcx where py-solc-x
    keeps compilers. BuildError, saying how to get one, if none has it."""
    name = f"solc-v{SOLC_VERSION}"
    folders = [Path(os.environ["SOLCX_BINARY_PATH"])] if os.environ.get("SOLCX_BINARY_PATH") else []
    folders += [Path(sys.prefix) / "bin", Path.home() / ".solcx"]
    for folder in folders:
        if (folder / name).exists():
            return folder / name
    raise BuildError(
        f"no {name} in {' or '.join(str(f) for f in folders)}: run `make setup` in a checkout (which points "
        f"SOLCX_BINARY_PATH at the pinned solcjs), install it with py-solc-x "
        f'(`solcx.install_solc("{SOLC_VERSION}")`), or pass the compiler\'s path'
    )


def standard_input(root: Path) -> dict[str, Any]:
    """The standard-JSON input: every .sol file under contracts/, by its path from the root."""
    sources = {
        path.relative_to(root).as_posix(): {"content": path.read_text()}
        for path in sorted((root / "contracts").rglob("*.sol"))
    }
    return {"language": "Solidity", "sources": sources, "settings": SETTINGS}


def compile_standard(root: Path | None, standard: dict[str, Any], compiler: Path | None = None) -> dict[str, Any]:
    """Runs the pinned compiler (or `compiler`). Imports such as @openzeppelin/... resolve in
    `root`'s node_modules/; with no root the input must hold every source (as build-input.json does)."""
    command = [str(compiler or find_solc()), "--standard-json"]
    if root is not None:
        command += ["--base-path", str(root), "--include-path", str(root / IMPORT_ROOT)]
    completed = subprocess.run(command, input=json.dumps(standard), capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise BuildError(f"solc exited with {completed.returncode}: {completed.stderr.strip()}")
    output: dict[str, Any] = json.loads(completed.stdout)
    errors = [e["formattedMessage"] for e in output.get("errors", []) if e["severity"] == "error"]
    if errors:
        raise BuildError("\n".join(errors))
    return output


def build(root: Path) -> dict[str, str]:
    """Compiles the checkout at `root` and returns the artifact files' text by file name; writes nothing."""
    standard = standard_input(root)
    output = compile_standard(root, standard)
    files: dict[str, str] = {}
    for name, source in SHIPPED.items():
        contract = output["contracts"][source][name]
        artifact = {
            "contractName": name,
            "sourceName": source,
            "abi": contract["abi"],
            "bytecode": "0x" + contract["evm"]["bytecode"]["object"],
            "deployedBytecode": "0x" + contract["evm"]["deployedBytecode"]["object"],
            # Where the constructor writes immutables (EIP-712's chain id and address, ...) into the
            # runtime code: zero here, the deployment's values on the chain (see Artifact.runs_on).
            "immutableReferences": contract["evm"]["deployedBytecode"].get("immutableReferences", {}),
            "metadata": contract["metadata"],
            "compiler": {
                "version": json.loads(contract["metadata"])["compiler"]["version"],
                "settings": SETTINGS,
            },
        }
        files[f"{name}.json"] = _dump(artifact)
    # The full input, with every imported source's text, as the compiler saw it.
    used = {
        path
        for name, path in SHIPPED.items()
        for path in json.loads(output["contracts"][path][name]["metadata"])["sources"]
    }
    full_sources = {path: {"content": _source_text(root, standard, path)} for path in sorted(used)}
    files["build-input.json"] = _dump({**standard, "sources": full_sources})
    return files


def _source_text(root: Path, standard: dict[str, Any], path: str) -> str:
    if path in standard["sources"]:
        return str(standard["sources"][path]["content"])
    return (root / IMPORT_ROOT / path).read_text()


def _dump(value: Any) -> str:
    return json.dumps(value, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--write", action="store_true", help="rewrite the committed artifacts")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the checkout (default: this folder)")
    args = parser.parse_args(argv)
    if not (args.root / "contracts").is_dir():
        parser.error(f"no contracts/ folder in {args.root}: run from the checkout's root or pass --root")
    try:
        files = build(args.root)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.write:
        for name, text in files.items():
            (ARTIFACTS_DIR / name).write_text(text)
            print(f"wrote {ARTIFACTS_DIR / name}")
        return 0
    changed = [
        name
        for name, text in files.items()
        if not (ARTIFACTS_DIR / name).exists() or (ARTIFACTS_DIR / name).read_text() != text
    ]
    for name in changed:
        print(f"differs from a fresh build: {name}", file=sys.stderr)
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
