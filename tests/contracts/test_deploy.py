"""The deploy library: roles from a config, a deployment record, a check of the deployed code."""

import json

import pytest
from web3 import Web3

from next_contracts import LEDGER, load_artifact
from next_contracts.constitution import role_id
from next_contracts.deploy import ROLE_NAMES, DeployConfig, DeployError, Deployment, deploy
from next_contracts.vocabulary import ProposalKind


def test_deployment_record(ape_web3, ledger_deployment, deploy_config, admin, tmp_path):
    assert ledger_deployment.chain_id == ape_web3.eth.chain_id
    assert ledger_deployment.deployer == admin.address
    block = ape_web3.eth.get_block(ledger_deployment.deploy_block)
    assert block["hash"].to_0x_hex() == ledger_deployment.deploy_block_hash
    receipt = ape_web3.eth.get_transaction_receipt(ledger_deployment.deploy_tx)
    assert receipt["contractAddress"] == ledger_deployment.ledger
    runtime = ape_web3.eth.get_code(ledger_deployment.ledger)
    assert ledger_deployment.artifacts[LEDGER]["runtime_keccak256"] == Web3.keccak(runtime).to_0x_hex()
    assert ledger_deployment.config["fee_bps"] == deploy_config.fee_bps

    path = tmp_path / "deployment.json"
    ledger_deployment.write(path)
    assert Deployment.read(path) == ledger_deployment
    assert json.loads(path.read_text())["ledger"] == ledger_deployment.ledger


def test_deploy_single_operator_gets_every_role(ape_web3, stranger):
    deployment = deploy(ape_web3, stranger.address, DeployConfig.single_operator(stranger.address, fee_bps=7))
    ledger = ape_web3.eth.contract(deployment.ledger, abi=load_artifact(LEDGER).abi)
    for name in ROLE_NAMES:
        assert ledger.functions.hasRole(role_id(name), stranger.address).call()
    assert ledger.functions.feeBps().call() == 7


def test_deploy_config_from_toml(tmp_path, registrar, committee, admin):
    path = tmp_path / "deploy.toml"
    path.write_text(
        f'admin = "{admin.address}"\nfee_bps = 35\n\n[roles]\n'
        f'REGISTRAR_ROLE = ["{registrar.address.lower()}"]\n'
        f'CREDIT_COMMITTEE_ROLE = ["{committee.address}"]\n'
    )
    config = DeployConfig.from_toml(path)
    assert config.admin == admin.address
    assert config.fee_bps == 35
    assert config.roles == {
        "REGISTRAR_ROLE": (registrar.address,),
        "CREDIT_COMMITTEE_ROLE": (committee.address,),
    }


def test_deploy_config_unknown_role_is_refused(admin):
    with pytest.raises(DeployError, match="unknown role"):
        DeployConfig(admin=admin.address, roles={"KING_ROLE": (admin.address,)})


def test_a_production_config_names_no_admin_and_may_set_the_constitution(tmp_path):
    path = tmp_path / "deploy.toml"
    rules = "fee = [2500, 6000]\nreserve = [3000, 7000, 1209600]\n"
    path.write_text(f"fee_bps = 1\n[governance]\nvoting_period = 86400\n[governance.rules]\n{rules}")
    config = DeployConfig.from_toml(path)
    assert config.admin is None  # the timelock will be the admin
    assert config.admin_delay == 3 * 86_400
    assert config.governance.voting_period == 86_400 and config.governance.voting_delay == 86_400
    assert config.governance.rules["fee"] == (2_500, 6_000, 0)  # no delay: the timelock's
    assert config.governance.rules["reserve"] == (3_000, 7_000, 14 * 86_400)
    assert config.governance.delay_of(ProposalKind.RESERVE) == 14 * 86_400
    assert config.governance.rules["constitution"] == (2_000, 6_667, 7 * 86_400)  # the founding default stays


@pytest.mark.parametrize(
    "governance",
    [
        "[governance.rules]\nking = [1, 5000]\n",
        '[governance]\nvoting_period = "a week"\n',
        "[governance.rules]\nfee = [1, 5000, 2, 3]\n",
    ],
    ids=["unknown kind", "not a number", "too many figures"],
)
def test_a_config_with_a_bad_governance_table_is_a_deploy_error(tmp_path, governance):
    path = tmp_path / "deploy.toml"
    path.write_text(governance)
    with pytest.raises(DeployError, match=r"deploy\.toml"):
        DeployConfig.from_toml(path)


@pytest.mark.parametrize("content", ["admin = [unclosed\n", None], ids=["not TOML", "missing"])
def test_deploy_config_unreadable_is_a_deploy_error(tmp_path, content):
    path = tmp_path / "deploy.toml"
    if content is not None:
        path.write_text(content)
    with pytest.raises(DeployError, match=r"deploy\.toml"):
        DeployConfig.from_toml(path)


def test_deploy_with_fee_above_maximum_fails(ape_web3, stranger):
    from web3.exceptions import ContractCustomError

    from next_contracts.errors import error_from_exception

    with pytest.raises(ContractCustomError) as raised:
        deploy(ape_web3, stranger.address, DeployConfig.single_operator(stranger.address, fee_bps=501))
    assert str(error_from_exception(raised.value)) == "LedgerFeeTooHigh(feeBps=501, maxFeeBps=500)"
