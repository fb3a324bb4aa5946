#!/usr/bin/env node
// Worker benchmark: wasm size (raw and gzip, budget 300 KB gzip) and
// requests/second with p50/p99 latency for POST /api/quote and POST
// /api/checkout through `wrangler dev`, beside the same order calls made
// directly to the sandbox (POST /api/agent, cmd api/orders) in the same run.
//
// Needs a running stack: `BENCH=1 scripts/test-worker.sh` starts a fresh one
// on test ports and runs this; or run `make dev` and then
//   node scripts/bench-worker.mjs            (WORKER_URL, SANDBOX_URL override)
// Options (env): BENCH_REQUESTS (200), BENCH_CONCURRENCY (8), BENCH_JSON=path.
import { clientHeaders } from '../tests/support/client.mjs';
import { createCipheriv, randomBytes } from 'node:crypto';
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';

const WORKER = process.env.WORKER_URL ?? 'http://127.0.0.1:8787';
const SANDBOX = process.env.SANDBOX_URL ?? 'http://127.0.0.1:8788';
const N = Number(process.env.BENCH_REQUESTS ?? 200);
const C = Number(process.env.BENCH_CONCURRENCY ?? 8);
const AGENT_UID = '518169081001';
const STORE_UID = '289151880002';
const KEY = Buffer.from(process.env.MYPAY_AGENT_KEY ?? '2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG', 'utf8');
const GZIP_BUDGET = 300 * 1024;

function wasmSize() {
  const path = ['build/index_bg.wasm', 'build/worker/index_bg.wasm'].find(existsSync);
  if (!path) return null;
  const raw = readFileSync(path);
  return { path, raw: raw.length, gzip: gzipSync(raw, { level: 9 }).length };
}

const seal = (obj) => {
  const iv = randomBytes(16);
  const c = createCipheriv('aes-256-cbc', KEY, iv);
  return Buffer.concat([iv, c.update(JSON.stringify(obj), 'utf8'), c.final()]).toString('base64');
};

let seq = 0;
function directOrder() {
  const orderId = `BENCH${Date.now()}${++seq}`;
  const data = {
    store_uid: STORE_UID, user_id: 'bench', order_id: orderId, ip: '127.0.0.1', cost: '980', currency: 'TWD',
    items: [
      { id: 'oolong-150g', name: '凍頂烏龍茶 150g', cost: 450, amount: 2, total: 900 },
      { id: 'shipping', name: '運費', cost: 80, amount: 1, total: 80 },
    ],
  };
  const form = new URLSearchParams({
    agent_uid: AGENT_UID,
    service: seal({ service_name: 'api', cmd: 'api/orders' }),
    encry_data: seal(data),
  });
  return { url: `${SANDBOX}/api/agent`, body: form.toString(), type: 'application/x-www-form-urlencoded' };
}

const cart = { items: [{ product_id: 'oolong-150g', quantity: 2 }, { product_id: 'tea-cup', quantity: 1 }], vouchers: ['FREE-SHIP-01'] };
const scenarios = {
  'worker POST /api/quote': () => ({ url: `${WORKER}/api/quote`, body: JSON.stringify(cart), type: 'application/json' }),
  'worker POST /api/checkout': () => ({
    url: `${WORKER}/api/checkout`,
    body: JSON.stringify({ items: cart.items, customer: { id: 'bench' } }),
    type: 'application/json',
  }),
  'sandbox POST /api/agent (api/orders, direct)': directOrder,
};
const expected = { 'worker POST /api/quote': 200, 'worker POST /api/checkout': 201, 'sandbox POST /api/agent (api/orders, direct)': 200 };

async function run(name, make) {
  const times = [];
  let errors = 0;
  let next = 0;
  const t0 = performance.now();
  async function lane() {
    while (next < N) {
      next++;
      const r = make();
      const s = performance.now();
      try {
        const res = await fetch(r.url, { method: 'POST', body: r.body, headers: clientHeaders('mypay-edge-bench', { 'content-type': r.type }) });
        await res.arrayBuffer();
        if (res.status !== expected[name]) errors++;
      } catch {
        errors++;
      }
      times.push(performance.now() - s);
    }
  }
  await Promise.all(Array.from({ length: C }, lane));
  const total = (performance.now() - t0) / 1000;
  times.sort((a, b) => a - b);
  const pct = (p) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))];
  return { name, requests: N, concurrency: C, errors, rps: +(N / total).toFixed(1), p50_ms: +pct(50).toFixed(1), p99_ms: +pct(99).toFixed(1) };
}

const size = wasmSize();
const results = [];
for (const [name, make] of Object.entries(scenarios)) {
  await run(name, make); // warm-up pass, not reported
  results.push(await run(name, make));
}
console.log('\nWorker wasm size');
if (size) {
  console.log(`  ${size.path}: ${(size.raw / 1024).toFixed(1)} KB raw, ${(size.gzip / 1024).toFixed(1)} KB gzip (budget ${GZIP_BUDGET / 1024} KB gzip) ${size.gzip <= GZIP_BUDGET ? 'OK' : 'OVER BUDGET'}`);
} else {
  console.log('  (no build/index_bg.wasm: run scripts/build-worker.sh)');
}
console.log(`\nThroughput and latency (${N} requests, concurrency ${C}, after a warm-up pass)`);
console.log('  scenario                                         req/s    p50 ms   p99 ms  errors');
for (const r of results) {
  console.log(`  ${r.name.padEnd(46)} ${String(r.rps).padStart(8)} ${String(r.p50_ms).padStart(9)} ${String(r.p99_ms).padStart(8)} ${String(r.errors).padStart(7)}`);
}
if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify({ size, results }, null, 2));
// The size budget is reported above, not enforced: make bench prints every row.
const failed = results.some((r) => r.errors > 0);
process.exit(failed ? 1 : 0);
