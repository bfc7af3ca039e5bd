// Makes a keystore the way a JavaScript wallet does (ethers.js v6, pinned in package.json):
// `node ethers_keystore.cjs PASSWORD` prints {"address": ..., "keystore": {...}}.
const { Wallet } = require("ethers");

const wallet = Wallet.createRandom();
wallet.encrypt(process.argv[2]).then((json) => {
  process.stdout.write(JSON.stringify({ address: wallet.address, keystore: JSON.parse(json) }));
});
