"""`ape run deploy`: deploys the ledger and its governance, and writes the deployment record.

    ape run deploy                                  # local anvil, every role to test account 0
    ape run deploy --config deploy.toml --keystore deployer.json --network ethereum:NAME:node

The deploy itself is next_contracts.deploy.deploy, the same function the tests and the embedded
node call. A keystore's password is asked at the prompt, never taken from the command line.
"""

from pathlib import Path

import click
from ape import accounts, chain
from ape.cli import ConnectedProviderCommand
from eth_account import Account

from next_contracts.deploy import DeployConfig, deploy
from next_contracts.rpc import connect


@click.command(cls=ConnectedProviderCommand)
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TOML: fee_bps, a [roles] table and a [governance] table (default: every role to the deployer)",
)
@click.option(
    "--keystore",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="the deployer's Web3 Secret Storage keystore (default: ape's test account 0)",
)
@click.option(
    "--record",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="where to write the deployment record (default: deployments/<chain id>.json)",
)
def cli(config_path: Path | None, keystore: Path | None, record: Path | None) -> None:
    w3 = connect(chain.provider.uri)
    if keystore:
        password = click.prompt(f"Password for {keystore}", hide_input=True)
        deployer = Account.from_key(Account.decrypt(keystore.read_text(), password))
        address = deployer.address
    else:
        deployer = address = accounts.test_accounts[0].address
    config = DeployConfig.from_toml(config_path) if config_path else DeployConfig.single_operator(address)
    deployment = deploy(w3, deployer, config)
    path = record or Path("deployments") / f"{deployment.chain_id}.json"
    deployment.write(path)
    click.echo(
        f"ledger {deployment.ledger} deployed in block {deployment.deploy_block} "
        f"on chain {deployment.chain_id}; record written to {path}"
    )
