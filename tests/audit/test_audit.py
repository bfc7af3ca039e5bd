"""`next-audit` end to end: a clean chain passes every check; each tampering scenario is caught by
the check that should catch it, and named."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from eth_abi import encode
from eth_account import Account
from sqlalchemy import update
from web3 import Web3

from next_contracts import LEDGER, load_artifact
from next_contracts.bonuses import bonus_contract
from next_contracts.build import compile_standard, standard_input
from next_contracts.commons import Claim, evidence_hash, period_of, sign_claim
from next_contracts.constitution import role_id
from next_contracts.deploy import Deployment, artifact_hashes
from next_contracts.transact import send
from next_contracts.vocabulary import CommonsKind
from next_node.db.engine import make_engine
from next_node.db.models import Member
from next_node.demo.commons import commons_of
from tests.audit.conftest import AUDITOR_PASSWORD, NEXT_AUDIT, AuditedChain, run_audit
from tests.node.helpers import index_to_head, running_gateway
from tests.paths import ROOT

ALL_CHECKS = {
    "contracts.bytecode",
    "chain.integrity",
    "chain.consensus",
    "ledger.rules",
    "ledger.authority",
    "ledger.reserve",
    "ledger.zero_sum",
    "ledger.state",
    "governance.votes",
    "clearing.positions",
}
GATEWAY_CHECKS = {"gateway.accounts", "gateway.stats", "gateway.history"}


def ledger_of(chain: AuditedChain):  # type: ignore[no-untyped-def]
    return chain.w3.eth.contract(chain.deployment.ledger, abi=load_artifact(LEDGER).abi)


def test_a_clean_demo_chain_passes_every_check(demo_chain: AuditedChain) -> None:
    result = demo_chain.audit()
    assert result.code == 0, result.err + result.out
    report = result.report
    assert {c["name"] for c in report["checks"]} == ALL_CHECKS and not result.failed()
    ledger = ledger_of(demo_chain)
    head = demo_chain.w3.eth.block_number
    assert report["to_block"] == head and report["head_hash"] == demo_chain.w3.eth.get_block(head)["hash"].to_0x_hex()
    figures = report["figures"]
    assert figures["payments"] >= 2_000 and report["events"] > figures["payments"]
    assert figures["reserve"] == ledger.functions.reserveBalance().call() > 0
    assert figures["debt_covered"] > 0 and figures["members_by_status"]["migrated"] == 1
    assert figures["members"] == ledger.functions.memberCount().call()
    chain_check = next(c for c in report["checks"] if c["name"] == "chain.integrity")
    assert chain_check["checked"] == head + 1  # every block from genesis
    # geth's clique chain: every block after block 0 sealed by the node's one validator.
    assert result.check("chain.consensus")["checked"] == head and figures["consensus"] == "clique"
    assert list(figures["blocks_sealed"].values()) == [head]
    assert report["build"]["runtime_keccak256"] == demo_chain.deployment.artifacts[LEDGER]["runtime_keccak256"]
    # The commons: three claims attested, one contested, two rewards paid from the commons account.
    assert (figures["commons_claims"], figures["commons_contested"], figures["commons_rewards_paid"]) == (3, 1, 2)


def test_the_readable_summary_names_each_check(demo_chain: AuditedChain) -> None:
    at = str(demo_chain.deployment.deploy_block + 5)
    command = [NEXT_AUDIT, "--rpc", demo_chain.chain.settings.rpc_url, "--deployment", str(demo_chain.deployment_file)]
    completed = subprocess.run([*command, "--quiet", "--at", at], capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout
    assert "all checks pass" in completed.stdout
    assert re.search(r"circulation\W+\d[\d ]*\.\d\d NXT", completed.stdout), completed.stdout  # units
    for name in ALL_CHECKS:
        assert name in completed.stdout


def test_the_gateway_cross_check_passes_then_names_a_tampered_balance(
    demo_chain: AuditedChain, tmp_path, monkeypatch
) -> None:
    keystore = demo_chain.auditor_keystore(tmp_path)
    monkeypatch.setenv("NEXT_AUDIT_PASSWORD", AUDITOR_PASSWORD)
    engine = make_engine(f"sqlite:///{tmp_path / 'index.db'}")
    index_to_head(engine, demo_chain.w3, demo_chain.deployment)
    with running_gateway(engine, demo_chain.deployment, demo_chain.w3) as url:
        login = ("--gateway", url, "--keystore", str(keystore))
        clean = demo_chain.audit(*login)
        assert clean.code == 0, clean.out
        assert {c["name"] for c in clean.report["checks"]} >= GATEWAY_CHECKS and not clean.failed()
        assert clean.check("gateway.accounts")["checked"] == clean.report["figures"]["members"] + 1  # + the lost key
        assert clean.check("gateway.history")["checked"] > clean.report["figures"]["payments"]

        victim = demo_chain.community.citizens[3].address.lower()
        with engine.begin() as connection:
            connection.execute(update(Member).where(Member.address == victim).values(balance=Member.balance + 10_000))
        tampered = demo_chain.audit(*login)
    assert tampered.code == 64, tampered.out
    assert tampered.failed() == {"gateway.accounts"}
    [finding] = tampered.findings("gateway.accounts")
    assert finding["subject"] == victim and "balance" in finding["message"]


def test_storage_rewritten_without_a_transaction_is_named(small_chain: AuditedChain) -> None:
    """What a dishonest validator could do: write a balance straight into the contract's storage."""
    w3, victim = small_chain.w3, small_chain.community.citizens[2].address
    slot = account_slot(w3, small_chain.deployment.ledger, victim)
    packed = int.from_bytes(w3.eth.get_storage_at(small_chain.deployment.ledger, slot), "big")
    w3.provider.make_request(
        "anvil_setStorageAt",  # type: ignore[arg-type]
        [small_chain.deployment.ledger, hex(slot), "0x" + (packed + 1_000_000).to_bytes(32, "big").hex()],
    )
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    result = small_chain.audit()
    assert result.code == 16 | 32, result.out  # the state differs, and the balances no longer sum to zero
    assert result.failed() == {"ledger.state", "ledger.zero_sum"}
    [finding] = result.findings("ledger.state")
    assert finding["subject"] == victim.lower()
    assert "balance" in finding["message"] and "on-chain" in finding["message"]


