// A council's bonus file, checked before anything is signed.
import { getAddress } from "ethers";
import { el, say, why } from "../dom.js";
import { request, signedIn } from "../gateway.js";
import { money, t } from "../i18n.js";
import { wallet } from "../session.js";
import { signInView } from "./account.js";

export function batchView() {
  if (!signedIn()) return signInView();
  const file = el("input", { type: "file", id: "batch-file", accept: ".csv,text/csv" });
  const shown = el("div", { id: "batch-result" });
  const form = el(
    "form",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        const address = getAddress(wallet().address);
        try {
          const chosen = file.files[0];
          const reading = await request("POST", `/accounts/${address}/batch-file`, {
            name: chosen.name,
            text: await chosen.text(),
          });
          if (reading.problems.length) {
            shown.replaceChildren(
              el("p", { class: "error" }, t("batch.problems")),
              el(
                "ul",
                {},
                reading.problems.map((p) => el("li", {}, p)),
              ),
            );
            return;
          }
          const check = await request("POST", `/accounts/${address}/batch-check`, {
            lines: reading.lines.map((l) => ({ to: l.to, amount: l.amount })),
          });
          const refused = check.lines
            .filter((v) => !v.payable)
            .map((v) => el("li", {}, t("batch.refused", { line: reading.lines[v.index].line, why: v.reason })));
          shown.replaceChildren(
            el(
              "p",
              {},
              t("batch.ready", {
                count: reading.lines.length,
                total: money(check.total),
                fees: money(check.fees),
                available: money(check.available_credit),
              }),
            ),
            ...(refused.length ? [el("p", { class: "error" }, t("batch.problems")), el("ul", {}, refused)] : []),
            ...(check.credit_ok ? [] : [el("p", { class: "error" }, t("batch.short"))]),
            el("p", {}, t("batch.pay")),
          );
        } catch (error) {
          say(why(error), true);
        }
      },
    },
    el("label", {}, t("batch.file"), file),
    el("button", { type: "submit" }, t("batch.check")),
  );
  return [el("h1", {}, t("batch.title")), form, shown];
}
