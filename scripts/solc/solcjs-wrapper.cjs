#!/usr/bin/env node
// Makes the npm `solc` package (solcjs, a WebAssembly build of the compiler) answer like the native
// solc binary that py-solc-x and ape-solidity expect, since no native solc can be downloaded here.
// It supports what they use:
//   --version                                  -> "Version: 0.8.x+commit..." on stdout
//   --standard-json [--base-path P] [--include-path P[,P...]] [--allow-paths ...]
//                                              -> standard JSON in on stdin, out on stdout
// Imports resolve as native solc does: against the base path, then each include path.
'use strict';

const fs = require('fs');
const path = require('path');

const solc = require('solc');

function parseArgs(argv) {
  const args = { basePath: process.cwd(), includePaths: [], standardJson: false, version: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const takeValue = () => {
      if (i + 1 >= argv.length) fail(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--version') args.version = true;
    else if (arg === '--standard-json') args.standardJson = true;
    else if (arg === '--base-path') args.basePath = takeValue();
    else if (arg === '--include-path') args.includePaths.push(...takeValue().split(','));
    else if (arg === '--allow-paths') takeValue(); // solcjs reads only through the callback below
    else if (arg === '-') continue; // stdin, implied by --standard-json
    else fail(`unsupported option ${arg}: this wrapper only does --version and --standard-json`);
  }
  return args;
}

function fail(message) {
  process.stderr.write(`solcjs-wrapper: ${message}\n`);
  process.exit(2);
}

// A blocking write of the whole buffer. process.stdout.write is asynchronous on pipes in some
// set-ups, and a process that exits before the pipe drains cuts the output at 64 KiB.
function writeAll(fd, text) {
  const buffer = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < buffer.length) {
    try {
      offset += fs.writeSync(fd, buffer, offset, buffer.length - offset);
    } catch (error) {
      if (error.code !== 'EAGAIN') throw error;
    }
  }
}

function importResolver(roots) {
  return (importPath) => {
    const candidates = path.isAbsolute(importPath) ? [importPath] : roots.map((root) => path.resolve(root, importPath));
    for (const candidate of candidates) {
      if (fs.existsSync(candidate)) return { contents: fs.readFileSync(candidate, 'utf8') };
    }
    return { error: `File not found: ${importPath} (looked in ${roots.join(', ')})` };
  };
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.version) {
    writeAll(1, `solc, the solidity compiler commandline interface (solcjs wrapper)\nVersion: ${solc.version()}\n`);
    return;
  }
  if (!args.standardJson) fail('nothing to do: pass --version or --standard-json');

  const input = fs.readFileSync(0, 'utf8');
  const roots = [args.basePath, ...args.includePaths];
  writeAll(1, solc.compile(input, { import: importResolver(roots) }));
}

main();
