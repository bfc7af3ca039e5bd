// A transaction's receipt: what a member shows the other party after paying (a shop, a council's
// finance staff). Its link names the transaction only; the gateway shows it to its parties alone.
import { el, figures, refText, say, type Child } from "../dom.js";
import { api, call, GatewayError, signedIn, type Schemas } from "../gateway.js";
import { date, money, t } from "../i18n.js";
import { loadNames, nameOf } from "../names.js";
import { signInView } from "./account.js";

export async function receiptView(): Promise<Child> {
  if (!signedIn()) return signInView();
  const at = location.hash.indexOf("?");
  const hash = new URLSearchParams(at === -1 ? "" : location.hash.slice(at + 1)).get("tx") ?? "";
  if (!/^0x[0-9a-fA-F]{64}$/.test(hash)) return [el("h1", {}, t("receipt.title")), el("p", {}, t("receipt.none"))];
  let receipt: Schemas["Receipt"];
  try {
    receipt = await call(() => api.GET("/receipts/{tx_hash}", { params: { path: { tx_hash: hash } } }));
  } catch (error) {
    if (error instanceof GatewayError && error.status === 404)
      return [el("h1", {}, t("receipt.title")), el("p", { class: "error" }, t("receipt.none"))];
    throw error;
  }
  await loadNames(receipt.lines.flatMap((l) => [l.from_address, l.to_address, l.counterparty]));
  const link = `${location.origin}${location.pathname}#/receipt?tx=${receipt.tx_hash}`;
  const share = el(
    "button",
    {
      type: "button",
      class: "secondary",
      id: "share",
      onclick: async () => {
        // A phone's share sheet where there is one; else the link, copied.
        if (navigator.share) await navigator.share({ title: t("receipt.title"), url: link }).catch(() => {});
        else {
          await navigator.clipboard?.writeText(link).catch(() => {});
          say(t("receipt.copied"));
        }
      },
    },
    t("receipt.share"),
  );
  return [
    el("h1", {}, t("receipt.title")),
    ...receipt.lines.map((line) =>
      el(
        "section",
        { class: "receipt" },
        figures([
          [t("receipt.amount"), money(line.amount)],
          [t("receipt.fee"), money(line.fee)],
          [t("receipt.total"), money(line.amount + line.fee)],
          [t("receipt.date"), date(receipt.block_time)],
        ]),
        el(
          "dl",
          { class: "facts" },
          el("dt", {}, t("receipt.from")),
          el("dd", {}, party(line.from_address)),
          el("dt", {}, t("receipt.to")),
          el("dd", {}, party(line.counterparty ?? line.to_address)),
          el("dt", {}, t("receipt.ref")),
          el("dd", {}, refText(line.ref, true, line.ref_words) || "—"),
          el("dt", {}, t("receipt.block")),
          el("dd", {}, `#${receipt.block_number}`),
          el("dt", {}, t("receipt.tx")),
          el("dd", {}, receipt.tx_hash),
        ),
      ),
    ),
    el("p", {}, el("a", { href: link, id: "receipt-link" }, t("receipt.link"))),
    share,
  ];
}

/** A party on a receipt: its name when the viewer may see one, and always its full address. */
function party(address: string): Child[] {
  const name = nameOf(address);
  return name ? [el("strong", {}, name), el("br"), address] : [address];
}
