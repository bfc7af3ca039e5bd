// The members' proposals, their votes, and voting from the page.
import { getAddress, Interface } from "ethers";
import { el, rerender, say, why, type Child } from "../dom.js";
import { api, call, signedIn, type Schemas } from "../gateway.js";
import * as governorAbi from "../generated/governor.js";
import { t, tOr } from "../i18n.js";
import { hasWallet, relayCall, wallet } from "../session.js";

const GOVERNOR_ABI = new Interface([governorAbi.castVote, governorAbi.propose]);

const SUPPORT = { for: 1, against: 0, abstain: 2 } as const; // GovernorCountingSimple's numbers
type Choice = keyof typeof SUPPORT;
const CHOICES = Object.keys(SUPPORT) as Choice[];

export async function proposals(): Promise<Child> {
  const [page, mine] = await Promise.all([call(() => api.GET("/proposals")), myVotes()]);
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
      // What members vote on is the calls: each in words, in the page's language (the gateway's).
      el(
        "ul",
        { class: "calls", "data-calls": p.short_id },
        p.calls.map((c) => el("li", {}, c.words)),
      ),
      p.description_matches
        ? ""
        : el(
            "p",
            { class: "error", role: "note", "data-unnamed": p.short_id },
            t("proposals.unnamed", { kinds: p.unnamed_kinds.map((k) => tOr(`pkind.${k}`, k)).join(", ") }),
          ),
      mine.has(p.proposal_id)
        ? el(
            "p",
            { class: "voted", "data-voted": p.short_id },
            t("vote.cast", { choice: t(`vote.${mine.get(p.proposal_id)}`) }),
          )
        : p.state === "active" && signedIn()
          ? el(
              "span",
              { class: "votes" },
              CHOICES.map((choice) =>
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
    ...(signedIn() ? await proposeForm() : []),
  ];
}

/** The signed-in member's votes, by proposal id: a proposal it voted on shows its vote, no buttons. */
async function myVotes(): Promise<Map<string, string>> {
  if (!signedIn() || !hasWallet()) return new Map();
  const address = getAddress(wallet().address);
  const votes = await call(() => api.GET("/accounts/{address}/votes", { params: { path: { address } } })).catch(
    () => [],
  );
  return new Map(votes.map((v) => [v.proposal_id, v.support]));
}

/**
 * Proposing: a kind and its values, read by the CLI's rules at the gateway (/proposal-drafts),
 * which says what the proposal does; then signed here and relayed, like a vote.
 */
async function proposeForm(): Promise<HTMLElement[]> {
  const kinds = await call(() => api.GET("/proposal-kinds"));
  const kind = el(
    "select",
    { id: "propose-kind" },
    Object.keys(kinds).map((k) => el("option", { value: k }, tOr(`propose.kind.${k}`, k))),
  );
  const fields = el("div", { id: "propose-values" });
  const description = el("textarea", { id: "propose-description", rows: "2", maxlength: "4000" });
  const drafted = el("div", { id: "propose-draft" });
  const showFields = () => {
    drafted.replaceChildren();
    fields.replaceChildren(
      ...(kinds[kind.value] ?? []).map((name, i) =>
        el(
          "label",
          {},
          tOr(`propose.arg.${name}`, name),
          el("input", { "data-value": String(i), autocomplete: "off" }),
        ),
      ),
    );
  };
  kind.addEventListener("change", showFields);
  showFields();
  const form = el(
    "form",
    {
      id: "propose",
      onsubmit: async (event: SubmitEvent) => {
        event.preventDefault();
        const values = [...fields.querySelectorAll("input")].map((input) => input.value.trim());
        try {
          const body = { kind: kind.value, values, description: description.value.trim() || null };
          const draft = await call(() => api.POST("/proposal-drafts", { body }));
          drafted.replaceChildren(
            el("p", {}, t("propose.summary", { summary: draft.description })),
            el("button", { type: "button", id: "propose-send", onclick: () => propose(draft) }, t("propose.send")),
          );
          say("");
        } catch (error) {
          drafted.replaceChildren();
          say(t("pay.refused", { why: why(error) }), true);
        }
      },
    },
    el("label", {}, t("propose.kind"), kind),
    fields,
    el("label", {}, t("propose.description"), description),
    el("button", { type: "submit" }, t("propose.check")),
  );
  return [el("h2", {}, t("propose.title")), form, drafted];
}

async function propose(draft: Schemas["Drafted"]): Promise<void> {
  const governor = await governorAddress();
  if (governor === null) return;
  const data = GOVERNOR_ABI.encodeFunctionData("propose", [
    draft.calls.map((c) => c.target),
    draft.calls.map((c) => BigInt(c.value)),
    draft.calls.map((c) => c.data),
    draft.description,
  ]);
  if (await relayCall(governor, data)) {
    await rerender();
    say(t("propose.done"));
  }
}

/** A member's vote, signed in the page and relayed like a payment: one member, one vote. */
async function vote(proposalId: string, choice: Choice): Promise<void> {
  const governor = await governorAddress();
  if (governor === null) return;
  const data = GOVERNOR_ABI.encodeFunctionData("castVote", [BigInt(proposalId), SUPPORT[choice]]);
  if (await relayCall(governor, data)) {
    await rerender(); // the totals with this vote (the index has its block)
    say(t("vote.done"));
  }
}

/** The governor to sign for, or null (said) when the gateway does not answer or has none. */
async function governorAddress(): Promise<string | null> {
  try {
    const governor = (await call(() => api.GET("/ledger"))).governor;
    if (governor) return governor;
    say(t("pay.refused", { why: t("gateway.no_governor") }), true);
  } catch (error) {
    say(t("pay.refused", { why: why(error) }), true);
  }
  return null;
}
