"""Gas of the ledger's operations, measured on a real chain beside OpenZeppelin's ERC20.

Shared by `make bench-gas` (scripts/bench_gas.py, an `ape run` script) and the gas snapshot test. Every figure is the
`gasUsed` of a mined transaction, 21,000 of intrinsic cost included, in a steady state: both
parties of a payment (and the reserve) already hold non-zero balances, as they do in real use.
"""

from __future__ import annotations

from eth_account import Account
from web3 import Web3
from web3.contract import Contract
from web3.types import RPCEndpoint

from next_contracts import REGIONAL_CLEARING, load_artifact
from next_contracts.constitution import GovernanceConfig
from next_contracts.deploy import GOVERNOR, DeployConfig, Deployment, deploy
from next_contracts.transact import calldata, send

BATCH_SIZE = 200
SNAPSHOT = "snapshots/gas.json"
TOLERANCE = 0.02  # the snapshot test fails when any figure grows by more than this


def _gas(w3: Web3, sender: str, contract, call) -> int:
    receipt = send(w3, sender, {"to": contract.address, "data": calldata(call)})
    return int(receipt["gasUsed"])


def _next_second(w3: Web3) -> None:
    """Mines a block one second after the head (anvil): what was checkpointed is now past."""
    w3.provider.make_request(RPCEndpoint("evm_mine"), [w3.eth.get_block("latest")["timestamp"] + 1])


def _first_vote(w3: Web3, governor: Contract, proposer: str, voter: str, target: str, data: bytes) -> int:
    """The gas of the first vote on a fresh proposal (the same position in both governors)."""
    _next_second(w3)
    _gas(w3, proposer, governor, governor.functions.propose([target], [0], [data], "a proposal"))
    proposal_id = governor.functions.hashProposal([target], [0], [data], Web3.keccak(text="a proposal")).call()
    _next_second(w3)
    return _gas(w3, voter, governor, governor.functions.castVote(proposal_id, 1))


def vote_gas(w3: Web3, deployment: Deployment, alice: str, bob: str) -> dict[str, int]:
    """A member's vote on the cooperative's governor, and a holder's on OpenZeppelin's governor over
    an ERC20Votes token whose holders delegated to themselves first (the step members never take)."""
    ledger = w3.eth.contract(deployment.ledger, abi=load_artifact().abi)
    governor = w3.eth.contract(deployment.governor, abi=load_artifact(GOVERNOR).abi)
    fee = bytes.fromhex(calldata(ledger.functions.setFee(25))[2:])
    gas = {"vote": _first_vote(w3, governor, alice, bob, ledger.address, fee)}

    token_artifact, governor_artifact = load_artifact("ReferenceVotesToken"), load_artifact("ReferenceGovernor")
    token_factory = w3.eth.contract(abi=token_artifact.abi, bytecode=token_artifact.bytecode)
    receipt = send(w3, alice, {"data": token_factory.constructor([alice, bob]).data_in_transaction})
    token = w3.eth.contract(receipt["contractAddress"], abi=token_artifact.abi)
    for holder in (alice, bob):
        _gas(w3, holder, token, token.functions.delegate(holder))
    factory = w3.eth.contract(abi=governor_artifact.abi, bytecode=governor_artifact.bytecode)
    receipt = send(w3, alice, {"data": factory.constructor(token.address).data_in_transaction})
    reference = w3.eth.contract(receipt["contractAddress"], abi=governor_artifact.abi)
    transfer = bytes.fromhex(calldata(token.functions.transfer(alice, 1))[2:])
    gas["erc20votes_vote"] = _first_vote(w3, reference, alice, bob, token.address, transfer)
    return gas


def allowance_gas(w3: Web3, ledger: Contract, council: str, holder: str, ref: bytes) -> int:
    """A holder's payment at a local shop from a council's bonus allowance, in the same steady state
    as `pay`: the shop, the council and the run have spent or received before."""
    bonuses = w3.eth.contract(ledger.functions.bonusAllowances().call(), abi=load_artifact("BonusAllowances").abi)
    shop = Account.create().address
    for kind in (1, 2):  # businesses and councils get a line
        _gas(w3, council, ledger, ledger.functions.setDefaultCreditLine(kind, 10**9, 10**12))
    _gas(w3, council, ledger, ledger.functions.admitCouncil(council, 1, Web3.keccak(text="kyc:council")))
    _gas(w3, council, ledger, ledger.functions.admit(shop, 1, 1, Web3.keccak(text="kyc:shop")))
    _gas(w3, council, bonuses, bonuses.functions.setCategories(shop, 1))
    expires = w3.eth.get_block("latest")["timestamp"] + 30 * 86_400
    _gas(w3, council, bonuses, bonuses.functions.openRun(expires, 1, [], ref))
    _gas(w3, council, bonuses, bonuses.functions.issue(1, [holder], [100_000]))
    _gas(w3, holder, ledger, ledger.functions.pay(shop, 1_000, ref))
    _gas(w3, holder, bonuses, bonuses.functions.spend(shop, 1_000, 0, ref))
    return _gas(w3, holder, bonuses, bonuses.functions.spend(shop, 12_345, 0, ref))


