// The auditor's page: a next-audit report opened from the auditor's own disk.
import { el, figures as figuresGrid, say } from "../dom.js";
import { money, number, percent, t } from "../i18n.js";

/** The auditor's page: a report of `next-audit --json FILE`, opened from the auditor's own disk
 * (the audit runs on the auditor's own node; the gateway is what it checks, not where it reports). */
export function auditView() {
  const file = el("input", { type: "file", id: "report", accept: ".json,application/json" });
  const shown = el("div", { id: "report-view" });
  file.addEventListener("change", async () => {
    let report;
    try {
      report = JSON.parse(await file.files[0].text());
      if (!Array.isArray(report.checks)) throw new Error("no checks");
    } catch {
      return say(t("audit.bad"), true);
    }
    say("");
    const rows = report.checks.map((c) =>
      el(
        "tr",
        {},
        el("td", {}, c.name),
        el("td", { class: c.status === "fail" ? "error" : "" }, t(`audit.${c.status.replace(" ", "_")}`)),
        el("td", {}, `${number(c.checked)} ${word(`audit.unit.${c.unit}`, c.unit)}`),
        el(
          "td",
          {},
          c.not_run_code
            ? t("audit.cli.not_run", { why: sentence(c.not_run_code, c.not_run_args, c.not_run) })
            : word(`audit.what.${c.name}`, c.description),
        ),
      ),
    );
    const findings = report.checks.flatMap((c) =>
      c.findings.map((f) => el("li", {}, `${c.name} — ${f.subject}: ${sentence(f.code, f.args, f.message)}`)),
    );
    // Each figure in its unit, as the report names it (next_audit/report.py FIGURE_UNITS): money
    // from hundredths, a ratio or basis points as a percentage, a count as a number.
    const units = report.units || {};
    const figures = Object.entries(report.figures || {})
      .filter(([, v]) => typeof v !== "object" || v === null)
      .map(([name, v]) => [word(`audit.figure.${name}`, name.replaceAll("_", " ")), inUnit(v, units[name])]);
    shown.replaceChildren(
      el(
        "p",
        { class: report.exit_code ? "error" : "" },
        t("audit.summary", {
          result: word(`audit.result.${report.result}`, report.result),
          from: report.from_block,
          to: report.to_block,
          chain: report.chain_id,
        }),
      ),
      el(
        "table",
        {},
        el(
          "thead",
          {},
          el(
            "tr",
            {},
            ["audit.check", "audit.status", "audit.covered", "audit.what"].map((k) => el("th", { scope: "col" }, t(k))),
          ),
        ),
        el("tbody", {}, rows),
      ),
      ...(findings.length ? [el("h2", {}, t("audit.findings")), el("ul", { id: "findings" }, findings)] : []),
      el("h2", {}, t("audit.figures")),
      figuresGrid(figures),
    );
  });
  return [el("h1", {}, t("audit.title")), el("p", {}, t("audit.how")), el("label", {}, t("audit.file"), file), shown];
}

function inUnit(value, unit) {
  if (value === null || value === undefined) return "—";
  if (typeof value !== "number") return String(value);
  if (unit === "money") return money(value);
  if (unit === "ratio") return percent(value);
  if (unit === "bps") return percent(value / 10000);
  return number(value, 2);
}

/**
 * A finding or a reason in the page's language, from its code and arguments (next_audit/sentences.py):
 * an amount in hundredths, basis points, a phrase with its own arguments, or a list of them. The
 * report's own sentence where it has no code (a report of an older auditor).
 */
function sentence(code, args, fallback) {
  if (!code || t(code) === code) return fallback ?? "";
  const values = Object.fromEntries(Object.entries(args || {}).map(([name, value]) => [name, written(value)]));
  return t(code, values);
}

function written(value) {
  if (Array.isArray(value)) return value.map(written).join("; ");
  if (value && typeof value === "object") {
    if ("money" in value) return money(value.money);
    if ("bps" in value) return percent(value.bps / 10000);
    if ("phrase" in value) return sentence(value.phrase, value.args, value.phrase);
  }
  return String(value);
}

/** A word of the page for `key`, or `fallback` where it has none. */
function word(key, fallback) {
  const said = t(key);
  return said === key ? fallback : said;
}
