// The public page of the regions: this region's number, and each relationship with another region
// (this side's limit and ceiling, the position, the room left each way), from /regions.
import { Interface } from "ethers";
import * as clearingAbi from "../generated/clearing.js";
import { el, figures, say, why, type Child } from "../dom.js";
import { api, call, signedIn } from "../gateway.js";
import { money, number, t } from "../i18n.js";
import { relayCall } from "../session.js";
import { partnerOf } from "./staff.js";

const CLEARING_ABI = new Interface([clearingAbi.moveTo]);

/** A member's move to another region: its registrar welcomed it; its balance follows. */
function moveForm(): HTMLElement {
  const region = el("input", { id: "move-region", inputmode: "numeric" });
  return el(
    "form",
    {
      id: "move",
      onsubmit: async (event: SubmitEvent) => {
        event.preventDefault();
        let data: string;
        let clearing: string | null | undefined;
        try {
          data = CLEARING_ABI.encodeFunctionData("moveTo", [await partnerOf(region.value)]);
          clearing = (await call(() => api.GET("/ledger"))).regional_clearing;
        } catch (error) {
          return say(why(error), true);
        }
        if (!clearing) return say(t("regions.none"), true);
        if (await relayCall(clearing, data)) {
          say(t("regions.moved", { region: region.value.trim() }));
        }
      },
    },
    el("h2", {}, t("regions.move")),
    el("p", {}, t("regions.move.help")),
    el("label", {}, t("regions.move.to"), region),
    el("button", { type: "submit" }, t("regions.move")),
  );
}

export async function regionsView(): Promise<Child> {
  const regions = await call(() => api.GET("/regions"));
  const rows = regions.relationships.map((r) =>
    el(
      "tr",
      {},
      el("td", {}, number(r.region)),
      el(
        "td",
        { class: "amount" },
        r.owes ? t("regions.weowe", { amount: money(r.owes) }) : t("regions.theyowe", { amount: money(r.owed) }),
      ),
      el("td", { class: "amount" }, money(r.credit_limit)),
      el("td", { class: "amount" }, money(r.ceiling)),
      el("td", { class: "amount" }, money(r.room_out)),
      el("td", { class: "amount" }, money(r.room_in)),
    ),
  );
  const head = ["region", "position", "limit", "ceiling", "out", "in"].map((key) =>
    el("th", { scope: "col" }, t(`regions.col.${key}`)),
  );
  return [
    el("h1", {}, t("regions.title")),
    figures([[t("regions.this"), number(regions.region)]]),
    el("p", {}, t("regions.intro")),
    rows.length
      ? el(
          "table",
          { id: "relationships" },
          el("caption", {}, t("regions.caption")),
          el("thead", {}, el("tr", {}, ...head)),
          el("tbody", {}, ...rows),
        )
      : el("p", { id: "relationships" }, t("regions.none")),
    signedIn() && rows.length ? moveForm() : "",
  ];
}
