"""Error roots: next_contracts has one, and a gateway's own failure (HTTP 5xx) is said as such,
never as the user's malformed input."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import next_contracts
from next_contracts.errors import DecodedError, NextContractsError, describe
from next_wallet import cli
from next_wallet.errors import ExitStatus


def test_every_next_contracts_error_has_the_one_root():
    found = []
    for module_info in pkgutil.iter_modules(next_contracts.__path__):
        module = importlib.import_module(f"next_contracts.{module_info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, BaseException) and cls.__module__ == module.__name__:
                found.append(cls)
                assert issubclass(cls, NextContractsError), cls
    names = {cls.__name__ for cls in found}
    assert {"BuildError", "DeployError", "LoginError", "RawTransactionError", "TransactionFailed"} <= names
    from next_contracts.rawtx import RawTransactionError

    assert issubclass(RawTransactionError, ValueError)  # its builtin twin stays


def test_typed_errors_in_words():
    role = bytes.fromhex("f8c5f8a1d8a7d7f2a3f5c1b2e9d8b1f0a9c8e7d6b5a4f3e2d1c0b9a8f7e6d5c4")
    from eth_utils.crypto import keccak

    registrar = keccak(text="REGISTRAR_ROLE")
    account = "0x" + "11" * 20
    unauthorized = DecodedError("AccessControlUnauthorizedAccount", {"account": account, "neededRole": registrar})
    assert describe(unauthorized) == f"{account} does not hold REGISTRAR_ROLE"
    assert describe(
        DecodedError("AccessControlUnauthorizedAccount", {"account": account, "neededRole": role})
    ).endswith("0x" + role.hex())
    assert describe(DecodedError("LedgerNoDebt", {"account": account, "balance": 1250})) == (
        f"{account} has no debt to write off (balance 12.50 NXT)"
    )
    assert describe(DecodedError("MembershipInvalidStatus", {"account": account, "status": 2})).startswith(
        f"{account} is frozen"
    )


class _FailingGateway(BaseHTTPRequestHandler):
    """A gateway that fails on every request (HTTP 500). A real gateway answers a 5xx only on a
    bug, which cannot be provoked on purpose, so this stands in for it; it speaks real HTTP."""

    def _fail(self) -> None:
        body = b"Internal Server Error"
        self.send_response(500)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _fail

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def failing_gateway() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FailingGateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_gateway_server_error_is_the_gateway_failing_not_bad_input(failing_gateway, tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    home.mkdir()
    ledger = "0x" + "22" * 20
    (home / "config.toml").write_text(f'chain_id = 5134420\nledger = "{ledger}"\ngateway_url = "{failing_gateway}"\n')
    monkeypatch.setenv("NEXT_WALLET_HOME", str(home))
    monkeypatch.setenv("WALLET_PASSWORD", "correct horse battery staple")
    assert cli.main(["create", "alice", "--password-env", "WALLET_PASSWORD"]) == 0
    capsys.readouterr()
    for command in (
        ["balance", "--address", "0x" + "33" * 20],
        ["history", "alice"],
        ["login", "alice", "--password-env", "WALLET_PASSWORD"],
    ):
        code = cli.main(command)
        err = capsys.readouterr().err
        assert code == ExitStatus.GATEWAY_FAILED == 15, (command, err)
        assert (
            err.strip()
            == f"next-wallet: the gateway at {failing_gateway} failed (HTTP 500): try again later, or tell its operator"
        )


class _RefusingGateway(_FailingGateway):
    """A gateway that refuses every request with a 400 and its reason in words, as FastAPI does."""

    def _fail(self) -> None:
        body = b'{"detail": "the ledger on this gateway is being migrated; use gateway B"}'
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _fail


def test_a_gateway_refusal_shows_its_reason_with_its_own_exit_code(tmp_path, monkeypatch, capsys):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RefusingGateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        home = tmp_path / "home"
        home.mkdir()
        (home / "config.toml").write_text(f'chain_id = 5134420\nledger = "0x{"22" * 20}"\ngateway_url = "{url}"\n')
        monkeypatch.setenv("NEXT_WALLET_HOME", str(home))
        code = cli.main(["balance", "--address", "0x" + "33" * 20])
        err = capsys.readouterr().err
        assert code == ExitStatus.GATEWAY_REFUSED == 18, err
        assert err.strip() == (
            f"next-wallet: the gateway at {url} refused the request (HTTP 400): "
            "the ledger on this gateway is being migrated; use gateway B"
        )
        assert "malformed" not in err
    finally:
        server.shutdown()
        server.server_close()


def test_every_typed_error_of_every_contract_has_a_sentence_in_english_and_french():
    """Each error the shipped contracts may revert with, its arguments made up by their types, is
    said in both languages (never the fallback of its name and arguments), and differently."""
    from next_contracts.errors import _all_errors
    from next_contracts.messages import LANGUAGES

    made_up = {"address": "0x" + "ab" * 20, "bool": True, "string": "x"}
    for entry in _all_errors().values():
        args = {}
        for item in entry["inputs"]:
            kind = item["type"]
            args[item["name"]] = made_up.get(kind) or (
                bytes(int(kind[5:]) if kind[5:] else 4) if kind.startswith("bytes") else 1
            )
        decoded = DecodedError(entry["name"], args)
        said = {language: describe(decoded, language=language) for language in LANGUAGES}
        assert all(sentence != str(decoded) for sentence in said.values()), (entry["name"], said)
        assert said["fr"] != said["en"], entry["name"]
    refused = DecodedError("MembershipInvalidStatus", {"account": "0x" + "ab" * 20, "status": 0})
    assert describe(refused, language="fr").endswith("n'est pas membre : impossible dans cet état")
