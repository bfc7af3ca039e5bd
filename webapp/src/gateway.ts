// The gateway's REST API, as the CLI wallet uses it: the same sign-in (EIP-4361), the same
// pre-flight and relay. The page is served by the gateway, so every call is same-origin.
//
// `api` is typed by the gateway's own OpenAPI schema (generated/api.ts, make webapp-types): a path,
// its parameters, its body and its answer are checked by the compiler. `call` runs one call of it
// and gives its answer, or throws a GatewayError in words.

import createClient, { type Middleware } from "openapi-fetch";
import { Wallet, getAddress, type HDNodeWallet } from "ethers";
import type { components, paths } from "./generated/api";
import { getLanguage } from "./i18n.js";

export type Schemas = components["schemas"];
export type SignedInKey = Wallet | HDNodeWallet;

export class GatewayError extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(detail);
  }
}

let token: string | null = null;

export function signedIn(): boolean {
  return token !== null;
}

export function signOut(): void {
  token = null;
}

let renew: (() => Promise<void>) | null = null; // signs in again with the unlocked key (session.ts)
let renewing: Promise<void> | null = null; // the sign-in under way, shared by the calls that met an expired token

/** What signs in again when a token expires while the key is still unlocked in this page. */
export function setRenewal(signInAgain: () => Promise<void>): void {
  renew = signInAgain;
}

/** The headers of every call: the page's language (the gateway says refusals in it), the token. */
const headers: Middleware = {
  onRequest({ request }) {
    request.headers.set("Accept", "application/json");
    request.headers.set("Accept-Language", getLanguage());
    if (token && !new URL(request.url).pathname.startsWith("/auth/")) {
      request.headers.set("Authorization", `Bearer ${token}`);
    }
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: location.origin });
api.use(headers);

/** A refusal's words: the ledger's sentence (`words`), else the gateway's own detail. */
function refusal(status: number, statusText: string, data: unknown): GatewayError {
  const body = (data ?? {}) as { words?: string; detail?: unknown };
  const detail =
    body.words || (typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail ?? statusText));
  return new GatewayError(status, detail);
}

type Result<T> = { data?: T; error?: unknown; response: Response };

/** One call of `api`, its answer or a GatewayError; an expired token is renewed once (see below). */
export async function call<T>(send: () => Promise<Result<T>>): Promise<T> {
  return renewed(() => answer(send));
}

/** One call of `api` as it is answered, without renewing anything. */
async function answer<T>(send: () => Promise<Result<T>>): Promise<T> {
  let result: Result<T>;
  try {
    result = await send();
  } catch (error) {
    throw new GatewayError(0, error instanceof Error ? error.message : String(error));
  }
  if (!result.response.ok) throw refusal(result.response.status, result.response.statusText, result.error);
  return result.data as T;
}

// A token lasts 15 minutes; a tab left open must not go dead: while the key is unlocked, sign in
// again by itself, once, and repeat the call, on the page the member was on.
async function renewed<T>(once: () => Promise<T>): Promise<T> {
  try {
    return await once();
  } catch (error) {
    if (!(error instanceof GatewayError) || error.status !== 401 || token === null || renew === null) throw error;
    renewing ??= renew().finally(() => {
      renewing = null;
    });
    await renewing;
    return once();
  }
}

type Offer = Schemas["NonceOffer"];

/** The EIP-4361 message, exactly as the standard lays it out (no statement, no resources). */
export function siweMessage(offer: Offer, address: string, issuedAt: string): string {
  return (
    `${offer.domain} wants you to sign in with your Ethereum account:\n${address}\n\n\n` +
    `URI: ${offer.uri}\nVersion: 1\nChain ID: ${offer.chain_id}\nNonce: ${offer.nonce}\nIssued At: ${issuedAt}`
  );
}

/** Signs in with `wallet` (an unlocked key): nonce, message, signature, token. */
export async function signIn(wallet: SignedInKey): Promise<Schemas["Token"]> {
  // answer, not call: a refused sign-in is never itself renewed.
  const offer = await answer(() => api.GET("/auth/nonce"));
  const issuedAt = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  const message = siweMessage(offer, getAddress(wallet.address), issuedAt);
  const signature = await wallet.signMessage(message);
  const signedInAs = await answer(() => api.POST("/auth/login", { body: { message, signature } }));
  token = signedInAs.token;
  return signedInAs;
}

/** Unlocks a Web3 Secret Storage keystore (the CLI's files, MetaMask's, geth's) in the browser. */
export async function unlock(json: string, password: string, progress?: (share: number) => void): Promise<SignedInKey> {
  return Wallet.fromEncryptedJson(json, password, progress);
}
