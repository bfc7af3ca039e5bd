// People have names: a bakery writes its profile in the page (signed by its key); a member finds
// it in the directory and by name from the payment form, pays it, sees its name on the receipt and
// in the history, and stars it as a favourite.
//   node people_flow.mjs URL BAKERY_KEYSTORE MEMBER_KEYSTORE PASSWORD OUT
import { drive, openPage, signIn } from "./browser.mjs";

const [url, bakeryKeystore, memberKeystore, password, out] = process.argv.slice(2);
const { browser, page, result, audit } = await openPage(url, out);
await drive({ browser, page, result }, async () => {
  await signIn(page, url, bakeryKeystore, password);
  await page.goto(`${url}/app/#/profile`);
  await page.getByRole("heading", { name: "Mon profil" }).waitFor();
  await page.fill("#profile-name", "Boulangerie du Levain");
  await page.fill("#profile-town", "Lyon");
  await page.fill("#profile-categories", "Boulangerie, local-shop");
  await page.fill("#profile-description", "Pain au levain");
  await page.fill("#profile-hours", "mar-sam 7h-19h");
  await audit("profile");
  await page.getByRole("button", { name: "Signer et enregistrer" }).click();
  await page.locator("#status", { hasText: "Profil signé et enregistré" }).waitFor({ timeout: 30_000 });
  await page.goto(`${url}/app/#/account`);
  await page.getByRole("button", { name: "Se déconnecter" }).click();

  await signIn(page, url, memberKeystore, password);
  await page.goto(`${url}/app/#/directory`);
  await page.fill("#dir-category", "boulangerie");
  await page.getByRole("button", { name: "Chercher" }).click();
  await page.locator("#directory li", { hasText: "Boulangerie du Levain" }).waitFor();
  result.directory = await page.locator("#directory").innerText();
  await audit("directory");

  await page.goto(`${url}/app/#/pay`);
  await page.getByRole("heading", { name: "Payer" }).waitFor();
  await page.fill("#find", "levain");
  await page.locator("#found button", { hasText: "Boulangerie du Levain" }).click();
  result.picked = await page.inputValue("#to");
  await page.fill("#amount", "4,20");
  await page.getByRole("button", { name: "Vérifier" }).click();
  await page.locator("#summary").filter({ hasText: "4,20" }).waitFor();
  result.summary = await page.locator("#summary").innerText();
  await page.getByRole("button", { name: "Signer et envoyer" }).click();
  await page.getByRole("heading", { name: "Reçu" }).waitFor({ timeout: 60_000 });
  result.receipt = await page.locator("main").innerText();
  await page.goto(`${url}/app/#/account`);
  await page.locator("td", { hasText: "Boulangerie du Levain" }).waitFor();
  result.history = await page.locator("table").innerText();

  await page.goto(`${url}/app/#/pay`);
  await page.locator("#contacts button.star").first().click();
  await page.locator('#contacts button.star[aria-pressed="true"]').waitFor();
  // Kept in this browser: after a reload (the key forgotten) and a new sign-in, still starred.
  await page.reload();
  await signIn(page, url, memberKeystore, password);
  await page.goto(`${url}/app/#/pay`);
  await page.locator('#contacts button.star[aria-pressed="true"]').waitFor();
  result.contacts = await page.locator("#contacts").innerText();
  await audit("contacts");
});
