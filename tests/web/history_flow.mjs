// A member's whole history: a first page, older pages on demand until there are none, and the
// statement exported with every movement, in French.
//   node history_flow.mjs URL KEYSTORE PASSWORD OUT
import { readFileSync } from "node:fs";
import { drive, openPage, signIn } from "./browser.mjs";

const [url, keystore, password, out] = process.argv.slice(2);
const { browser, page, result, audit } = await openPage(url, out);
await drive({ browser, page, result }, async () => {
  await signIn(page, url, keystore, password);
  await page.locator("td", { hasText: "ticket 59" }).waitFor();
  result.long_ref_shown = await page.locator("td", { hasText: "facture 2026-1234" }).isVisible();
  result.first_page = await page.locator("tbody tr").count();
  await audit("history");
  await page.getByRole("button", { name: "Mouvements plus anciens" }).click();
  await page.locator("td", { hasText: "ticket 0" }).waitFor();
  result.all_rows = await page.locator("tbody tr").count();
  result.more_hidden = await page.locator("#more").isHidden();
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Exporter en CSV" }).click();
  result.csv = readFileSync(await (await download).path(), "utf8");
  await page.locator("#status", { hasText: "Relevé exporté" }).waitFor();
  result.status = await page.locator("#status").innerText();
});
