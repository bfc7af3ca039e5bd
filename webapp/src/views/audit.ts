// The auditor's page: a next-audit report opened from the auditor's own disk.
import { el, figures as figuresGrid, say, type Child } from "../dom.js";
import { money, number, percent, t, tOr } from "../i18n.js";

/** What the page reads of a report (next_audit/report.py); the file is the auditor's, unchecked. */
type Args = Record<string, unknown>;
type Finding = { subject: string; code?: string; args?: Args; message?: string };
type Check = {
  name: string;
  status: string;
  checked: number;
  unit: string;
  description: string;
  not_run?: string;
  not_run_code?: string;
  not_run_args?: Args;
  findings: Finding[];
};
type Report = {
  checks: Check[];
  units?: Record<string, string>;
  figures?: Record<string, unknown>;
  exit_code?: number;
  result: string;
  from_block: number;
  to_block: number;
  chain_id: number;
};

/** The auditor's page: a report of `next-audit --json FILE`, opened from the auditor's own disk
 * (the audit runs on the auditor's own node; the gateway is what it checks, not where it reports). */
export function auditView(): Child {
  const file = el("input", { type: "file", id: "report", accept: ".json,application/json" });
  const shown = el("div", { id: "report-view" });
  file.addEventListener("change", async () => {
    let report: Report;
    try {
      const chosen = file.files?.[0];
      if (!chosen) return;
      report = JSON.parse(await chosen.text()) as Report;
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
        el("td", {}, `${number(c.checked)} ${tOr(`audit.unit.${c.unit}`, c.unit)}`),
        el(
          "td",
          {},
          c.not_run_code
            ? t("audit.cli.not_run", { why: sentence(c.not_run_code, c.not_run_args, c.not_run) })
            : tOr(`audit.what.${c.name}`, c.description),
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
      .map(([name, v]): [string, string] => [
        tOr(`audit.figure.${name}`, name.replaceAll("_", " ")),
        inUnit(v, units[name]),
      ]);
    shown.replaceChildren(
      el(
        "p",
        { class: report.exit_code ? "error" : "" },
        t("audit.summary", {
          result: tOr(`audit.result.${report.result}`, report.result),
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

function inUnit(value: unknown, unit: string | undefined): string {
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
function sentence(code: string | undefined, args: Args | undefined, fallback: string | undefined): string {
  if (!code || t(code) === code) return fallback ?? "";
  const values = Object.fromEntries(Object.entries(args || {}).map(([name, value]) => [name, written(value)]));
  return t(code, values);
}

function written(value: unknown): string {
  if (Array.isArray(value)) return value.map(written).join("; ");
  if (value && typeof value === "object") {
    const kind = value as { money?: number; bps?: number; phrase?: string; args?: Args };
    if (kind.money !== undefined) return money(kind.money);
    if (kind.bps !== undefined) return percent(kind.bps / 10000);
    if (kind.phrase !== undefined) return sentence(kind.phrase, kind.args, kind.phrase);
  }
  return String(value);
}
