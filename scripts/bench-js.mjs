#!/usr/bin/env node
// `make bench`, npm package part: operations per second of mypay-edge (the
// wasm build, js/dist) beside Node doing the same with its own crypto and
// JSON, on the same payloads, in the same process; prints a table with the
// ratio.
//
//   encrypt       the sample order (an object) → base64; Node: the API text's
//                 Node sample's encrypt function (JSON.stringify + node:crypto)
//   decrypt       that ciphertext → text; Node: its inverse with node:crypto
//   buildRequest  the api/orders POST body for the sample order; Node: the
//                 sample's encrypt of service and order, form-encoded
//   parseReply    an api/queryorder reply (an order with a refund entry) →
//                 typed object; Node: JSON.parse alone (no checks, no types)
//
//   node scripts/bench-js.mjs [--ms 1000] [--rounds 5] [--clock wall|cpu] [--dist js/dist] [--baseline DIR]
//
// --baseline DIR adds a column for another build of the package (a copy of
// an earlier js/dist), measured in the same rounds, so that a change to the
// bindings is judged on one machine under one load; --clock cpu counts
// this process's CPU time instead of elapsed time (steadier when other work
// shares the machine).
// Builds the package first (scripts/build-js.sh) when js/dist is missing.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import assert from 'node:assert/strict';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const MS = Number(arg('ms', process.env.BENCH_MS ?? 1000));
const ROUNDS = Number(arg('rounds', 5));
const DIST = resolve(arg('dist', join(ROOT, 'js/dist')));
const BASELINE = arg('baseline', undefined);
// wall: elapsed time (the default); cpu: this process's CPU time, steadier
// when other work shares the machine.
const CLOCK = arg('clock', 'wall');
assert.ok(CLOCK === 'wall' || CLOCK === 'cpu', '--clock is wall or cpu');
const cpuNs = () => {
  const u = process.cpuUsage();
  return BigInt(u.user + u.system) * 1000n;
};
const clock = CLOCK === 'cpu' ? cpuNs : () => process.hrtime.bigint();

const entry = join(DIST, 'index.mjs');
if (!existsSync(entry)) execFileSync(join(ROOT, 'scripts/build-js.sh'), { stdio: 'inherit' });
const mypay = await import(pathToFileURL(entry).href);
const before = BASELINE ? await import(pathToFileURL(join(resolve(BASELINE), 'index.mjs')).href) : undefined;

// The API text's sample order, its Node sample's encrypt (verbatim) and that
// function's inverse: the same fixtures the node:test suites use.
const { TEST_KEY: KEY, TEST_AGENT_UID: AGENT_UID, sampleOrder, sampleEncrypt, nodeDecrypt } = await import(
  pathToFileURL(join(ROOT, 'js/test/helpers.mjs')).href
);
const order = sampleOrder();
const creds = { agentUid: AGENT_UID, key: KEY };
const QUERY_REPLY = JSON.stringify({
  uid: 95217, key: '3425042d7d266e4aea5fd4653a0271db', prc: '250', finishtime: '20211027120000',
  cardno: '476112******0492', acode: 'AA1234', card_type: '1', order_id: '1234567890', user_id: 'userid',
  cost: 900, currency: 'TWD', actual_cost: '900', actual_currency: 'TWD', pfn: 'CREDITCARD',
  voucher_paid: [{ product_id: 'P01', serial_number: 'P1635306439', name: '好食券', cost: 50, issuer: '1', refund_return_type: '3' }],
  refund_order: [{ uid: 1, prc: '230', cost: '900', invoice_state: '6', finishtime: '20211028120000' }],
  invoice_state: 1, invoice_number: 'AB12345678', expired_date: '', price: '', echo_0: 'cart-42',
});

/** The form body the Node sample would post: `agent_uid`, `service`, `encry_data`. */
const nodeBuild = (payload) =>
  new URLSearchParams({
    agent_uid: AGENT_UID,
    service: sampleEncrypt({ service_name: 'api', cmd: 'api/orders' }, KEY),
    encry_data: sampleEncrypt(payload, KEY),
  }).toString();

const wasmCases = (m) => ({
  encrypt: () => m.encrypt(order, KEY),
  decrypt: ((b64) => () => m.decrypt(b64, KEY))(sampleEncrypt(order, KEY)),
  buildRequest: () => m.buildRequest('api/orders', order, creds).body,
  parseReply: () => m.parseReply('api/queryorder', QUERY_REPLY, 200),
});
const nodeCases = {
  encrypt: () => sampleEncrypt(order, KEY),
  decrypt: ((b64) => () => nodeDecrypt(b64, KEY))(sampleEncrypt(order, KEY)),
  buildRequest: () => nodeBuild(order),
  parseReply: () => JSON.parse(QUERY_REPLY),
};

// Each side's output opens with the other side's decrypt; each build reads
// the same reply.
const text = JSON.stringify(order);
for (const m of [mypay, before].filter(Boolean)) {
  const c = wasmCases(m);
  assert.equal(nodeDecrypt(c.encrypt(), KEY), text);
  assert.equal(m.decrypt(nodeCases.encrypt(), KEY), text);
  assert.equal(c.decrypt(), text);
  assert.deepEqual(JSON.parse(nodeDecrypt(new URLSearchParams(c.buildRequest()).get('encry_data'), KEY)), JSON.parse(text));
  const r = c.parseReply();
  assert.equal(r.uid, '95217');
  assert.equal(r.refund_order[0].invoice_state, 6);
}
assert.equal(nodeCases.decrypt(), text);

