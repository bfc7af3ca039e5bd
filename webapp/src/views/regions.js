// The public page of the regions: this region's number, and each relationship with another region
// (this side's limit and ceiling, the position, the room left each way), from /regions.
import { el, figures } from "../dom.js";
import { request } from "../gateway.js";
import { money, number, t } from "../i18n.js";

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
  ];
}
