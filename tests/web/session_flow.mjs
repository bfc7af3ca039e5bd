// A tab left open past its token's life: the page signs in again by itself with the key it holds,
// on the page the member was on, in the page's language; nothing says "the token has expired".
//   node session_flow.mjs URL KEYSTORE PASSWORD PAYEE OUT
import { drive, openPage, signIn } from "./browser.mjs";

const [url, keystore, password, payee, out] = process.argv.slice(2);
const { browser, page, result, audit } = await openPage(url, out);
await drive({ browser, page, result }, async () => {
  await signIn(page, url, keystore, password);
  await page.goto(`${url}/app/#/pay`);
  await page.getByRole("heading", { name: "Payer" }).waitFor();
  await page.waitForTimeout(4_000); // the gateway's tokens last 3 s here, 15 min in production
  await page.fill("#to", payee);
  await page.fill("#amount", "2,00");
  await page.getByRole("button", { name: "Vérifier" }).click();
  await page.locator("#summary").filter({ hasText: "2,00" }).waitFor();
  result.summary = await page.locator("#summary").innerText();
  await page.waitForTimeout(4_000);
  await page.goto(`${url}/app/#/account`);
  await page.getByRole("heading", { name: "Mon compte" }).waitFor();
  result.account = await page.locator("main").innerText();
  result.status = await page.locator("#status").innerText();
  await audit("account-renewed");
});
