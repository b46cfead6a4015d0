#!/usr/bin/env node
// Compiles SectorAward.sol with solc-js (npm `solc`, installed by `npm ci` at the repository root)
// and writes {contractName, abi, bytecode, evmVersion, compiler} as JSON to the path given as
// the first argument (or stdout). Tests run this to produce the artifact they deploy: the
// compiled output is never committed, so it cannot drift from the source.
//
// evmVersion `paris` (no PUSH0): the dev chain (ganache 7.9) and older chains accept it.
'use strict';

const fs = require('fs');
const path = require('path');

let solc;
try {
  solc = require('solc');
} catch (e) {
  process.stderr.write('cannot load the npm package `solc`: run `npm ci` at the repository root\n');
  process.exit(3);
}

const EVM_VERSION = 'paris';
const SOURCE = 'SectorAward.sol';
const CONTRACT = 'SectorAward';

const input = {
  language: 'Solidity',
  sources: { [SOURCE]: { content: fs.readFileSync(path.join(__dirname, SOURCE), 'utf8') } },
  settings: {
    evmVersion: EVM_VERSION,
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
};

const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === 'error');
for (const e of output.errors || []) {
  process.stderr.write((e.formattedMessage || e.message) + '\n');
}
if (errors.length > 0) {
  process.exit(1);
}
const compiled = output.contracts[SOURCE][CONTRACT];
const artifact = {
  contractName: CONTRACT,
  abi: compiled.abi,
  bytecode: '0x' + compiled.evm.bytecode.object,
  evmVersion: EVM_VERSION,
  compiler: solc.version(),
};
const text = JSON.stringify(artifact, null, 2) + '\n';
if (process.argv[2]) {
  fs.mkdirSync(path.dirname(path.resolve(process.argv[2])), { recursive: true });
  fs.writeFileSync(process.argv[2], text);
} else {
  process.stdout.write(text);
}