const sides = { wasm: wasmCases(mypay), ...(before ? { before: wasmCases(before) } : {}), node: nodeCases };

let sink = 0;
const weigh = (r) => (typeof r === 'string' ? r.length : r === null || r === undefined ? 0 : 1);
function opsPerSec(fn) {
  let n = 0;
  const t0 = clock();
  const end = t0 + BigInt(MS) * 1_000_000n;
  let now = t0;
  while (now < end) {
    for (let i = 0; i < 64; i++) sink += weigh(fn());
    n += 64;
    now = clock();
  }
  return n / (Number(now - t0) / 1e9);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Warm up every side (JIT, wasm tier-up), then alternate rounds.
for (const s of Object.values(sides)) for (const f of Object.values(s)) for (let i = 0; i < 2000; i++) sink += weigh(f());
const results = {};
for (const op of Object.keys(nodeCases)) {
  const runs = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) for (const side of Object.keys(sides)) runs[side].push(opsPerSec(sides[side][op]));
  results[op] = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]));
}

const fmt = (x) => Math.round(x).toLocaleString('en-US');
const head = ['operation', 'mypay-edge (wasm) ops/s'];
if (before) head.push('baseline build ops/s', 'this/baseline');
head.push('Node (sample) ops/s', 'ratio wasm/node', 'goal');
const GOAL = { encrypt: 0.5, decrypt: 0.5 };
const rows = [head];
for (const [op, r] of Object.entries(results)) {
  const row = [op, fmt(r.wasm)];
  if (before) row.push(fmt(r.before), `${(r.wasm / r.before).toFixed(2)}x`);
  row.push(fmt(r.node), `${(r.wasm / r.node).toFixed(2)}x`);
  row.push(GOAL[op] ? `>= ${GOAL[op].toFixed(2)}x ${r.wasm / r.node >= GOAL[op] ? 'met' : 'SHORT'}` : '');
  rows.push(row);
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
const line = (row) => `| ${row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
console.log(`mypay-edge ${mypay.version} (${DIST}) vs the API text's Node sample (node:crypto, JSON), Node ${process.version}, ${process.arch}`);
if (before) console.log(`baseline: ${resolve(BASELINE)}`);
console.log(`payloads: the sample's order, ${Buffer.byteLength(text)} bytes of JSON; an api/queryorder reply, ${Buffer.byteLength(QUERY_REPLY)} bytes; median of ${ROUNDS} rounds of ${MS} ms ${CLOCK === 'cpu' ? 'of CPU time' : ''} each`.replace('  ', ' '));
console.log(line(rows[0]));
console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const row of rows.slice(1)) console.log(line(row));
if (sink === -1) console.log(sink);

// Where encrypt's time goes: the same call on bodies of 32 B, 573 B (the
// sample order) and 4 KiB gives, by a least-squares line, a fixed cost per
// call (the crossing, the JSON text, the IV, base64 setup) and a cost per KiB
// (AES-256-CBC and base64). Both sides, µs.
{
  const sizes = [32, Buffer.byteLength(text), 4096];
  const bodies = sizes.map((n) => ({ pad: 'x'.repeat(Math.max(0, n - 10)) }));
  const fit = (pts) => {
    const n = pts.length;
    const mx = pts.reduce((a, p) => a + p[0], 0) / n;
    const my = pts.reduce((a, p) => a + p[1], 0) / n;
    const slope = pts.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0) / pts.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
    return { perCall: my - slope * mx, perKiB: slope * 1024 };
  };
  const us = (fn) => 1e6 / median(Array.from({ length: 3 }, () => opsPerSec(fn)));
  const wasmPts = bodies.map((b, i) => [sizes[i], us(() => mypay.encrypt(b, KEY))]);
  const nodePts = bodies.map((b, i) => [sizes[i], us(() => sampleEncrypt(b, KEY))]);
  const w = fit(wasmPts);
  const n = fit(nodePts);
  console.log('\nencrypt, where the time goes (µs; a line through 32 B, 573 B and 4 KiB bodies)');
  console.log(`  mypay-edge (wasm): ${w.perCall.toFixed(2)} per call + ${w.perKiB.toFixed(2)} per KiB`);
  console.log(`  Node (sample):     ${n.perCall.toFixed(2)} per call + ${n.perKiB.toFixed(2)} per KiB`);
  console.log(`  per-KiB ratio ${(n.perKiB / w.perKiB).toFixed(2)}x (AES-256-CBC in software against OpenSSL's AES-NI), per-call ratio ${(n.perCall / w.perCall).toFixed(2)}x`);
  console.log('  to reach 0.5x: the crossing is already cheaper than Node\'s; the cipher is not. It would take a faster');
  console.log('  constant-time AES in wasm (SIMD; the aes crate has no such backend) or WebCrypto for large bodies.');
}
