// The regions page, public: this region's relationships with the others, in French then English;
// then a member pays a member of the other region from the payment form, through the clearing, and
// moves there; a registrar welcomes a member of the other region from the staff page.
//   node regions_flow.mjs URL OUT KEYSTORE PASSWORD PAYEE STAFF_KEYSTORE
import { drive, openPage, signIn } from "./browser.mjs";

const [url, out, keystore, password, payee, staffKeystore] = process.argv.slice(2);
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

  await signIn(page, url, keystore, password);
  await page.goto(`${url}/app/#/pay`);
  await page.getByRole("heading", { name: "Pay" }).waitFor();
  await page.fill("#to", payee);
  await page.fill("#amount", "12.50");
  await page.getByRole("button", { name: "Check" }).click();
  await page.locator("#summary").filter({ hasText: "region 2" }).waitFor();
  result.summary = await page.locator("#summary").innerText();
  await audit("pay-across");
  await page.getByRole("button", { name: "Sign and send" }).click();
  await page.locator("#status").filter({ hasText: "Paid" }).waitFor({ timeout: 60_000 });
  result.paid = await page.locator("#status").innerText();
  await page.getByRole("heading", { name: "Receipt" }).waitFor();
  result.receipt = await page.locator("main").innerText();
  await page.goto(`${url}/app/#/pay`);
  await page.fill("#to", payee);
  await page.fill("#amount", "5000");
  await page.getByRole("button", { name: "Check" }).click();
  await page.locator("#status").filter({ hasText: "Refused" }).waitFor();
  result.too_much = await page.locator("#status").innerText();

  await page.goto(`${url}/app/#/regions`);
  await page.fill("#move-region", "7");
  await page.getByRole("button", { name: "Move to another region" }).click();
  await page.locator("#status").filter({ hasText: "no clearing relationship with region 7" }).waitFor();
  await page.fill("#move-region", "2");
  await page.getByRole("button", { name: "Move to another region" }).click();
  await page.locator("#status").filter({ hasText: "You are now a member of region 2" }).waitFor({ timeout: 60_000 });
  result.moved = await page.locator("#status").innerText();

  await page.goto(`${url}/app/#/account`);
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, url, staffKeystore, password);
  await page.goto(`${url}/app/#/staff`);
  await page.fill("#welcome-address", payee);
  await page.fill("#welcome-region", "2");
  await page.getByRole("button", { name: "Welcome a member from another region" }).click();
  await page.locator("#status").filter({ hasText: "Done." }).waitFor({ timeout: 60_000 });
  await audit("staff-welcome");
});
