"""The shipped artifacts are exactly what the pinned compiler makes of contracts/ today."""

import json

import yaml

from next_contracts import ARTIFACTS_DIR, LEDGER, build, load_artifact
from tests.paths import ROOT


def test_artifacts_rebuild_byte_for_byte():
    fresh = build.build(ROOT)
    assert sorted(fresh) == sorted(p.name for p in ARTIFACTS_DIR.glob("*.json"))
    for name, text in fresh.items():
        assert (ARTIFACTS_DIR / name).read_text() == text, f"{name} differs: run `make artifacts`"


def test_artifact_records_compiler_and_settings():
    data = json.loads((ARTIFACTS_DIR / f"{LEDGER}.json").read_text())
    assert data["compiler"]["version"].startswith(build.SOLC_VERSION + "+commit.")
    assert data["compiler"]["settings"] == build.SETTINGS
    metadata = json.loads(data["metadata"])
    assert metadata["settings"]["optimizer"] == build.SETTINGS["optimizer"]
    assert metadata["settings"]["evmVersion"] == build.SETTINGS["evmVersion"]


def test_ape_compiles_with_the_settings_of_the_shipped_build():
    """`ape compile` and `ape test` build what ships: one compiler, one fork, one optimizer."""
    ape = yaml.safe_load((ROOT / "ape-config.yaml").read_text())["solidity"]
    assert ape["version"] == build.SOLC_VERSION
    assert ape["evm_version"] == build.SETTINGS["evmVersion"]
    assert ape["optimize"] is build.SETTINGS["optimizer"]["enabled"]
    assert ape["optimization_runs"] == build.SETTINGS["optimizer"]["runs"]


def test_build_input_rebuilds_runtime_code_with_its_metadata_hash():
    """An auditor's path: the shipped standard-JSON input alone gives the shipped runtime code."""
    standard = json.loads((ARTIFACTS_DIR / "build-input.json").read_text())
    output = build.compile_standard(None, standard)
    runtime = output["contracts"]["contracts/ledger/MutualCreditLedger.sol"][LEDGER]["evm"]["deployedBytecode"]
    assert "0x" + runtime["object"] == load_artifact(LEDGER).deployed_bytecode
    # The code ends with the CBOR metadata, whose IPFS hash covers every source text.
    assert "a264697066735822" in runtime["object"][-120:]


def test_changed_source_changes_artifact(tmp_path):
    """The check can fail: one changed comment changes the metadata hash, hence the bytecode."""
    standard = build.standard_input(ROOT)
    source = "contracts/ledger/FeeMath.sol"
    standard["sources"][source]["content"] += "\n// a comment\n"
    output = build.compile_standard(ROOT, standard)
    runtime = output["contracts"]["contracts/ledger/MutualCreditLedger.sol"][LEDGER]["evm"]["deployedBytecode"]
    assert "0x" + runtime["object"] != load_artifact(LEDGER).deployed_bytecode
