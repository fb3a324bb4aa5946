// The chaos test's view of the stack: the Worker (public and admin API, MYPAY's
// report URL) and the sandbox (automation API). scripts/chaos.sh sets
//   WORKER_URL, SANDBOX_URL, ADMIN_TOKEN
// Every call is JSON; every answer is { status, body, text }.

import { clientHeaders } from '../support/client.mjs';

export const BASE = process.env.WORKER_URL ?? 'http://127.0.0.1:17787';
export const SANDBOX = process.env.SANDBOX_URL ?? 'http://127.0.0.1:17788';
export const ADMIN_TOKEN = process.env.ADMIN_TOKEN ?? '';

/** The worker's settings the chaos test relies on (its defaults). */
export const ORDER_TTL = 1800;
export const VOUCHER_HOLD = 86_400;
export const PENDING_REVIEW = 604_800;
/** The worker's test clock accepts offsets within ten years. */
export const MAX_OFFSET = 10 * 366 * 86_400 - 400 * 86_400;

export const CARD_OK = '4938170130000003';
export const CARD_FAIL = '5204247750001471';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function call(method, url, body, headers = {}, { timeout = 60_000 } = {}) {
  const init = { method, headers: clientHeaders('mypay-edge-chaos', headers), signal: AbortSignal.timeout(timeout) };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers['content-type'] ??= 'application/json';
  }
  let res;
  try {
    res = await fetch(url, init);
  } catch (e) {
    throw new Error(`${method} ${url}: ${e.cause?.code ?? e.message}`);
  }
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, body: json, text };
}

export const api = (method, path, body, headers) => call(method, `${BASE}${path}`, body, headers);
export const admin = (method, path, body) => call(method, `${BASE}${path}`, body, { authorization: `Bearer ${ADMIN_TOKEN}` });
export const sandbox = (method, path, body) => call(method, `${SANDBOX}${path}`, body);

/** Fails with the call's answer unless its status is one of `want`. */
export function expectStatus(r, want, what) {
  const ok = Array.isArray(want) ? want.includes(r.status) : r.status === want;
  if (!ok) throw new Error(`${what}: HTTP ${r.status} ${r.text.slice(0, 400)}`);
  return r.body;
}

// ---------------------------------------------------------------- clocks

/** The sandbox clock's offset (the worker's is kept equal to it). */
export async function clockOffset() {
  return expectStatus(await sandbox('GET', '/sandbox/clock'), 200, 'GET /sandbox/clock').offset_seconds;
}

/** Puts both clocks at real time + `offset` seconds. */
export async function setClock(offset) {
  expectStatus(await admin('PUT', '/admin/test/clock', { offset_seconds: offset }), 200, 'PUT /admin/test/clock');
  expectStatus(await sandbox('PUT', '/sandbox/clock', { offset_seconds: offset }), 200, 'PUT /sandbox/clock');
  return offset;
}

/**
 * How far both clocks move before a seed or a regression test: past the
 * worker's follow-up of earlier orders (it asks MYPAY about paid and expired
 * orders for 30 days), so those are left alone and each run starts as it
 * would on a fresh stack.
 */
export const ISOLATION_JUMP = 31 * 86_400;

/** Moves both clocks `seconds` ahead; answers the new offset. */
export async function advance(seconds) {
  return setClock((await clockOffset()) + seconds);
}

// ---------------------------------------------------------------- faults

let faultShape; // 'object' (one agent fault, one callback fault) or 'array'
async function shape() {
  if (!faultShape) {
    const r = await sandbox('GET', '/sandbox/faults');
    faultShape = Array.isArray(r.body?.agent) || Array.isArray(r.body?.callbacks) ? 'array' : 'object';
  }
  return faultShape;
}

/** Replaces the sandbox's faults: `agent` and `callbacks` are one fault each (or null). */
export async function setFaults({ agent = null, callbacks = null } = {}) {
  const arrays = (await shape()) === 'array';
  const body = arrays
    ? { agent: agent ? [agent] : [], callbacks: callbacks ? [callbacks] : [] }
    : { agent, callbacks };
  expectStatus(await sandbox('PUT', '/sandbox/faults', body), 200, `PUT /sandbox/faults ${JSON.stringify(body)}`);
}

