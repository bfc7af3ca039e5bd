"""Reproducible contracts: the code on the chain is the code the published sources build.

The sources are rebuilt with the pinned compiler and the shipped settings, from the standard-JSON
input shipped beside the artifacts (every source, OpenZeppelin's included) or from a checkout. The
runtime code at the ledger's address (and at the governor's, the constitution's and the timelock's)
must equal the rebuilt runtime code byte for byte, the
metadata hash at its end included (that hash covers every source's keccak256 and the settings).
The deployment transaction must carry the rebuilt creation code, and the constructor arguments the
deployment record states.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from eth_abi.abi import decode
from eth_utils.crypto import keccak

from next_audit.build_cache import compile_cached
from next_audit.errors import CompilerUnavailable
from next_audit.report import Check
from next_audit.rpc import Rpc
from next_contracts import (
    ARTIFACTS_DIR,
    BONUS_ALLOWANCES,
    COMMONS_REWARDS,
    LEDGER,
    REGIONAL_CLEARING,
    immutable_ranges,
    load_artifact,
    without_immutables,
)
from next_contracts.build import SHIPPED, BuildError, compile_standard, find_solc, standard_input
from next_contracts.constitution import role_id
from next_contracts.deploy import CONSTITUTION, GOVERNOR, TIMELOCK, Deployment

CONSTRUCTOR_TYPES = ["address", "uint48", "(bytes32,address)[]", "uint256", "uint16", "uint256", "uint64"]


def rebuild(sources: Path | None, solc: Path | None, name: str = LEDGER) -> dict[str, Any]:
    """The compiler's output for the ledger: from a checkout at `sources`, or from the shipped
    build input. Raises BuildError, or CompilerUnavailable when Node.js is missing."""
    return rebuild_all(sources, solc)[name]


def rebuild_all(sources: Path | None, solc: Path | None) -> dict[str, dict[str, Any]]:
    """The compiler's output for every shipped contract, by name (see `rebuild`)."""
    return _rebuild_all(sources, solc, None)[0]


def _rebuild_all(sources: Path | None, solc: Path | None, cache: Path | None) -> tuple[dict[str, dict[str, Any]], bool]:
    """The same, and whether it was read from the build cache (build_cache.py) at `cache`, used
    only for the shipped build input, which holds every source."""
    if sources is None:
        standard = json.loads((ARTIFACTS_DIR / "build-input.json").read_text())  # every source inside
    else:
        standard = standard_input(sources)
    if solc is None:
        try:
            solc = find_solc()
        except BuildError as error:
            raise CompilerUnavailable("audit.run.no_compiler", error=error) from error
    if not solc.exists():
        raise CompilerUnavailable("audit.run.no_compiler_at", path=solc)
    if _is_solcjs(solc) and shutil.which("node") is None:
        raise CompilerUnavailable("audit.run.no_node_js")
    if sources is None and cache is not None:
        output, cached = compile_cached(standard, solc, cache)
    else:
        output, cached = compile_standard(sources, standard, solc), False
    return {name: output["contracts"][path][name] for name, path in SHIPPED.items()}, cached


def _is_solcjs(compiler: Path) -> bool:
    """The checkout's wrapper is a shell script that runs solcjs on Node.js; a native solc is ELF."""
    with compiler.open("rb") as file:
        return file.read(2) == b"#!"


def split_metadata(code: bytes) -> tuple[bytes, bytes]:
    """Executable code and the CBOR metadata solc appends (its length is in the last two bytes)."""
    if len(code) < 2:
        return code, b""
    length = int.from_bytes(code[-2:], "big")
    if length + 2 > len(code):
        return code, b""
    return code[: -length - 2], code[-length - 2 :]


def metadata_ipfs(metadata: bytes) -> str | None:
    """The metadata's IPFS multihash, from solc's CBOR map {"ipfs": bytes(34), "solc": ...}."""
    marker = b"dipfsX\x22"  # text key "ipfs", then a 34-byte string
    at = metadata.find(marker)
    return None if at < 0 else "0x" + metadata[at + len(marker) : at + len(marker) + 34].hex()


