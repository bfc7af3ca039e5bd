// A council's bonus runs page: signed in with the council's keystore, each run's figures, by
// category and by business.
//   node runs_flow.mjs URL KEYSTORE PASSWORD OUT
import { drive, openPage, signIn } from "./browser.mjs";

const [url, keystore, password, out] = process.argv.slice(2);
const { browser, page, result, audit } = await openPage(url, out);
await drive({ browser, page, result }, async () => {
  await signIn(page, url, keystore, password);
  await page.goto(`${url}/app/#/runs`);
  await page.locator("section.run").first().waitFor();
  result.runs = await page.locator("section.run").allInnerTexts();
  await audit("runs");
});
