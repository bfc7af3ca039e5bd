// Signing in with a keystore kept in the browser, and the member's account: figures, allowances, history.
import { getAddress, Wallet } from "ethers";
import { el, figures, rerender, say, why } from "../dom.js";
import { GatewayError, request, signedIn, signIn, signOut, unlock } from "../gateway.js";
import { date, money, t } from "../i18n.js";
import { setWallet, wallet } from "../session.js";

let history = [];

export function signInView() {
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
          setWallet(await unlock(json, password.value));
        } catch {
          say(t("error.password"), true);
          return;
        }
        try {
          say(t("signin.signing"));
          await signIn(wallet());
          say("");
          // Back to the page that asked for it: a payment request's link keeps its filled form.
          if (!location.hash || location.hash === "#/") location.hash = "#/account";
          await rerender();
        } catch (error) {
          setWallet(null);
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
        const link = el(
          "a",
          {
            href: URL.createObjectURL(new Blob([json], { type: "application/json" })),
            download: `${fresh.address}.json`,
          },
          t("signin.download"),
        );
        say(`${t("signin.created")} ${fresh.address}`);
        create.replaceWith(el("p", {}, link));
      },
    },
    t("signin.create"),
  );
  return [el("h1", {}, t("signin.title")), el("p", {}, t("signin.local")), form, create];
}

export async function account() {
  if (!signedIn()) return signInView();
  const address = getAddress(wallet().address);
  let state, transfers;
  try {
    [state, transfers] = await Promise.all([
      request("GET", `/accounts/${address}`),
      request("GET", `/accounts/${address}/transfers?limit=200`),
    ]);
  } catch (error) {
    if (!(error instanceof GatewayError) || error.status !== 404) throw error;
    // A staff key that holds no account: its page is the staff's.
    return [
      el("h1", {}, t("account.title")),
      el("p", {}, address),
      el("p", {}, t("account.staff"), " ", el("a", { href: "#/staff" }, t("nav.staff"))),
    ];
  }
  history = transfers.items;
  const allowances = await request("GET", `/accounts/${address}/allowances`).catch(() => null);
  const search = el("input", {
    type: "search",
    id: "search",
    "aria-label": t("account.search"),
    placeholder: t("account.search"),
  });
  const body = el("tbody");
  const fill = () => {
    const needle = search.value.trim().toLowerCase();
    const rows = history.filter(
      (item) => !needle || JSON.stringify(item).toLowerCase().includes(needle) || money(item.amount).includes(needle),
    );
    body.replaceChildren(
      ...(rows.length
        ? rows.map((item) =>
            el(
              "tr",
              {},
              el("td", {}, item.block_time ? date(item.block_time) : `#${item.block_number}`),
              el("td", { class: "amount" }, `${item.direction === "out" ? "−" : "+"}${money(item.amount)}`),
              el("td", {}, counterpart(item)),
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
    el(
      "table",
      {},
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          ["history.date", "history.amount", "history.other", "history.ref"].map((k) =>
            el("th", { scope: "col" }, t(k)),
          ),
        ),
      ),
      body,
    ),
    el(
      "p",
      {},
      el(
        "button",
        {
          type: "button",
          class: "secondary",
          onclick: () => {
            setWallet(null);
            signOut();
            location.hash = "#/";
            rerender();
          },
        },
        t("account.signout"),
      ),
    ),
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
  return [
    el("h2", {}, t("allowances.title")),
    items.length ? el("ul", { id: "allowances" }, items) : el("p", { id: "allowances" }, t("allowances.none")),
  ];
}

function refText(ref) {
  if (!ref || /^0x0*$/.test(ref)) return "";
  const bytes = ref
    .slice(2)
    .match(/../g)
    .map((h) => parseInt(h, 16));
  const end = bytes.indexOf(0) === -1 ? bytes.length : bytes.indexOf(0);
  const text = new TextDecoder("utf-8", { fatal: false }).decode(new Uint8Array(bytes.slice(0, end)));
  return bytes.slice(end).every((b) => b === 0) && /^[\p{L}\p{N}\p{P}\p{Zs}]+$/u.test(text)
    ? text
    : ref.slice(0, 10) + "…";
}

function exportCsv(address) {
  const lines = [["block", "time", "direction", "from", "to", "amount", "fee", "ref", "tx_hash"].join(";")];
  for (const item of history) {
    lines.push(
      [
        item.block_number,
        item.block_time ?? "",
        item.direction,
        item.from_address,
        item.to_address,
        (item.amount / 100).toFixed(2),
        ((item.fee ?? 0) / 100).toFixed(2),
        item.ref ?? "",
        item.tx_hash ?? "",
      ].join(";"),
    );
  }
  const link = el("a", {
    href: URL.createObjectURL(new Blob([lines.join("\n") + "\n"], { type: "text/csv" })),
    download: `${address}.csv`,
  });
  document.body.append(link);
  link.click();
  link.remove();
}

/** Who a transfer was with: for a payment across regions, the member on the other side and its region. */
function counterpart(item) {
  if (item.counterparty) {
    const region = item.counterparty_region ?? "?";
    return t("history.across", { member: item.counterparty, region: String(region) });
  }
  return item.direction === "out" ? item.to_address : item.from_address;
}
