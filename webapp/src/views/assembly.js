// The members' proposals, their votes, and voting from the page.
import { Interface } from "ethers";
import { el, rerender, say } from "../dom.js";
import { request, signedIn } from "../gateway.js";
import { t } from "../i18n.js";
import { relayCall } from "../session.js";

const GOVERNOR_ABI = new Interface(["function castVote(uint256 proposalId, uint8 support)"]);

const SUPPORT = { for: 1, against: 0, abstain: 2 }; // GovernorCountingSimple's numbers

export async function proposals() {
  const page = await request("GET", "/proposals");
  const items = page.items.map((p) =>
    el(
      "li",
      {},
      el("strong", {}, t(`state.${p.state}`)),
      ` — ${p.description.slice(0, 300)} `,
      el(
        "span",
        {},
        `(${t("proposals.votes", { for: p.votes.for, against: p.votes.against, abstain: p.votes.abstain })})`,
      ),
      p.state === "active" && signedIn()
        ? el(
            "span",
            { class: "votes" },
            Object.keys(SUPPORT).map((choice) =>
              el(
                "button",
                {
                  type: "button",
                  class: "secondary",
                  "data-vote": `${p.short_id}-${choice}`,
                  onclick: () => vote(p.proposal_id, choice),
                },
                t(`vote.${choice}`),
              ),
            ),
          )
        : "",
    ),
  );
  const hint = signedIn() ? [] : [el("p", {}, t("proposals.vote"))];
  return [
    el("h1", {}, t("proposals.title")),
    items.length ? el("ul", {}, items) : el("p", {}, t("proposals.none")),
    ...hint,
  ];
}

/** A member's vote, signed in the page and relayed like a payment: one member, one vote. */
async function vote(proposalId, choice) {
  const ledger = await request("GET", "/ledger");
  const data = GOVERNOR_ABI.encodeFunctionData("castVote", [BigInt(proposalId), SUPPORT[choice]]);
  if (await relayCall(ledger.governor, data)) {
    await rerender(); // the totals with this vote (the index has its block)
    say(t("vote.done"));
  }
}
