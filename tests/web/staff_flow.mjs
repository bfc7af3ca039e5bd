// A registrar and credit committee member (staff, not a member) in the web app: admits a newcomer,
// gives it a credit line, and is refused in words when it freezes someone who is not a member.
//   node staff_flow.mjs URL KEYSTORE PASSWORD NEWCOMER STRANGER OUT
import { drive, openPage, signIn } from "./browser.mjs";

const [url, keystore, password, newcomer, stranger, out] = process.argv.slice(2);
const { browser, page, result, audit } = await openPage(url, out);
await drive({ browser, page, result }, async () => {
  await signIn(page, url, keystore, password);
  // Staff see every day's figures (the public, only days of 5 payers or more): drawn as bars.
  await page.goto(`${url}/app/#/`);
  await page.locator("#daily rect").first().waitFor();
  result.bars = await page.locator("#daily rect").count();
  await audit("health-staff");
  await page.goto(`${url}/app/#/staff`);
  await page.getByRole("heading", { name: "L'équipe de la coopérative" }).waitFor();
  await audit("staff");
  await page.fill("#admit-address", newcomer);
  await page.selectOption("#admit-kind", "1");
  await page.fill("#admit-region", "2");
  await page.fill("#admit-kyc", "dossier 2026-117");
  await page.locator("#admit button").click();
  await page.locator("#status").filter({ hasText: "Fait." }).waitFor({ timeout: 60_000 });
  await page.fill("#line-address", newcomer);
  await page.fill("#line-limit", "500,00");
  await page.fill("#line-ceiling", "20 000,00");
  await page.locator("#line button").click();
  await page.locator("#status").filter({ hasText: "Fait." }).waitFor({ timeout: 60_000 });
  await page.fill("#freeze-address", stranger);
  await page.locator("#freeze button").click();
  await page.locator("#status.error").waitFor({ timeout: 60_000 });
  result.refused = await page.locator("#status").innerText();
  // An exclusion cannot be undone: without its box ticked, nothing is signed; the answer is in view.
  await page.fill("#exclude-address", newcomer);
  await page.locator("#exclude button").click();
  await page.locator("#status.error", { hasText: "Cochez" }).waitFor();
  result.unsure = await page.locator("#status").innerText();
  const box = await page.locator("#status").boundingBox();
  result.status_in_view = box !== null && box.y >= 0 && box.y + box.height <= page.viewportSize().height;
});
