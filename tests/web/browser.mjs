// What the browser tests share: Debian's Chromium launched by playwright-core (never a downloaded
// browser), a page that records every request leaving the gateway and every script error, and an
// axe-core audit with a screenshot of each page.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const axe = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

/** What runs off the window's width: the page's own width if it is wider, and the first few
 * elements whose right edge passes the window (by tag, id and class). */
export async function overflowing(page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const found = [];
    if (document.documentElement.scrollWidth > width + 1)
      found.push(`page ${document.documentElement.scrollWidth}px wide in ${width}px`);
    for (const node of document.querySelectorAll("body *")) {
      const box = node.getBoundingClientRect();
      if (box.width === 0 || box.right <= width + 1) continue;
      if (node.closest(".visually-hidden") || getComputedStyle(node).position === "absolute") continue;
      found.push(
        `${node.tagName.toLowerCase()}${node.id ? "#" + node.id : ""}.${node.className} ends at ${Math.round(box.right)}px`,
      );
      if (found.length > 5) break;
    }
    return found;
  });
}

export async function openPage(url, out, extraArgs = []) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      ...extraArgs,
    ],
  });
  const result = { outside: [], violations: {}, errors: [], overflow: {} };
  const context = await browser.newContext({ locale: "fr-FR", serviceWorkers: "block", viewport: DESKTOP });
  const page = await context.newPage();
  page.on("pageerror", (error) => result.errors.push(String(error)));
  page.on("request", (request) => {
    const target = request.url();
    if (!target.startsWith(url) && !target.startsWith("blob:") && !target.startsWith("data:"))
      result.outside.push(target);
  });
  const audit = async (name) => {
    // Evaluated through the DevTools protocol: the page's own policy refuses inline scripts.
    await page.evaluate(axe);
    const found = await page.evaluate(async () =>
      (await window.axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact })),
    );
    result.violations[name] = found.filter((v) => v.impact === "serious" || v.impact === "critical");
    // Every page state on a desktop and on a phone: nothing may run off the window's width.
    result.overflow[name] = await overflowing(page);
    await page.screenshot({ path: `${out}/${name}.png`, fullPage: true });
    await page.setViewportSize(PHONE);
    result.overflow[`${name}-phone`] = await overflowing(page);
    await page.screenshot({ path: `${out}/${name}-phone.png`, fullPage: true });
    await page.setViewportSize(DESKTOP);
  };
  return { browser, page, result, audit };
}

/**
 * Runs a flow's `steps` on an opened page: an error goes into the result with what the page showed
 * then, the browser closes whatever happens, and the result is printed for the Python test.
 */
export async function drive({ browser, page, result }, steps) {
  try {
    await steps();
  } catch (error) {
    result.errors.push(
      String(error.stack || error),
      // The status line first: what the page said last (a refusal, a wait), then the page.
      `status: ${await page
        .locator("#status")
        .innerText()
        .catch(() => "?")}`,
      await page
        .locator("main")
        .innerText()
        .catch(() => ""),
    );
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(result));
}

/** Unlocks `keystore` with `password` on the sign-in page and waits for the account. */
export async function signIn(page, url, keystore, password) {
  await page.goto(`${url}/app/#/account`);
  await page.locator("#keystore").waitFor();
  await page.setInputFiles("#keystore", keystore);
  await page.fill("#password", password);
  await page.locator('form button[type="submit"]').click();
  await page.locator("h1", { hasText: /Mon compte|My account/ }).waitFor({ timeout: 60_000 });
}
