// The members' web app: the community's health, sign-in with a key kept in the browser, the
// account and its history, and paying through the gateway's relay. No framework: a few views
// written as functions of the gateway's answers, and ethers.js for keys and signatures.

import { Interface, Wallet, getAddress, isAddress, keccak256, toUtf8Bytes } from "ethers";
import qrcode from "qrcode-generator";
import { GatewayError, request, signIn, signOut, signedIn, unlock } from "./gateway.js";
import { date, getLanguage, money, number, parseAmount, setLanguage, t } from "./i18n.js";

const LEDGER_ABI = new Interface(["function pay(address to, uint256 amount, bytes32 ref)"]);
const GOVERNOR_ABI = new Interface(["function castVote(uint256 proposalId, uint8 support)"]);
const SUPPORT = { for: 1, against: 0, abstain: 2 }; // GovernorCountingSimple's numbers
const view = () => document.getElementById("view");
let wallet = null; // the unlocked key: in this page's memory only
let history = [];

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (value !== undefined && value !== null) node.setAttribute(name, value);
  }
  for (const child of children.flat()) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function say(text, bad = false) {
  const status = document.getElementById("status");
  status.textContent = text;
  status.className = bad ? "error" : "";
}

function why(error) {
  if (error instanceof GatewayError) return error.status === 0 ? t("error.network") : error.message;
  return error.message || String(error);
}

function figures(entries) {
  return el("dl", { class: "figures" }, entries.map(([label, value]) => el("div", {}, el("dt", {}, label), el("dd", {}, value))));
}

// -- the views ---------------------------------------------------------------------------------

async function health() {
  const stats = await request("GET", "/stats");
  const kinds = Object.entries(stats.members_by_kind).map(([kind, count]) => [
    `${t("health.members")} — ${t(`kind.${kind}`)}`,
    count === null ? t("health.hidden") : number(count),
  ]);
  const coverage = stats.coverage_ratio;
  return [
    el("h1", {}, t("health.title")),
    figures([
      ...kinds,
      [t("health.circulation"), money(stats.circulation)],
      [t("health.credit"), money(stats.credit_in_use)],
      [t("health.reserve"), money(stats.reserve)],
      [t("health.coverage"), coverage === null ? "—" : `${number(coverage * 100, 1)} %`],
      [t("health.velocity"), stats.velocity_30d === null ? "—" : number(stats.velocity_30d, 2)],
      [t("health.fee"), `${number(stats.fee_bps / 100, 2)} %`],
    ]),
    el("h2", {}, t("health.daily")),
    dailyChart(stats.daily),
  ];
}

/** The volume paid each day, as bars: an SVG drawn here, no charting library. */
function dailyChart(days) {
  if (!days.length) return el("p", { id: "daily" }, t("health.nodays"));
  const NS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(NS, "svg");
  const width = 600, height = 160, top = Math.max(...days.map((d) => d.volume), 1);
  const step = width / days.length;
  svg.setAttribute("viewBox", `0 0 ${width} ${height + 20}`);
  svg.setAttribute("id", "daily");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", t("health.daily"));
  days.forEach((day, i) => {
    const bar = document.createElementNS(NS, "rect");
    const h = Math.max(1, (day.volume / top) * height);
    bar.setAttribute("x", String(i * step + 1));
    bar.setAttribute("y", String(height - h));
    bar.setAttribute("width", String(Math.max(1, step - 2)));
    bar.setAttribute("height", String(h));
    bar.setAttribute("fill", "#1f5f4a");
    const title = document.createElementNS(NS, "title");
    title.textContent = `${day.day}: ${money(day.volume)} (${number(day.transfers)})`;
    bar.append(title);
    svg.append(bar);
  });
  const figure = el("figure", {}, svg, el("figcaption", {}, t("health.dailycaption", { first: days[0].day, last: days[days.length - 1].day, top: money(top) })));
  return figure;
}