def test_a_role_written_into_storage_is_caught_when_used(small_chain: AuditedChain) -> None:
    """A registrar role slipped into storage, then used to admit a member: the authority check
    names the usurper, and the state check names the role the events never granted."""
    w3, ledger = small_chain.w3, ledger_of(small_chain)
    usurper = w3.eth.accounts[5]
    role = role_id("REGISTRAR_ROLE")
    # OpenZeppelin's AccessControl: _roles (slot 0) maps a role to {hasRole mapping, adminRole}.
    role_slot = Web3.keccak(encode(["bytes32", "uint256"], [role, 0]))
    member_slot = Web3.keccak(encode(["address", "bytes32"], [usurper, role_slot]))
    w3.provider.make_request("anvil_setStorageAt", [ledger.address, member_slot.to_0x_hex(), "0x" + "00" * 31 + "01"])  # type: ignore[arg-type]
    assert ledger.functions.hasRole(role, usurper).call()
    newcomer = w3.eth.account.create().address
    send(w3, usurper, {"to": ledger.address, "data": ledger.encode_abi("admit", [newcomer, 0, 1, b"\x01" * 32])})

    result = small_chain.audit()
    assert result.code == 16 | 32, result.out
    assert result.failed() == {"ledger.authority", "ledger.state"}
    [usurped] = result.findings("ledger.authority")
    assert usurped["subject"] == usurper.lower() and "without REGISTRAR_ROLE" in usurped["message"]
    [role_state] = result.findings("ledger.state")
    assert role_state["subject"] == usurper.lower() and "REGISTRAR_ROLE" in role_state["message"]


def test_an_attestor_written_into_storage_is_named_when_it_attests(small_chain: AuditedChain) -> None:
    """ATTESTOR_ROLE slipped into the commons contract's storage, then used to attest a claim that
    the contract takes: the replay of the role's grants names the attestor."""
    w3 = small_chain.w3
    commons = commons_of(w3, small_chain.deployment)
    usurper = Account.create()
    role_slot = Web3.keccak(encode(["bytes32", "uint256"], [role_id("ATTESTOR_ROLE"), 0]))  # AccessControl._roles
    member_slot = Web3.keccak(encode(["address", "bytes32"], [usurper.address, role_slot]))
    w3.provider.make_request("anvil_setStorageAt", [commons.address, member_slot.to_0x_hex(), "0x" + "00" * 31 + "01"])  # type: ignore[arg-type]
    beneficiary = small_chain.community.citizens[5]
    period = period_of(w3.eth.get_block("latest")["timestamp"])
    claim = Claim(beneficiary.address, CommonsKind.ENVIRONMENT.code, evidence_hash(b"none"), 4_000, period)
    signed = sign_claim(usurper.key, claim, w3.eth.chain_id, commons.address)
    send(
        w3,
        beneficiary,
        {"to": commons.address, "data": commons.encode_abi("submit", [claim.as_tuple(), signed.signature])},
    )

    result = small_chain.audit()
    assert result.failed() == {"ledger.authority"}, result.out
    [usurped] = result.findings("ledger.authority")
    assert usurped["subject"] == usurper.address.lower() and "without ATTESTOR_ROLE" in usurped["message"]


