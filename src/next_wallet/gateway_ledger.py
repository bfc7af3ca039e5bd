"""The ledger through the gateway alone: what a member's wallet uses, since a production node's
JSON-RPC is never public. The wallet still signs locally; the gateway gives the ledger's
parameters (GET /ledger), pre-flights a call from the member's own account with its sign-in token
(gas, nonce, or the ledger's typed refusal), relays the signed bytes (POST /tx) and tells their fate
(GET /tx/{hash})."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import requests
from eth_typing import ChecksumAddress
from web3 import Web3

from next_contracts.accounts import AccountState, BatchCheck
from next_contracts.bonuses import HeldAllowance
from next_contracts.errors import decode_error
from next_contracts.transact import calldata
from next_contracts.vocabulary import MemberKind, MemberStatus, fee_for
from next_contracts.words import language, say
from next_wallet import tokens
from next_wallet.batch_check import Paid
from next_wallet.config import Config
from next_wallet.errors import (
    GatewayFailedError,
    GatewayRefusedError,
    NotSignedInError,
    RefusedError,
    UnreachableError,
    WalletError,
    WrongChainError,
)
from next_wallet.ledger import Ledger, LedgerClient

WAIT_SECONDS = 120
INDEX_WAIT_SECONDS = 30  # how long a balance waits for the gateway's index to reach a payment's block
CHECK_LINES = 10_000  # the gateway's bound on one batch-check


class GatewayLedger(LedgerClient):
    """The ledger through the gateway alone: a member's wallet (a production node's RPC is never
    public). Transactions are signed here and relayed; reads come from the gateway's routes."""

    def __init__(self, config: Config) -> None:
        if not config.gateway_url:
            raise WalletError.said("wallet.no_node_no_gateway")
        super().__init__(config, Web3())  # offline: the contract object only encodes calls
        self.url: str = config.gateway_url
        self.http = requests.Session()
        self.http.trust_env = False
        self.http.headers["Accept-Language"] = language()  # the gateway's refusals in the wallet's language
        self._info: dict[str, Any] | None = None

    def request(
        self, method: str, path: str, *, signer: str | None = None, login_hint: str = "LABEL", **kwargs: Any
    ) -> requests.Response:
        """A gateway request with `signer`'s sign-in token, if any; a 401 says how to sign in."""
        token = tokens.load(signer, self.url) if signer else None
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            response = self.http.request(method, self.url + path, headers=headers, timeout=30, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as error:
            raise UnreachableError("gateway", self.url) from error
        if response.status_code == 401:
            raise NotSignedInError.said("wallet.sign_in_first", label=login_hint, signer=signer)
        if response.status_code == 503:
            raise UnreachableError("gateway_chain", self.url)
        if response.status_code >= 500:  # the gateway's fault, never the user's input
            raise GatewayFailedError(self.url, response.status_code)
        return response

    def fetch_json(
        self,
        method: str,
        path: str,
        *,
        signer: str,
        forbidden: str,
        not_found: str,
        login_hint: str = "LABEL",
        with_detail: bool = False,
        **kwargs: Any,
    ) -> Any:
        """A route's JSON answer with `signer`'s token; its 403 and 404 said in the caller's words
        (with the gateway's own reason after a 403, `with_detail`)."""
        response = self.request(method, path, signer=signer, login_hint=login_hint, **kwargs)
        if response.status_code == 403:
            detail = response.json().get("detail")
            raise NotSignedInError(
                say("wallet.forbidden_because", forbidden=forbidden, detail=detail) if with_detail else forbidden
            )
        if response.status_code == 404:
            raise WalletError(not_found)
        return self.answer(response)

    def answer(self, response: requests.Response) -> Any:
        """The JSON of a successful answer; a refusal (4xx) raised with the gateway's own reason."""
        if response.status_code >= 400:
            raise GatewayRefusedError(self.url, response.status_code, _reason(response))
        return response.json()

    def info(self) -> dict[str, Any]:
        if self._info is None:
            response = self.request("GET", "/ledger")
            self._info = self.answer(response)
        return self._info

    def check_chain(self) -> None:
        if not self._checked:
            info = self.info()
            if info["chain_id"] != self.config.chain_id:
                raise WrongChainError(self.config.chain_id, info["chain_id"])
            if info["ledger"].lower() != self.config.ledger.lower():
                raise WalletError.said("wallet.other_ledger", served=info["ledger"], configured=self.config.ledger)
            self._checked = True

    def account(self, address: str) -> AccountState:
        self.check_chain()
        response = self.request("GET", f"/accounts/{address}", signer=address)
        if response.status_code == 404:
            return AccountState.stranger(address)
        if response.status_code == 403:
            raise NotSignedInError.said("wallet.read.forbidden", address=address)
        a = self.answer(response)
        return AccountState(
            a["address"],
            a["balance"],
            a["credit_limit"],
            a["ceiling"],
            MemberStatus(a["status"]),
            MemberKind(a["kind"]),
            a["region"],
        )

    def fee(self, amount: int) -> int:
        return fee_for(amount, int(self.info()["fee_bps"]))

    def bonus_address(self) -> str:
        address = self.info().get("bonus_allowances")
        if not address:
            raise WalletError.said("wallet.no_allowances")
        return str(address)

    def _allowances(self, holder: str, payee: str | None) -> dict[str, Any]:
        params = {"payee": Web3.to_checksum_address(payee)} if payee else None
        return dict(
            self.fetch_json(
                "GET",
                f"/accounts/{holder}/allowances",
                signer=holder,
                forbidden=say("wallet.sign_in_as.allowances", address=holder),
                not_found=say("wallet.older.allowances"),
                params=params,
            )
        )

    def allowances(self, holder: str) -> list[HeldAllowance]:
        return [HeldAllowance.from_dict(a) for a in self._allowances(holder, None)["allowances"]]

    def spendable_at(self, holder: str, payee: str) -> int:
        return int(self._allowances(holder, payee)["spendable_at_payee"])

    def run_reports(self, council: str) -> list[dict[str, Any]]:
        """GET /accounts/{council}/allowance-runs: the index's view of the council's runs."""
        body = self.fetch_json(
            "GET",
            f"/accounts/{council}/allowance-runs",
            signer=council,
            forbidden=say("wallet.sign_in_as.runs", address=council),
            not_found=say("wallet.older.runs"),
        )
        return [{k: v for k, v in run.items() if k not in ("ref_hash", "issued_lines")} for run in body["runs"]]

    def claims(self, contract: str, address: str | None) -> list[dict[str, Any]]:
        """GET /accounts/{address}/claims: the index's view of the member's commons claims."""
        body = self.fetch_json(
            "GET",
            f"/accounts/{address}/claims",
            signer=str(address),
            forbidden=say("wallet.sign_in_as.claims", address=address),
            not_found=say("wallet.older.claims"),
        )
        kept = ("id", "attestor", "beneficiary", "kind", "evidence", "amount", "period", "payable_at", "state")
        return [{k: claim[k] for k in kept} for claim in body["claims"]]

    def account_after(self, address: str, receipt: dict[str, Any]) -> tuple[AccountState | None, int]:
        """The account once the gateway's index has reached the block of `receipt` (a bounded
        wait): never the balance of before the payment. None when the index stays behind."""
        block = int(receipt["block_number"])
        deadline = time.monotonic() + INDEX_WAIT_SECONDS
        while True:
            response = self.request("GET", "/blocks/head")
            indexed = int(self.answer(response)["indexed_block"])
            if indexed >= block:
                return self.account(address), indexed
            if time.monotonic() > deadline:
                return None, indexed
            time.sleep(0.2)

    def _owner_route(self, method: str, path: str, sender: str, **kwargs: Any) -> Any:
        return self.fetch_json(
            method,
            f"/accounts/{sender}/{path}",
            signer=sender,
            forbidden=say("wallet.sign_in_as.pay", address=sender),
            not_found=say("wallet.older.route", path=path),
            **kwargs,
        )

    def check_batch(self, sender: str, lines: Sequence[tuple[str, int]]) -> BatchCheck:
        """POST /accounts/{sender}/batch-check, in parts of the gateway's bound."""
        self.check_chain()
        refusals: dict[int, str] = {}
        total = fees = 0
        body: dict[str, Any] = {}
        for start in range(0, len(lines), CHECK_LINES):
            part = [{"to": to, "amount": amount} for to, amount in lines[start : start + CHECK_LINES]]
            body = self._owner_route("POST", "batch-check", sender, json={"lines": part})
            refusals |= {start + r["index"]: r["reason"] for r in body["lines"] if not r["payable"]}
            total, fees = total + body["total"], fees + body["fees"]
        if not body:
            body = self._owner_route("POST", "batch-check", sender, json={"lines": []})
        payer = MemberStatus(body["payer_status"])
        credit_ok = total + fees <= body["available_credit"]
        return BatchCheck(refusals, payer, credit_ok, body["available_credit"], total, fees, bool(body["paused"]))

    def payments_under(self, sender: str, ref: bytes) -> list[Paid]:
        body = self._owner_route("GET", "batch-payments", sender, params={"ref": "0x" + ref.hex()})
        return [Paid(p["to"], p["amount"], p["tx_hash"]) for p in body["payments"]]

    def pending_transactions(self, sender: str) -> int:
        return int(self._owner_route("GET", "batch-payments", sender)["pending_transactions"])

    def state(self, tx_hash: str) -> str:
        return str(self._status(tx_hash)["status"])

    def build(
        self, sender: ChecksumAddress, call: Any, *, nonce: int | None = None, gas: int | None = None
    ) -> dict[str, Any]:
        self.check_chain()
        data = calldata(call)
        body = {"data": data, "to": call.address}  # the ledger, or its bonus allowances
        response = self.request("POST", f"/accounts/{sender}/preflight", signer=sender, json=body)
        if response.status_code == 409:
            body = response.json()
            raw = body.get("error_data")
            if raw:
                raise self.explain(decode_error(raw), sender)
            raise RefusedError(body.get("detail") or say("wallet.ledger_refused_tx"))
        if response.status_code == 403:
            raise NotSignedInError.said("wallet.sign_in_as.pay", address=sender)
        prepared = self.answer(response)
        self.warning = prepared.get("warning")
        return {
            "to": call.address,
            "data": data,
            "value": 0,
            "chainId": self.config.chain_id,
            "gas": gas or prepared["gas"],
            "gasPrice": prepared["gas_price"],
            "nonce": nonce if nonce is not None else prepared["nonce"],
        }

    def send_signed(self, raw: bytes) -> str:
        self.check_chain()
        response = self.request("POST", "/tx", json={"raw": "0x" + raw.hex()})
        if response.status_code == 202:
            return str(response.json()["tx_hash"])
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        detail = body.get("detail", response.text)
        if response.status_code == 409 and body.get("error_data"):
            raise self.explain(decode_error(body["error_data"]), "")
        if response.status_code == 429:
            raise RefusedError.said("wallet.slow_down", retry=response.headers.get("Retry-After"))
        raise RefusedError.said("wallet.gateway_refused_tx", detail=detail)

    def known(self, tx_hash: str) -> bool:
        return bool(self._status(tx_hash)["status"] != "unknown")

    def wait(self, tx_hash: str) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            status = self._status(tx_hash)
            if status["status"] == "success":
                return status
            if status["status"] == "reverted" and self.warning:
                raise RefusedError.said("wallet.payee_cannot_receive", tx_hash=tx_hash)
            if status["status"] == "reverted":
                raise RefusedError.said("wallet.reverted", tx_hash=tx_hash)
            if time.monotonic() > deadline:
                raise UnreachableError("chain_tx", self.url, tx_hash=tx_hash, status=status["status"])
            time.sleep(0.2)

    def _status(self, tx_hash: str) -> dict[str, Any]:
        response = self.request("GET", f"/tx/{tx_hash}")
        result: dict[str, Any] = self.answer(response)
        return result


def open_ledger(config: Config) -> LedgerClient:
    """Through the node when one is configured, else through the gateway alone (a member's wallet:
    a production node's RPC is never public)."""
    return Ledger(config) if config.rpc_url else GatewayLedger(config)


def _reason(response: requests.Response) -> str:
    """The gateway's `detail`, in words: a sentence, or FastAPI's list of field problems."""
    try:
        detail = response.json().get("detail")
    except ValueError:
        return response.text[:200] or response.reason
    if isinstance(detail, list):
        return "; ".join(
            f"{'.'.join(str(part) for part in problem.get('loc', []))}: {problem.get('msg')}"
            for problem in detail
            if isinstance(problem, dict)
        )
    return str(detail)[:500]


def keep_reference_words(config: Config, signer: str, text: str | None, label: str) -> str | None:
    """Gives the gateway the words of a reference the chain keeps only as its hash (more than 32
    bytes: a batch's file name), so that histories and receipts say them (api/references.py).
    Never a reason not to pay: what went wrong comes back as a note to show, else None."""
    if not text or len(text.encode()) <= 32:
        return None
    if not config.gateway_url:
        return say("wallet.ref.no_gateway", length=len(text.encode()))
    token = tokens.load(signer, config.gateway_url)
    if token is None:
        return say("wallet.ref.sign_in", label=label)
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": language()}
    try:
        response = requests.post(f"{config.gateway_url}/references", json={"text": text}, headers=headers, timeout=15)
    except requests.RequestException as error:
        return say("wallet.ref.not_kept", why=error)
    return None if response.status_code == 200 else say("wallet.ref.not_kept", why=_reason(response))
