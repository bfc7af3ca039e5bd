// Paying (a form, or a payment request's link) and requesting a payment as a link and a QR code.
import {
  getAddress,
  Interface,
  isAddress,
  keccak256,
  toUtf8Bytes,
  zeroPadBytes,
  type TransactionRequest,
} from "ethers";
import qrcode from "qrcode-generator";
import * as clearingAbi from "../generated/clearing.js";
import * as ledgerAbi from "../generated/ledger.js";
import { el, say, why, type Child } from "../dom.js";
import { api, call, signedIn } from "../gateway.js";
import { money, parseAmount, t } from "../i18n.js";
import { favourites, loadNames, nameOf, toggleFavourite, who } from "../names.js";
import { settled, unsigned, wallet } from "../session.js";
import { signInView } from "./account.js";

const LEDGER_ABI = new Interface([ledgerAbi.pay]);
const AGAIN_SECONDS = 10 * 60; // a payment repeated within this is asked about
const CLEARING_ABI = new Interface([clearingAbi.payAcross]);

function query(): URLSearchParams {
  const at = location.hash.indexOf("?");
  return new URLSearchParams(at === -1 ? "" : location.hash.slice(at + 1));
}

export function requestView(): Child {
  if (!signedIn()) return signInView();
  const amount = el("input", { id: "request-amount", inputmode: "decimal" });
  const ref = el("input", { id: "request-ref", maxlength: "32" });
  const shown = el("div", { id: "request" });
  const form = el(
    "form",
    {
      onsubmit: (event: SubmitEvent) => {
        event.preventDefault();
        const hundredths = parseAmount(amount.value);
        if (hundredths === null) return say(t("error.amount"), true);
        const params = new URLSearchParams({
          to: getAddress(wallet().address),
          amount: (Number(hundredths) / 100).toFixed(2),
        });
        if (ref.value.trim()) params.set("ref", ref.value.trim());
        const link = `${location.origin}${location.pathname}#/pay?${params}`;
        const qr = qrcode(0, "M");
        qr.addData(link);
        qr.make();
        // qrcode-generator takes `alt` (the SVG's title) though its types leave it out.
        const options = { cellSize: 4, margin: 4, scalable: true, alt: t("request.qr") };
        const svg = new DOMParser().parseFromString(qr.createSvgTag(options), "image/svg+xml").documentElement;
        svg.setAttribute("role", "img");
        svg.setAttribute("aria-label", t("request.qr"));
        svg.setAttribute("width", "240");
        shown.replaceChildren(
          el("p", {}, t("request.link")),
          el("p", {}, el("a", { href: link, id: "request-link" }, link)),
          document.importNode(svg, true),
        );
        say("");
      },
    },
    el("label", {}, t("pay.amount"), amount),
    el("label", {}, t("pay.ref"), ref),
    el("button", { type: "submit" }, t("request.make")),
  );
  return [el("h1", {}, t("request.title")), form, shown];
}

/** A payment reference as the CLI makes it: up to 32 bytes of text kept readable, else its hash. */
export function reference(text: string): string {
  if (!text) return "0x" + "00".repeat(32);
  const bytes = toUtf8Bytes(text);
  return bytes.length <= 32 ? zeroPadBytes(bytes, 32) : keccak256(bytes);
}

/**
 * The words of a reference the chain keeps only as a hash (more than 32 bytes), given to the
 * gateway so that histories and receipts say them (api/references.py). Never a reason not to pay:
 * the payment goes on if the gateway does not keep them.
 */
export async function keepWords(text: string): Promise<void> {
  if (!text || toUtf8Bytes(text).length <= 32) return;
  try {
    await call(() => api.POST("/references", { body: { text } }));
  } catch {
    // the history then shows the start of the reference's hash
  }
}