/** The sandbox's active faults: { agent, callbacks } (one each, or null). */
export async function getFaults() {
  const b = expectStatus(await sandbox('GET', '/sandbox/faults'), 200, 'GET /sandbox/faults');
  const one = (x) => (Array.isArray(x) ? x[0] ?? null : x ?? null);
  return { agent: one(b.agent), callbacks: one(b.callbacks) };
}

export async function clearFaults() {
  expectStatus(await sandbox('DELETE', '/sandbox/faults'), 200, 'DELETE /sandbox/faults');
}

export async function sandboxConfig(patch) {
  return expectStatus(await sandbox('PUT', '/sandbox/config', patch), 200, `PUT /sandbox/config ${JSON.stringify(patch)}`);
}

// ---------------------------------------------------------------- worker

export const customer = { id: 'u-chaos', name: '混沌測試', email: 'chaos@example.com', phone: '0912345678' };

let voucherSeq = 0;
/** Issues `count` vouchers; answers their codes. */
export async function issueVouchers(kind, value, { count = 1, rrt = '1', prefix } = {}) {
  const n = ++voucherSeq;
  const p = prefix ?? `C${Date.now().toString(36).toUpperCase()}${kind === 'paid' ? 'P' : 'F'}${n}`;
  const r = await admin('POST', '/admin/vouchers', {
    kind,
    name: kind === 'paid' ? `混沌券 ${value}` : `混沌免費券 ${value}`,
    value,
    count,
    prefix: p.slice(0, 24),
    issuer: kind === 'paid' ? '1' : '3',
    refund_return_type: kind === 'paid' ? rrt : undefined,
    product_id: kind === 'paid' ? `CP${value}` : `CF${value}`,
    expires_at: null,
    min_spend: 0,
  });
  return expectStatus(r, 201, 'POST /admin/vouchers').vouchers.map((v) => v.code);
}

/** A checkout; answers the raw call plus `uid` on 201. */
export async function checkout({ vouchers = [], pfn, quantity = 1 } = {}) {
  const body = { items: [{ product_id: 'oolong-150g', quantity }], vouchers, customer };
  if (pfn) body.pfn = pfn;
  const r = await api('POST', '/api/checkout', body);
  if (r.status === 201) r.uid = r.body.payment_url.match(/payment\/(\d+)\.html/)?.[1];
  return r;
}

/** The admin view of an order, without asking MYPAY. */
export async function orderView(id) {
  // Every event: the view pages them (events_next).
  const view = expectStatus(await admin('GET', `/admin/orders/${id}?live=0&events_limit=500`), 200, `GET /admin/orders/${id}`);
  while (view.events_next !== null && view.events_next !== undefined) {
    const more = expectStatus(
      await admin('GET', `/admin/orders/${id}?live=0&events_limit=500&events_after=${view.events_next}`), 200, `GET /admin/orders/${id}`,
    );
    view.events.push(...more.events);
    view.events_next = more.events_next;
  }
  return view;
}

/** The newest orders (status, review_reason, report_pending) by id. */
export async function orderList(limit = 200) {
  const r = expectStatus(await admin('GET', `/admin/orders?limit=${limit}`), 200, 'GET /admin/orders');
  return new Map(r.orders.map((o) => [o.order_id, o]));
}

/** Every voucher the admin API lists (newest 500 of each status), by code. */
export async function voucherMap() {
  const out = new Map();
  for (const status of ['available', 'reserved', 'used']) {
    const r = expectStatus(await admin('GET', `/admin/vouchers?status=${status}`), 200, 'GET /admin/vouchers');
    for (const v of r.vouchers) out.set(v.code, v);
  }
  return out;
}

/** POST /admin/reconcile. */
export async function reconcile(body = { limit: 500 }) {
  const r = await call('POST', `${BASE}/admin/reconcile`, body, { authorization: `Bearer ${ADMIN_TOKEN}` }, { timeout: 180_000 });
  return expectStatus(r, 200, 'POST /admin/reconcile');
}

