// What the browser tests share: Debian's Chromium launched by playwright-core (never a downloaded
// browser), a page that records every request leaving the gateway and every script error, and an
// axe-core audit with a screenshot of each page.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const axe = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

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
  const result = { outside: [], violations: {}, errors: [] };
  const context = await browser.newContext({ locale: "fr-FR", serviceWorkers: "block" });
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
    await page.screenshot({ path: `${out}/${name}.png`, fullPage: true });
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
