// The app's words in French (the cooperative's first language) and English, and the formats of
// amounts and dates in the reader's locale: 1 234,50 NXT in French, NXT 1,234.50 in English.

import MESSAGES from "../../src/next_contracts/messages.json";

// One catalogue for the gateway, the wallet and this app (src/next_contracts/messages.json): each
// code with its French and English sentence, side by side.
export type Language = "fr" | "en";
export const WORDS: Record<Language, Record<string, string>> = { fr: {}, en: {} };
for (const [code, sentences] of Object.entries(MESSAGES as Record<string, Record<Language, string>>)) {
  WORDS.fr[code] = sentences.fr;
  WORDS.en[code] = sentences.en;
}

const LOCALES: Record<Language, string> = { fr: "fr-FR", en: "en-GB" };

function known(code: string | null): code is Language {
  return code === "fr" || code === "en";
}

const stored = localStorage.getItem("language") || (navigator.language || "fr").slice(0, 2);
let language: Language = known(stored) ? stored : "fr";

export function getLanguage(): Language {
  return language;
}

export function setLanguage(next: string): void {
  language = known(next) ? next : "fr";
  localStorage.setItem("language", language);
  document.documentElement.lang = language;
}

/** The sentence `key` in the current language, with {name} filled from `values`. */
export function t(key: string, values: Record<string, unknown> = {}): string {
  const text = WORDS[language][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

/** The sentence `key`, or `fallback` where the catalogue has none (a word the gateway sent as is). */
export function tOr(key: string, fallback: string): string {
  const said = t(key);
  return said === key ? fallback : said;
}

/** Hundredths as the reader writes money: 1 234,50 NXT (fr) or NXT 1,234.50 (en). */
export function money(hundredths: bigint | number | string): string {
  const value = Number(hundredths) / 100;
  const number = new Intl.NumberFormat(LOCALES[language], {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  }).format(value);
  return language === "fr" ? `${number} NXT` : `NXT ${number}`;
}

/** A share (0.0035) as the reader writes a percentage: 0,35 % (fr, a narrow space), 0.35% (en). */
export function percent(share: number, digits = 2): string {
  return new Intl.NumberFormat(LOCALES[language], { style: "percent", maximumFractionDigits: digits }).format(share);
}

export function number(value: number | bigint, digits = 0): string {
  return new Intl.NumberFormat(LOCALES[language], { maximumFractionDigits: digits }).format(value);
}

export function date(seconds: number): string {
  return new Intl.DateTimeFormat(LOCALES[language], { dateStyle: "medium", timeStyle: "short" }).format(
    new Date(seconds * 1000),
  );
}

/** A day ("2026-12-31") as the reader writes it: 31 déc. 2026, 31 Dec 2026; "short": 31 déc., 31 Dec. */
export function dayName(iso: string, style: "medium" | "short" = "medium"): string {
  const options: Intl.DateTimeFormatOptions =
    style === "short" ? { day: "numeric", month: "short" } : { dateStyle: "medium" };
  return new Intl.DateTimeFormat(LOCALES[language], { ...options, timeZone: "UTC" }).format(
    new Date(`${iso}T00:00:00Z`),
  );
}

/** "2026-12" as the reader names it: "décembre 2026" (fr), "December 2026" (en); "short": "déc. 26". */
export function monthName(period: string, style: "long" | "short" = "long"): string {
  const [year, month] = period.split("-").map(Number);
  const options: Intl.DateTimeFormatOptions =
    style === "short" ? { month: "short", year: "2-digit" } : { month: "long", year: "numeric" };
  return new Intl.DateTimeFormat(LOCALES[language], { ...options, timeZone: "UTC" }).format(
    new Date(Date.UTC(year, month - 1, 1)),
  );
}

/**
 * An amount as typed, in hundredths, by the CLI's rules: "12,50", "12.50", "1 234,50"; at most two
 * decimals, thousands grouped by spaces only. null for anything else (never a guess).
 */
export function parseAmount(text: string): bigint | null {
  let cleaned = text.trim().replace(/[\u00a0\u202f]/g, " ");
  if (cleaned.includes(" ")) {
    if (!/^\d{1,3}( \d{3})+([.,]\d{1,2})?$/.test(cleaned)) return null;
    cleaned = cleaned.replace(/ /g, "");
  }
  const match = /^(\d+)(?:[.,](\d{1,2}))?$/.exec(cleaned);
  if (!match) return null;
  const hundredths = BigInt(match[1]) * 100n + BigInt((match[2] || "0").padEnd(2, "0"));
  return hundredths > 0n ? hundredths : null;
}