def test_an_allowance_raised_in_storage_then_spent_is_named(small_chain: AuditedChain) -> None:
    """A holder's allowance written larger straight into the contract's storage, then spent beyond
    what the council issued: the contract cannot tell, the replay of its events can."""
    w3, bonuses_address = small_chain.w3, str(small_chain.deployment.bonus_allowances)
    holder, year_end = small_chain.bonuses.staff[1], small_chain.bonuses.runs[0]
    base = int.from_bytes(Web3.keccak(encode(["address", "uint256"], [holder.address, 0])), "big")  # _allowances
    for place in range(8):
        word = int.from_bytes(w3.eth.get_storage_at(bonuses_address, base + place), "big")
        if word & 0xFFFFFFFF == year_end:
            break
    else:
        raise AssertionError("no year-end allowance in the holder's places")
    raised = word + (100_000 << 32)  # remaining (bits 32..95) + 1 000,00
    w3.provider.make_request(
        "anvil_setStorageAt",  # type: ignore[arg-type]
        [bonuses_address, hex(base + place), "0x" + raised.to_bytes(32, "big").hex()],
    )
    bonuses = bonus_contract(w3, bonuses_address)
    bookshop = small_chain.community.businesses["bookshop (1)"].address
    spendable = bonuses.functions.spendableAt(holder.address, bookshop).call()
    data = bonuses.encode_abi("spend", [bookshop, spendable, 0, b"\x00" * 32])
    send(w3, holder, {"to": bonuses_address, "data": data})

    result = small_chain.audit()
    assert result.failed() == {"ledger.rules"}, result.out
    [finding] = result.findings("ledger.rules")
    assert finding["subject"] == holder.address.lower() and "of its allowance in bonus run" in finding["message"]


def account_slot(w3: Web3, ledger: str, account: str) -> int:
    """The storage slot of `account`'s packed record: the mapping whose entry holds its status (1,
    active, in bits 232 to 235)."""
    for index in range(16):
        slot = int.from_bytes(Web3.keccak(encode(["address", "uint256"], [account, index])), "big")
        value = int.from_bytes(w3.eth.get_storage_at(ledger, slot), "big")
        if (value >> 232) & 0xF == 1:
            return slot
    raise AssertionError("no account slot found")


def test_a_contract_built_from_modified_source_fails_the_bytecode_check(small_chain: AuditedChain, tmp_path) -> None:
    # The same ledger with one rule changed (a 50% fee cap), deployed like the real one.
    shutil.copytree(ROOT / "contracts", tmp_path / "contracts")
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    source = tmp_path / "contracts" / "ledger" / "MutualCreditLedger.sol"
    source.write_text(source.read_text().replace("MAX_FEE_BPS = 500;", "MAX_FEE_BPS = 5000;"))
    output = compile_standard(tmp_path, standard_input(tmp_path))
    forged = output["contracts"]["contracts/ledger/MutualCreditLedger.sol"][LEDGER]
    deployment = deploy_code(small_chain, "0x" + forged["evm"]["bytecode"]["object"], tmp_path / "forged.json")

    result = run_audit(small_chain.chain.settings.rpc_url, tmp_path / "forged.json")
    assert result.code == 4, result.out
    assert result.failed() == {"contracts.bytecode"}
    messages = [f["message"] for f in result.findings("contracts.bytecode")]
    assert any("is not the code the sources build" in m for m in messages)
    assert result.findings("contracts.bytecode")[0]["subject"] == deployment.ledger


