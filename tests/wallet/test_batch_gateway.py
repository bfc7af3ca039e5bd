"""A wallet with the gateway alone checks its payees too, pays each line once across re-runs, and
shows a balance only once the gateway's index has reached the payment's block."""

from __future__ import annotations

import json
import threading

import pytest

from next_contracts.transact import calldata, send
from next_wallet import gateway_ledger
from next_wallet.errors import ExitStatus
from next_wallet.gateway_ledger import GatewayLedger
from tests.wallet.conftest import admit, ledger_of, new_member
from tests.wallet.test_batch_rerun import Killed, balances
from tests.wallet.test_cli import PW, create
from tests.wallet.test_gateway_wallet import gateway_only


@pytest.fixture
def council_key(wallet, w3, deployment, operator):
    address = create(wallet, "council")
    admit(w3, deployment, operator, address, kind=2, limit=10_000_000, ceiling=10**9)
    return address


def signed_in(wallet, gateway, tmp_path):
    gateway.refresh()
    gateway_only(wallet, tmp_path, gateway.url)
    assert wallet("login", "council", *PW).code == 0


def test_every_bad_payee_is_named_through_the_gateway_alone(
    wallet, w3, deployment, operator, gateway, tmp_path, council_key
):
    """The gateway-only wallet used to check no payee at all (payee_status answered "active")."""
    ledger = ledger_of(w3, deployment)
    good = new_member(w3, deployment, operator).address
    frozen = new_member(w3, deployment, operator).address
    near_ceiling = new_member(w3, deployment, operator, ceiling=1_000).address
    send(w3, operator, {"to": ledger.address, "data": ledger.encode_abi("freeze", args=[frozen])})
    stranger = "0x" + "88" * 20
    sheet = tmp_path / "bonus.csv"
    sheet.write_text(
        f"address;amount\n{good};5,00\n{frozen};1,00\n{stranger};1,00\n{near_ceiling};10,01\n{good.lower()};1,00\n"
    )
    signed_in(wallet, gateway, tmp_path)
    result = wallet("batch-pay", "council", str(sheet), "--yes", *PW)
    assert result.code == ExitStatus.BAD_INPUT, result.err
    assert f"line 3: {frozen} cannot be paid: it is frozen" in result.err
    assert "line 4: 0x8888888888888888888888888888888888888888 cannot be paid: it is not a member" in result.err
    assert f"line 5: {near_ceiling} cannot be paid: it may pass its ceiling" in result.err  # never by how much
    assert "line 6:" in result.err and "already on line 2" in result.err
    assert "line 2:" not in result.err
    assert balances(w3, deployment, [good, frozen, near_ceiling]) == [0, 0, 0]


@pytest.mark.parametrize("stage", ["before_broadcast", "after_broadcast"])
def test_a_rerun_through_the_gateway_pays_each_line_once(
    wallet, w3, deployment, operator, gateway, tmp_path, council_key, monkeypatch, capsys, stage
):
    staff = [new_member(w3, deployment, operator).address for _ in range(5)]
    sheet = tmp_path / "bonus.csv"
    sheet.write_text("address,amount\n" + "".join(f"{a},{10 + i}.00\n" for i, a in enumerate(staff)))
    signed_in(wallet, gateway, tmp_path)
    calls = {"n": 0}
    name = "send_signed" if stage == "before_broadcast" else "wait"
    real = getattr(GatewayLedger, name)

    def killed_at_second_chunk(self, arg):
        calls["n"] += 1
        if calls["n"] == 2:
            raise Killed
        return real(self, arg)

    with monkeypatch.context() as patch:
        patch.setattr(GatewayLedger, name, killed_at_second_chunk)
        with pytest.raises(Killed):
            wallet("batch-pay", "council", str(sheet), "--chunk", "2", "--yes", *PW)
    capsys.readouterr()  # what the killed run printed
    result = wallet("--json", "batch-pay", "council", str(sheet), "--chunk", "2", "--yes", *PW)
    assert result.code == 0, result.err
    already = 2 if stage == "before_broadcast" else 4
    assert json.loads(result.out)["already_paid"] == already
    assert balances(w3, deployment, staff) == [1_000, 1_100, 1_200, 1_300, 1_400]


@pytest.fixture
def indexer(gateway):
    """start(): the gateway's index follows the chain in the background, as under `next-node up`
    (the only indexer from then on)."""
    stop = threading.Event()
    threads = []

    def follow():
        while not stop.is_set():
            gateway.refresh()
            stop.wait(0.1)

    def start():
        threads.append(threading.Thread(target=follow, daemon=True))
        threads[0].start()

    yield start
    stop.set()
    for thread in threads:
        thread.join(timeout=30)


def test_the_balance_after_a_payment_is_read_at_its_block(
    wallet, w3, deployment, operator, gateway, tmp_path, council_key, indexer
):
    payee = new_member(w3, deployment, operator).address
    signed_in(wallet, gateway, tmp_path)
    indexer()
    ledger = ledger_of(w3, deployment)
    for amount in ("1.00", "2.00", "3.00"):
        paid = wallet("--json", "pay", "council", payee, amount, "--yes", *PW)
        assert paid.code == 0, paid.err
        body = json.loads(paid.out)
        block = w3.eth.get_transaction_receipt(body["tx_hash"])["blockNumber"]
        assert body["balance_block"] >= block
        assert body["balance"] == ledger.functions.balanceOf(council_key).call(block_identifier=body["balance_block"])


