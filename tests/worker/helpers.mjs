// Shared helpers for the Worker's integration tests (node:test, Node 22).
// tests/worker/harness.mjs (run by scripts/test-worker.sh) starts the real
// sandbox and the Worker instances through wrangler's API, on ports it learns
// as they start, and passes their URLs in the environment:
//   WORKER_URL, SANDBOX_URL, ADMIN_TOKEN (and EXPIRY_WORKER_URL,
//   ROTATION_WORKER_URL, TURNSTILE_WORKER_URL, SITEVERIFY_URL for the files that need them)
import assert from 'node:assert/strict';
import { clientHeaders } from '../support/client.mjs';

export { TURNSTILE_TOKEN, addressFor } from '../support/client.mjs';

export const BASE = process.env.WORKER_URL ?? 'http://127.0.0.1:18787';
export const SANDBOX = process.env.SANDBOX_URL ?? 'http://127.0.0.1:18788';
export const ADMIN_TOKEN = process.env.ADMIN_TOKEN ?? '';
export const RUN = Date.now().toString(36).toUpperCase();

/** A JSON call; answers { status, body, headers, text }. */
export async function call(method, url, body, headers = {}) {
  const init = { method, headers: clientHeaders('mypay-edge-tests', headers) };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(url, init);
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, body: json, text, headers: res.headers };
}

export const api = (method, path, body, headers) => call(method, `${BASE}${path}`, body, headers);
export const admin = (method, path, body) =>
  call(method, `${BASE}${path}`, body, { authorization: `Bearer ${ADMIN_TOKEN}` });
export const sandbox = (method, path, body) => call(method, `${SANDBOX}${path}`, body);

let seq = 0;
/** Fresh vouchers through the admin API. */
export async function issue(kind, value, { count = 1, refund_return_type = '1', min_spend = 0 } = {}) {
  const n = ++seq;
  const r = await admin('POST', '/admin/vouchers', {
    kind,
    name: kind === 'paid' ? `測試券 ${value}` : `免費券 ${value}`,
    value,
    count,
    prefix: `T${RUN}${kind === 'paid' ? 'P' : 'F'}${n}`,
    issuer: kind === 'paid' ? '1' : '3',
    refund_return_type: kind === 'paid' ? refund_return_type : undefined,
    product_id: kind === 'paid' ? `TP${value}` : `TF${value}`,
    expires_at: null,
    min_spend,
  });
  assert.equal(r.status, 201, r.text);
  return r.body.vouchers.map((v) => v.code);
}

export const customer = { id: 'u-test', name: '測試者', email: 'test@example.com', phone: '0912345678' };

/** A checkout of `items` with `vouchers`; answers the raw call. */
export function checkout({ items = [{ product_id: 'oolong-150g', quantity: 2 }], vouchers = [], pfn, invoice, headers } = {}) {
  const body = { items, vouchers, customer };
  if (pfn) body.pfn = pfn;
  if (invoice) body.invoice = invoice;
  return api('POST', '/api/checkout', body, headers);
}

/** A checkout that must succeed; answers its 201 body plus the MYPAY uid. */
export async function order(opts) {
  const r = await checkout(opts);
  assert.equal(r.status, 201, r.text);
  const uid = r.body.payment_url.match(/payment\/(\d+)\.html/)?.[1];
  assert.ok(uid, `no uid in ${r.body.payment_url}`);
  return { ...r.body, uid };
}

export const getOrder = (o) => api('GET', `/api/orders/${o.order_id}`, undefined, { authorization: `Bearer ${o.token}` });

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls the order until `pred(body)` holds (default: status `want`). */
export async function waitFor(o, want, { timeout = 15000, pred } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = await getOrder(o);
    if (last.status === 200 && (pred ? pred(last.body) : last.body.status === want)) return last.body;
    await sleep(150);
  }
  assert.fail(`order ${o.order_id}: wanted ${want ?? 'a condition'}, last ${last?.status} ${JSON.stringify(last?.body)}`);
}

export async function setFaults(faults) {
  const r = await sandbox('PUT', '/sandbox/faults', faults);
  assert.equal(r.status, 200, r.text);
}

export const clearFaults = () => sandbox('DELETE', '/sandbox/faults');

/** The report attempts the sandbox made for `uid`. */
export async function reportsFor(uid) {
  const r = await sandbox('GET', '/sandbox/notifications');
  return r.body.filter((a) => String(a.uid) === String(uid));
}

/** Posts a report form straight to the worker, as MYPAY would. */
export function postReport(fields) {
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) {
    if (v === null || v === undefined) continue;
    form.append(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
  }
  return call('POST', `${BASE}/mypay/notify`, form.toString(), { 'content-type': 'application/x-www-form-urlencoded' });
}

/** The status of a voucher as the admin API lists it. */
export async function voucherStatus(code) {
  for (const status of ['available', 'reserved', 'used']) {
    const r = await admin('GET', `/admin/vouchers?status=${status}`);
    if (r.body.vouchers.some((v) => v.code === code)) return status;
  }
  return 'missing';
}
