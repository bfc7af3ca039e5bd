// A council pays a batch file from the page, then runs it again (nothing paid twice), then a file
// that contradicts what was paid (refused before anything is signed), then one with a new line.
//   node batch_flow.mjs URL KEYSTORE PASSWORD PAYEES(comma-separated) OUT
import { writeFileSync } from "node:fs";
import { drive, openPage, signIn } from "./browser.mjs";

const [url, keystore, password, payees, out] = process.argv.slice(2);
const [a, b, c, d] = payees.split(",");
const { browser, page, result, audit } = await openPage(url, out);

async function run(name, text) {
  writeFileSync(`${out}/${name}`, text);
  await page.goto(`${url}/app/#/batch`);
  await page.locator("#batch-file").waitFor();
  await page.setInputFiles("#batch-file", `${out}/${name}`);
  await page.evaluate(() => document.getElementById("batch-result").replaceChildren()); // no earlier run's button
  await page.getByRole("button", { name: "Vérifier le fichier" }).click();
  await page.locator("#batch-pay").waitFor();
  await page.fill("#batch-ref", "primes décembre");
  await page.evaluate(() => {
    document.getElementById("status").textContent = "";
  });
  await page.locator("#batch-pay").click();
  await page
    .locator("#status")
    .filter({ hasText: /payées|Ligne|attendent/ })
    .waitFor({ timeout: 90_000 });
  return page.locator("#status").innerText();
}

await drive({ browser, page, result }, async () => {
  await signIn(page, url, keystore, password);
  const first = `adresse;montant\n${a};10,00\n${b};20,00\n${c};30,00\n`;
  result.first = await run("primes.csv", first);
  await audit("batch-pay");
  result.again = await run("primes.csv", first);
  result.conflict = await run("corrige.csv", `adresse;montant\n${a};10,00\n${b};25,00\n`);
  result.more = await run("plus.csv", `${first}${d};40,00\n`);
});