/** The real scheduled handler (wrangler dev serves it locally). */
export async function cronTick() {
  const r = await call('GET', `${BASE}/cdn-cgi/handler/scheduled`, undefined, {}, { timeout: 180_000 });
  if (r.status === 200) return r.text;
  const alt = await call('GET', `${BASE}/__scheduled`);
  return expectStatus(alt, 200, 'scheduled handler (/cdn-cgi/handler/scheduled, /__scheduled)') ?? alt.text;
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

// ---------------------------------------------------------------- sandbox

export async function sandboxOrder(uid) {
  return expectStatus(await sandbox('GET', `/sandbox/orders/${uid}`), 200, `GET /sandbox/orders/${uid}`);
}

export async function notifications(uid) {
  const q = uid === undefined ? '' : `?uid=${uid}`;
  return expectStatus(await sandbox('GET', `/sandbox/notifications${q}`), 200, 'GET /sandbox/notifications');
}

export async function agentRequests() {
  return expectStatus(await sandbox('GET', '/sandbox/requests'), 200, 'GET /sandbox/requests');
}

/** The report fields MYPAY would post for the order as the sandbox has it now. */
export const REPORT_FIELDS = [
  'acode', 'actual_cost', 'actual_currency', 'actual_price', 'bank_id', 'card_type', 'cardno', 'cost', 'currency',
  'echo_0', 'echo_1', 'echo_2', 'echo_3', 'echo_4', 'expired_date', 'finishtime', 'group_id', 'is_agent_charge',
  'issuing_bank', 'issuing_bank_uid', 'key', 'love_cost', 'nois', 'order_id', 'payment_name', 'pfn', 'prc', 'price',
  'recharge_code', 'redeem', 'result_content', 'result_content_type', 'result_type', 'retmsg', 'supplier_code',
  'supplier_name', 'trans_type', 'transaction_mode', 'uid', 'user_id', 'voucher_free', 'voucher_paid',
];
export function reportFromSandbox(so) {
  const q = so.query ?? {};
  const out = {};
  for (const k of REPORT_FIELDS) {
    const v = q[k];
    if (v === undefined || v === null) continue;
    out[k] = typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  out.uid = String(so.uid);
  out.key = so.key;
  out.order_id = so.order_id;
  out.cost = String(so.amount ?? so.cost);
  return out;
}

/**
 * Waits until the sandbox has nothing left to say: no report delivery still
 * retrying, and neither a new report attempt nor a new agent call for
 * `quietMs` (the worker's confirmation after a report shows as an agent call).
 */
export async function waitQuiet({ quietMs = 500, timeout = 30_000, notBefore = 0 } = {}) {
  const deadline = Date.now() + timeout;
  let last = '';
  let since = Date.now();
  for (;;) {
    const [notes, reqs] = await Promise.all([notifications(), agentRequests()]);
    const lastNote = notes.at(-1)?.id ?? 0;
    const lastReq = reqs.at(-1)?.id ?? 0;
    const sig = `${notes.length}:${lastNote}:${reqs.length}:${lastReq}`;
    if (sig !== last) {
      last = sig;
      since = Date.now();
    }
    const open = openDeliveries(notes);
    if (open === 0 && Date.now() - since >= quietMs && Date.now() >= notBefore) return;
    if (Date.now() > deadline) throw new Error(`the sandbox did not quiet down within ${timeout} ms (${open} deliveries open)`);
    await sleep(120);
  }
}

/** Deliveries whose last attempt was neither acknowledged nor the last one allowed (3). */
export function openDeliveries(notes) {
  const last = new Map();
  for (const a of notes) last.set(a.delivery, a);
  let open = 0;
  for (const a of last.values()) {
    if (a.fault === 'drop' || a.acknowledged || a.acked) continue;
    if (a.url == null) continue;
    if (a.attempt < 3) open++;
  }
  return open;
}

/** Reconciles (asking about every order MYPAY may still change) until nothing changes. */
export async function reconcileUntilStill({ rounds = 8 } = {}) {
  let last;
  for (let i = 0; i < rounds; i++) {
    last = await reconcile({ min_age_seconds: 0, limit: 500 });
    await waitQuiet({ quietMs: 400 });
    // Still: nothing changed (failures are retried once; an order that cannot be
    // confirmed at all fails every round).
    if (last.updated === 0 && !last.expired && !last.released && (last.failed === 0 || i >= 1)) return last;
  }
  return last;
}

/** Both clocks past every earlier order's follow-up, and those orders at rest. */
export async function isolate() {
  await clearFaults();
  const offset = await advance(ISOLATION_JUMP);
  await waitQuiet({ quietMs: 300 });
  await reconcileUntilStill();
  return offset;
}