function signInView() {
  const file = el("input", { type: "file", id: "keystore", accept: ".json,application/json" });
  const password = el("input", { type: "password", id: "password", autocomplete: "current-password" });
  const form = el(
    "form",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        try {
          say(t("signin.opening"));
          const json = await file.files[0].text();
          wallet = await unlock(json, password.value);
        } catch {
          say(t("error.password"), true);
          return;
        }
        try {
          say(t("signin.signing"));
          await signIn(wallet);
          say("");
          location.hash = "#/account";
          await render();
        } catch (error) {
          wallet = null;
          say(why(error), true);
        }
      },
    },
    el("label", {}, t("signin.keystore"), file),
    el("label", {}, t("signin.password"), password),
    el("button", { type: "submit" }, t("signin.submit")),
  );
  const create = el(
    "button",
    {
      type: "button",
      class: "secondary",
      onclick: async () => {
        if (!password.value) {
          say(t("error.password"), true);
          return;
        }
        const fresh = Wallet.createRandom();
        const json = await fresh.encrypt(password.value);
        const link = el("a", { href: URL.createObjectURL(new Blob([json], { type: "application/json" })), download: `${fresh.address}.json` }, t("signin.download"));
        say(`${t("signin.created")} ${fresh.address}`);
        create.replaceWith(el("p", {}, link));
      },
    },
    t("signin.create"),
  );
  return [el("h1", {}, t("signin.title")), el("p", {}, t("signin.local")), form, create];
}

async function account() {
  if (!signedIn()) return signInView();
  const address = getAddress(wallet.address);
  let state, transfers;
  try {
    [state, transfers] = await Promise.all([
      request("GET", `/accounts/${address}`),
      request("GET", `/accounts/${address}/transfers?limit=200`),
    ]);
  } catch (error) {
    if (!(error instanceof GatewayError) || error.status !== 404) throw error;
    // A staff key that holds no account: its page is the staff's.
    return [el("h1", {}, t("account.title")), el("p", {}, address), el("p", {}, t("account.staff"), " ", el("a", { href: "#/staff" }, t("nav.staff")))];
  }
  history = transfers.items;
  const allowances = await request("GET", `/accounts/${address}/allowances`).catch(() => null);
  const search = el("input", { type: "search", id: "search", "aria-label": t("account.search"), placeholder: t("account.search") });
  const body = el("tbody");
  const fill = () => {
    const needle = search.value.trim().toLowerCase();
    const rows = history.filter((item) => !needle || JSON.stringify(item).toLowerCase().includes(needle) || money(item.amount).includes(needle));
    body.replaceChildren(
      ...(rows.length
        ? rows.map((item) =>
            el(
              "tr",
              {},
              el("td", {}, item.block_time ? date(item.block_time) : `#${item.block_number}`),
              el("td", { class: "amount" }, `${item.direction === "out" ? "−" : "+"}${money(item.amount)}`),
              el("td", {}, item.direction === "out" ? item.to_address : item.from_address),
              el("td", {}, refText(item.ref)),
            ),
          )
        : [el("tr", {}, el("td", { colspan: 4 }, t("history.none")))]),
    );
  };
  search.addEventListener("input", fill);
  fill();
  return [
    el("h1", {}, t("account.title")),
    el("p", {}, address),
    figures([
      [t("account.balance"), money(state.balance)],
      [t("account.limit"), money(state.credit_limit)],
      [t("account.available"), money(state.available_credit)],
      [t("account.status"), state.status],
    ]),
    ...allowanceList(allowances),
    el("h2", {}, t("account.history")),
    search,
    el("button", { type: "button", class: "secondary", onclick: () => exportCsv(address) }, t("account.export")),
    el("table", {}, el("thead", {}, el("tr", {}, ["history.date", "history.amount", "history.other", "history.ref"].map((k) => el("th", { scope: "col" }, t(k))))), body),
    el("p", {}, el("button", { type: "button", class: "secondary", onclick: () => { wallet = null; signOut(); location.hash = "#/"; render(); } }, t("account.signout"))),
  ];
}

