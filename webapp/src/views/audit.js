// The auditor's page: a next-audit report opened from the auditor's own disk.
import { el, figuresList, say } from "../dom.js";
import { t } from "../i18n.js";

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
        el("td", {}, c.covered),
        el("td", {}, c.description),
      ),
    );
    const findings = report.checks.flatMap((c) =>
      c.findings.map((f) => el("li", {}, `${c.name} — ${f.subject}: ${f.message}`)),
    );
    const figures = Object.entries(report.figures || {}).filter(([, v]) => typeof v !== "object");
    shown.replaceChildren(
      el(
        "p",
        { class: report.exit_code ? "error" : "" },
        t("audit.summary", {
          result: report.result,
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
      figuresList(figures),
    );
  });
  return [el("h1", {}, t("audit.title")), el("p", {}, t("audit.how")), el("label", {}, t("audit.file"), file), shown];
}