def test_the_build_is_kept_between_audits_and_a_changed_cache_is_caught(small_chain: AuditedChain, tmp_path) -> None:
    """The compiler's output is kept by (compiler version, sources) and read back on the next
    audit; what is read back is checked like a fresh build, and --fresh-build compiles again."""
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    first = small_chain.audit(env=env)
    assert first.code == 0 and first.report["build"]["cached"] is False, first.err + first.out
    (kept,) = (tmp_path / "next-audit" / "builds").glob("*.json")
    second = small_chain.audit(env=env)
    assert second.code == 0 and second.report["build"]["cached"] is True
    assert second.report["build"]["metadata_ipfs"] == first.report["build"]["metadata_ipfs"]

    # Someone with the auditor's files changes the kept output: the code no longer matches.
    output = json.loads(kept.read_text())
    ledger = output["contracts"]["contracts/ledger/MutualCreditLedger.sol"][LEDGER]
    code = ledger["evm"]["deployedBytecode"]["object"]
    ledger["evm"]["deployedBytecode"]["object"] = code[:100] + ("00" if code[100:102] != "00" else "01") + code[102:]
    kept.write_text(json.dumps(output))
    tampered = small_chain.audit(env=env)
    assert tampered.code == 4 and tampered.failed() == {"contracts.bytecode"}
    fresh = small_chain.audit("--fresh-build", env=env)
    assert fresh.code == 0 and fresh.report["build"]["cached"] is False, fresh.out

    kept.write_text("{not json")  # a half-written file is compiled again and replaced
    mended = small_chain.audit(env=env)
    assert mended.code == 0 and mended.report["build"]["cached"] is False
    assert json.loads(kept.read_text())["contracts"]


def test_a_source_changed_in_a_comment_only_is_told_apart(small_chain: AuditedChain, tmp_path) -> None:
    """Same executable code, another metadata hash: the report says the sources differ."""
    shutil.copytree(ROOT / "contracts", tmp_path / "contracts")
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    source = tmp_path / "contracts" / "ledger" / "MutualCreditLedger.sol"
    source.write_text(source.read_text() + "\n// an innocent-looking comment\n")
    output = compile_standard(tmp_path, standard_input(tmp_path))
    forged = output["contracts"]["contracts/ledger/MutualCreditLedger.sol"][LEDGER]
    deploy_code(small_chain, "0x" + forged["evm"]["bytecode"]["object"], tmp_path / "forged.json")
    result = run_audit(small_chain.chain.settings.rpc_url, tmp_path / "forged.json")
    assert result.code == 4
    assert any("another metadata hash" in f["message"] for f in result.findings("contracts.bytecode"))


def deploy_code(chain: AuditedChain, creation: str, record: Path) -> Deployment:
    """Deploys `creation` with the real deployment's constructor arguments; writes its record."""
    config = chain.deployment.config
    grants = [(role_id(name), address) for name, addresses in config["roles"].items() for address in addresses]
    bound = (config["governance"]["max_stimulus_credit"], config["governance"]["max_stimulus_duration"])
    args = encode(
        ["address", "uint48", "(bytes32,address)[]", "uint256", "uint16", "uint256", "uint64"],
        [config["admin"], config["admin_delay"], grants, config["fee_bps"], config["region"], *bound],
    )
    receipt = send(chain.w3, chain.operator, {"data": creation + args.hex(), "gas": 12_000_000})
    block = chain.w3.eth.get_block(receipt["blockNumber"])
    deployment = Deployment(
        chain_id=chain.deployment.chain_id,
        ledger=receipt["contractAddress"],
        deploy_block=receipt["blockNumber"],
        deploy_block_hash=block["hash"].to_0x_hex(),
        deploy_tx=receipt["transactionHash"].to_0x_hex(),
        deployer=chain.operator,
        config=config,
        artifacts={
            LEDGER: artifact_hashes(load_artifact(LEDGER), bytes(chain.w3.eth.get_code(receipt["contractAddress"])))
        },
        governor=chain.deployment.governor,  # the same governance, so that only the bytecode differs
        timelock=chain.deployment.timelock,
        constitution=chain.deployment.constitution,
    )
    deployment.write(record)
    return deployment


