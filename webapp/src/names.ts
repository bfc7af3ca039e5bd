// Names where addresses stood: the gateway says which names the viewer may see (POST /names: a
// business's or a council's to anyone, an individual's to those it paid or was paid by); kept here
// for the page's life. A member's favourites stay in this browser, by its own address.
import { getAddress } from "ethers";
import { api, call } from "./gateway.js";

const known = new Map<string, string | null>(); // checksummed address -> name, or null when the gateway gave none

/** Asks the gateway for the names of those of `addresses` not asked yet (200 at a time). */
export async function loadNames(addresses: (string | null | undefined)[]): Promise<void> {
  const given = addresses.filter((a): a is string => Boolean(a)).map((a) => getAddress(a));
  const asked = [...new Set(given)].filter((a) => !known.has(a));
  for (let i = 0; i < asked.length; i += 200) {
    const part = asked.slice(i, i + 200);
    const answer = await call(() => api.POST("/names", { body: { addresses: part } })).catch(() => ({
      names: {} as Record<string, string>,
    }));
    for (const address of part) known.set(address, answer.names[address] ?? null);
  }
}

/** The name of `address` if the gateway gave one, else null. */
export function nameOf(address: string | null | undefined): string | null {
  return address ? (known.get(getAddress(address)) ?? null) : null;
}

/** "Name (0x1234…abcd)", or the address alone when it has no name to show. */
export function who(address: string): string {
  const name = nameOf(address);
  return name ? `${name} (${address.slice(0, 6)}…${address.slice(-4)})` : address;
}

const key = (owner: string): string => `favourites:${getAddress(owner)}`;

/** The addresses `owner` starred, in this browser. */
export function favourites(owner: string): string[] {
  try {
    const list: unknown = JSON.parse(localStorage.getItem(key(owner)) || "[]");
    return Array.isArray(list)
      ? list.filter((a): a is string => typeof a === "string" && /^0x[0-9a-fA-F]{40}$/.test(a))
      : [];
  } catch {
    return [];
  }
}

/** Stars or unstars `address` for `owner`; whether it is a favourite now. */
export function toggleFavourite(owner: string, address: string): boolean {
  const list = favourites(owner);
  const starred = list.includes(address);
  const next = starred ? list.filter((a) => a !== address) : [...list, address].slice(-50);
  localStorage.setItem(key(owner), JSON.stringify(next));
  return !starred;
}
