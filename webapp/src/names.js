// Names where addresses stood: the gateway says which names the viewer may see (POST /names: a
// business's or a council's to anyone, an individual's to those it paid or was paid by); kept here
// for the page's life. A member's favourites stay in this browser, by its own address.
import { getAddress } from "ethers";
import { request } from "./gateway.js";

const known = new Map(); // checksummed address -> name, or null when the gateway gave none

/** Asks the gateway for the names of those of `addresses` not asked yet (200 at a time). */
export async function loadNames(addresses) {
  const asked = [...new Set(addresses.filter(Boolean).map((a) => getAddress(a)))].filter((a) => !known.has(a));
  for (let i = 0; i < asked.length; i += 200) {
    const part = asked.slice(i, i + 200);
    const answer = await request("POST", "/names", { addresses: part }).catch(() => ({ names: {} }));
    for (const address of part) known.set(address, answer.names[address] ?? null);
  }
}

/** The name of `address` if the gateway gave one, else null. */
export function nameOf(address) {
  return address ? (known.get(getAddress(address)) ?? null) : null;
}

/** "Name (0x1234…abcd)", or the address alone when it has no name to show. */
export function who(address) {
  const name = nameOf(address);
  return name ? `${name} (${address.slice(0, 6)}…${address.slice(-4)})` : address;
}

const key = (owner) => `favourites:${getAddress(owner)}`;

/** The addresses `owner` starred, in this browser. */
export function favourites(owner) {
  try {
    const list = JSON.parse(localStorage.getItem(key(owner)) || "[]");
    return Array.isArray(list) ? list.filter((a) => /^0x[0-9a-fA-F]{40}$/.test(a)) : [];
  } catch {
    return [];
  }
}

/** Stars or unstars `address` for `owner`; whether it is a favourite now. */
export function toggleFavourite(owner, address) {
  const list = favourites(owner);
  const starred = list.includes(address);
  const next = starred ? list.filter((a) => a !== address) : [...list, address].slice(-50);
  localStorage.setItem(key(owner), JSON.stringify(next));
  return !starred;
}