def test_the_auditor_shares_no_code_with_the_gateway() -> None:
    code = (
        "import sys, next_audit.cli, next_audit.chain, next_audit.replay, next_audit.state, next_audit.gateway; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('next_node', 'sqlmodel', 'sqlalchemy', 'fastapi')))"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "[]"


def test_exit_codes_when_the_audit_cannot_run(small_chain: AuditedChain, tmp_path) -> None:
    unreachable = run_audit("http://127.0.0.1:9", small_chain.deployment_file)
    assert unreachable.code == 1 and "does not answer" in unreachable.err
    no_record = run_audit(small_chain.chain.settings.rpc_url, tmp_path / "none.json")
    assert no_record.code == 1 and "cannot read the deployment record" in no_record.err
    beyond = small_chain.audit("--at", str(10**9))
    assert beyond.code == 1 and "is not between" in beyond.err
    usage = small_chain.audit("--at", "soon")
    assert usage.code == 2


def forwarder_code(target: str) -> str:
    """Creation code of the smallest forwarder: it calls `target` with its own calldata (as a
    multisig executing a proposal would). Runtime: CALLDATACOPY to memory, then CALL(gas, target,
    0, 0, CALLDATASIZE, 0, 0), and stop; written in bytecode to need no Solidity of its own."""
    runtime = bytes.fromhex("365f5f37" + "5f5f365f5f" + "73" + target[2:].lower() + "5af1" + "5000")
    init = bytes.fromhex(f"60{len(runtime):02x}8060095f395ff3")
    return "0x" + (init + runtime).hex()


def test_a_registrar_that_is_a_contract_is_attributed_by_the_call_trace(small_chain: AuditedChain) -> None:
    w3, ledger = small_chain.w3, ledger_of(small_chain)
    receipt = send(w3, small_chain.operator, {"data": forwarder_code(ledger.address), "gas": 200_000})
    forwarder = receipt["contractAddress"]
    grant = ledger.encode_abi("grantRole", [role_id("REGISTRAR_ROLE"), forwarder])
    send(w3, small_chain.operator, {"to": ledger.address, "data": grant})
    newcomer = w3.eth.account.create().address
    admit = ledger.encode_abi("admit", [newcomer, 0, 2, b"\x03" * 32])
    send(w3, w3.eth.accounts[7], {"to": forwarder, "data": admit, "gas": 300_000})  # anyone may ask the forwarder
    assert ledger.functions.accountOf(newcomer).call()[3] == 1  # admitted, by the forwarder's role

    result = small_chain.audit()
    assert result.code == 0, result.out
    assert result.report["figures"]["members"] == ledger.functions.memberCount().call()


def test_a_report_is_said_in_its_readers_language_and_keeps_its_findings_as_codes() -> None:
    """Amounts from hundredths in the reader's own writing, never "5,226" for 52.26; a finding said in
    French or English from one code, and kept in the JSON report as its code and arguments."""
    from rich.console import Console

    from next_audit.report import Failure, Report
    from next_audit.sentences import money, phrase

    def said(language: str) -> tuple[str, dict]:
        report = Report(1, "0xledger", 0, 9, "0xhead", figures={"circulation": 522_600, "members": 1234})
        report.language = language
        rules = report.check("ledger.rules", Failure.LEDGER_RULES, "events")
        rules.checked = 1234
        rules.fail("0xpayer", "audit.ledger.paid_paused", amount=money(5_226), tx="0xtx", block=7)
        rules.fail("0xpayer", "audit.ledger.status_change", previous=phrase("status.active"),
                   new=phrase("status.frozen"), current=phrase("status.excluded"))  # fmt: skip
        report.check("gateway.stats", Failure.GATEWAY, "figures").skip("audit.gateway.none")
        console = Console(record=True, width=300)
        report.render(console)
        return console.export_text(), json.loads(report.to_json())

    french, data = said("fr")
    assert "5\u202f226,00 NXT" in french and "a payé 52,26 NXT alors que les paiements étaient suspendus" in french
    assert "statut actif -> gelé alors que exclu" in french and "non exécuté : pas de passerelle" in french
    assert "1\u202f234 événements" in french and "audit échoué, code de sortie 33" in french
    english, _ = said("en")
    assert "5,226.00 NXT" in english and "paid 52.26 NXT while payments were paused in 0xtx (block 7)" in english
    assert "status active -> frozen while excluded" in english and "not run: no gateway" in english
    finding = data["checks"][0]["findings"][0]
    assert finding["code"] == "audit.ledger.paid_paused" and finding["args"]["amount"] == {"money": 5_226}
    assert finding["message"].startswith("a payé 52,26 NXT") and data["language"] == "fr"
    assert data["checks"][1]["not_run_code"] == "audit.gateway.none"


def test_a_governance_contract_that_is_not_its_sources_build_is_named(small_chain: AuditedChain, tmp_path) -> None:
    """A record whose constitution is some other code (here the timelock's): the bytecode check names it."""
    record = json.loads(small_chain.deployment_file.read_text())
    record["constitution"] = small_chain.deployment.timelock
    forged = tmp_path / "deployment.json"
    forged.write_text(json.dumps(record))
    result = run_audit(small_chain.chain.settings.rpc_url, forged)
    findings = result.findings("contracts.bytecode")
    assert {f["subject"].lower() for f in findings} == {small_chain.deployment.timelock.lower()}, result.out
    assert any("Constitution's runtime code" in f["message"] for f in findings)
