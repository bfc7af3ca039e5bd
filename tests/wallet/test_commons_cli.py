"""Rewards for commons through the wallet's real entry point on a real chain: an attestor signs a
claim into a file, the beneficiary submits it, another attestor contests a second one, and after the
challenge window anyone has the first paid; forged, tampered and broken files are refused in words."""

from __future__ import annotations

import json

from next_contracts import COMMONS_REWARDS, load_artifact
from next_contracts.constitution import role_id
from next_contracts.transact import calldata, send
from next_contracts.vocabulary import CommonsKind, MemberKind
from next_wallet.errors import ExitStatus
from tests.wallet.conftest import admit, ledger_of
from tests.wallet.test_gateway_wallet import gateway_only
from tests.wallet.test_staff import PW, create

REWARD = 4_000


def commons_of(w3, deployment):
    return w3.eth.contract(deployment.commons_rewards, abi=load_artifact(COMMONS_REWARDS).abi)


def open_commons(w3, deployment, operator, attestors):
    """What a registrar, the committee and a vote do first: the commons account, a budget, a
    schedule, attestors (the dev operator holds every role)."""
    commons = commons_of(w3, deployment)
    if ledger_of(w3, deployment).functions.accountOf(commons.address).call()[3] == 0:  # the module's chain
        admit(w3, deployment, operator, commons.address, limit=1_000_000, ceiling=0, kind=MemberKind.SYSTEM.code)
    for call in (
        commons.functions.setBudget(100_000, 10_000, 50_000),
        commons.functions.setSchedule(CommonsKind.ENVIRONMENT.code, REWARD),
        *(commons.functions.grantRole(role_id("ATTESTOR_ROLE"), a) for a in attestors),
    ):
        send(w3, operator, {"to": commons.address, "data": calldata(call)})
    return commons


def later(w3, seconds: int) -> None:
    w3.provider.make_request("evm_increaseTime", [seconds])
    w3.provider.make_request("evm_mine", [])