def test_the_balance_is_not_shown_while_the_index_is_behind(
    wallet, w3, deployment, operator, gateway, tmp_path, council_key, monkeypatch
):
    payee = new_member(w3, deployment, operator).address
    signed_in(wallet, gateway, tmp_path)  # indexed once; nothing indexes after this
    monkeypatch.setattr(gateway_ledger, "INDEX_WAIT_SECONDS", 0.5)
    paid = wallet("pay", "council", payee, "1.00", "--yes", *PW)
    assert paid.code == 0, paid.err
    assert "new balance not shown yet" in paid.out
    assert ledger_of(w3, deployment).functions.balanceOf(payee).call() == 100


def test_a_chunk_the_relay_refuses_is_never_sent_and_paid_once_later(
    wallet, w3, deployment, operator, gateway, tmp_path, council_key, monkeypatch
):
    """Frozen between signing and broadcast: the gateway's relay refuses the chunk (409), the
    journal marks it refused, and once the payee is active again a re-run pays its lines once."""
    ledger = ledger_of(w3, deployment)
    staff = [new_member(w3, deployment, operator).address for _ in range(4)]
    sheet = tmp_path / "bonus.csv"
    sheet.write_text("address,amount\n" + "".join(f"{a},{10 + i}.00\n" for i, a in enumerate(staff)))
    signed_in(wallet, gateway, tmp_path)
    sent, calls = GatewayLedger.send_signed, {"n": 0}

    def operate(fn):
        send(w3, operator, {"to": ledger.address, "data": calldata(fn)})

    def freeze_then_send(self, raw):
        calls["n"] += 1
        if calls["n"] == 2:
            operate(ledger.functions.freeze(staff[2]))
        return sent(self, raw)

    with monkeypatch.context() as patch:
        patch.setattr(GatewayLedger, "send_signed", freeze_then_send)
        result = wallet("batch-pay", "council", str(sheet), "--chunk", "2", "--yes", *PW)
    assert result.code == ExitStatus.PAYEE_NOT_MEMBER, result.err
    assert "2 of 4 line(s) paid and confirmed" in result.err
    runs = json.loads((tmp_path / "bonus.csv.journal.json").read_text())["runs"]
    assert [c["status"] for c in next(iter(runs.values()))["chunks"]] == ["confirmed", "refused"]
    operate(ledger.functions.unfreeze(staff[2]))
    result = wallet("--json", "batch-pay", "council", str(sheet), "--chunk", "2", "--yes", *PW)
    assert result.code == 0, result.err
    assert json.loads(result.out)["already_paid"] == 2
    assert balances(w3, deployment, staff) == [1_000, 1_100, 1_200, 1_300]


def test_a_payment_near_a_payees_ceiling_is_signed_and_the_ledger_decides(
    wallet, w3, deployment, operator, gateway, tmp_path, council_key
):
    """Through the gateway alone the wallet cannot learn whether a payment passes another member's
    ceiling (that would tell its balance): it says the payment may, signs it when asked, and
    reports the ledger's refusal on chain in words, nothing paid; the one that fits is paid."""
    near_ceiling = new_member(w3, deployment, operator, ceiling=1_000).address  # 10,00; a sixteenth is 0,62
    signed_in(wallet, gateway, tmp_path)
    over = wallet("pay", "council", near_ceiling, "10,01", "--yes", *PW)
    assert over.code == ExitStatus.REFUSED, over.err
    assert "may pass its payee's ceiling" in over.out and "10,00" not in over.out + over.err
    assert "the payee cannot receive this amount now; nothing was paid" in over.err
    fits = wallet("pay", "council", near_ceiling, "9,95", "--yes", *PW)
    assert fits.code == 0 and "may pass its payee's ceiling" in fits.out, fits.err
    assert balances(w3, deployment, [near_ceiling]) == [995]


def test_a_batch_named_by_a_long_file_name_keeps_its_words_in_the_history(
    wallet, w3, deployment, operator, gateway, tmp_path, council_key
):
    """The file's name is the run's reference: 47 bytes, more than the chain's 32, so the chain holds
    its hash; the wallet gives the gateway its words, and both sides' histories say them."""
    staff = [new_member(w3, deployment, operator).address for _ in range(2)]
    sheet = tmp_path / "primes-decembre-2026-service-jeunesse.csv"
    sheet.write_text(f"adresse;montant\n{staff[0]};12,50\n{staff[1]};7,00\n")
    signed_in(wallet, gateway, tmp_path)
    paid = wallet("batch-pay", "council", str(sheet), "--yes", *PW)
    assert paid.code == 0, paid.err
    assert "note" not in paid.err  # the words were kept: nothing to say about them
    gateway.refresh()
    history = wallet("history", "council")
    assert '"primes-decembre-2026-service-jeunesse.csv"' in history.out, history.out
    runs = wallet("bonus-runs", "council")
    assert '"primes-decembre-2026-service-jeunesse.csv"' in runs.out, runs.out