function allowanceList(answer) {
  if (answer === null) return []; // a ledger deployed before the councils' allowances
  const now = Date.now() / 1000;
  const items = answer.allowances.map((a) => {
    const where = a.category_names?.length ? a.category_names.join(", ") : t("allowances.any");
    const days = Math.floor((a.expires_at - now) / 86400);
    const line = t("allowances.item", { amount: money(a.remaining), date: date(a.expires_at), where });
    return el("li", {}, line, days <= 30 ? el("strong", {}, ` — ${t("allowances.soon", { days })}`) : "");
  });
  return [el("h2", {}, t("allowances.title")), items.length ? el("ul", { id: "allowances" }, items) : el("p", { id: "allowances" }, t("allowances.none"))];
}

function query() {
  const at = location.hash.indexOf("?");
  return new URLSearchParams(at === -1 ? "" : location.hash.slice(at + 1));
}

function requestView() {
  if (!signedIn()) return signInView();
  const amount = el("input", { id: "request-amount", inputmode: "decimal" });
  const ref = el("input", { id: "request-ref", maxlength: "32" });
  const shown = el("div", { id: "request" });
  const form = el(
    "form",
    {
      onsubmit: (event) => {
        event.preventDefault();
        const hundredths = parseAmount(amount.value);
        if (hundredths === null) return say(t("error.amount"), true);
        const params = new URLSearchParams({ to: getAddress(wallet.address), amount: (Number(hundredths) / 100).toFixed(2) });
        if (ref.value.trim()) params.set("ref", ref.value.trim());
        const link = `${location.origin}${location.pathname}#/pay?${params}`;
        const qr = qrcode(0, "M");
        qr.addData(link);
        qr.make();
        const svg = new DOMParser().parseFromString(qr.createSvgTag({ cellSize: 4, margin: 4, scalable: true, alt: t("request.qr") }), "image/svg+xml").documentElement;
        svg.setAttribute("role", "img");
        svg.setAttribute("aria-label", t("request.qr"));
        svg.setAttribute("width", "240");
        shown.replaceChildren(el("p", {}, t("request.link")), el("p", {}, el("a", { href: link, id: "request-link" }, link)), document.importNode(svg, true));
        say("");
      },
    },
    el("label", {}, t("pay.amount"), amount),
    el("label", {}, t("pay.ref"), ref),
    el("button", { type: "submit" }, t("request.make")),
  );
  return [el("h1", {}, t("request.title")), form, shown];
}

