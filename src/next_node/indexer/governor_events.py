"""The governor family's handler: proposals, votes, and their steps through the timelock, as event
rows. Nothing is derived from them: totals and states are read from these rows (and the governor)
when asked, so a rewind only deletes rows."""

from __future__ import annotations

import json

from next_node.db.models import ProposalRow, ProposalStep, VoteRow
from next_node.indexer.batch import Batch
from next_node.indexer.decode import Event
from next_node.indexer.origin import origin

SUPPORT = ("against", "for", "abstain")  # GovernorCountingSimple's VoteType, in its order
STEPS = {"ProposalQueued": "queued", "ProposalExecuted": "executed", "ProposalCanceled": "canceled"}


class GovernorEvents:
    family = "governor"

    def __init__(self, batch: Batch, address: str) -> None:
        self.batch = batch
        self.address = address

    def apply(self, event: Event, record: bool) -> None:
        if not record:  # a replay rebuilds derived state, and these rows derive none
            return
        a = event.args
        if event.name == "ProposalCreated":
            calls = [
                {"target": target, "value": value, "data": data}
                for target, value, data in zip(a["targets"], a["values"], a["calldatas"], strict=True)
            ]
            self.batch.rows[ProposalRow].append(
                {
                    **origin(event),
                    "proposal_id": str(a["proposalId"]),
                    "proposer": a["proposer"],
                    "description": a["description"],
                    "calls": json.dumps(calls),
                    "vote_start": a["voteStart"],
                    "vote_end": a["voteEnd"],
                }
            )
        elif event.name in ("VoteCast", "VoteCastWithParams"):
            self.batch.rows[VoteRow].append(
                {
                    **origin(event),
                    "proposal_id": str(a["proposalId"]),
                    "voter": a["voter"],
                    "support": SUPPORT[a["support"]] if a["support"] < len(SUPPORT) else str(a["support"]),
                    "weight": a["weight"],
                    "reason": a["reason"],
                }
            )
        elif event.name in STEPS:
            self.batch.rows[ProposalStep].append(
                {
                    **origin(event),
                    "proposal_id": str(a["proposalId"]),
                    "step": STEPS[event.name],
                    "eta": a.get("etaSeconds"),
                }
            )
