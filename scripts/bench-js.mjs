#!/usr/bin/env node
// `make bench`, npm package part: encrypt and decrypt operations per second
// of mypay-edge (the wasm build, js/dist) beside Node's own crypto running
// the API text's Node sample's encrypt function, on the same order payload
// (the sample's order), in the same process; prints a table with the ratio.
//
//   node scripts/bench-js.mjs [--ms 1000] [--rounds 5]
//
// Builds the package first (scripts/build-js.sh) when js/dist is missing.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import assert from 'node:assert/strict';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const MS = arg('ms', Number(process.env.BENCH_MS ?? 1000));
const ROUNDS = arg('rounds', 5);

const entry = join(ROOT, 'js/dist/index.mjs');
if (!existsSync(entry)) execFileSync(join(ROOT, 'scripts/build-js.sh'), { stdio: 'inherit' });
const mypay = await import(pathToFileURL(entry).href);

// The API text's sample order, its Node sample's encrypt (verbatim) and that
// function's inverse: the same fixtures the node:test suites use.
const { TEST_KEY: KEY, sampleOrder, sampleEncrypt, nodeDecrypt } = await import(
  pathToFileURL(join(ROOT, 'js/test/helpers.mjs')).href
);
const order = sampleOrder();
const sample = { encrypt: sampleEncrypt };

// Both sides take the order object and JSON.stringify it, as the sample does.
const cases = {
  encrypt: {
    wasm: () => mypay.encrypt(order, KEY),
    node: () => sample.encrypt(order, KEY),
  },
  decrypt: {
    wasm: ((b64) => () => mypay.decrypt(b64, KEY))(sample.encrypt(order, KEY)),
    node: ((b64) => () => nodeDecrypt(b64, KEY))(sample.encrypt(order, KEY)),
  },
};

// Each side's output opens with the other side's decrypt.
const text = JSON.stringify(order);
assert.equal(nodeDecrypt(cases.encrypt.wasm(), KEY), text);
assert.equal(mypay.decrypt(cases.encrypt.node(), KEY), text);
assert.equal(cases.decrypt.wasm(), text);
assert.equal(cases.decrypt.node(), text);

let sink = 0;
function opsPerSec(fn) {
  let n = 0;
  const t0 = process.hrtime.bigint();
  const end = t0 + BigInt(MS) * 1_000_000n;
  let now = t0;
  while (now < end) {
    for (let i = 0; i < 64; i++) sink += fn().length;
    n += 64;
    now = process.hrtime.bigint();
  }
  return n / (Number(now - t0) / 1e9);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Warm up both sides (JIT, wasm tier-up), then alternate rounds.
for (const c of Object.values(cases)) for (const f of Object.values(c)) for (let i = 0; i < 2000; i++) sink += f().length;
const results = {};
for (const [op, c] of Object.entries(cases)) {
  const runs = { wasm: [], node: [] };
  for (let r = 0; r < ROUNDS; r++) for (const side of ['wasm', 'node']) runs[side].push(opsPerSec(c[side]));
  results[op] = { wasm: median(runs.wasm), node: median(runs.node) };
}

const fmt = (x) => Math.round(x).toLocaleString('en-US');
const rows = [['operation', 'mypay-edge (wasm) ops/s', 'Node crypto (sample) ops/s', 'ratio wasm/node']];
for (const [op, r] of Object.entries(results)) rows.push([op, fmt(r.wasm), fmt(r.node), `${(r.wasm / r.node).toFixed(2)}x`]);
const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
const line = (row) => `| ${row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
console.log(`mypay-edge ${mypay.version} vs the API text's Node sample (node:crypto), Node ${process.version}, ${process.arch}`);
console.log(`payload: the sample's order, ${Buffer.byteLength(text)} bytes of JSON; median of ${ROUNDS} rounds of ${MS} ms each`);
console.log(line(rows[0]));
console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const row of rows.slice(1)) console.log(line(row));
if (sink === -1) console.log(sink);