function batchView() {
  if (!signedIn()) return signInView();
  const file = el("input", { type: "file", id: "batch-file", accept: ".csv,text/csv" });
  const shown = el("div", { id: "batch-result" });
  const form = el(
    "form",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        const address = getAddress(wallet.address);
        try {
          const chosen = file.files[0];
          const reading = await request("POST", `/accounts/${address}/batch-file`, { name: chosen.name, text: await chosen.text() });
          if (reading.problems.length) {
            shown.replaceChildren(el("p", { class: "error" }, t("batch.problems")), el("ul", {}, reading.problems.map((p) => el("li", {}, p))));
            return;
          }
          const check = await request("POST", `/accounts/${address}/batch-check`, { lines: reading.lines.map((l) => ({ to: l.to, amount: l.amount })) });
          const refused = check.lines.filter((v) => !v.payable).map((v) => el("li", {}, t("batch.refused", { line: reading.lines[v.index].line, why: v.reason })));
          shown.replaceChildren(
            el("p", {}, t("batch.ready", { count: reading.lines.length, total: money(check.total), fees: money(check.fees), available: money(check.available_credit) })),
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

/** The auditor's page: a report of `next-audit --json FILE`, opened from the auditor's own disk
 * (the audit runs on the auditor's own node; the gateway is what it checks, not where it reports). */
function auditView() {
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
      el("tr", {}, el("td", {}, c.name), el("td", { class: c.status === "fail" ? "error" : "" }, t(`audit.${c.status.replace(" ", "_")}`)), el("td", {}, c.covered), el("td", {}, c.description)),
    );
    const findings = report.checks.flatMap((c) => c.findings.map((f) => el("li", {}, `${c.name} — ${f.subject}: ${f.message}`)));
    const figures = Object.entries(report.figures || {}).filter(([, v]) => typeof v !== "object");
    shown.replaceChildren(
      el("p", { class: report.exit_code ? "error" : "" }, t("audit.summary", { result: report.result, from: report.from_block, to: report.to_block, chain: report.chain_id })),
      el("table", {}, el("thead", {}, el("tr", {}, ["audit.check", "audit.status", "audit.covered", "audit.what"].map((k) => el("th", { scope: "col" }, t(k))))), el("tbody", {}, rows)),
      ...(findings.length ? [el("h2", {}, t("audit.findings")), el("ul", { id: "findings" }, findings)] : []),
      el("h2", {}, t("audit.figures")),
      figuresList(figures),
    );
  });
  return [el("h1", {}, t("audit.title")), el("p", {}, t("audit.how")), el("label", {}, t("audit.file"), file), shown];
}

function figuresList(entries) {
  return figures(entries.map(([name, value]) => [name.replaceAll("_", " "), typeof value === "number" ? number(value, 2) : String(value)]));
}

async function proposals() {
  const page = await request("GET", "/proposals");
  const items = page.items.map((p) =>
    el(
      "li",
      {},
      el("strong", {}, t(`state.${p.state}`)),
      ` — ${p.description.slice(0, 300)} `,
      el("span", {}, `(${t("proposals.votes", { for: p.votes.for, against: p.votes.against, abstain: p.votes.abstain })})`),
      p.state === "active" && signedIn()
        ? el("span", { class: "votes" }, Object.keys(SUPPORT).map((choice) =>
            el("button", { type: "button", class: "secondary", "data-vote": `${p.short_id}-${choice}`, onclick: () => vote(p.proposal_id, choice) }, t(`vote.${choice}`)),
          ))
        : "",
    ),
  );
  const hint = signedIn() ? [] : [el("p", {}, t("proposals.vote"))];
  return [el("h1", {}, t("proposals.title")), items.length ? el("ul", {}, items) : el("p", {}, t("proposals.none")), ...hint];
}

/** A member's vote, signed in the page and relayed like a payment: one member, one vote. */
async function vote(proposalId, choice) {
  const ledger = await request("GET", "/ledger");
  const data = GOVERNOR_ABI.encodeFunctionData("castVote", [BigInt(proposalId), SUPPORT[choice]]);
  if (await relayCall(ledger.governor, data)) {
    await render(); // the totals with this vote (the index has its block)
    say(t("vote.done"));
  }
}

/**
 * A call from the signed-in key to one of the system's contracts: pre-flighted by the gateway (its
 * refusal in words, before anything is signed), signed here, relayed, and waited for. True once
 * the index has its block; false (and the refusal said) otherwise.
 */
async function relayCall(to, data) {
  try {
    const ledger = await request("GET", "/ledger");
    const preflight = await request("POST", `/accounts/${getAddress(wallet.address)}/preflight`, { data, to });
    const raw = await wallet.signTransaction({
      type: 0, to, data, gasLimit: preflight.gas, gasPrice: preflight.gas_price,
      nonce: preflight.nonce, chainId: ledger.chain_id, value: 0,
    });
    const sent = await request("POST", "/tx", { raw });
    say(t("pay.sent", { hash: sent.tx_hash }));
    await settled(sent.tx_hash);
    return true;
  } catch (error) {
    say(t("pay.refused", { why: why(error) }), true);
    return false;
  }
}

const STAFF_ABI = new Interface([
  "function admit(address account, uint8 kind, uint16 region, bytes32 kycHash)",
  "function setCreditLine(address account, uint256 creditLimit, uint256 ceiling)",
  "function freeze(address account)",
  "function unfreeze(address account)",
  "function exclude(address account)",
  "function writeOff(address account, bytes32 ref)",
]);
const KINDS = ["individual", "business", "council"]; // ordinals 0..2; councils are admitted by a vote

function staffView() {
  if (!signedIn()) return signInView();
  const field = (id, label, attributes = {}) => el("label", {}, label, el("input", { id, ...attributes }));
  const value = (id) => document.getElementById(id).value.trim();
  const address = (id) => {
    if (!isAddress(value(id))) throw new Error(t("error.address"));
    return getAddress(value(id));
  };
  const amount = (id) => {
    const text = value(id);
    const parsed = /^0+([.,]0{1,2})?$/.test(text) ? 0n : parseAmount(text);
    if (parsed === null) throw new Error(t("error.amount"));
    return parsed;
  };
  const action = (id, title, fields, build) =>
    el("form", { id, onsubmit: async (event) => {
      event.preventDefault();
      let data;
      try {
        data = build();
      } catch (error) {
        return say(error.message, true);
      }
      const ledger = await request("GET", "/ledger");
      if (await relayCall(ledger.ledger, data)) say(t("staff.done"));
    } }, el("h2", {}, title), ...fields, el("button", { type: "submit" }, title));
  return [
    el("h1", {}, t("staff.title")),
    el("p", {}, t("staff.roles")),
    action("admit", t("staff.admit"), [
      field("admit-address", t("staff.address"), { autocomplete: "off" }),
      el("label", {}, t("staff.kind"), el("select", { id: "admit-kind" }, KINDS.slice(0, 2).map((k, i) => el("option", { value: String(i) }, t(`kind.${k}`))))),
      field("admit-region", t("staff.region"), { inputmode: "numeric", value: "1" }),
      field("admit-kyc", t("staff.kyc")),
    ], () => STAFF_ABI.encodeFunctionData("admit", [address("admit-address"), Number(value("admit-kind")), Number(value("admit-region")), keccak256(toUtf8Bytes(value("admit-kyc")))])),
    action("line", t("staff.line"), [
      field("line-address", t("staff.address"), { autocomplete: "off" }),
      field("line-limit", t("account.limit"), { inputmode: "decimal" }),
      field("line-ceiling", t("staff.ceiling"), { inputmode: "decimal" }),
    ], () => STAFF_ABI.encodeFunctionData("setCreditLine", [address("line-address"), amount("line-limit"), amount("line-ceiling")])),
    ...["freeze", "unfreeze", "exclude", "writeOff"].map((name) =>
      action(name, t(`staff.${name}`), [field(`${name}-address`, t("staff.address"), { autocomplete: "off" })], () =>
        name === "writeOff"
          ? STAFF_ABI.encodeFunctionData(name, [address(`${name}-address`), keccak256(toUtf8Bytes(`write-off ${address(`${name}-address`)}`))])
          : STAFF_ABI.encodeFunctionData(name, [address(`${name}-address`)]),
      ),
    ),
  ];
}

function refText(ref) {
  if (!ref || /^0x0*$/.test(ref)) return "";
  const bytes = ref.slice(2).match(/../g).map((h) => parseInt(h, 16));
  const end = bytes.indexOf(0) === -1 ? bytes.length : bytes.indexOf(0);
  const text = new TextDecoder("utf-8", { fatal: false }).decode(new Uint8Array(bytes.slice(0, end)));
  return bytes.slice(end).every((b) => b === 0) && /^[\p{L}\p{N}\p{P}\p{Zs}]+$/u.test(text) ? text : ref.slice(0, 10) + "…";
}

function exportCsv(address) {
  const lines = [["block", "time", "direction", "from", "to", "amount", "fee", "ref", "tx_hash"].join(";")];
  for (const item of history) {
    lines.push([item.block_number, item.block_time ?? "", item.direction, item.from_address, item.to_address, (item.amount / 100).toFixed(2), ((item.fee ?? 0) / 100).toFixed(2), item.ref ?? "", item.tx_hash ?? ""].join(";"));
  }
  const link = el("a", { href: URL.createObjectURL(new Blob([lines.join("\n") + "\n"], { type: "text/csv" })), download: `${address}.csv` });
  document.body.append(link);
  link.click();
  link.remove();
}

/** A payment reference as the CLI makes it: up to 32 bytes of text kept readable, else its hash. */
function reference(text) {
  if (!text) return "0x" + "00".repeat(32);
  const bytes = toUtf8Bytes(text);
  return bytes.length <= 32 ? rightPad(bytes) : keccak256(bytes);
}

function rightPad(bytes) {
  const padded = new Uint8Array(32);
  padded.set(bytes);
  return "0x" + Array.from(padded, (b) => b.toString(16).padStart(2, "0")).join("");
}

function payView() {
  if (!signedIn()) return signInView();
  const asked = query(); // a payment request's link (or its QR code, scanned) fills the form
  const to = el("input", { id: "to", autocomplete: "off", spellcheck: "false", value: asked.get("to") ?? "" });
  const amount = el("input", { id: "amount", inputmode: "decimal", value: asked.get("amount") ?? "" });
  const ref = el("input", { id: "ref", maxlength: "64", value: asked.get("ref") ?? "" });
  const summary = el("p", { id: "summary" });
  let prepared = null;
  const send = el("button", { type: "button", id: "send", hidden: "" , onclick: async () => {
    send.disabled = true;
    try {
      const raw = await wallet.signTransaction(prepared);
      const sent = await request("POST", "/tx", { raw });
      say(t("pay.sent", { hash: sent.tx_hash }));
      await settled(sent.tx_hash);
      const state = await request("GET", `/accounts/${getAddress(wallet.address)}`);
      say(t("pay.done", { balance: money(state.balance) }));
      summary.textContent = "";
      send.hidden = true;
    } catch (error) {
      say(t("pay.refused", { why: why(error) }), true);
    } finally {
      send.disabled = false;
    }
  } }, t("pay.confirm"));
  const form = el(
    "form",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        send.hidden = true;
        if (!isAddress(to.value.trim())) return say(t("error.address"), true);
        const hundredths = parseAmount(amount.value);
        if (hundredths === null) return say(t("error.amount"), true);
        const payee = getAddress(to.value.trim());
        try {
          const [ledger, preflight] = await Promise.all([
            request("GET", "/ledger"),
            request("POST", `/accounts/${getAddress(wallet.address)}/preflight`, {
              data: LEDGER_ABI.encodeFunctionData("pay", [payee, hundredths, reference(ref.value.trim())]),
            }),
          ]);
          const fee = (hundredths * BigInt(ledger.fee_bps) + 9999n) / 10000n;
          prepared = {
            type: 0,
            to: ledger.ledger,
            data: LEDGER_ABI.encodeFunctionData("pay", [payee, hundredths, reference(ref.value.trim())]),
            gasLimit: preflight.gas,
            gasPrice: preflight.gas_price,
            nonce: preflight.nonce,
            chainId: ledger.chain_id,
            value: 0,
          };
          summary.textContent = t("pay.summary", { amount: money(hundredths), to: payee, fee: money(fee), total: money(hundredths + fee) });
          send.hidden = false;
          say("");
        } catch (error) {
          say(t("pay.refused", { why: why(error) }), true);
        }
      },
    },
    el("label", {}, t("pay.to"), to),
    el("label", {}, t("pay.amount"), amount),
    el("label", {}, t("pay.ref"), ref),
    el("button", { type: "submit" }, t("pay.check")),
  );
  return [el("h1", {}, t("pay.title")), form, summary, send];
}

/** Waits for the transaction's block, then for the index to reach it: what is read next is after it. */
async function settled(hash) {
  for (let i = 0; i < 600; i += 1) {
    const status = await request("GET", `/tx/${hash}`);
    if (status.status === "reverted") throw new Error(`${hash} reverted`);
    if (status.status === "success") {
      const head = await request("GET", "/blocks/head");
      if (head.indexed_block >= status.block_number) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${hash}: no block yet`);
}

// -- the frame ---------------------------------------------------------------------------------

const ROUTES = { "#/": health, "#/account": account, "#/pay": payView, "#/request": requestView, "#/batch": batchView, "#/staff": staffView, "#/audit": auditView, "#/proposals": proposals };

async function render() {
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  const make = ROUTES[location.hash.split("?")[0]] || health;
  try {
    view().replaceChildren(...(await make()));
  } catch (error) {
    view().replaceChildren(el("p", { class: "error" }, why(error)));
  }
}

const language = document.getElementById("language");
language.value = getLanguage();
setLanguage(getLanguage());
language.addEventListener("change", () => {
  setLanguage(language.value);
  render();
});
window.addEventListener("hashchange", render);
if ("serviceWorker" in navigator) navigator.serviceWorker.register("sw.js").catch(() => {});
render();
