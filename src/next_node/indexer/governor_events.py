"""The governor family's handler: proposals, votes, and their steps through the timelock, as event
rows. Nothing is derived from them: totals and states are read from these rows (and the governor)
when asked, so a rewind only deletes rows."""

from __future__ import annotations

import json

from next_node.db.models import ProposalRow, ProposalStep, VoteRow
from next_node.indexer.decode import Event
from next_node.indexer.family import Family
from next_node.indexer.origin import origin

SUPPORT = ("against", "for", "abstain")  # GovernorCountingSimple's VoteType, in its order
# What the index keeps of texts anyone may make as long as gas allows (free here, a block holds a
# billion): enough for any real proposal, never a page of megabytes. The chain keeps them whole.
MAX_DESCRIPTION, MAX_REASON, MAX_CALL_DATA = 16_384, 1_024, 8_192


def bounded(text: str, limit: int) -> str:
    """`text`, cut at `limit` characters with a note of how much more the chain holds."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit} characters more on-chain]"


STEPS = {"ProposalQueued": "queued", "ProposalExecuted": "executed", "ProposalCanceled": "canceled"}


class GovernorEvents(Family):
    family = "governor"  # its rows derive nothing: a replay writes none

    def _on_ProposalCreated(self, event: Event, record: bool) -> None:
        if not record:
            return
        a = event.args
        calls = [
            {"target": target, "value": value, "data": bounded(data, MAX_CALL_DATA)}
            for target, value, data in zip(a["targets"], a["values"], a["calldatas"], strict=True)
        ]
        self.batch.rows[ProposalRow].append(
            {
                **origin(event),
                "proposal_id": str(a["proposalId"]),
                "proposer": a["proposer"],
                "description": bounded(a["description"], MAX_DESCRIPTION),
                "calls": json.dumps(calls),
                "vote_start": a["voteStart"],
                "vote_end": a["voteEnd"],
            }
        )

    def _on_VoteCast(self, event: Event, record: bool) -> None:
        if not record:
            return
        a = event.args
        self.batch.rows[VoteRow].append(
            {
                **origin(event),
                "proposal_id": str(a["proposalId"]),
                "voter": a["voter"],
                "support": SUPPORT[a["support"]] if a["support"] < len(SUPPORT) else str(a["support"]),
                "weight": a["weight"],
                "reason": bounded(a["reason"], MAX_REASON),
            }
        )

    _on_VoteCastWithParams = _on_VoteCast

    def _on_ProposalQueued(self, event: Event, record: bool) -> None:
        """A step through the timelock: queued, executed or canceled."""
        if record:
            self.batch.rows[ProposalStep].append(
                {
                    **origin(event),
                    "proposal_id": str(event.args["proposalId"]),
                    "step": STEPS[event.name],
                    "eta": event.args.get("etaSeconds"),
                }
            )

    _on_ProposalExecuted = _on_ProposalCanceled = _on_ProposalQueued
