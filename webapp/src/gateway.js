// The gateway's REST API, as the CLI wallet uses it: the same sign-in (EIP-4361), the same
// pre-flight and relay. The page is served by the gateway, so every call is same-origin.

import { Wallet, getAddress } from "ethers";
import { getLanguage } from "./i18n.js";

export class GatewayError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

let token = null;

export function signedIn() {
  return token !== null;
}

export function signOut() {
  token = null;
}

let renew = null; // signs in again with the unlocked key (session.js), or null when there is none
let renewing = null; // the sign-in under way, shared by the calls that met an expired token together

/** What signs in again when a token expires while the key is still unlocked in this page. */
export function setRenewal(signInAgain) {
  renew = signInAgain;
}

export async function request(method, path, body) {
  try {
    return await send(method, path, body);
  } catch (error) {
    // A token lasts 15 minutes; a tab left open must not go dead: while the key is unlocked, sign
    // in again by itself, once, and repeat the call, on the page the member was on.
    if (!(error instanceof GatewayError) || error.status !== 401 || token === null || renew === null) throw error;
    renewing ??= renew().finally(() => {
      renewing = null;
    });
    await renewing;
    return send(method, path, body);
  }
}

async function send(method, path, body) {
  // The gateway says a refusal in the page's language (French or English).
  const headers = { Accept: "application/json", "Accept-Language": getLanguage() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token && !path.startsWith("/auth/")) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new GatewayError(0, error.message);
  }
  const data = response.headers.get("content-type")?.includes("json") ? await response.json() : {};
  if (!response.ok) {
    // A refusal of the ledger comes as a sentence too (`words`); else the gateway's own detail.
    const detail =
      data.words ||
      (typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail ?? response.statusText));
    throw new GatewayError(response.status, detail);
  }
  return data;
}

/** The EIP-4361 message, exactly as the standard lays it out (no statement, no resources). */
export function siweMessage(offer, address, issuedAt) {
  return (
    `${offer.domain} wants you to sign in with your Ethereum account:\n${address}\n\n\n` +
    `URI: ${offer.uri}\nVersion: 1\nChain ID: ${offer.chain_id}\nNonce: ${offer.nonce}\nIssued At: ${issuedAt}`
  );
}

/** Signs in with `wallet` (an unlocked ethers Wallet): nonce, message, signature, token. */
export async function signIn(wallet) {
  // send, not request: a refused sign-in is never itself renewed.
  const offer = await send("GET", "/auth/nonce");
  const issuedAt = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  const message = siweMessage(offer, getAddress(wallet.address), issuedAt);
  const signature = await wallet.signMessage(message);
  const answer = await send("POST", "/auth/login", { message, signature });
  token = answer.token;
  return answer;
}

/** Unlocks a Web3 Secret Storage keystore (the CLI's files, MetaMask's, geth's) in the browser. */
export async function unlock(json, password, progress) {
  return Wallet.fromEncryptedJson(json, password, progress);
}
