// An account's whole history: paged from the gateway, shown a page at a time, and exported as a
// statement that a spreadsheet in the reader's language opens as it is (in French: `;` between
// fields, decimal commas, dates as 07/12/2026 and times as 15:30; the reference in words).
import { api, call, type Schemas } from "./gateway.js";
import { getLanguage } from "./i18n.js";

export type Transfer = Schemas["TransferPublic"];
export type TransferPage = Schemas["TransferPage"];

export const PAGE = 50; // rows a page of the history shows; the gateway serves up to 200 a call

/** One page of the account's transfers, newest first, after `cursor` (none: the newest). */
export async function transfersPage(
  address: string,
  cursor: string | null = null,
  limit = PAGE,
): Promise<TransferPage> {
  const query = cursor ? { limit, cursor } : { limit };
  return call(() => api.GET("/accounts/{address}/transfers", { params: { path: { address }, query } }));
}

/** Every transfer of the account, newest first, page after page. */
export async function allTransfers(address: string): Promise<Transfer[]> {
  const items: Transfer[] = [];
  let cursor: string | null = null;
  do {
    const page = await transfersPage(address, cursor, 200);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

const HEADERS: Record<"fr" | "en", string[]> = {
  fr: ["date", "heure", "sens", "avec", "de", "à", "montant", "cotisation", "référence", "bloc", "transaction"],
  en: ["date", "time", "direction", "with", "from", "to", "amount", "fee", "reference", "block", "transaction"],
};
const DIRECTIONS: Record<"fr" | "en", Record<string, string>> = {
  fr: { in: "reçu", out: "payé" },
  en: { in: "received", out: "paid" },
};

/** The statement's text: a header line, then one line per transfer. */
export function statementCsv(
  items: Transfer[],
  {
    counterpart,
    reference,
  }: { counterpart: (item: Transfer) => string; reference: (ref: string, item: Transfer) => string },
): string {
  const language = getLanguage() === "fr" ? "fr" : "en";
  const separator = language === "fr" ? ";" : ",";
  const locale = language === "fr" ? "fr-FR" : "en-GB";
  const day = new Intl.DateTimeFormat(locale, { year: "numeric", month: "2-digit", day: "2-digit" });
  const hour = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" });
  const decimal = (hundredths: number): string => {
    const text = (Number(hundredths) / 100).toFixed(2);
    return language === "fr" ? text.replace(".", ",") : text;
  };
  const cell = (value: unknown): string => {
    const text = String(value ?? "");
    // Quoted when it holds the separator, a quote or a line break; a leading = + - @ is no formula.
    const safe = /^[=+\-@]/.test(text) && !/^-?\d/.test(text) ? `'${text}` : text;
    return safe.includes(separator) || /["\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
  };
  const lines = [HEADERS[language].join(separator)];
  for (const item of items) {
    const when = new Date(item.block_time * 1000);
    lines.push(
      [
        day.format(when),
        hour.format(when),
        DIRECTIONS[language][item.direction] ?? item.direction,
        counterpart(item),
        item.from_address,
        item.to_address,
        decimal(item.amount),
        decimal(item.fee ?? 0),
        reference(item.ref, item),
        item.block_number,
        item.tx_hash,
      ]
        .map(cell)
        .join(separator),
    );
  }
  // A byte-order mark: a spreadsheet then reads the accents as UTF-8.
  return "\uFEFF" + lines.join("\r\n") + "\r\n";
}
