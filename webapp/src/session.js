// The signed-in key and what it sends: every call pre-flighted by the gateway, signed here, relayed.
import { getAddress } from "ethers";
import { say, why } from "./dom.js";
import { request, setRenewal, signIn } from "./gateway.js";
import { t } from "./i18n.js";

let key = null; // the unlocked key: in this page's memory only, forgotten with the tab

export function wallet() {
  return key;
}

export function setWallet(next) {
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
export async function relayCall(to, data) {
  try {
    const ledger = await request("GET", "/ledger");
    const preflight = await request("POST", `/accounts/${getAddress(wallet().address)}/preflight`, { data, to });
    const raw = await wallet().signTransaction({
      type: 0,
      to,
      data,
      gasLimit: preflight.gas,
      gasPrice: preflight.gas_price,
      nonce: preflight.nonce,
      chainId: ledger.chain_id,
      value: 0,
    });
    const sent = await request("POST", "/tx", { raw });
    say(t("pay.sent", { hash: sent.tx_hash }));
    await settled(sent.tx_hash);
    return true;
  } catch (error) {
    say(t("pay.refused", { why: why(error) }), true);
    return false;
  }
}

/** Waits for the transaction's block, then for the index to reach it: what is read next is after it. */
export async function settled(hash) {
  for (let i = 0; i < 600; i += 1) {
    const status = await request("GET", `/tx/${hash}`);
    if (status.status === "reverted") throw new Error(`${hash} reverted`);
    if (status.status === "success") {
      const head = await request("GET", "/blocks/head");
      if (head.indexed_block >= status.block_number) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${hash}: no block yet`);
}

// -- the frame ---------------------------------------------------------------------------------
