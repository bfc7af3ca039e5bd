// The economics page, public: a region's months with their figures and charts, filtered by region
// and kind through the address, in French then English.
//   node economy_flow.mjs URL REGION OUT
import { drive, openPage } from "./browser.mjs";

const [url, region, out] = process.argv.slice(2);
const { browser, page, result, audit } = await openPage(url, out);
await drive({ browser, page, result }, async () => {
  await page.goto(`${url}/app/#/economy?region=${region}`);
  await page.locator("#economy-months").waitFor();
  result.months_fr = await page.locator("#economy-months").innerText();
  result.figures_fr = await page.locator("dl.figures").innerText();
  result.charts = await page.locator("figure svg rect").count();
  await audit("economy");
  await page.selectOption("#economy-kind", "business");
  await page.locator(".filters button").click();
  await page.locator("#economy-empty").waitFor();
  result.businesses = await page.locator("#economy-empty").innerText();
  result.hash = await page.evaluate(() => location.hash);
  await page.selectOption("#language", "en");
  await page.getByRole("heading", { name: "How the money circulates" }).waitFor();
  result.multipliers_en = await page.locator("#economy-multipliers").innerText();
});