def verify_contracts(
    rpc: Rpc,
    deployment: Deployment,
    block: int,
    check: Check,
    sources: Path | None,
    solc: Path | None,
    cache: Path | None = None,
) -> dict[str, Any]:
    """Runs the checks; returns what the report shows of the build. With `cache`, the compiler's
    output for the shipped build input is kept there and read back (build_cache.py)."""
    on_chain = bytes.fromhex(rpc.call("eth_getCode", deployment.ledger, hex(block))[2:])
    facts: dict[str, Any] = {"runtime_keccak256": "0x" + keccak(on_chain).hex()}
    check.checked += 1
    try:
        built, facts["cached"] = _rebuild_all(sources, solc, cache)
        contract = built[LEDGER]
    except CompilerUnavailable as error:
        check.skip(error.code, **error.arguments)
        return facts
    except (BuildError, OSError, KeyError) as error:
        check.fail(LEDGER, "audit.contracts.rebuild_failed", error=error)
        return facts
    rebuilt_runtime = bytes.fromhex(contract["evm"]["deployedBytecode"]["object"])
    # The constructor writes the immutables (EIP-712's chain id and own address, ...) into the
    # runtime code: compared with them zeroed, where the rebuild itself says they are.
    immutables = immutable_ranges(contract["evm"]["deployedBytecode"].get("immutableReferences", {}))
    rebuilt_creation = bytes.fromhex(contract["evm"]["bytecode"]["object"])
    metadata = json.loads(contract["metadata"])
    facts["compiler"] = metadata["compiler"]["version"]
    facts["sources"] = {path: info["keccak256"] for path, info in sorted(metadata["sources"].items())}
    facts["metadata_ipfs"] = metadata_ipfs(split_metadata(rebuilt_runtime)[1])

    if not on_chain:
        check.fail(deployment.ledger, "audit.contracts.no_code", block=block)
    elif without_immutables(on_chain, immutables) != rebuilt_runtime:
        code, meta = split_metadata(without_immutables(on_chain, immutables))
        rebuilt_code, rebuilt_meta = split_metadata(rebuilt_runtime)
        if code == rebuilt_code:
            check.fail(
                deployment.ledger,
                "audit.contracts.other_metadata",
                deployed=metadata_ipfs(meta),
                rebuilt=metadata_ipfs(rebuilt_meta),
            )
        else:
            check.fail(
                deployment.ledger,
                "audit.contracts.other_code",
                deployed_length=len(on_chain),
                deployed=facts["runtime_keccak256"],
                rebuilt_length=len(rebuilt_runtime),
                rebuilt="0x" + keccak(rebuilt_runtime).hex(),
            )
    check.checked += 1
    shipped = load_artifact(LEDGER)
    if bytes.fromhex(shipped.deployed_bytecode[2:]) != rebuilt_runtime:
        check.fail(f"artifact {LEDGER}.json", "audit.contracts.artifact")
    recorded = deployment.artifacts.get(LEDGER, {}).get("runtime_keccak256")
    if recorded != facts["runtime_keccak256"]:
        check.fail(deployment.ledger, "audit.contracts.record_keccak", recorded=recorded)
    _verify_creation(rpc, deployment, rebuilt_creation, check)
    _verify_governance(rpc, deployment, block, built, check)
    return facts


def _verify_governance(
    rpc: Rpc, deployment: Deployment, block: int, built: dict[str, dict[str, Any]], check: Check
) -> None:
    """The governor, the constitution, the timelock, the bonus allowances, the commons rewards and the
    regional clearing run the code their sources build too (their immutables zeroed, where the
    rebuild says they are): a governor changed to count votes otherwise would pass every other check."""
    for name, address in ((GOVERNOR, deployment.governor), (CONSTITUTION, deployment.constitution),
                          (TIMELOCK, deployment.timelock),
                          (BONUS_ALLOWANCES, deployment.bonus_allowances),
                          (COMMONS_REWARDS, deployment.commons_rewards),
                          (REGIONAL_CLEARING, deployment.regional_clearing)):  # fmt: skip
        if address is None:  # a record written before governance, the bonuses or the commons
            continue
        check.checked += 1
        code = bytes.fromhex(rpc.call("eth_getCode", address, hex(block))[2:])
        if not code:  # created by the deployment's later transactions, after the audited block (--at)
            code = bytes.fromhex(rpc.call("eth_getCode", address, "latest")[2:])
        deployed = built[name]["evm"]["deployedBytecode"]
        rebuilt = bytes.fromhex(deployed["object"])
        if without_immutables(code, immutable_ranges(deployed.get("immutableReferences", {}))) != rebuilt:
            check.fail(address, "audit.contracts.other_code_of", contract=name, length=len(code))
        recorded = deployment.artifacts.get(name, {}).get("runtime_keccak256")
        if recorded is not None and recorded != "0x" + keccak(code).hex():
            check.fail(address, "audit.contracts.record_keccak_of", contract=name, recorded=recorded)


def _verify_creation(rpc: Rpc, deployment: Deployment, creation: bytes, check: Check) -> None:
    """The deployment transaction created the ledger, from the rebuilt creation code and the
    constructor arguments the record states (the admin and its delay, every role grant, the fee)."""
    check.checked += 1
    tx, receipt = rpc.batch(
        [("eth_getTransactionByHash", [deployment.deploy_tx]), ("eth_getTransactionReceipt", [deployment.deploy_tx])]
    )
    subject = f"deployment {deployment.deploy_tx}"
    if tx is None or receipt is None:
        check.fail(subject, "audit.contracts.no_deploy_tx")
        return
    if (receipt.get("contractAddress") or "").lower() != deployment.ledger.lower():
        check.fail(
            subject, "audit.contracts.created_other", created=receipt.get("contractAddress"), ledger=deployment.ledger
        )
    if (
        int(receipt["blockNumber"], 16) != deployment.deploy_block
        or receipt["blockHash"] != deployment.deploy_block_hash
    ):
        check.fail(
            subject, "audit.contracts.other_block", number=int(receipt["blockNumber"], 16), hash=receipt["blockHash"]
        )
    data = bytes.fromhex(tx["input"][2:])
    if not data.startswith(creation):
        check.fail(subject, "audit.contracts.other_creation")
        return
    try:
        admin, admin_delay, grants, fee_bps, region, max_stimulus, max_duration = decode(
            CONSTRUCTOR_TYPES, data[len(creation) :]
        )
    except Exception as error:
        check.fail(subject, "audit.contracts.constructor_unreadable", error=error)
        return
    config = deployment.config
    expected_grants = sorted(
        (role_id(name), address.lower()) for name, addresses in config.get("roles", {}).items() for address in addresses
    )
    actual = (
        admin.lower(),
        admin_delay,
        sorted((bytes(role), account.lower()) for role, account in grants),
        fee_bps,
        region,
        (max_stimulus, max_duration),
    )
    governance = config.get("governance", {})
    stated = (
        str(config.get("admin", "")).lower(),
        config.get("admin_delay"),
        expected_grants,
        config.get("fee_bps"),
        config.get("region", 1),
        (governance.get("max_stimulus_credit"), governance.get("max_stimulus_duration")),
    )
    if actual != stated:
        check.fail(subject, "audit.contracts.constructor_other")
