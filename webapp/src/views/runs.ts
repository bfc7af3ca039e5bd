// A council's bonus runs, from the index (/accounts/{a}/allowance-runs): what each issued, to how
// many holders, what was spent, by category and by business, what is still spendable and what lapsed.
import { getAddress } from "ethers";
import { el, figures, type Child } from "../dom.js";
import { api, call, signedIn, type Schemas } from "../gateway.js";
import { date, money, number, t, tOr } from "../i18n.js";
import { loadNames, who } from "../names.js";
import { wallet } from "../session.js";
import { signInView } from "./account.js";

const TOP_BUSINESSES = 10;

type Run = Schemas["RunPublic"];

function categoryName(name: string): string {
  return tOr(`category.${name}`, name);
}

function spendingTable(
  id: string,
  caption: string,
  entries: [string, number][],
  name: (key: string) => string,
): HTMLElement {
  return el(
    "table",
    { id },
    el("caption", {}, caption),
    el(
      "tbody",
      {},
      entries.map(([key, amount]) =>
        el("tr", {}, el("th", { scope: "row" }, name(key)), el("td", { class: "amount" }, money(amount))),
      ),
    ),
  );
}

function runSection(run: Run): HTMLElement {
  const businesses = Object.entries(run.by_business).sort((a, b) => b[1] - a[1]);
  const where = run.categories.length ? run.categories.map(categoryName).join(", ") : t("allowances.any");
  const regions = run.regions.length ? run.regions.join(", ") : t("runs.anyregion");
  return el(
    "section",
    { class: "run", "data-run": String(run.run_id) },
    el("h2", {}, t("runs.run", { ref: run.ref, id: run.run_id })),
    el(
      "p",
      {},
      t(`runs.state.${run.state}`, { date: date(run.expires_at) }),
      " · ",
      t("runs.where", { where, regions }),
    ),
    figures([
      [t("runs.holders"), number(run.holders)],
      [t("runs.issued"), money(run.issued)],
      [t("runs.spent"), money(run.spent)],
      [t("runs.outstanding"), money(run.outstanding)],
      [t("runs.lapsed"), money(run.lapsed)],
    ]),
    ...(run.spent === 0
      ? [el("p", {}, t("runs.nospending"))]
      : [
          spendingTable(
            `run-${run.run_id}-categories`,
            t("runs.bycategory"),
            Object.entries(run.by_category),
            categoryName,
          ),
          spendingTable(
            `run-${run.run_id}-businesses`,
            t("runs.bybusiness", { n: Math.min(businesses.length, TOP_BUSINESSES), of: businesses.length }),
            businesses.slice(0, TOP_BUSINESSES),
            (address) => who(address),
          ),
        ]),
  );
}

export async function runsView(): Promise<Child> {
  if (!signedIn()) return signInView();
  const address = getAddress(wallet().address);
  const answer = await call(() => api.GET("/accounts/{address}/allowance-runs", { params: { path: { address } } }));
  const runs = [...answer.runs].reverse(); // the latest first
  await loadNames(runs.flatMap((run) => Object.keys(run.by_business))); // businesses by their names
  return [
    el("h1", {}, t("runs.title")),
    ...(runs.length ? runs.map(runSection) : [el("p", { id: "runs-none" }, t("runs.none"))]),
  ];
}
