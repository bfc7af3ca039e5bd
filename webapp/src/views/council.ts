// A council's batch file: checked before anything is signed, then paid by the CLI's rules (each
// line once, across any number of runs: the chain's payments under the run's reference say what is
// paid already; a payee paid another amount stops the run before anything is signed).
import { getAddress, Interface } from "ethers";
import * as ledgerAbi from "../generated/ledger.js";
import { el, say, why, type Child } from "../dom.js";
import { api, call, signedIn, type Schemas } from "../gateway.js";
import { money, t } from "../i18n.js";
import { relayCall, wallet } from "../session.js";
import { signInView } from "./account.js";
import { keepWords, reference } from "./pay.js";

const LEDGER_ABI = new Interface([ledgerAbi.payBatch]);
const CHUNK = 200; // lines per transaction, as the CLI's batch-pay

// The batch check's reasons (next_contracts.accounts.judge), said in the page's language.
const REASONS: Record<string, string> = {
  "not a member": "reason.none",
  frozen: "reason.frozen",
  excluded: "reason.excluded",
  "moved to a new key": "reason.migrated",
  "is the payer: nobody pays itself": "reason.self",
  "would pass its ceiling after this run": "reason.ceiling",
  "may pass its ceiling after this run": "reason.nearceiling",
};

function verdict(reason: string | null | undefined): string {
  if (!reason) return "";
  const code = REASONS[reason];
  return code ? t(code) : reason;
}

type Line = Schemas["FileLine"]; // a line of the file, with its number
type Plan = { refusal: string } | { todo: Line[]; done: number };

/** The lines still to pay under `ref`, or a refusal naming the line a payment contradicts. */
async function unpaid(address: string, ref: string, lines: Line[]): Promise<Plan> {
  const paid = await call(() =>
    api.GET("/accounts/{address}/batch-payments", { params: { path: { address }, query: { ref } } }),
  );
  if (paid.pending_transactions > 0) return { refusal: t("batch.pending", { n: paid.pending_transactions }) };
  const byPayee = new Map<string, bigint>();
  for (const p of paid.payments)
    byPayee.set(p.to.toLowerCase(), (byPayee.get(p.to.toLowerCase()) ?? 0n) + BigInt(p.amount));
  const todo: Line[] = [];
  for (const line of lines) {
    const done = byPayee.get(line.to.toLowerCase());
    if (done === undefined) todo.push(line);
    else if (done !== BigInt(line.amount))
      return { refusal: t("batch.conflict", { line: line.line, paid: money(done), amount: money(line.amount) }) };
  }
  return { todo, done: lines.length - todo.length };
}

async function payLines(lines: Line[], refText: string, shown: HTMLElement): Promise<void> {
  const address = getAddress(wallet().address);
  const ref = reference(refText);
  await keepWords(refText);
  const plan = await unpaid(address, ref, lines);
  if ("refusal" in plan) return say(plan.refusal, true);
  const ledger = await call(() => api.GET("/ledger"));
  const chunks = Math.ceil(plan.todo.length / CHUNK);
  for (let i = 0; i < chunks; i += 1) {
    const part = plan.todo.slice(i * CHUNK, (i + 1) * CHUNK);
    const data = LEDGER_ABI.encodeFunctionData("payBatch", [
      part.map((l) => l.to),
      part.map((l) => BigInt(l.amount)),
      ref,
    ]);
    if (!(await relayCall(ledger.ledger, data))) return; // refused, said; paid chunks stay paid
    shown.replaceChildren(el("p", { id: "batch-progress" }, t("batch.progress", { done: i + 1, of: chunks })));
  }
  const after = await unpaid(address, ref, lines);
  const left = "todo" in after ? after.todo.length : 0;
  say(t("batch.paid", { paid: lines.length - left, count: lines.length, before: plan.done }));
}

export function batchView(): Child {
  if (!signedIn()) return signInView();
  const file = el("input", { type: "file", id: "batch-file", accept: ".csv,text/csv" });
  const shown = el("div", { id: "batch-result" });
  const form = el(
    "form",
    {
      onsubmit: async (event: SubmitEvent) => {
        event.preventDefault();
        const address = getAddress(wallet().address);
        try {
          const chosen = file.files?.[0];
          if (!chosen) return say(t("batch.file"), true);
          const text = await chosen.text();
          const reading = await call(() =>
            api.POST("/accounts/{address}/batch-file", {
              params: { path: { address } },
              body: { name: chosen.name, text },
            }),
          );
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
          const check = await call(() =>
            api.POST("/accounts/{address}/batch-check", {
              params: { path: { address } },
              body: { lines: reading.lines.map((l) => ({ to: l.to, amount: l.amount })) },
            }),
          );
          const refused = check.lines
            .filter((v) => !v.payable)
            .map((v) =>
              el("li", {}, t("batch.refused", { line: reading.lines[v.index].line, why: verdict(v.reason) })),
            );
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
            ...(refused.length || !check.credit_ok ? [] : [payForm(reading.lines, chosen.name, shown)]),
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

/** The run's reference (the file's name by default, as the CLI's) and the button that pays. */
function payForm(lines: Line[], name: string, shown: HTMLElement): HTMLElement {
  const ref = el("input", { id: "batch-ref", value: name, maxlength: "200" });
  const button = el(
    "button",
    {
      type: "button",
      id: "batch-pay",
      onclick: async () => {
        button.disabled = true;
        try {
          await payLines(lines, ref.value.trim(), shown);
        } catch (error) {
          say(why(error), true);
        } finally {
          button.disabled = false;
        }
      },
    },
    t("batch.paybutton", { count: lines.length }),
  );
  return el("div", { class: "batch-pay" }, el("label", {}, t("batch.ref"), ref), el("p", {}, t("batch.once")), button);
}