export async function payView(): Promise<Child> {
  if (!signedIn()) return signInView();
  const asked = query(); // a payment request's link (or its QR code, scanned) fills the form
  const to = el("input", { id: "to", autocomplete: "off", spellcheck: "false", value: asked.get("to") ?? "" });
  const amount = el("input", { id: "amount", inputmode: "decimal", value: asked.get("amount") ?? "" });
  const ref = el("input", { id: "ref", maxlength: "64", value: asked.get("ref") ?? "" });
  const summary = el("p", { id: "summary" });
  let prepared: TransactionRequest | null = null;
  let nearCeiling = false; // the pre-flight could not say whether the payee can receive it
  const send = el(
    "button",
    {
      type: "button",
      id: "send",
      hidden: "",
      onclick: async () => {
        send.disabled = true;
        try {
          if (prepared === null) return;
          if (!again.hidden && !sure.checked) {
            sure.focus();
            return say(question.textContent ?? "", true);
          }
          const raw = await wallet().signTransaction(prepared);
          const sent = await call(() => api.POST("/tx", { body: { raw } }));
          say(t("pay.sent", { hash: sent.tx_hash }));
          // Emptied at once: Check + Sign again must never pay the same amount a second time.
          prepared = null;
          for (const input of [to, amount, ref]) input.value = "";
          summary.textContent = "";
          send.hidden = true;
          again.hidden = true;
          await settled(sent.tx_hash);
          const address = getAddress(wallet().address);
          const state = await call(() => api.GET("/accounts/{address}", { params: { path: { address } } }));
          say(t("pay.done", { balance: money(state.balance) }));
          location.hash = `#/receipt?tx=${sent.tx_hash}`;
        } catch (error) {
          const reverted = error instanceof Error && error.message.endsWith("reverted");
          say(reverted && nearCeiling ? t("pay.ceiling") : t("pay.refused", { why: why(error) }), true);
        } finally {
          send.disabled = false;
        }
      },
    },
    t("pay.confirm"),
  );
  // The same payee paid the same amount a few minutes ago: a second payment needs a tick.
  const question = el("p", { class: "error" });
  const sure = el("input", { type: "checkbox", id: "again-sure" });
  const again = el(
    "div",
    { id: "again", hidden: "" },
    question,
    el("label", { class: "check" }, sure, t("pay.again.confirm")),
  );
  const askIfPaidJustNow = async (payer: string, payee: string, hundredths: bigint): Promise<void> => {
    const recent = await call(() =>
      api.GET("/accounts/{address}/transfers", { params: { path: { address: payer }, query: { limit: 50 } } }),
    );
    const now = Date.now() / 1000;
    const same = recent.items.find(
      (item) =>
        item.direction === "out" &&
        (item.counterparty ?? item.to_address) === payee &&
        BigInt(item.amount) === hundredths &&
        now - item.block_time < AGAIN_SECONDS,
    );
    sure.checked = false;
    again.hidden = same === undefined;
    if (same !== undefined) {
      const minutes = String(Math.max(1, Math.round((now - same.block_time) / 60)));
      question.textContent = t("pay.again", { amount: money(same.amount), minutes });
    }
  };
  const form = el(
    "form",
    {
      onsubmit: async (event: SubmitEvent) => {
        event.preventDefault();
        send.hidden = true;
        again.hidden = true;
        if (!isAddress(to.value.trim())) return say(t("error.address"), true);
        const hundredths = parseAmount(amount.value);
        // The API takes amounts as JSON numbers: exact up to 2^53 hundredths, far above any payment.
        if (hundredths === null || hundredths > BigInt(Number.MAX_SAFE_INTEGER)) return say(t("error.amount"), true);
        const payee = getAddress(to.value.trim());
        const payer = getAddress(wallet().address);
        try {
          // A member of another region is paid through this region's clearing, in one transaction,
          // along the path the gateway finds with room for the amount.
          const route = await call(() =>
            api.GET("/regions/route", { params: { query: { to: payee, amount: Number(hundredths) } } }),
          );
          const refBytes = reference(ref.value.trim());
          await keepWords(ref.value.trim());
          const data = route.here
            ? LEDGER_ABI.encodeFunctionData("pay", [payee, hundredths, refBytes])
            : CLEARING_ABI.encodeFunctionData("payAcross", [route.path, payee, hundredths, refBytes]);
          const to = route.here ? null : route.clearing;
          const [ledger, preflight] = await Promise.all([
            call(() => api.GET("/ledger")),
            call(() =>
              api.POST("/accounts/{address}/preflight", { params: { path: { address: payer } }, body: { data, to } }),
            ),
          ]);
          const fee = BigInt(preflight.fee ?? 0); // the ledger's own rule, said by the gateway
          prepared = unsigned(to ?? ledger.ledger, data, preflight, ledger.chain_id);
          await loadNames([payee]);
          const facts = {
            amount: money(hundredths),
            to: who(payee),
            fee: money(fee),
            total: money(hundredths + fee),
            region: route.region,
            path: route.regions.join(" → "),
          };
          // Near the payee's ceiling the gateway cannot say whether it passes (that would tell the
          // payee's balance): the member may sign, and the ledger decides.
          nearCeiling = Boolean(preflight.warning);
          const said = t(route.here ? "pay.summary" : "pay.summary.across", facts);
          summary.textContent = nearCeiling ? `${said} ${preflight.warning}` : said;
          await askIfPaidJustNow(payer, payee, hundredths);
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
  const fill = async (text: string | null): Promise<void> => {
    const { paymentOf } = await import("../scan.js");
    const asked = text === null ? null : paymentOf(text);
    if (asked === null) return say(t("scan.notpayment"), true);
    to.value = asked.to;
    amount.value = asked.amount;
    ref.value = asked.ref;
    send.hidden = true;
    say(t("scan.read"));
  };
  const pick = (address: string): void => {
    to.value = address;
    send.hidden = true;
    amount.focus();
  };
  return [
    el("h1", {}, t("pay.title")),
    scanner(fill),
    await finder(pick),
    form,
    summary,
    again,
    send,
    await contacts(pick),
  ];
}

/** The camera's button and view, and a photo's: each gives the code's text to `fill`. */
function scanner(fill: (text: string | null) => Promise<void>): HTMLElement {
  const video = el("video", {
    id: "scan-video",
    hidden: "",
    muted: "",
    playsinline: "",
    "aria-label": t("scan.video"),
  });
  let scanning: { done: Promise<string | null>; stop: () => void } | null = null;
  const button = el(
    "button",
    {
      type: "button",
      id: "scan",
      class: "secondary",
      onclick: async () => {
        if (scanning) return scanning.stop();
        const { scanCamera } = await import("../scan.js"); // jsQR: loaded only to scan
        const started: { done: Promise<string | null>; stop: () => void } = scanCamera(video);
        scanning = started;
        button.textContent = t("scan.stop");
        say(t("scan.looking"));
        try {
          const text = await started.done;
          if (text !== null) await fill(text);
          else say("");
        } catch (error) {
          const name = error instanceof Error ? error.name : "";
          say(t("scan.nocamera", { why: name || why(error) }), true);
        } finally {
          scanning = null;
          button.textContent = t("scan.start");
        }
      },
    },
    t("scan.start"),
  );
  const photo = el("input", {
    type: "file",
    id: "scan-photo",
    accept: "image/*",
    capture: "environment",
    onchange: async () => {
      const file = photo.files?.[0];
      if (!file) return;
      try {
        const { readPhoto } = await import("../scan.js");
        await fill(await readPhoto(file));
      } catch {
        say(t("scan.notpayment"), true);
      }
      photo.value = "";
    },
  });
  return el("div", { class: "scan" }, button, el("label", {}, t("scan.photo"), photo), video);
}

/** Finding a payee by name: the member's contacts whose names it may see, and the directory. */
async function finder(pick: (address: string) => void): Promise<HTMLElement> {
  const input = el("input", { id: "find", type: "search", autocomplete: "off", "aria-label": t("pay.find") });
  const found = el("ul", { id: "found", class: "picks" });
  let asked = 0;
  input.addEventListener("input", async () => {
    const words = input.value.trim().toLowerCase();
    const mine = ++asked;
    if (words.length < 2) return found.replaceChildren();
    const known = (await people()).filter((a) => (nameOf(a) ?? "").toLowerCase().includes(words));
    const listed = await call(() => api.GET("/directory", { params: { query: { q: words, limit: 10 } } })).catch(
      () => ({ items: [] as { address: string }[] }),
    );
    if (mine !== asked) return; // a later keystroke's answer is shown instead
    const addresses = [...new Set([...known, ...listed.items.map((p) => p.address)])].slice(0, 10);
    await loadNames(addresses);
    found.replaceChildren(...addresses.map((a) => el("li", {}, pickButton(a, pick))));
  });
  return el("div", { class: "find" }, el("label", {}, t("pay.find"), input), found);
}

/** The member's favourites, then the members it paid or was paid by lately, each a click away. */
async function contacts(pick: (address: string) => void): Promise<HTMLElement> {
  const list = el("ul", { id: "contacts", class: "picks" });
  const me = wallet().address;
  const draw = async (): Promise<void> => {
    const all = await people();
    const starred = favourites(me);
    list.replaceChildren(
      ...all.map((address) => {
        const on = starred.includes(address);
        const star = el(
          "button",
          {
            type: "button",
            class: "secondary star",
            "aria-pressed": String(on),
            "aria-label": t(on ? "pay.unstar" : "pay.star"),
            onclick: () => {
              toggleFavourite(me, address);
              draw();
            },
          },
          on ? "★" : "☆",
        );
        return el("li", {}, star, pickButton(address, pick));
      }),
    );
  };
  await draw();
  return el("section", {}, el("h2", {}, t("pay.favourites")), list);
}

/** Favourites first, then the counterparts of the member's last 50 movements, with their names. */
async function people(): Promise<string[]> {
  const me = getAddress(wallet().address);
  const recent = await call(() =>
    api.GET("/accounts/{address}/transfers", { params: { path: { address: me }, query: { limit: 50 } } }),
  ).catch(() => ({ items: [] }));
  const others = recent.items.map((i) => i.counterparty ?? (i.direction === "out" ? i.to_address : i.from_address));
  const all = [...new Set([...favourites(me), ...others.map((a) => getAddress(a))])].filter((a) => a !== me);
  await loadNames(all);
  return all;
}

function pickButton(address: string, pick: (address: string) => void): HTMLElement {
  return el(
    "button",
    { type: "button", class: "link", "data-pick": address, onclick: () => pick(address) },
    who(address),
  );
}