def cross_region_gas(w3: Web3, operator: str, north: Deployment, alice: str, ref: bytes) -> int:
    """Alice (of `north`) pays a member of a second region through the clearing, in the steady state
    of `pay`: the payer, the payee, both regions' accounts for each other and the reserve non-zero."""
    south = deploy(w3, operator, DeployConfig.single_operator(operator, region=2))
    clearing_abi, ledger_abi = load_artifact(REGIONAL_CLEARING).abi, load_artifact().abi
    clearings = [w3.eth.contract(d.regional_clearing, abi=clearing_abi) for d in (north, south)]
    for mine, theirs in (clearings, clearings[::-1]):
        _gas(w3, operator, mine, mine.functions.setRelationship(theirs.address, 10**9, 10**9))
    south_ledger = w3.eth.contract(south.ledger, abi=ledger_abi)
    carol = Account.create().address
    _gas(w3, operator, south_ledger, south_ledger.functions.setDefaultCreditLine(0, 10**9, 10**12))
    _gas(w3, operator, south_ledger, south_ledger.functions.admit(carol, 0, 2, Web3.keccak(text="kyc:carol")))
    pay_across = clearings[0].functions.payAcross
    _gas(w3, alice, clearings[0], pay_across([south.regional_clearing], carol, 10_000, ref))
    return _gas(w3, alice, clearings[0], pay_across([south.regional_clearing], carol, 12_345, ref))


def measure(w3: Web3, operator: str, alice: str, bob: str) -> dict[str, int]:
    """Deploys a fresh ledger and ERC20 and returns each operation's gas, by name."""
    governance = GovernanceConfig(voting_delay=0, voting_period=3_600)
    deployment = deploy(w3, operator, DeployConfig.single_operator(operator, governance=governance))
    ledger = w3.eth.contract(deployment.ledger, abi=load_artifact().abi)
    ref = Web3.keccak(text="invoice 2026-0042")

    def ledger_gas(sender: str, call) -> int:
        return _gas(w3, sender, ledger, call)

    ledger_gas(operator, ledger.functions.setDefaultCreditLine(0, 10**9, 10**12))
    gas = {"admit": ledger_gas(operator, ledger.functions.admit(alice, 0, 1, Web3.keccak(text="kyc:alice")))}
    ledger_gas(operator, ledger.functions.admit(bob, 0, 1, Web3.keccak(text="kyc:bob")))

    # Steady state: both parties and the reserve non-zero before the measured payment.
    ledger_gas(alice, ledger.functions.pay(bob, 10_000, ref))
    ledger_gas(bob, ledger.functions.pay(alice, 2_500, ref))
    gas["pay"] = ledger_gas(alice, ledger.functions.pay(bob, 12_345, ref))
    gas["pay_zero_ref"] = ledger_gas(alice, ledger.functions.pay(bob, 12_345, b"\0" * 32))
    gas["pay_across"] = cross_region_gas(w3, operator, deployment, alice, ref)
    gas["set_credit_line"] = ledger_gas(operator, ledger.functions.setCreditLine(bob, 20_000, 10**12))
    gas.update(vote_gas(w3, deployment, alice, bob))

    # A council's bonus run: recipients already paid once, as staff are after their first month.
    staff = [Account.create().address for _ in range(BATCH_SIZE)]
    for member in staff:
        ledger_gas(operator, ledger.functions.admit(member, 0, 1, Web3.keccak(text=member)))
    ledger_gas(alice, ledger.functions.payBatch(staff, [1_000] * BATCH_SIZE, ref))
    gas["pay_batch_1"] = ledger_gas(alice, ledger.functions.payBatch(staff[:1], [1_000], ref))
    gas[f"pay_batch_{BATCH_SIZE}"] = ledger_gas(alice, ledger.functions.payBatch(staff, [1_000] * BATCH_SIZE, ref))
    gas["pay_batch_per_recipient"] = (gas[f"pay_batch_{BATCH_SIZE}"] - gas["pay_batch_1"]) // (BATCH_SIZE - 1)

    successor = Account.create().address
    gas["migrate"] = ledger_gas(operator, ledger.functions.migrate(alice, successor))
    ledger_gas(operator, ledger.functions.exclude(successor))
    gas["write_off"] = ledger_gas(operator, ledger.functions.writeOff(successor, ref))

    gas["allowance_pay"] = allowance_gas(w3, ledger, operator, bob, ref)

    erc20_artifact = load_artifact("ReferenceERC20")
    factory = w3.eth.contract(abi=erc20_artifact.abi, bytecode=erc20_artifact.bytecode)
    receipt = send(w3, alice, {"data": factory.constructor(alice, 10**18).data_in_transaction})
    erc20 = w3.eth.contract(receipt["contractAddress"], abi=erc20_artifact.abi)
    _gas(w3, alice, erc20, erc20.functions.transfer(bob, 10_000))
    gas["erc20_transfer"] = _gas(w3, alice, erc20, erc20.functions.transfer(bob, 12_345))
    return gas


def ratio(gas: dict[str, int]) -> float:
    return gas["pay"] / gas["erc20_transfer"]


def cross_region_ratio(gas: dict[str, int]) -> float:
    return gas["pay_across"] / gas["pay"]


def allowance_ratio(gas: dict[str, int]) -> float:
    return gas["allowance_pay"] / gas["pay"]


def vote_ratio(gas: dict[str, int]) -> float:
    return gas["vote"] / gas["erc20votes_vote"]


def regressions(gas: dict[str, int], snapshot: dict[str, int]) -> list[str]:
    """The figures that grew by more than TOLERANCE over the snapshot, or are not in it."""
    return [
        f"{name}: {value} (snapshot {snapshot.get(name)})"
        for name, value in gas.items()
        if name not in snapshot or value > snapshot[name] * (1 + TOLERANCE)
    ]
