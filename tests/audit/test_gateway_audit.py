"""The auditor against a gateway: a live one (payments and blocks keep coming during the audit), its
accounts at an earlier block, its histories row by row, and the checks that cannot run saying so."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eth_account import Account
from fastapi.testclient import TestClient
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine

from next_contracts.transact import send
from next_contracts.vocabulary import MemberKind, MemberStatus
from next_node.api.app import create_app
from next_node.api.tokens import AuthSettings, issue_token
from next_node.db.engine import make_engine
from next_node.db.models import FeeChange, Transfer, WriteOff
from next_node.indexer.supervisor import Supervisor
from next_node.indexer.sync import Indexer, IndexerSettings
from tests.audit.conftest import AUDITOR_PASSWORD, AuditedChain
from tests.node.helpers import index_to_head, running_gateway
from tests.support.chain import call
from tests.support.polling import wait_until

GATEWAY_CHECKS = {"gateway.accounts", "gateway.stats", "gateway.history"}
PAYMENTS_AT_MOST = 3_000  # the background payer's bound, far more than an audit lasts


def staff_client(engine: Engine, chain: AuditedChain) -> tuple[TestClient, dict[str, str]]:
    settings = AuthSettings(domain="gateway.test")
    client = TestClient(create_app(engine, chain.deployment, chain.w3, settings))
    token = issue_token(settings, chain.operator, chain.deployment.chain_id).token  # the operator holds every role
    return client, {"Authorization": f"Bearer {token}"}


def test_accounts_at_an_earlier_block_are_the_chain_s_accounts_there(small_chain: AuditedChain, database_url) -> None:
    """After block B: a newcomer admitted, a credit line raised, a member frozen, a key migrated,
    payments. The gateway, indexed past all that, serves every account as the chain had it at B."""
    w3, ledger, citizens = small_chain.w3, small_chain.ledger(), small_chain.community.citizens
    block = w3.eth.block_number
    newcomer, new_key = Account.create(), Account.create()
    operator = small_chain.operator
    call(w3, operator, ledger.functions.admit(newcomer.address, 0, 1, b"\x07" * 32))
    call(w3, operator, ledger.functions.setCreditLine(citizens[0].address, 123_456, 9_999_999))
    call(w3, operator, ledger.functions.freeze(citizens[1].address))
    call(w3, operator, ledger.functions.migrate(citizens[2].address, new_key.address))
    payee = citizens[4].address
    for payer in citizens[5:8]:
        send(w3, payer, {"to": ledger.address, "data": ledger.encode_abi("pay", [payee, 150, b"\x00" * 32])})
    engine = make_engine(database_url)
    index_to_head(engine, w3, small_chain.deployment)
    client, staff = staff_client(engine, small_chain)

    served, cursor = [], None
    for _ in range(1_000):  # pages of 7, so that the rollback works page by page; bounded: a cursor
        # that never ends fails the test instead of hanging the run
        params: dict[str, Any] = {"at_block": block, "limit": 7, **({"cursor": cursor} if cursor else {})}
        page = client.get("/accounts", params=params, headers=staff).json()
        assert page["indexed_block"] == block
        served += page["items"]
        if (cursor := page["next_cursor"]) is None:
            break
    else:
        raise AssertionError("the /accounts pages never end")
    addresses = {a["address"].lower() for a in served}
    assert newcomer.address.lower() not in addresses and new_key.address.lower() not in addresses
    assert citizens[2].address.lower() in addresses
    for account in served:
        state = ledger.functions.accountOf(account["address"]).call(block_identifier=block)
        successor = ledger.functions.successorOf(account["address"]).call(block_identifier=block)
        successor = None if int(successor, 16) == 0 else successor
        status, kind = MemberStatus.of(state[3]).value, MemberKind.of(state[4]).value
        expected = (state[0], state[1], state[2], status, kind, state[5], successor)
        got = tuple(account[k] for k in ("balance", "credit_limit", "ceiling", "status", "kind", "region", "successor"))
        assert got == expected, account["address"]
    migrated = sum(1 for a in served if a["status"] == "migrated")  # a key migration keeps the member count
    staff_with_bonuses, commons_account = 40, 1  # seeded with the demo's allowances and commons rewards
    assert (
        len(served)
        == ledger.functions.memberCount().call(block_identifier=block) + migrated
        == 28 + staff_with_bonuses + commons_account + 1
    )

    now = client.get("/accounts", params={"limit": 1000}, headers=staff).json()
    assert new_key.address in {a["address"] for a in now["items"]}  # without at_block: the indexed state
    ahead = client.get("/accounts", params={"at_block": now["indexed_block"] + 1}, headers=staff)
    assert ahead.status_code == 409 and "rewound" in ahead.json()["detail"]


def test_history_pages_are_every_event_row_in_chain_order(small_chain: AuditedChain, database_url) -> None:
    engine = make_engine(database_url)
    index_to_head(engine, small_chain.w3, small_chain.deployment)
    client, staff = staff_client(engine, small_chain)
    block = small_chain.w3.eth.block_number - 3
    with engine.connect() as connection:
        stored = connection.execute(
            select(Transfer.block_number, Transfer.log_index).where(Transfer.block_number <= block)
        ).all()
    rows, cursor = [], None
    for _ in range(1_000):
        params: dict[str, Any] = {"to_block": block, "limit": 9, **({"cursor": cursor} if cursor else {})}
        page = client.get("/audit/events/transfers", params=params, headers=staff)
        assert page.status_code == 200, page.text
        rows += page.json()["items"]
        if (cursor := page.json()["next_cursor"]) is None:
            break
    else:
        raise AssertionError("the /audit/events pages never end")
    assert [(r["block_number"], r["log_index"]) for r in rows] == sorted(stored)
    assert "id" not in rows[0] and rows[0]["from_address"] == rows[0]["from_address"].lower()
    assert client.get("/audit/events/transfers", params={"to_block": block}).status_code == 401
    ahead = client.get("/audit/events/fee_changes", params={"to_block": 10**12}, headers=staff)
    assert ahead.status_code == 409
    assert client.get("/audit/events/members", params={"to_block": 1}, headers=staff).status_code == 422


@contextmanager
def live_gateway(chain: AuditedChain, tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    """A gateway whose indexer follows the chain in the background, as `next-node up` runs it."""
    engine = make_engine(f"sqlite:///{tmp_path / 'index.db'}")
    index_to_head(engine, chain.w3, chain.deployment)
    stop = threading.Event()
    indexer = Indexer(engine, chain.w3, chain.deployment, IndexerSettings(poll_interval=0.1))
    following = threading.Thread(target=Supervisor(indexer).run, args=(stop.is_set,), daemon=True)
    following.start()
    try:
        with running_gateway(engine, chain.deployment, chain.w3) as url:
            yield url, engine
    finally:
        stop.set()
        following.join(timeout=30)


def test_a_live_gateway_is_audited_at_one_block_while_payments_flow(
    small_chain: AuditedChain, tmp_path, monkeypatch
) -> None:
    keystore = small_chain.auditor_keystore(tmp_path)
    monkeypatch.setenv("NEXT_AUDIT_PASSWORD", AUDITOR_PASSWORD)
    w3, ledger = small_chain.w3, small_chain.ledger()
    shops = list(small_chain.community.businesses.values())
    stop, sent, errors = threading.Event(), [], []

    def pay_on() -> None:  # shops pay each other round and round: blocks and payments keep coming
        try:
            for i in range(PAYMENTS_AT_MOST):
                if stop.is_set():
                    return
                payer, payee = shops[i % len(shops)], shops[(i + 1) % len(shops)]
                data = ledger.encode_abi("pay", [payee.address, 100 + i % 7, b"\x00" * 32])
                sent.append(send(w3, payer, {"to": ledger.address, "data": data, "gas": 200_000})["blockNumber"])
        except Exception as error:  # the test fails below with it
            errors.append(error)

    with live_gateway(small_chain, tmp_path) as (url, _engine):
        payer = threading.Thread(target=pay_on, daemon=True)
        payer.start()
        wait_until(lambda: sent, timeout=60, every=0.05, message="no payment sent")  # the flow began before the audit
        try:
            result = small_chain.audit("--gateway", url, "--keystore", str(keystore))
        finally:
            stop.set()
            payer.join(timeout=60)
    assert not errors, errors
    assert result.code == 0, result.out + result.err
    audited = result.report["to_block"]
    assert max(sent) > audited  # payments were mined after the audited block, during the audit
    assert {c["name"] for c in result.report["checks"]} >= GATEWAY_CHECKS and not result.failed()
    assert result.check("gateway.history")["checked"] > 0 and result.check("gateway.accounts")["checked"] > 0


def test_each_tampered_history_row_is_named(small_chain: AuditedChain, tmp_path, monkeypatch) -> None:
    keystore = small_chain.auditor_keystore(tmp_path)
    monkeypatch.setenv("NEXT_AUDIT_PASSWORD", AUDITOR_PASSWORD)
    call(small_chain.w3, small_chain.operator, small_chain.ledger().functions.setFee(30))  # a fee change to tamper with
    engine = make_engine(f"sqlite:///{tmp_path / 'index.db'}")
    index_to_head(engine, small_chain.w3, small_chain.deployment)
    with running_gateway(engine, small_chain.deployment, small_chain.w3) as url:
        login = ("--gateway", url, "--keystore", str(keystore))
        clean = small_chain.audit(*login)
        assert clean.code == 0, clean.out
        with engine.begin() as db:
            payments = db.execute(
                select(Transfer).where(Transfer.kind == "payment").order_by(Transfer.block_number)
            ).all()
            deleted, changed = payments[3], payments[7]
            db.execute(delete(Transfer).where(Transfer.id == deleted.id))
            db.execute(update(Transfer).where(Transfer.id == changed.id).values(amount=changed.amount + 1))
            fake_hash = "0x" + "ab" * 32
            db.execute(insert(Transfer).values({**payments[9]._asdict(), "id": None, "tx_hash": fake_hash}))
            write_off = db.execute(select(WriteOff)).one()
            db.execute(delete(WriteOff).where(WriteOff.id == write_off.id))
            fee_change = db.execute(select(FeeChange).where(FeeChange.new_fee_bps == 30)).one()
            db.execute(update(FeeChange).where(FeeChange.id == fee_change.id).values(new_fee_bps=5))
        tampered = small_chain.audit(*login)
    assert tampered.code == 64, tampered.out
    # The fee served wrong also changes what the council's live allowances hold back of its credit.
    assert tampered.failed() == {"gateway.history", "gateway.accounts"}
    (council,) = tampered.findings("gateway.accounts")
    assert council["message"].startswith("available_credit"), council
    found = {f["subject"]: f["message"] for f in tampered.findings("gateway.history")}
    assert len(found) == 5, found
    assert "does not serve" in found[f"{deleted.tx_hash} log {deleted.log_index}"]
    altered = found[f"{changed.tx_hash} log {changed.log_index}"]
    assert altered.startswith("transfers: amount") and f"{changed.amount + 1} served" in altered
    assert "no such event" in found[f"{fake_hash} log {payments[9].log_index}"]
    assert found[f"{write_off.tx_hash} log {write_off.log_index}"].startswith("write_offs:")
    assert "new_fee_bps 30 on the chain, 5 served" in found[f"{fee_change.tx_hash} log {fee_change.log_index}"]


def test_gateway_checks_that_cannot_run_say_why_and_do_not_pass(
    small_chain: AuditedChain, tmp_path, monkeypatch
) -> None:
    keystore = small_chain.auditor_keystore(tmp_path)
    monkeypatch.setenv("NEXT_AUDIT_PASSWORD", AUDITOR_PASSWORD)
    engine = make_engine(f"sqlite:///{tmp_path / 'index.db'}")
    index_to_head(engine, small_chain.w3, small_chain.deployment)
    ahead = small_chain.w3.eth.block_number + 2
    for _ in range(2):
        small_chain.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    with running_gateway(engine, small_chain.deployment, small_chain.w3) as url:
        anonymous = small_chain.audit("--gateway", url)
        beyond = small_chain.audit("--gateway", url, "--keystore", str(keystore), "--at", str(ahead))
    assert anonymous.code == 1, anonymous.out  # the chain checks pass; the gateway's did not run
    assert anonymous.report["result"] == "incomplete" and "audit incomplete" in anonymous.err
    for name in GATEWAY_CHECKS:
        check = anonymous.check(name)
        assert check["status"] == "not run" and check["not_run"].startswith("no token") and check["checked"] == 0
    assert all(c["status"] == "pass" for c in anonymous.report["checks"] if c["name"] not in GATEWAY_CHECKS)

    assert beyond.code == 1, beyond.out  # the gateway's index is not at the audited block
    for name in GATEWAY_CHECKS:
        assert f"below the audited block {ahead}" in beyond.check(name)["not_run"]


def test_a_gateway_rewound_below_the_audited_block_answers_409_in_words(small_chain: AuditedChain, tmp_path) -> None:
    """A rewound chain: the gateway's index goes back below the block an auditor pinned. Its
    pages at that block answer 409, and the auditor's words say what happened."""
    w3 = small_chain.w3
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    for _ in range(3):
        w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    engine = make_engine(f"sqlite:///{tmp_path / 'index.db'}")
    index_to_head(engine, w3, small_chain.deployment)
    client, staff = staff_client(engine, small_chain)
    pinned = w3.eth.block_number
    assert client.get("/accounts", params={"at_block": pinned}, headers=staff).status_code == 200
    w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]  # another block in place of the first
    index_to_head(engine, w3, small_chain.deployment)  # the index rewinds to the common ancestor
    for path, params in (("/accounts", {"at_block": pinned}), ("/audit/events/transfers", {"to_block": pinned})):
        refused = client.get(path, params=params, headers=staff)
        assert refused.status_code == 409 and "rewound below it" in refused.json()["detail"]


def test_without_node_js_the_rebuild_is_not_run_and_says_why(small_chain: AuditedChain, tmp_path) -> None:
    result = small_chain.audit(env={"PATH": str(tmp_path)})  # an empty folder: no `node` on PATH
    assert result.code == 1, result.out
    rebuild = result.check("contracts.bytecode")
    assert rebuild["status"] == "not run" and "Node.js" in rebuild["not_run"]
    assert result.report["result"] == "incomplete" and result.failed() == {"contracts.bytecode"}
