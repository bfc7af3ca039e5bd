// A newcomer's key, made in the browser: created and encrypted with its password, downloaded as a
// keystore file (the CLI's format); then, once the registrar has admitted its address, the same
// file unlocked, a sign-in, a first payment and the payment in the history.
//   node new_key_flow.mjs create URL PASSWORD OUT        -> { address, file }
//   node new_key_flow.mjs pay URL KEYSTORE PASSWORD PAYEE OUT
import { drive, openPage, signIn } from "./browser.mjs";

const [step, url, ...rest] = process.argv.slice(2);
const out = rest[rest.length - 1];
const { browser, page, result, audit } = await openPage(url, out);
await drive({ browser, page, result }, async () => {
  if (step === "create") {
    const [password] = rest;
    await page.goto(`${url}/app/#/account`);
    await page.locator("#password").waitFor();
    await page.getByRole("button", { name: "Créer une nouvelle clé" }).click();
    await page.locator("#new-password").waitFor();
    await audit("new-key-form");
    // A one-character password, then two that differ, are refused in words; then a real one.
    await page.fill("#new-password", "a");
    await page.fill("#new-password-again", "a");
    await page.getByRole("button", { name: "Créer la clé" }).click();
    result.weak = await page.locator("#status.error").innerText();
    await page.fill("#new-password", password);
    await page.fill("#new-password-again", password + "!");
    await page.getByRole("button", { name: "Créer la clé" }).click();
    await page.locator("#status.error", { hasText: "pas les mêmes" }).waitFor();
    result.mismatch = await page.locator("#status").innerText();
    await page.fill("#new-password-again", password);
    await page.getByRole("button", { name: "Créer la clé" }).click();
    const link = page.getByRole("link", { name: "Télécharger le fichier de clé" });
    await link.waitFor({ timeout: 60_000 });
    result.status = await page.locator("#status").innerText();
    result.steps = await page.locator("#new-key").innerText();
    await audit("new-key");
    const download = page.waitForEvent("download");
    await link.click();
    const file = `${out}/new-key.json`;
    await (await download).saveAs(file);
    await page.locator("#new-key-saved").waitFor();
    result.saved = await page.locator("#new-key-saved").innerText();
    result.file = file;
  } else {
    const [keystore, password, payee] = rest;
    await signIn(page, url, keystore, password);
    await page.goto(`${url}/app/#/pay`);
    await page.fill("#to", payee);
    await page.fill("#amount", "3,10");
    await page.fill("#ref", "premier achat");
    await page.getByRole("button", { name: "Vérifier" }).click();
    await page.locator("#send").waitFor();
    await page.getByRole("button", { name: "Signer et envoyer" }).click();
    await page.locator("#status").filter({ hasText: "Payé" }).waitFor({ timeout: 60_000 });
    await page.goto(`${url}/app/#/account`);
    await page.locator("td", { hasText: "premier achat" }).waitFor();
    result.history = await page.locator("table").innerText();
  }
});
