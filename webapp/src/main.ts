// The members' web app: a frame (navigation, language) and a view per page, each a function of the
// gateway's answers. No framework; ethers.js for keys and signatures (see views/ and session.js).
import { el, setRenderer, stackable, why, type Child } from "./dom.js";
import { getLanguage, setLanguage, t } from "./i18n.js";
import { account } from "./views/account.js";
import { proposals } from "./views/assembly.js";
import { auditView } from "./views/audit.js";
import { batchView } from "./views/council.js";
import { economyView } from "./views/economy.js";
import { health } from "./views/health.js";
import { payView, requestView } from "./views/pay.js";
import { directoryView, profileView } from "./views/people.js";
import { receiptView } from "./views/receipt.js";
import { regionsView } from "./views/regions.js";
import { runsView } from "./views/runs.js";
import { staffView } from "./views/staff.js";

/** An element the page's HTML (index.html) always has. */
function part<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`index.html has no #${id}`);
  return found as T;
}

const view = (): HTMLElement => part("view");

const ROUTES: Record<string, () => Child | Promise<Child>> = {
  "#/": health,
  "#/economy": economyView,
  "#/regions": regionsView,
  "#/account": account,
  "#/pay": payView,
  "#/request": requestView,
  "#/batch": batchView,
  "#/runs": runsView,
  "#/staff": staffView,
  "#/audit": auditView,
  "#/proposals": proposals,
  "#/receipt": receiptView,
  "#/profile": profileView,
  "#/directory": directoryView,
};

/** What a view gives, as the nodes and texts the page shows. */
function nodesOf(shown: Child): (Node | string)[] {
  if (Array.isArray(shown)) return shown.flatMap(nodesOf);
  return [shown instanceof Node ? shown : String(shown)];
}

let rendering = 0; // the latest render: an earlier one still waiting for the gateway must not overwrite it

async function render(): Promise<void> {
  for (const node of document.querySelectorAll<HTMLElement>("[data-i18n]"))
    node.textContent = t(node.dataset.i18n ?? "");
  const make = ROUTES[location.hash.split("?")[0]] || health;
  const mine = ++rendering;
  let shown: Child;
  try {
    shown = await make();
  } catch (error) {
    shown = [el("p", { class: "error" }, why(error))];
  }
  if (mine === rendering) {
    view().replaceChildren(...nodesOf(shown));
    for (const table of view().querySelectorAll("table")) stackable(table);
  }
  const here = location.hash.split("?")[0] || "#/";
  for (const link of document.querySelectorAll("nav a")) {
    if (link.getAttribute("href") === here) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

// The menu folds on a phone: its button opens it, and choosing a page closes it.
const header = document.querySelector("header") ?? document.body;
const menu = part<HTMLButtonElement>("menu");
menu.addEventListener("click", () => {
  const open = header.classList.toggle("open");
  menu.setAttribute("aria-expanded", String(open));
});
window.addEventListener("hashchange", () => {
  header.classList.remove("open");
  menu.setAttribute("aria-expanded", "false");
});

setRenderer(render);
const language = part<HTMLSelectElement>("language");
language.value = getLanguage();
setLanguage(getLanguage());
language.addEventListener("change", () => {
  setLanguage(language.value);
  render();
});
window.addEventListener("hashchange", render);
if ("serviceWorker" in navigator) navigator.serviceWorker.register("sw.js").catch(() => {});
render();
