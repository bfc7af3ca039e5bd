"""The wallet's view of the ledger: its node, the configured chain, and every typed revert turned
into words a citizen understands."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import requests
from eth_abi.abi import decode as abi_decode
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractCustomError, ContractLogicError, TransactionNotFound, Web3RPCError

from next_contracts import LEDGER, load_artifact
from next_contracts.accounts import AccountState, BatchCheck, BatchReadError, judge, read_accounts
from next_contracts.amounts import format_amount
from next_contracts.bonuses import HeldAllowance, bonus_contract, read_allowances
from next_contracts.commons_logs import claims_of
from next_contracts.errors import DecodedError, describe, error_from_exception
from next_contracts.rpc import connect
from next_contracts.transact import calldata, estimate_gas, gas_limit
from next_contracts.vocabulary import MemberStatus, Role
from next_contracts.words import language, say
from next_wallet.batch_check import Paid
from next_wallet.bonus_logs import run_reports
from next_wallet.config import Config
from next_wallet.errors import (
    BadInputError,
    InsufficientCreditError,
    NotMemberError,
    OverCeilingError,
    PayeeNotMemberError,
    RefusedError,
    UnreachableError,
    WalletError,
    WrongChainError,
)

NETWORK_ERRORS = (requests.ConnectionError, requests.Timeout, ConnectionError)


class LedgerClient(ABC):
    """What the commands need of the ledger, through a node (Ledger) or through a gateway alone
    (gateway_ledger.GatewayLedger): the same calls, the same verdicts, the same words."""

    def __init__(self, config: Config, w3: Web3) -> None:
        self.config = config
        self.w3 = w3  # the node's, or an offline one that only encodes calls (gateway)
        self.contract = w3.eth.contract(Web3.to_checksum_address(config.ledger), abi=load_artifact(LEDGER).abi)
        self._checked = False
        self._bonuses: Contract | None = None
        # The last pre-flight's warning: through a gateway, a payee near its ceiling "may" pass it,
        # and only the ledger, on chain, says whether it does (no gateway tells another's balance).
        self.warning: str | None = None

    @property
    def bonuses(self) -> Contract:
        """The councils' bonus allowances contract that the ledger deployed (to encode calls to it)."""
        if self._bonuses is None:
            self._bonuses = bonus_contract(self.w3, self.bonus_address())
        return self._bonuses

    @abstractmethod
    def bonus_address(self) -> str: ...

    @abstractmethod
    def allowances(self, holder: str) -> list[HeldAllowance]:
        """The holder's live allowances, the soonest to expire first."""

    @abstractmethod
    def spendable_at(self, holder: str, payee: str) -> int:
        """What the holder's allowances can pay at `payee` now (0: none that it takes)."""

    @abstractmethod
    def claims(self, contract: str, address: str | None) -> list[dict[str, Any]]:
        """The commons claims naming `address` (beneficiary or attestor), newest first, each with
        its state; every claim with None (through a node only)."""

    @abstractmethod
    def run_reports(self, council: str) -> list[dict[str, Any]]:
        """The council's bonus runs, what each issued, spent and lost (next_contracts.bonuses.run_report)."""

    @abstractmethod
    def check_chain(self) -> None:
        """Refuses to go on when the ledger is not the configured chain's and address."""

    @abstractmethod
    def account(self, address: str) -> AccountState: ...

    @abstractmethod
    def fee(self, amount: int) -> int: ...

    @abstractmethod
    def account_after(self, address: str, receipt: dict[str, Any]) -> tuple[AccountState | None, int]: ...

    @abstractmethod
    def check_batch(self, sender: str, lines: Sequence[tuple[str, int]]) -> BatchCheck: ...

    @abstractmethod
    def payments_under(self, sender: str, ref: bytes) -> list[Paid]: ...

    @abstractmethod
    def pending_transactions(self, sender: str) -> int: ...

    @abstractmethod
    def state(self, tx_hash: str) -> str: ...

    @abstractmethod
    def known(self, tx_hash: str) -> bool: ...

    @abstractmethod
    def build(
        self, sender: ChecksumAddress, call: Any, *, nonce: int | None = None, gas: int | None = None
    ) -> dict[str, Any]: ...

    @abstractmethod
    def send_signed(self, raw: bytes) -> str: ...

    @abstractmethod
    def wait(self, tx_hash: str) -> dict[str, Any]: ...

    def sign_and_send(self, account: LocalAccount, call: Any) -> str:
        tx = self.build(account.address, call)
        return self.send_signed(account.sign_transaction(tx).raw_transaction)

    @staticmethod
    def explain(decoded: DecodedError | None, sender: str) -> WalletError:
        return explain(decoded, sender)


