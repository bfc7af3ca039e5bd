"""Gas snapshot: the contracts' gas may not grow by more than 2% over snapshots/gas.json.

After a deliberate change, `make gas-snapshot` rewrites the snapshot, and the diff shows in review.
"""

import json

import ape

from bench.gas import SNAPSHOT, TOLERANCE, measure, regressions
from next_contracts.rpc import connect
from tests.paths import ROOT


def test_gas_within_snapshot(accounts):
    w3 = connect(ape.chain.provider.uri, trust_env=False)
    gas = measure(w3, accounts[0].address, accounts[1].address, accounts[2].address)
    snapshot = json.loads((ROOT / SNAPSHOT).read_text())
    assert regressions(gas, snapshot) == [], (
        f"gas grew by more than {TOLERANCE:.0%}; if that is meant, run `make gas-snapshot`"
    )


def test_regressions_flags_growth_beyond_tolerance():
    snapshot = {"pay": 40_000}
    assert regressions({"pay": 40_800}, snapshot) == []
    assert regressions({"pay": 40_801}, snapshot) == ["pay: 40801 (snapshot 40000)"]
    assert regressions({"new_operation": 1}, snapshot) == ["new_operation: 1 (snapshot None)"]