def test_an_attested_claim_is_submitted_contested_or_paid(
    wallet, w3, deployment, operator, gateway, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # the first attestation goes to its default file, in the working directory
    association, services = create(wallet, "association"), create(wallet, "services")
    alice, bob = create(wallet, "alice"), create(wallet, "bob")
    for member in (alice, bob):
        admit(w3, deployment, operator, member)
    commons = open_commons(w3, deployment, operator, [association, services])
    report = tmp_path / "planting.pdf"
    report.write_bytes(b"%PDF 40 trees planted on the river bank")

    result = wallet("--json", "attest", "association", alice, "environment", "--evidence", str(report), *PW)
    assert result.code == 0, result.err
    attested = json.loads(result.out)
    assert (attested["amount"], attested["attestor"], attested["kind"]) == (REWARD, association, "environment")
    first = attested["file"]
    assert wallet("attest", "alice", bob, "environment", "--evidence", str(report), *PW).code == ExitStatus.NOT_STAFF

    # The beneficiary submits it; the same attestation twice is refused in words.
    result = wallet("--json", "submit-claim", "alice", first, "--yes", *PW)
    assert result.code == 0, result.err
    assert json.loads(result.out)["id"] == attested["id"]
    result = wallet("submit-claim", "bob", first, "--yes", *PW)
    assert result.code == ExitStatus.REFUSED and f"claim {attested['id'][2:12]} was submitted already" in result.err

    # A second claim, for bob, which another attestor contests in its window.
    second = tmp_path / "second.json"
    args = ("attest", "association", bob, "environment", "--evidence", str(report), "--out", str(second), *PW)
    assert wallet(*args).code == 0
    assert wallet("submit-claim", "bob", str(second), "--yes", *PW).code == 0
    second_id = json.loads(second.read_text())["id"]
    result = wallet("contest", "association", second_id[2:12], "--reason", "mine", "--yes", *PW)
    assert result.code == ExitStatus.REFUSED and "may not contest" in result.err
    result = wallet("contest", "services", second_id[2:12], "--reason", "the same trees", "--yes", *PW)
    assert result.code == 0, result.err

    listed = json.loads(wallet("--json", "claims", "alice").out)["claims"]
    assert [(c["id"], c["state"], c["amount"]) for c in listed] == [(attested["id"], "pending", REWARD)]
    everyone = json.loads(wallet("--json", "claims", "--address", association).out)["claims"]
    assert [c["state"] for c in everyone] == ["contested", "pending"]  # newest first
    assert "payable from" in wallet("claims", "alice").out

    result = wallet("pay-claim", "bob", attested["id"][2:12], "--yes", *PW)
    assert result.code == ExitStatus.REFUSED and "may be contested until" in result.err
    later(w3, 7 * 86_400)
    result = wallet("--json", "pay-claim", "bob", attested["id"][2:12], "--yes", *PW)
    assert result.code == 0, result.err
    ledger = ledger_of(w3, deployment)
    assert ledger.functions.balanceOf(alice).call() == REWARD
    assert ledger.functions.balanceOf(commons.address).call() == -(REWARD + 8)  # the reward and its fee
    result = wallet("pay-claim", "bob", second_id[2:12], "--yes", *PW)
    assert result.code == ExitStatus.REFUSED and "is contested" in result.err
    assert ledger.functions.balanceOf(bob).call() == 0

    # Through the gateway alone, a member reads the same from the index; its reward is a "reward".
    by_node = json.loads(wallet("--json", "claims", "alice").out)["claims"]
    gateway.refresh()
    gateway_only(wallet, tmp_path, gateway.url)
    assert wallet("login", "alice", *PW).code == 0
    result = wallet("--json", "claims", "alice")
    assert result.code == 0, result.err
    assert json.loads(result.out)["claims"] == by_node and by_node[0]["state"] == "paid"
    assert "(a reward for commons)" in wallet("history", "alice").out
    assert wallet("claims").code == ExitStatus.BAD_INPUT  # whose, through the gateway?


def test_forged_tampered_and_broken_attestations_are_refused(wallet, w3, deployment, operator, tmp_path):
    association, alice = create(wallet, "association"), create(wallet, "alice")
    admit(w3, deployment, operator, alice)
    open_commons(w3, deployment, operator, [association])
    evidence = tmp_path / "evidence.txt"
    evidence.write_text("soup kitchen, 12 evenings")
    out = tmp_path / "a.json"
    assert (
        wallet("attest", "association", alice, "environment", "--evidence", str(evidence), "--out", str(out), *PW).code
        == 0
    )

    tampered = json.loads(out.read_text())
    tampered["claim"]["amount"] = 400_000  # the signature is of 40,00
    (tmp_path / "tampered.json").write_text(json.dumps(tampered))
    result = wallet("submit-claim", "alice", str(tmp_path / "tampered.json"), "--yes", *PW)
    assert result.code == ExitStatus.REFUSED and "the schedule gives 40,00" in result.err
    tampered["claim"]["amount"] = REWARD
    tampered["claim"]["beneficiary"] = association  # signed for alice: recovers to another address
    (tmp_path / "tampered.json").write_text(json.dumps(tampered))
    result = wallet("submit-claim", "alice", str(tmp_path / "tampered.json"), "--yes", *PW)
    assert result.code == ExitStatus.REFUSED and "who is not an attestor" in result.err

    for name, text in (("garbage.json", "not json"), ("empty.json", "{}"), ("huge.json", "x" * 100_000)):
        (tmp_path / name).write_text(text)
        result = wallet("submit-claim", "alice", str(tmp_path / name), "--yes", *PW)
        assert result.code == ExitStatus.BAD_INPUT, (name, result.err)
        assert len(result.err.strip().splitlines()) == 1, result.err
    other = json.loads(out.read_text()) | {"chain_id": 1}
    (tmp_path / "other.json").write_text(json.dumps(other))
    result = wallet("submit-claim", "alice", str(tmp_path / "other.json"), "--yes", *PW)
    assert result.code == ExitStatus.BAD_INPUT and "signed for chain 1" in result.err
    result = wallet("attest", "association", alice, "environment", "--evidence", str(tmp_path / "none"), *PW)
    assert result.code == ExitStatus.BAD_INPUT and "cannot read the evidence file" in result.err
    result = wallet("pay-claim", "alice", "zz", "--yes", *PW)
    assert result.code == ExitStatus.BAD_INPUT
