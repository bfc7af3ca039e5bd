// A member's first visit, driven in Debian's Chromium by playwright-core: the community page in
// French, then in English; a keystore unlocked and a sign-in; a payment typed with a decimal comma,
// checked, signed in the page and relayed; the payment in the history; axe-core on every page.
// Prints one JSON object for the Python test; screenshots go to OUT.
//   node member_flow.mjs URL KEYSTORE PASSWORD PAYEE OUT
import { readFileSync, writeFileSync } from "node:fs";
import { DESKTOP, PHONE, drive, openPage } from "./browser.mjs";

const [url, keystore, password, payee, out] = process.argv.slice(2);
const { browser, page, result, audit } = await openPage(url, out);
await drive({ browser, page, result }, async () => {
  const started = Date.now();
  await page.goto(`${url}/app/`);
  await page.getByRole("heading", { name: "La santé de la communauté" }).waitFor();
  result.first_load_ms = Date.now() - started;
  result.health_fr = await page.locator("main").innerText();
  await audit("health-fr");
  // On a phone the menu folds behind its button; it opens, leads to a page, and folds again.
  await page.setViewportSize(PHONE);
  result.menu_folded = await page.locator("nav").isHidden();
  await page.getByRole("button", { name: "Menu" }).click();
  await page.getByRole("link", { name: "Économie" }).click();
  await page.getByRole("heading", { name: "Comment la monnaie circule" }).waitFor();
  result.menu_folded_again = await page.locator("nav").isHidden();
  await page.setViewportSize(DESKTOP);
  result.menu_on_desktop = await page.locator("nav").isVisible();
  await page.goto(`${url}/app/`);
  await page.selectOption("#language", "en");
  await page.getByRole("heading", { name: "The community's health" }).waitFor();
  result.health_en = await page.locator("main").innerText();

  await page.goto(`${url}/app/#/account`);
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await audit("signin");
  await page.setInputFiles("#keystore", keystore);
  await page.fill("#password", "not the password");
  await page.getByRole("button", { name: "Unlock and sign in" }).click();
  await page.locator("#status.error").waitFor({ timeout: 60_000 });
  result.wrong_password = await page.locator("#status").innerText();
  await page.fill("#password", password);
  await page.getByRole("button", { name: "Unlock and sign in" }).click();
  await page.getByRole("heading", { name: "My account" }).waitFor({ timeout: 60_000 });
  result.account_before = await page.locator("main").innerText();
  await audit("account");

  await page.goto(`${url}/app/#/pay`);
  await page.getByRole("heading", { name: "Pay" }).waitFor();
  await page.selectOption("#language", "fr");
  await page.getByRole("heading", { name: "Payer" }).waitFor();
  await page.fill("#to", payee);
  await page.fill("#amount", "1,234");
  await page.getByRole("button", { name: "Vérifier" }).click();
  result.bad_amount = await page.locator("#status").innerText();
  await page.fill("#amount", "12,50");
  await page.fill("#ref", "pain et croissants");
  await page.getByRole("button", { name: "Vérifier" }).click();
  await page.locator("#summary").filter({ hasText: "12,50" }).waitFor();
  result.summary = await page.locator("#summary").innerText();
  await audit("pay");
  await page.getByRole("button", { name: "Signer et envoyer" }).click();
  await page.locator("#status").filter({ hasText: "Payé" }).waitFor({ timeout: 60_000 });
  result.paid = await page.locator("#status").innerText();
  // The receipt: its own page, with the fee, the reference and the block, and a link to share.
  await page.getByRole("heading", { name: "Reçu" }).waitFor();
  result.receipt = await page.locator("main").innerText();
  result.receipt_link = await page.locator("#receipt-link").getAttribute("href");
  await audit("receipt");
  // The same payee and amount again a minute later: the form is empty, and a second payment is
  // asked about; without the tick nothing is signed.
  await page.goto(`${url}/app/#/pay`);
  await page.getByRole("heading", { name: "Payer" }).waitFor();
  result.emptied = await page.inputValue("#amount");
  await page.fill("#to", payee);
  await page.fill("#amount", "12,50");
  await page.getByRole("button", { name: "Vérifier" }).click();
  await page.locator("#again").waitFor();
  result.again = await page.locator("#again").innerText();
  await page.getByRole("button", { name: "Signer et envoyer" }).click();
  result.again_refused = await page.locator("#status.error").innerText();

  await page.goto(`${url}/app/#/account`);
  await page.getByRole("heading", { name: "Mon compte" }).waitFor();
  await page.locator("td", { hasText: "pain et croissants" }).waitFor();
  result.history = await page.locator("table").innerText();
  await page.fill("#search", "croissants");
  result.searched_rows = await page.locator("tbody tr").count();
  result.allowances = await page.locator("#allowances").innerText();

  // The member asks for a payment: a link and its QR code; opening the link (as a phone's camera
  // does with the QR code) fills the payment form.
  await page.goto(`${url}/app/#/request`);
  await page.getByRole("heading", { name: "Demander un paiement" }).waitFor();
  await page.fill("#request-amount", "7,20");
  await page.fill("#request-ref", "facture 12");
  await page.getByRole("button", { name: "Créer le lien et le QR code" }).click();
  await page.locator("#request svg").waitFor();
  result.request_link = await page.locator("#request-link").getAttribute("href");
  await audit("request");
  await page.goto(result.request_link);
  await page.getByRole("heading", { name: "Payer" }).waitFor();
  result.prefilled = [await page.inputValue("#to"), await page.inputValue("#amount"), await page.inputValue("#ref")];
  // Opened by someone not signed in yet: the sign-in comes first, then the same filled form.
  const other = await (await browser.newContext({ locale: "fr-FR", serviceWorkers: "block" })).newPage();
  await other.goto(result.request_link);
  await other.setInputFiles("#keystore", keystore);
  await other.fill("#password", password);
  await other.locator('form button[type="submit"]').click();
  await other.getByRole("heading", { name: "Payer" }).waitFor({ timeout: 60_000 });
  result.prefilled_after_sign_in = await other.inputValue("#amount");
  await other.context().close();

  // The council's side: a file with bad lines, every one named before anything is signed; then a
  // file that reads well, checked on the chain (a payee who is not a member is refused).
  writeFileSync(`${out}/bad.csv`, `adresse,montant,nom\n${payee},12,50\n${payee},"3,00",x\n0x12,1,y\n`);
  writeFileSync(`${out}/good.csv`, `adresse;montant\n${payee};5,00\n0x${"77".repeat(20)};2,00\n`);
  await page.goto(`${url}/app/#/batch`);
  await page.getByRole("heading", { name: "Versement groupé (fichier CSV)" }).waitFor();
  await page.setInputFiles("#batch-file", `${out}/bad.csv`);
  await page.getByRole("button", { name: "Vérifier le fichier" }).click();
  await page.locator("#batch-result li").first().waitFor();
  result.batch_bad = await page.locator("#batch-result").innerText();
  await page.setInputFiles("#batch-file", `${out}/good.csv`);
  await page.getByRole("button", { name: "Vérifier le fichier" }).click();
  await page.locator("#batch-result").filter({ hasText: "total" }).waitFor();
  result.batch_good = await page.locator("#batch-result").innerText();
  await audit("batch");

  await page.goto(`${url}/app/#/proposals`);
  await page.getByRole("heading", { name: "L'assemblée des membres" }).waitFor();
  await audit("proposals");
  await page.locator('[data-vote$="-for"]').first().click();
  await page.locator("#status").filter({ hasText: "Votre vote est compté" }).waitFor({ timeout: 60_000 });
  await page.locator("main").filter({ hasText: "pour 1" }).waitFor();
  result.proposals = await page.locator("main").innerText();
  result.vote_buttons_after = await page.locator("[data-vote]").count(); // voted: its vote shown instead
  // Proposing: a value the CLI's rules refuse, then a fee of 0,4 %, signed here and relayed.
  await page.selectOption("#propose-kind", "fee");
  await page.fill('#propose-values input[data-value="0"]', "beaucoup");
  await page.getByRole("button", { name: "Préparer la proposition" }).click();
  await page.locator("#status.error").waitFor();
  result.propose_refused = await page.locator("#status").innerText();
  await page.fill('#propose-values input[data-value="0"]', "0,4");
  await page.fill("#propose-description", "Commission à 0,4 % pour la réserve");
  await page.getByRole("button", { name: "Préparer la proposition" }).click();
  await page.locator("#propose-send").waitFor();
  result.propose_draft = await page.locator("#propose-draft").innerText();
  await page.locator("#propose-send").click();
  await page.locator("#status").filter({ hasText: "Proposition déposée" }).waitFor({ timeout: 60_000 });
  result.proposals_after = await page.locator("main ul").first().innerText();

  await page.goto(`${url}/app/#/account`);
  await page.getByRole("heading", { name: "Mon compte" }).waitFor();
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Exporter en CSV" }).click();
  result.csv = readFileSync(await (await download).path(), "utf8");
});
