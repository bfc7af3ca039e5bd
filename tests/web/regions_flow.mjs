// The regions page, public: this region's relationships with the others, in French then English.
//   node regions_flow.mjs URL OUT
import { drive, openPage } from "./browser.mjs";

const [url, out] = process.argv.slice(2);
const { browser, page, result, audit } = await openPage(url, out);
await drive({ browser, page, result }, async () => {
  await page.goto(`${url}/app/#/regions`);
  await page.locator("table#relationships").waitFor();
  result.table_fr = await page.locator("table#relationships").innerText();
  result.figures_fr = await page.locator("dl.figures").innerText();
  await audit("regions");
  await page.selectOption("#language", "en");
  await page.getByRole("heading", { name: "The regions and their clearing" }).waitFor();
  result.table_en = await page.locator("table#relationships").innerText();
});
