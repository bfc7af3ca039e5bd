// The few DOM helpers every view uses: elements, the status line, errors in words, figures.
import { GatewayError } from "./gateway.js";
import { number, t } from "./i18n.js";

let renderer = () => {};

/** The frame's render, set by main.js: views call it after a sign-in, a vote or a sign-out. */
export function setRenderer(render) {
  renderer = render;
}

export function rerender() {
  return renderer();
}

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (value !== undefined && value !== null) node.setAttribute(name, value);
  }
  for (const child of children.flat())
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

export function say(text, bad = false) {
  const status = document.getElementById("status");
  status.textContent = text;
  status.className = bad ? "error" : "";
}

export function why(error) {
  if (error instanceof GatewayError) return error.status === 0 ? t("error.network") : error.message;
  return error.message || String(error);
}

export function figures(entries) {
  return el(
    "dl",
    { class: "figures" },
    entries.map(([label, value]) => el("div", {}, el("dt", {}, label), el("dd", {}, value))),
  );
}

// -- the views ---------------------------------------------------------------------------------

export function figuresList(entries) {
  return figures(
    entries.map(([name, value]) => [
      name.replaceAll("_", " "),
      typeof value === "number" ? number(value, 2) : String(value),
    ]),
  );
}
