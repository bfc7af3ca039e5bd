// The signed-in key and what it sends: every call pre-flighted by the gateway, signed here, relayed.
import { getAddress, type TransactionRequest } from "ethers";
import { say, why } from "./dom.js";
import { api, call, setRenewal, signIn, type Schemas, type SignedInKey } from "./gateway.js";
import { t } from "./i18n.js";

let key: SignedInKey | null = null; // the unlocked key: in this page's memory only, forgotten with the tab

/** The unlocked key; only the views of a signed-in member ask for it. */
export function wallet(): SignedInKey {
  if (key === null) throw new Error("no key is unlocked");
  return key;
}

export function hasWallet(): boolean {
  return key !== null;
}

export function setWallet(next: SignedInKey | null): void {
  key = next;
}

// An expired token is renewed with the key while it is unlocked (gateway.js); without it, the
// gateway's 401 stands and the page asks for the keystore again.
setRenewal(async () => {
  if (key === null) throw new Error("no key");
  await signIn(key);
});

/**
 * A call from the signed-in key to one of the system's contracts: pre-flighted by the gateway (its
 * refusal in words, before anything is signed), signed here, relayed, and waited for. True once
 * the index has its block; false (and the refusal said) otherwise.
 */
export async function relayCall(to: string, data: string): Promise<boolean> {
  try {
    const ledger = await call(() => api.GET("/ledger"));
    const address = getAddress(wallet().address);
    const preflight = await call(() =>
      api.POST("/accounts/{address}/preflight", { params: { path: { address } }, body: { data, to } }),
    );
    const raw = await wallet().signTransaction(unsigned(to, data, preflight, ledger.chain_id));
    const sent = await call(() => api.POST("/tx", { body: { raw } }));
    say(t("pay.sent", { hash: sent.tx_hash }));
    await settled(sent.tx_hash);
    return true;
  } catch (error) {
    say(t("pay.refused", { why: why(error) }), true);
    return false;
  }
}

/** The transaction to sign for a pre-flighted call: legacy (type 0), the chain's gas price, no coin. */
export function unsigned(
  to: string,
  data: string,
  preflight: Schemas["Prepared"],
  chainId: number,
): TransactionRequest {
  return {
    type: 0,
    to,
    data,
    gasLimit: preflight.gas,
    gasPrice: preflight.gas_price,
    nonce: preflight.nonce,
    chainId,
    value: 0,
  };
}

/** Waits for the transaction's block, then for the index to reach it: what is read next is after it. */
export async function settled(hash: string): Promise<void> {
  for (let i = 0; i < 600; i += 1) {
    const status = await call(() => api.GET("/tx/{tx_hash}", { params: { path: { tx_hash: hash } } }));
    if (status.status === "reverted") throw new Error(`${hash} reverted`);
    if (status.status === "success" && status.block_number != null) {
      const head = await call(() => api.GET("/blocks/head"));
      if (head.indexed_block != null && head.indexed_block >= status.block_number) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${hash}: no block yet`);
}

// -- the frame ---------------------------------------------------------------------------------
