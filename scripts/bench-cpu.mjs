#!/usr/bin/env node
// CPU per request in workerd: the Rust Worker beside a plain JavaScript Worker
// doing the same D1 work and the same MYPAY call (bench/js-worker), both under
// `wrangler dev`, measured as the workerd process's CPU time (utime + stime
// from /proc/<pid>/stat) over N requests at concurrency C, divided by N. Not
// wall time: what Cloudflare bills and limits is CPU.
// Started by scripts/bench-cpu.sh with OURS_URL, BASE_URL, OURS_PID, BASE_PID.
// Options (env): BENCH_CPU_REQUESTS (400), BENCH_CPU_CONCURRENCY (4).
import { readFileSync } from 'node:fs';
import { clientHeaders } from '../tests/support/client.mjs';

const N = Number(process.env.BENCH_CPU_REQUESTS ?? 400);
const C = Number(process.env.BENCH_CPU_CONCURRENCY ?? 4);
const TICK_MS = 1000 / Number(process.env.CLK_TCK ?? 100);
const GOAL = 1.2;

function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 (utime, stime) are the 12th and 13th after the name.
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
}

const cart = { items: [{ product_id: 'oolong-150g', quantity: 2 }, { product_id: 'tea-cup', quantity: 1 }] };
const customer = { id: 'bench', name: '測試者', email: 'bench@example.com', phone: '0912345678' };
const routes = {
  'GET /api/products': { method: 'GET', path: '/api/products', status: 200 },
  'POST /api/checkout': { method: 'POST', path: '/api/checkout', body: JSON.stringify({ ...cart, vouchers: [], customer }), status: 201 },
};

async function load(base, route, n) {
  let next = 0;
  let errors = 0;
  async function lane() {
    while (next < n) {
      next++;
      const res = await fetch(`${base}${route.path}`, {
        method: route.method,
        body: route.body,
        headers: clientHeaders('mypay-edge-bench', route.body ? { 'content-type': 'application/json' } : {}),
      });
      await res.arrayBuffer();
      if (res.status !== route.status) errors++;
    }
  }
  await Promise.all(Array.from({ length: C }, lane));
  return errors;
}

async function measure(base, pid, route) {
  await load(base, route, Math.min(50, N)); // warm-up: JIT, D1 pages, connections
  const before = cpuMs(pid);
  const errors = await load(base, route, N);
  const after = cpuMs(pid);
  return { msPerRequest: (after - before) / N, errors };
}

const { OURS_URL, BASE_URL, OURS_PID, BASE_PID } = process.env;
console.log(`workerd CPU per request (${N} requests, concurrency ${C}, /proc/<workerd>/stat)`);
console.log('  route                     mypay-edge   JS baseline   ratio   goal');
let short = false;
const results = {};
for (const [name, route] of Object.entries(routes)) {
  const ours = await measure(OURS_URL, OURS_PID, route);
  const base = await measure(BASE_URL, BASE_PID, route);
  const ratio = ours.msPerRequest / base.msPerRequest;
  results[name] = { ours, base, ratio };
  const met = ratio <= GOAL;
  short ||= !met;
  const errs = ours.errors || base.errors ? `  (errors: ours ${ours.errors}, baseline ${base.errors})` : '';
  console.log(`  ${name.padEnd(24)} ${ours.msPerRequest.toFixed(2).padStart(8)} ms ${base.msPerRequest.toFixed(2).padStart(10)} ms ${ratio.toFixed(2).padStart(6)}×  ≤ ${GOAL}× ${met ? 'met' : 'SHORT'}${errs}`);
}
if (process.env.BENCH_JSON) (await import('node:fs')).writeFileSync(process.env.BENCH_JSON, JSON.stringify(results, null, 2));
process.exitCode = Object.values(results).some((r) => r.ours.errors || r.base.errors) ? 1 : 0;
