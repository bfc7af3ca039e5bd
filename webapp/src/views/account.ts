// Signing in with a keystore kept in the browser, and the member's account: figures, allowances, history.
import { getAddress, Wallet } from "ethers";
import { el, figures, refText, rerender, say, stackable, why, type Child } from "../dom.js";
import { api, call, GatewayError, signedIn, signIn, signOut, unlock, type Schemas } from "../gateway.js";
import { date, money, t } from "../i18n.js";
import { setWallet, wallet } from "../session.js";
import { loadNames, who } from "../names.js";
import { allTransfers, statementCsv, transfersPage, type Transfer } from "../statement.js";

let history: Transfer[] = [];
const MIN_PASSWORD = 10; // a key file's only lock, wherever the file is copied

export function signInView(): Child {
  const file = el("input", { type: "file", id: "keystore", accept: ".json,application/json" });
  const password = el("input", { type: "password", id: "password", autocomplete: "current-password" });
  const form = el(
    "form",
    {
      onsubmit: async (event: SubmitEvent) => {
        event.preventDefault();
        try {
          say(t("signin.opening"));
          const chosen = file.files?.[0];
          if (!chosen) throw new Error("no file");
          const json = await chosen.text();
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
  const create: HTMLButtonElement = el(
    "button",
    { type: "button", class: "secondary", id: "create", onclick: (): void => create.replaceWith(newKeyForm()) },
    t("signin.create"),
  );
  return [el("h1", {}, t("signin.title")), el("p", {}, t("signin.local")), form, create];
}

/** A new key, made in the browser: a real password typed twice, then the member is walked
 * through saving its file (without the file and its password, nobody can give the account back). */
function newKeyForm(): HTMLElement {
  const first = el("input", { type: "password", id: "new-password", autocomplete: "new-password" });
  const again = el("input", { type: "password", id: "new-password-again", autocomplete: "new-password" });
  const steps = el("div", { id: "new-key" });
  const form = el(
    "form",
    {
      onsubmit: async (event: SubmitEvent) => {
        event.preventDefault();
        if (first.value.length < MIN_PASSWORD || new Set(first.value).size < 4) return say(t("newkey.weak"), true);
        if (first.value !== again.value) return say(t("newkey.mismatch"), true);
        say(t("newkey.making"));
        const fresh = Wallet.createRandom();
        const json = await fresh.encrypt(first.value);
        first.value = again.value = "";
        const saved = el("p", { id: "new-key-saved", hidden: "" }, t("newkey.saved", { address: fresh.address }));
        const link = el(
          "a",
          {
            href: URL.createObjectURL(new Blob([json], { type: "application/json" })),
            download: `${fresh.address}.json`,
            onclick: () => {
              saved.hidden = false;
              say(t("newkey.downloaded"));
            },
          },
          t("signin.download"),
        );
        form.replaceWith(steps);
        steps.replaceChildren(
          el("h2", {}, t("newkey.title")),
          el(
            "ol",
            {},
            el("li", {}, link),
            el("li", {}, t("newkey.keep")),
            el("li", {}, t("newkey.address", { address: fresh.address })),
          ),
          saved,
        );
        say(`${t("signin.created")} ${fresh.address}`);
      },
    },
    el("h2", {}, t("newkey.title")),
    el("p", {}, t("newkey.rules")),
    el("label", {}, t("newkey.password"), first),
    el("label", {}, t("newkey.again"), again),
    el("button", { type: "submit" }, t("newkey.make")),
  );
  return form;
}

export async function account(): Promise<Child> {
  if (!signedIn()) return signInView();
  const address = getAddress(wallet().address);
  let state: Schemas["AccountPublic"];
  let transfers: Schemas["TransferPage"];
  try {
    [state, transfers] = await Promise.all([
      call(() => api.GET("/accounts/{address}", { params: { path: { address } } })),
      transfersPage(address),
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
  let cursor = transfers.next_cursor;
  await loadNames(history.flatMap((item) => [other(item), item.allowance_of]));
  const allowances = await call(() =>
    api.GET("/accounts/{address}/allowances", { params: { path: { address } } }),
  ).catch(() => null);
  const search = el("input", {
    type: "search",
    id: "search",
    "aria-label": t("account.search"),
    placeholder: t("account.search"),
  });
  const body = el("tbody");
  const fill = (): void => {
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
              el("td", {}, refText(item.ref, true, item.ref_words)),
              el("td", {}, el("a", { href: `#/receipt?tx=${item.tx_hash}` }, t("history.receipt"))),
            ),
          )
        : [el("tr", {}, el("td", { colspan: 5 }, t("history.none")))]),
    );
    const table = body.closest("table");
    if (table) stackable(table); // a search refills the rows after the first render
    more.hidden = !cursor;
  };
  // The whole history, a page at a time: older pages on demand, never a silent cut at 200 rows.
  const more = el(
    "button",
    {
      type: "button",
      class: "secondary",
      id: "more",
      onclick: async () => {
        more.disabled = true;
        try {
          const page = await transfersPage(address, cursor);
          await loadNames(page.items.map(other));
          history = history.concat(page.items);
          cursor = page.next_cursor;
          fill();
        } catch (error) {
          say(why(error), true);
        } finally {
          more.disabled = false;
        }
      },
    },
    t("history.more"),
  );
  search.addEventListener("input", fill);
  fill();
  return [
    el("h1", {}, t("account.title")),
    el("p", {}, address),
    figures([
      [t("account.balance"), money(state.balance)],
      [t("account.limit"), money(state.credit_limit)],
      [t("account.available"), money(state.available_credit)],
      [t("account.status"), t(`status.${state.status}`)],
    ]),
    ...allowanceList(allowances),
    el("h2", {}, t("account.history")),
    search,
    el(
      "button",
      { type: "button", class: "secondary", onclick: () => exportCsv(address).catch((error) => say(why(error), true)) },
      t("account.export"),
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
          ["history.date", "history.amount", "history.other", "history.ref", "history.receipt"].map((k) =>
            el("th", { scope: "col" }, t(k)),
          ),
        ),
      ),
      body,
    ),
    more,
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

function allowanceList(answer: Schemas["AllowancesPublic"] | null): HTMLElement[] {
  if (answer === null) return []; // a ledger deployed before the councils' allowances
  const now = Date.now() / 1000;
  const items = answer.allowances.map((a) => {
    const where = a.category_names?.length
      ? a.category_names.map((name) => t(`category.${name}`)).join(", ")
      : t("allowances.any");
    const days = Math.floor((a.expires_at - now) / 86400);
    const line = t("allowances.item", { amount: money(a.remaining), date: date(a.expires_at), where });
    return el("li", {}, line, days <= 30 ? el("strong", {}, ` — ${t("allowances.soon", { days })}`) : "");
  });
  return [
    el("h2", {}, t("allowances.title")),
    items.length ? el("ul", { id: "allowances" }, items) : el("p", { id: "allowances" }, t("allowances.none")),
  ];
}

/** The whole history as a statement a spreadsheet opens as it is (statement.js). */
async function exportCsv(address: string): Promise<void> {
  say(t("history.exporting"));
  const items = await allTransfers(address);
  await loadNames(items.map(other));
  const text = statementCsv(items, { counterpart, reference: (ref, item) => refText(ref, false, item.ref_words) });
  const link = el("a", {
    href: URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" })),
    download: `${address}.csv`,
  });
  document.body.append(link);
  link.click();
  link.remove();
  say(t("history.exported", { rows: String(items.length) }));
}

/** Who a transfer was with: for a payment across regions, the member on the other side and its region. */
function counterpart(item: Transfer): string {
  if (item.counterparty) {
    const region = item.counterparty_region ?? "?";
    return t("history.across", { member: who(item.counterparty), region: String(region) });
  }
  const party = who(other(item));
  return item.allowance_of ? `${party} ${t("history.allowance", { council: who(item.allowance_of) })}` : party;
}

/** The other party's address: the member on the other side of a payment across regions. */
function other(item: Transfer): string {
  return item.counterparty ?? (item.direction === "out" ? item.to_address : item.from_address);
}
