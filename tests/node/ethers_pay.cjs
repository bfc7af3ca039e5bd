// A wallet that is not ours (ethers.js v6, pinned in package.json) pays through the gateway's
// JSON-RPC endpoint with its defaults: no gas price, no gas limit, no type, no nonce given.
// `node ethers_pay.cjs GATEWAY KEY LEDGER PAYEE AMOUNT` prints what happened, as JSON.
const {
  Contract,
  JsonRpcProvider,
  Wallet,
  encodeBytes32String,
} = require("ethers");

const [gateway, key, ledger, payee, amount] = process.argv.slice(2);
const abi = [
  "function pay(address to, uint256 amount, bytes32 ref)",
  "function feeBps() view returns (uint16)",
  "function symbol() view returns (string)",
  "function balanceOf(address account) view returns (int256)",
];

/** The endpoint's own words for a refusal, wherever this version of ethers keeps them. */
function said(error) {
  return (error.error ?? error.info?.error)?.message ?? error.shortMessage;
}

async function main() {
  const provider = new JsonRpcProvider(`${gateway}/rpc`);
  const member = new Wallet(key, provider);
  const ledgerAsMember = new Contract(ledger, abi, member);
  const result = {
    chainId: (await provider.getNetwork()).chainId.toString(),
    feeBps: Number(await ledgerAsMember.feeBps()),
    symbol: await ledgerAsMember.symbol(),
  };
  const fees = await provider.getFeeData();
  result.gasPrice = fees.gasPrice.toString();
  result.maxFeePerGas =
    fees.maxFeePerGas === null ? null : fees.maxFeePerGas.toString();
  const sent = await ledgerAsMember.pay(
    payee,
    BigInt(amount),
    encodeBytes32String("ethers"),
  );
  const receipt = await sent.wait();
  Object.assign(result, {
    hash: sent.hash,
    type: sent.type,
    status: receipt.status,
    block: receipt.blockNumber,
  });
  // What the gateway keeps private is not read here: another account's balance.
  try {
    await ledgerAsMember.balanceOf(payee);
    result.balanceRead = true;
  } catch (error) {
    result.balanceRefused = said(error);
  }
  // A key that is no member's: refused by the relay, in words, nothing sent.
  const stranger = new Contract(ledger, abi, Wallet.createRandom(provider));
  try {
    await stranger.pay(payee, 1n, encodeBytes32String("no"));
    result.strangerPaid = true;
  } catch (error) {
    result.strangerRefused = said(error);
  }
  process.stdout.write(JSON.stringify(result));
}

main().catch((error) => {
  process.stderr.write(String(error.stack || error));
  process.exit(1);
});
