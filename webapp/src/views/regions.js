// The public page of the regions: this region's number, and each relationship with another region
// (this side's limit and ceiling, the position, the room left each way), from /regions.
import { Interface } from "ethers";
import * as clearingAbi from "../generated/clearing.js";
import { el, figures, say } from "../dom.js";
import { request, signedIn } from "../gateway.js";
import { money, number, t } from "../i18n.js";
import { relayCall } from "../session.js";
import { partnerOf } from "./staff.js";

const CLEARING_ABI = new Interface([clearingAbi.moveTo]);

/** A member's move to another region: its registrar welcomed it; its balance follows. */
function moveForm() {
  const region = el("input", { id: "move-region", inputmode: "numeric" });
  return el(
    "form",
    {
      id: "move",
      onsubmit: async (event) => {
        event.preventDefault();
        let data;
        try {
          data = CLEARING_ABI.encodeFunctionData("moveTo", [await partnerOf(region.value)]);
        } catch (error) {
          return say(error.message, true);
        }
        const ledger = await request("GET", "/ledger");
        if (await relayCall(ledger.regional_clearing, data)) {
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

export async function regionsView() {
  const regions = await request("GET", "/regions");
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