class Ledger(LedgerClient):
    """The ledger through a node's JSON-RPC (a cashier's or operator's wallet next to a node)."""

    def __init__(self, config: Config) -> None:
        if not config.rpc_url:
            raise BadInputError.said("wallet.needs_node")
        super().__init__(config, connect(config.rpc_url, timeout=30))

    def _node(self, call: Any) -> Any:
        try:
            return call()
        except NETWORK_ERRORS as error:
            raise UnreachableError("node", self.config.rpc_url or "") from error

    def check_chain(self) -> None:
        """Refuses to go on when the node is not on the configured chain."""
        if not self._checked:
            actual = self._node(lambda: self.w3.eth.chain_id)
            if actual != self.config.chain_id:
                raise WrongChainError(self.config.chain_id, actual)
            self._checked = True

    def account(self, address: str) -> AccountState:
        self.check_chain()
        return self._read([address], "latest")[address.lower()]

    def fee(self, amount: int) -> int:
        return int(self._node(lambda: self.contract.functions.quoteFee(amount).call()))

    def bonus_address(self) -> str:
        return str(self._node(lambda: self.contract.functions.bonusAllowances().call()))

    def allowances(self, holder: str) -> list[HeldAllowance]:
        self.check_chain()
        return list(self._node(lambda: read_allowances(self.bonuses, holder)))

    def spendable_at(self, holder: str, payee: str) -> int:
        self.check_chain()
        functions = self.bonuses.functions
        at, of = Web3.to_checksum_address(payee), Web3.to_checksum_address(holder)
        return int(self._node(lambda: functions.spendableAt(of, at).call()))

    def claims(self, contract: str, address: str | None) -> list[dict[str, Any]]:
        self.check_chain()
        return list(self._node(lambda: claims_of(self.w3, contract, address)))

    def run_reports(self, council: str) -> list[dict[str, Any]]:
        self.check_chain()
        return list(self._node(lambda: run_reports(self.bonuses, council)))

    def available_credit(self, address: str) -> int:
        """What `address` may still pay out, fee included, a running stimulus counted (the ledger's)."""
        checksum = Web3.to_checksum_address(address)
        return int(self._node(lambda: self.contract.functions.availableCredit(checksum).call()))

    def reserve_balance(self) -> int:
        """The insurance reserve's balance, what a write-off draws on."""
        return int(self._node(lambda: self.contract.functions.reserveBalance().call()))

    def accounts(self, addresses: Sequence[str]) -> dict[str, AccountState]:
        """Many accounts on the latest state, by lowercased address, read in JSON-RPC batches."""
        self.check_chain()
        return self._read(list(dict.fromkeys(a.lower() for a in addresses)), "latest") if addresses else {}

    def account_after(self, address: str, receipt: dict[str, Any]) -> tuple[AccountState | None, int]:
        """The account as of the block of `receipt` or later, and that block."""
        block = int(receipt["blockNumber"])
        return self._read([address], block)[address.lower()], block

    def _read(self, addresses: Sequence[str], block: int | str) -> dict[str, AccountState]:
        batch = self.w3.provider.make_batch_request  # type: ignore[attr-defined]
        try:
            states: dict[str, AccountState] = self._node(
                lambda: read_accounts(batch, self.contract.address, addresses, block)
            )
            return states
        except BatchReadError as error:
            raise RefusedError.said("wallet.node_error", error=error) from error

    def check_batch(self, sender: str, lines: Sequence[tuple[str, int]]) -> BatchCheck:
        """`lines` ((payee, amount) pairs) against one block's state, read in JSON-RPC batches."""
        self.check_chain()
        block = int(self._node(lambda: self.w3.eth.block_number))
        addresses = list(dict.fromkeys([sender.lower()] + [to.lower() for to, _amount in lines]))
        views = self._read(addresses, block)
        functions = self.contract.functions
        fee_bps = int(self._node(lambda: functions.feeBps().call(block_identifier=block)))
        paused = bool(self._node(lambda: functions.paused().call(block_identifier=block)))
        payer = Web3.to_checksum_address(sender)
        available = int(self._node(lambda: functions.availableCredit(payer).call(block_identifier=block)))
        return judge(views[sender.lower()], views, lines, fee_bps, paused, available)  # a stimulus counts

    def payments_under(self, sender: str, ref: bytes) -> list[Paid]:
        """The sender's payments whose reference is `ref`, from the chain's logs (up to its head)."""
        self.check_chain()
        event = self.contract.events.Transferred()
        topics = [event.topic, "0x" + sender.lower()[2:].rjust(64, "0")]
        logs = self._node(
            lambda: self.w3.eth.get_logs({"address": self.contract.address, "fromBlock": 0, "topics": topics})
        )
        paid = []
        for log in logs:
            amount, _fee, log_ref = abi_decode(["uint256", "uint256", "bytes32"], bytes(log["data"]))
            if log_ref == ref:
                to = Web3.to_checksum_address(bytes(log["topics"][2])[-20:])
                paid.append(Paid(to, amount, log["transactionHash"].to_0x_hex()))
        return paid

    def pending_transactions(self, sender: str) -> int:
        """How many of the sender's transactions wait in the node's pool, not yet mined."""
        address = Web3.to_checksum_address(sender)
        pending = self._node(lambda: self.w3.eth.get_transaction_count(address, "pending"))
        return int(pending) - int(self._node(lambda: self.w3.eth.get_transaction_count(address, "latest")))

    def state(self, tx_hash: str) -> str:
        """unknown (the node never saw it, or dropped it), pending, success or reverted."""
        try:
            receipt = self._node(lambda: self.w3.eth.get_transaction_receipt(HexBytes(tx_hash)))
        except TransactionNotFound:
            return "pending" if self.known(tx_hash) else "unknown"
        return "success" if receipt["status"] == 1 else "reverted"

    def known(self, tx_hash: str) -> bool:
        """Whether the chain has the transaction, mined or waiting in the pool."""
        try:
            self._node(lambda: self.w3.eth.get_transaction(HexBytes(tx_hash)))
        except TransactionNotFound:
            return False
        return True

    def has_role(self, role: Role, account: str) -> bool:
        """Whether `account` holds `role` on the latest state."""
        return bool(self._node(lambda: self.contract.functions.hasRole(role.id, account).call()))

    def estimate_gas(self, sender: str, call: Any) -> int:
        """The gas `call` from `sender` takes on the latest state; the ledger's refusal is raised as
        web3 raises it (ContractCustomError, ContractLogicError), for the caller to put in words."""
        tx = {"from": sender, "to": call.address, "data": calldata(call)}  # the ledger's, or the governor's
        return self._node(lambda: estimate_gas(self.w3, tx))  # type: ignore[arg-type,no-any-return]

    def build(
        self, sender: ChecksumAddress, call: Any, *, nonce: int | None = None, gas: int | None = None
    ) -> dict[str, Any]:
        """The transaction for `call` from `sender`, after a pre-flight eth_call that raises the
        ledger's refusal, in words, before anything is signed."""
        self.check_chain()
        data = calldata(call)
        try:
            estimate = self.estimate_gas(sender, call)
        except (ContractCustomError, ContractLogicError) as error:
            raise self.explain(error_from_exception(error), sender) from None
        return {
            "to": call.address,
            "data": data,
            "value": 0,
            "chainId": self.config.chain_id,
            "gas": gas or gas_limit(estimate),
            "gasPrice": 0,
            "nonce": nonce
            if nonce is not None
            else self._node(lambda: self.w3.eth.get_transaction_count(sender, "pending")),
        }

    def send_signed(self, raw: bytes) -> str:
        """Sends signed bytes; the same bytes sent before (mined, or waiting in the pool) are not an
        error: their hash is answered, as the gateway's relay does."""
        self.check_chain()
        try:
            return str(self._node(lambda: self.w3.eth.send_raw_transaction(raw)).to_0x_hex())
        except Web3RPCError as error:
            tx_hash = HexBytes(keccak(raw)).to_0x_hex()
            if self.known(tx_hash):
                return tx_hash
            response: dict[str, Any] = dict(error.rpc_response or {})
            reason = (response.get("error") or {}).get("message") or str(error)
            raise RefusedError.said("wallet.node_refused_tx", reason=reason) from None

    def wait(self, tx_hash: str) -> dict[str, Any]:
        receipt = self._node(lambda: self.w3.eth.wait_for_transaction_receipt(HexBytes(tx_hash), timeout=120))
        if receipt["status"] != 1:
            raise RefusedError.said("wallet.reverted", tx_hash=tx_hash)
        return dict(receipt)


