"""The auditor on two regions that trade and a member who moves (the demo's second region, on
anvil): each region's audit passes, its clearing's moves judged by their own rules, and each finds
the other region's ledger holding the opposite of its position."""

from __future__ import annotations

from next_node import demo
from next_node.demo.regions import RECORD, seed_regions
from tests.audit.conftest import run_audit


def test_each_regions_audit_passes_and_the_positions_are_opposite(chain, w3, operator, deployment, tmp_path):
    community = demo.seed(w3, deployment, operator, citizens=12, payments=20)
    regions = seed_regions(w3, deployment, operator, community, tmp_path)
    first = tmp_path / "deployment.json"
    deployment.write(first)
    for record in (first, tmp_path / RECORD):
        audit = run_audit(chain.settings.rpc_url, record)
        assert audit.code == 0, audit.out + audit.err
        positions = next(c for c in audit.report["checks"] if c["name"] == "clearing.positions")
        assert (positions["status"], positions["checked"]) == ("pass", 1), positions
    assert regions.payments == 8
