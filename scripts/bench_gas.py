"""`make bench-gas`: the gas of a steady-state payment against OpenZeppelin's ERC20 transfer,
measured side by side on the same chain, the per-recipient cost of a council's bonus run, and a
member's vote against a vote on OpenZeppelin's Governor over ERC20Votes, and a payment from a
council's bonus allowance against a plain payment, and a payment across two regions (through their
clearing) against a plain payment.

Prints name=value lines, the headline ratio last. With --write-snapshot, rewrites
snapshots/gas.json, which the test suite holds the contracts to (within 2%).
"""

import json
from pathlib import Path

import click
from ape import accounts, chain
from ape.cli import ConnectedProviderCommand

from bench.gas import SNAPSHOT, allowance_ratio, cross_region_ratio, measure, ratio, vote_ratio
from next_contracts.rpc import connect


@click.command(cls=ConnectedProviderCommand)
@click.option("--write-snapshot", is_flag=True, help=f"rewrite {SNAPSHOT} with these figures")
def cli(write_snapshot: bool) -> None:
    w3 = connect(chain.provider.uri, trust_env=False)
    operator, alice, bob = (accounts.test_accounts[i].address for i in range(3))
    gas = measure(w3, operator, alice, bob)
    for name, value in gas.items():
        print(f"gas_{name}={value}")
    if write_snapshot:
        Path(SNAPSHOT).write_text(json.dumps(gas, indent=2, sort_keys=True) + "\n")
        print(f"# wrote {SNAPSHOT}")
    print(f"gas_ratio_allowance_pay_vs_pay={allowance_ratio(gas):.4f}")
    print(f"gas_ratio_vote_vs_erc20votes={vote_ratio(gas):.4f}")
    print(f"gas_ratio_cross_region_vs_pay={cross_region_ratio(gas):.4f}")
    print(f"gas_ratio_pay_vs_erc20={ratio(gas):.4f}")
