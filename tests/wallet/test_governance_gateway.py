"""A citizen governs with a wallet set up with the gateway alone, as in production (a node's RPC is
never public): it lists the proposals with their calls in words, proposes, votes, and is refused in
words; each transaction signed in the wallet and relayed by the gateway."""

from __future__ import annotations

import json

from next_contracts import load_artifact
from next_contracts.deploy import GOVERNOR
from next_wallet.errors import ExitStatus
from tests.support.chain import later
from tests.wallet.test_gateway_wallet import gateway_only
from tests.wallet.test_governance_cli import PW, SETTINGS, deployment, member

__all__ = ["deployment"]  # the governed ledger of test_governance_cli, for this module's fixtures


def test_a_member_governs_through_the_gateway_alone(wallet, w3, deployment, operator, gateway, tmp_path):
    alice, bob, _carol = (member(wallet, w3, deployment, operator, name) for name in ("alice", "bob", "carol"))
    later(w3, 1)
    gateway.refresh()
    gateway_only(wallet, tmp_path, gateway.url)
    unsigned = wallet("propose", "alice", "fee", "0,40", "--yes", *PW)
    assert unsigned.code == ExitStatus.NOT_SIGNED_IN and "next-wallet login" in unsigned.err
    for label in ("alice", "bob"):
        assert wallet("login", label, *PW).code == 0
    proposed = wallet("--json", "propose", "alice", "fee", "0,40", "--yes", *PW)
    assert proposed.code == 0, proposed.err
    proposal = json.loads(proposed.out)["proposal"]
    gateway.refresh()
    listed = json.loads(wallet("--json", "proposals").out)["proposals"]
    assert [(p["proposal"], p["state"], p["proposer"]) for p in listed] == [(proposal, "pending", alice)]
    assert listed[0]["calls"][0]["words"] == "[fee] set the payment fee to 0.4% (the ledger)"
    assert listed[0]["rule"] == {"kinds": ["fee"], "quorum_bps": 1_000, "support_bps": 5_000, "delay": 0}

    early = wallet("vote", "bob", proposal, "for", "--yes", *PW)
    assert early.code == ExitStatus.REFUSED and "the governor would refuse" in early.err, early.err
    later(w3, SETTINGS.voting_delay + 1)
    voted = wallet("vote", "bob", proposal, "for", "--yes", *PW)
    assert voted.code == 0, voted.err
    again = wallet("vote", "bob", proposal, "against", "--yes", *PW)
    assert again.code == ExitStatus.REFUSED, again.err
    gateway.refresh()
    (row,) = json.loads(wallet("--json", "proposals").out)["proposals"]
    assert row["state"] == "active" and row["votes"] == {"for": 1, "against": 0, "abstain": 0}
    assert bob in {v["voter"] for v in _votes(w3, deployment)}


def _votes(w3, deployment):
    governor = w3.eth.contract(deployment.governor, abi=load_artifact(GOVERNOR).abi)
    return [log.args for log in governor.events.VoteCast.get_logs(from_block=0)]