def explain(decoded: DecodedError | None, sender: str) -> WalletError:
    """A typed revert, in words."""
    if decoded is None:
        return RefusedError.said("wallet.refused_no_reason")
    a = decoded.args
    if decoded.name == "LedgerInsufficientCredit":
        balance, limit = format_amount(a["balanceAfter"]), format_amount(a["creditLimit"])
        return InsufficientCreditError.said("wallet.insufficient_credit", balance=balance, limit=limit)
    if decoded.name == "LedgerCeilingExceeded":
        balance, ceiling = format_amount(a["balanceAfter"]), format_amount(a["ceiling"])
        return OverCeilingError.said("wallet.over_ceiling", account=a["account"], balance=balance, ceiling=ceiling)
    if decoded.name == "LedgerAccountNotActive":
        status = say(f"status.is.{MemberStatus.of(a['status']).value}")
        if a["account"].lower() == sender.lower():
            return NotMemberError.said("wallet.payer_not_active", sender=sender, status=status)
        return PayeeNotMemberError.said("wallet.payee_not_active", account=a["account"], status=status)
    if decoded.name == "LedgerEnforcedPause":
        return RefusedError.said("wallet.batch.paused")
    if decoded.name == "LedgerSelfPayment":
        return BadInputError.said("wallet.self_payment")
    if decoded.name in ("LedgerInvalidAmount", "LedgerInvalidBatch"):
        return BadInputError.said("wallet.bad_amounts", decoded=decoded)
    return RefusedError.said("wallet.ledger_refused", words=describe(decoded, format_amount, language()))
