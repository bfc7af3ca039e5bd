// The few DOM helpers every view uses: elements, the status line, errors in words, figures.
import { GatewayError } from "./gateway.js";
import { t } from "./i18n.js";

let renderer: () => unknown = () => {};

/** The frame's render, set by main.js: views call it after a sign-in, a vote or a sign-out. */
export function setRenderer(render: () => unknown): void {
  renderer = render;
}

export function rerender(): unknown {
  return renderer();
}

/** An attribute's value, or a listener for the attributes named on...: onclick, onsubmit. */
export type Attribute = string | number | boolean | null | undefined | ((event: any) => unknown);
export type Child = Node | string | number | bigint | Child[];

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, Attribute> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  for (const child of (children as unknown[]).flat(Infinity))
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

export function say(text: string, bad = false): void {
  const status = document.getElementById("status");
  if (status === null) return;
  status.textContent = text;
  status.className = bad ? "error" : "";
}

export function why(error: unknown): string {
  if (error instanceof GatewayError) return error.status === 0 ? t("error.network") : error.message;
  return (error instanceof Error && error.message) || String(error);
}

export function figures(entries: [string, Child][]): HTMLElement {
  return el(
    "dl",
    { class: "figures" },
    entries.map(([label, value]) => el("div", {}, el("dt", {}, label), el("dd", {}, value))),
  );
}

/** A table that becomes a list of cards on a phone: each cell names its column (style.css). */
export function stackable(table: HTMLTableElement): void {
  const names = [...table.querySelectorAll("thead th")].map((th) => th.textContent ?? "");
  if (names.length === 0) return;
  table.classList.add("stack");
  for (const row of table.querySelectorAll("tbody tr")) {
    const cells = [...row.children];
    if (cells.length !== names.length) continue; // a row of one cell across ("no payment yet")
    cells.forEach((cell, index) => cell.setAttribute("data-label", names[index]));
  }
}

/**
 * A payment reference in words: its text when it is readable text, the words a member gave the
 * gateway for a longer one (`words`: a row's ref_words), else the start of its hash.
 */
export function refText(ref: string | null | undefined, short = true, words: string | null = null): string {
  if (words) return words;
  if (!ref || /^0x0*$/.test(ref)) return "";
  const bytes = (ref.slice(2).match(/../g) ?? []).map((h) => parseInt(h, 16));
  const end = bytes.indexOf(0) === -1 ? bytes.length : bytes.indexOf(0);
  const text = new TextDecoder("utf-8", { fatal: false }).decode(new Uint8Array(bytes.slice(0, end)));
  return bytes.slice(end).every((b) => b === 0) && /^[\p{L}\p{N}\p{P}\p{Zs}]+$/u.test(text)
    ? text
    : short
      ? ref.slice(0, 10) + "…"
      : ref;
}
