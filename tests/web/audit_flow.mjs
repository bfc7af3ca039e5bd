// The auditor's page: a next-audit report opened from disk, its checks, findings and figures shown;
// a file that is no report refused in words.
//   node audit_flow.mjs URL REPORT NOT_A_REPORT OUT
import { drive, openPage } from "./browser.mjs";

const [url, report, notReport, out] = process.argv.slice(2);
const { browser, page, result, audit } = await openPage(url, out);
await drive({ browser, page, result }, async () => {
  await page.goto(`${url}/app/#/audit`);
  await page.getByRole("heading", { name: "Le rapport d'audit" }).waitFor();
  await page.setInputFiles("#report", notReport);
  await page.locator("#status.error").waitFor();
  result.refused = await page.locator("#status").innerText();
  await page.setInputFiles("#report", report);
  await page.locator("#report-view table").waitFor();
  result.shown = await page.locator("#report-view").innerText();
  await audit("audit");
});
