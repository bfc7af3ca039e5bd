// A council's bonus runs page: signed in with the council's keystore, each run's figures, by
// category and by business.
//   node runs_flow.mjs URL KEYSTORE PASSWORD OUT
import { openPage, signIn } from "./browser.mjs";

const [url, keystore, password, out] = process.argv.slice(2);
const { browser, page, result, audit } = await openPage(url, out);
try {
  await signIn(page, url, keystore, password);
  await page.goto(`${url}/app/#/runs`);
  await page.locator("section.run").first().waitFor();
  result.runs = await page.locator("section.run").allInnerTexts();
  await audit("runs");
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
