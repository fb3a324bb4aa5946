// Merchant webhooks (Standard Webhooks) end to end: the Worker in workerd with
// its queue, the real sandbox as MYPAY, a receiver here, and the published
// `standardwebhooks` npm package as the independent verifier.
//
// This file starts its own Worker (wrangler's DevEnv, as tests/worker/harness.mjs
// does) so that it can set MERCHANT_WEBHOOK_URL to its receiver, shorten the
// retry schedule, and stop the Worker mid-retry and start another on the same
// persisted D1. MYPAY's reports go to the harness's main worker (the sandbox has
// one notify URL): this Worker learns each payment through its reconciliation
// (POST /admin/reconcile), which asks MYPAY as the cron job would.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { format } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { ADMIN_TOKEN, SANDBOX, call, customer, sandbox, sleep } from './helpers.mjs';
import { ROOT, TEST_KEY, migrateAndSeed, plain, secret, startDevWorker, withTimeout } from './support/devworker.mjs';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const TMP = mkdtempSync(join(tmpdir(), 'mypay-webhooks-test.'));
const PERSIST = join(TMP, 'state');
// wrangler prints through `console`: into a file, not the test report.
for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
  console[level] = (...args) => appendFileSync(join(TMP, 'wrangler.log'), `${format(...args)}\n`);
}

// ---- the receiver ------------------------------------------------------------
/** Every request the receiver got: { headers, body, status answered }. */
const received = [];
/** How the receiver answers a request (by default 204; a promise answers later). */
let answer = () => 204;
const receiver = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const r = { path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
    try { r.json = JSON.parse(r.body); } catch { r.json = undefined; }
    received.push(r);
    Promise.resolve(answer(r)).then((status) => {
      r.status = status;
      res.writeHead(status);
      res.end();
    });
  });
});
let RECEIVER_URL;

/** Waits until `pred` holds for `n` received requests; answers them. */
async function waitForRequests(pred, { n = 1, ms = 20000 } = {}) {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = received.filter(pred);
    if (got.length >= n) return got;
    if (Date.now() > deadline) assert.fail(`wanted ${n} matching webhook request(s), got ${got.length} of ${received.length}`);
    await sleep(100);
  }
}
const forOrder = (id, type) => (r) => r.json?.data?.order_id === id && (!type || r.json?.type === type);
const headersOf = (r) => ({
  'webhook-id': r.headers['webhook-id'],
  'webhook-timestamp': r.headers['webhook-timestamp'],
  'webhook-signature': r.headers['webhook-signature'],
});

// ---- the Worker ------------------------------------------------------------------
let W; // { url, stop(), logs }

async function startWorker({ schedule = '1,1,2,4,8,30' } = {}) {
  return startDevWorker({
    name: 'webhooks',
    bindings: {
      MYPAY_ENDPOINT: plain(`${SANDBOX}/api/agent`),
      MYPAY_TIMEOUT_MS: plain(2000),
      STOREFRONT_URL: plain('http://127.0.0.1:8787'),
      MERCHANT_WEBHOOK_URL: plain(`${RECEIVER_URL}/hooks`),
      // Short waits: the first retry after 1 s. The default (30 s, 2 min, …,
      // about 32 h in all) is what a deploy gets.
      WEBHOOK_RETRY_SCHEDULE: plain(schedule),
      // A receiver silent for 2 s is a timeout (the default is 10 s).
      WEBHOOK_TIMEOUT_MS: plain(2000),
      // The expiry test moves this Worker's clock past an order's deadline.
      TEST_CLOCK: plain(1),
      MYPAY_AGENT_KEY: secret(TEST_KEY),
      ADMIN_TOKEN: secret(ADMIN_TOKEN),
      MERCHANT_WEBHOOK_SECRET: secret(SECRET),
    },
    persist: PERSIST,
    logFile: join(TMP, 'worker.log'),
    dev: { testScheduled: true },
  });
}

const wAdmin = (method, path, body) => call(method, `${W.url}${path}`, body, { authorization: `Bearer ${ADMIN_TOKEN}` });

/** A checkout on W, not paid yet: { order_id, uid }. */
async function checkoutOnW(pfn = 'CREDITCARD') {
  const r = await call('POST', `${W.url}/api/checkout`, { items: [{ product_id: 'dried-mango', quantity: 1 }], vouchers: [], customer, pfn, echo: ['erp-4711'] });
  assert.equal(r.status, 201, r.text);
  const uid = r.body.payment_url.match(/payment\/(\d+)\.html/)?.[1];
  assert.ok(uid, r.body.payment_url);
  return { order_id: r.body.order_id, uid };
}

/** Reconciles W (as the cron job would) until the order's status is `want`. */
async function reconcileUntil(id, want) {
  const deadline = Date.now() + 20000;
  for (;;) {
    const rec = await wAdmin('POST', '/admin/reconcile', { min_age_seconds: 0, limit: 500 });
    assert.equal(rec.status, 200, rec.text);
    const o = await wAdmin('GET', `/admin/orders/${id}?live=0`);
    if (o.body?.status === want) return o.body;
    if (Date.now() > deadline) assert.fail(`order ${id} is ${o.body?.status}, not ${want}`);
    await sleep(300);
  }
}

/** A checkout on W, paid (or given store codes, or refused with `card`) in
 *  the sandbox, and known to W through its reconciliation; answers the
 *  order id once its status is `want`. */
async function orderIn(want, { pfn = 'CREDITCARD', card = '4938170130000003', uidOut } = {}) {
  const { order_id: id, uid } = await checkoutOnW(pfn);
  if (uidOut) uidOut.uid = uid;
  const pay = await sandbox('POST', `/sandbox/orders/${uid}/pay`, pfn === 'CREDITCARD' ? { card_number: card } : { pfn });
  assert.equal(pay.status, 200, pay.text);
  await reconcileUntil(id, want);
  return id;
}

/** The one request announcing `type` for order `id`, verified with the
 *  standardwebhooks package: the event, after checking `data.status`. */
async function announced(id, type, status) {
  const [r] = await waitForRequests(forOrder(id, type));
  const event = new Webhook(SECRET).verify(r.body, headersOf(r));
  assert.equal(event.type, type);
  assert.equal(event.data.order_id, id);
  assert.equal(event.data.status, status);
  return { request: r, event };
}

async function deliveriesOf(orderId) {
  const r = await wAdmin('GET', `/admin/webhooks/deliveries?order_id=${orderId}`);
  assert.equal(r.status, 200, r.text);
  return r.body.deliveries;
}

async function waitForDelivery(orderId, pred, ms = 20000) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await deliveriesOf(orderId);
    const d = last.find(pred);
    if (d) return d;
    if (Date.now() > deadline) assert.fail(`no matching delivery for ${orderId}: ${JSON.stringify(last)}`);
    await sleep(200);
  }
}

before(async () => {
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  RECEIVER_URL = `http://127.0.0.1:${receiver.address().port}`;
  W = await startWorker();
  await migrateAndSeed(await W.db());
});

after(async () => {
  await W?.stop().catch(() => {});
  receiver.close();
  if (!process.env.KEEP) rmSync(TMP, { recursive: true, force: true });
});

// ---- the tests ---------------------------------------------------------------------
let paidRequest; // the order.paid request, for the tampering checks

test('a paid order is delivered as order.paid and verifies with the standardwebhooks package', async () => {
  const id = await orderIn('paid');
  const [r] = await waitForRequests(forOrder(id, 'order.paid'));
  paidRequest = r;
  assert.equal(r.path, '/hooks');
  assert.match(r.headers['webhook-id'], /^msg_[0-9a-f]{24}$/);
  assert.match(r.headers['webhook-timestamp'], /^\d+$/);
  assert.ok(Math.abs(Number(r.headers['webhook-timestamp']) - Date.now() / 1000) < 60);
  assert.match(r.headers['webhook-signature'], /^v1,[A-Za-z0-9+/]+=*$/);
  assert.match(r.headers['content-type'], /^application\/json/);
  // The independent implementation of the specification accepts it.
  const event = new Webhook(SECRET).verify(r.body, headersOf(r));
  assert.equal(event.type, 'order.paid');
  assert.match(event.timestamp, /^\d{4}-\d\d-\d\dT/);
  assert.equal(event.data.order_id, id);
  assert.equal(event.data.status, 'paid');
  const view = await wAdmin('GET', `/admin/orders/${id}?live=0`);
  for (const k of ['amount', 'subtotal', 'paid_at', 'mypay_uid', 'payment_url', 'customer_email', 'customer', 'echo']) {
    assert.deepEqual(event.data[k], view.body[k], k);
  }
  // What the merchant's systems need to fulfil it: the customer and the merchant's own echo strings.
  assert.equal(event.data.customer_email, customer.email);
  assert.deepEqual(event.data.echo, ['erp-4711']);
  assert.equal(event.data.lines[0].product_id, 'dried-mango');
  assert.equal(event.data.payment.prc, '250');
  assert.ok(event.data.mypay_uid);
  // No secrets: not the MYPAY key, not the order's token.
  for (const word of ['"key"', '"token"', '"mypay_key"']) assert.ok(!r.body.includes(word), word);
  // A different secret does not verify it.
  assert.throws(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(r.body, headersOf(r)));
  // The admin API and the order's timeline show the delivery.
  const d = await waitForDelivery(id, (x) => x.type === 'order.paid' && x.status === 'delivered');
  assert.equal(d.webhook_id, r.headers['webhook-id']);
  assert.equal(d.endpoint_id, 'setting');
  assert.equal(d.url, `${RECEIVER_URL}/hooks`);
  assert.equal(d.attempts, 1);
  assert.equal(d.last_status_code, 204);
  assert.ok(d.delivered_at);
  const o = await wAdmin('GET', `/admin/orders/${id}?live=0`);
  const ev = o.body.events.filter((e) => e.kind === 'webhook' && e.detail.webhook_id === d.webhook_id);
  assert.equal(ev.length, 1, JSON.stringify(o.body.events));
  assert.deepEqual(
    { endpoint: ev[0].detail.endpoint, attempt: ev[0].detail.attempt, status_code: ev[0].detail.status_code, outcome: ev[0].detail.outcome },
    { endpoint: 'setting', attempt: 1, status_code: 204, outcome: 'delivered' },
  );
});

test('a tampered body or timestamp fails verification (the npm package and `mypay listen`)', async () => {
  assert.ok(paidRequest, 'needs the order.paid request of the test above');
  const wh = new Webhook(SECRET);
  const h = headersOf(paidRequest);
  const body = paidRequest.body;
  const tamperedBody = body.replace('"status":"paid"', '"status":"refunded"');
  assert.notEqual(tamperedBody, body);
  assert.throws(() => wh.verify(tamperedBody, h), /signature/i);
  const ts = String(Number(h['webhook-timestamp']) + 1);
  assert.throws(() => wh.verify(body, { ...h, 'webhook-timestamp': ts }), /signature/i);
  assert.throws(() => wh.verify(body, { ...h, 'webhook-id': 'msg_other' }), /signature/i);
  assert.doesNotThrow(() => wh.verify(body, h));

  // `mypay listen --webhook-secret` (mypay_link::webhooks) agrees.
  const child = spawn(join(ROOT, 'target/release/mypay'), ['listen', '--port', '0', '--webhook-secret', SECRET], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const lines = createInterface({ input: child.stdout });
    const queue = [];
    const waiting = [];
    lines.on('line', (l) => (waiting.length ? waiting.shift()(l) : queue.push(l)));
    const nextLine = () => withTimeout(queue.length ? Promise.resolve(queue.shift()) : new Promise((res) => waiting.push(res)), 20000, 'mypay listen');
    const url = (await nextLine()).match(/listening on (http:\/\/\S+?)\/? /)?.[1];
    assert.ok(url, 'mypay listen names its URL');
    const post = (b, headers) => fetch(`${url}/hooks`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: b });
    let res = await post(body, h);
    assert.equal(res.status, 204);
    let line = JSON.parse(await nextLine());
    assert.equal(line.verified, true);
    assert.equal(line.type, 'order.paid');
    assert.equal(line.webhook_id, h['webhook-id']);
    assert.equal(line.order_id, paidRequest.json.data.order_id);
    res = await post(tamperedBody, h);
    assert.equal(res.status, 400);
    line = JSON.parse(await nextLine());
    assert.deepEqual([line.verified, line.error, line.type], [false, 'bad_signature', undefined]);
    res = await post(body, { ...h, 'webhook-timestamp': ts });
    assert.equal(res.status, 400);
    assert.equal(JSON.parse(await nextLine()).error, 'bad_signature');
    // A timestamp outside the tolerance, even correctly signed, is refused.
    const old = Math.floor(Date.now() / 1000) - 3600;
    const signed = wh.sign(h['webhook-id'], new Date(old * 1000), body);
    res = await post(body, { ...h, 'webhook-timestamp': String(old), 'webhook-signature': signed });
    assert.equal(res.status, 400);
    assert.equal(JSON.parse(await nextLine()).error, 'timestamp_too_old');
  } finally {
    child.kill('SIGTERM');
  }
});

let storeCode; // { id, uid } of the store-code order, for the review test
let failedOrder; // { id, uid } of the refused card's order

test('store codes: order.pending carries the codes to pay with', async () => {
  const uidOut = {};
  const id = await orderIn('pending', { pfn: 'CSTORECODE', uidOut });
  storeCode = { id, uid: uidOut.uid };
  // The order is pending from checkout on; the codes' arrival is the event.
  const deadline = Date.now() + 20000;
  let r;
  while (!r) {
    await wAdmin('POST', '/admin/reconcile', { min_age_seconds: 0 });
    [r] = received.filter(forOrder(id, 'order.pending'));
    if (!r && Date.now() > deadline) assert.fail('no order.pending request');
    if (!r) await sleep(300);
  }
  const event = new Webhook(SECRET).verify(r.body, headersOf(r));
  assert.equal(event.data.status, 'pending');
  assert.equal(event.data.payment.prc, '260');
  assert.ok(event.data.payment.codes && Object.keys(event.data.payment.codes).length > 1, JSON.stringify(event.data.payment));
});

test('a receiver answering 500 gets the same webhook-id again, then it is delivered', async () => {
  let failures = 0;
  answer = (r) => (r.json?.type === 'order.paid' && failures++ < 2 ? 500 : 204);
  try {
    const id = await orderIn('paid');
    const got = await waitForRequests(forOrder(id, 'order.paid'), { n: 3 });
    const ids = new Set(got.map((r) => r.headers['webhook-id']));
    assert.equal(ids.size, 1, 'one webhook-id across the retries');
    assert.deepEqual(got.map((r) => r.status), [500, 500, 204]);
    // Every attempt is signed afresh and verifies; the body is the same bytes.
    for (const r of got) new Webhook(SECRET).verify(r.body, headersOf(r));
    assert.equal(new Set(got.map((r) => r.body)).size, 1);
    const d = await waitForDelivery(id, (x) => x.type === 'order.paid' && x.status === 'delivered');
    assert.equal(d.attempts, 3);
    assert.equal(d.webhook_id, [...ids][0]);
    const o = await wAdmin('GET', `/admin/orders/${id}?live=0`);
    const attempts = o.body.events.filter((e) => e.kind === 'webhook').map((e) => [e.detail.attempt, e.detail.status_code, e.detail.outcome]);
    assert.deepEqual(attempts, [[1, 500, 'pending'], [2, 500, 'pending'], [3, 204, 'delivered']]);
  } finally {
    answer = () => 204;
  }
});

test('a refund is announced as order.refunded', async () => {
  const id = paidRequest?.json?.data?.order_id;
  assert.ok(id, 'needs the paid order of the first test');
  const r = await wAdmin('POST', `/admin/orders/${id}/refund`);
  assert.equal(r.status, 200, r.text);
  const [hook] = await waitForRequests(forOrder(id, 'order.refunded'));
  const event = new Webhook(SECRET).verify(hook.body, headersOf(hook));
  assert.equal(event.data.status, 'refunded');
  assert.ok(event.data.refunded_at);
  assert.notEqual(hook.headers['webhook-id'], paidRequest.headers['webhook-id'], 'a new message, a new id');
});

test('a card MYPAY refuses is announced as order.failed', async () => {
  // 5204247750001471: the API text's failure card (prc 300).
  const uidOut = {};
  const id = await orderIn('failed', { card: '5204247750001471', uidOut });
  const { event } = await announced(id, 'order.failed', 'failed');
  assert.equal(event.data.payment.prc, '300');
  failedOrder = { id, uid: uidOut.uid };
});

test('one event per state change: a repeated report or query sends nothing new', async () => {
  assert.ok(failedOrder && storeCode, 'needs the failed and the store-code orders of the tests above');
  for (const { id, uid } of [failedOrder, storeCode]) {
    await waitForDelivery(id, (x) => x.status === 'delivered');
    const before = await deliveriesOf(id);
    const requestsBefore = received.filter(forOrder(id)).length;
    const reportsBefore = (await wAdmin('GET', `/admin/orders/${id}?live=0`)).body.events.filter((e) => e.kind === 'report').length;
    // MYPAY's report of the current state, posted to this Worker twice (the
    // sandbox reports to the main worker), and the cron job's query again.
    const sent = (await sandbox('GET', `/sandbox/notifications?uid=${uid}`)).body.filter((a) => a.kind === 'state');
    assert.ok(sent.length >= 1, 'the sandbox reported the state');
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(sent.at(-1).fields)) {
      if (v !== null && v !== undefined) form.append(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
    }
    for (let i = 0; i < 2; i++) {
      const r = await call('POST', `${W.url}/mypay/notify`, form.toString(), { 'content-type': 'application/x-www-form-urlencoded' });
      assert.deepEqual([r.status, r.text], [200, '8888'], 'the report is accepted');
    }
    const rec = await wAdmin('POST', '/admin/reconcile', { min_age_seconds: 0, limit: 500 });
    assert.equal(rec.status, 200, rec.text);
    const view = await wAdmin('GET', `/admin/orders/${id}?live=0`);
    assert.equal(view.body.events.filter((e) => e.kind === 'report').length, reportsBefore + 2, 'both reports were kept');
    await sleep(1000); // time for a (wrong) delivery to go out
    const after = await deliveriesOf(id);
    assert.deepEqual(after.map((x) => [x.id, x.type]), before.map((x) => [x.id, x.type]), `no new outbox row for ${id}`);
    assert.equal(after.length, 1, JSON.stringify(after));
    assert.equal(received.filter(forOrder(id)).length, requestsBefore, `no new request for ${id}`);
  }
});

test('a paid amount that differs from the order is announced as order.needs_review', async () => {
  assert.ok(storeCode, 'needs the store-code order of the test above');
  // The store code was paid, but MYPAY's details differ (290).
  const settle = await sandbox('POST', `/sandbox/orders/${storeCode.uid}/settle`, { prc: '290' });
  assert.equal(settle.status, 200, settle.text);
  await reconcileUntil(storeCode.id, 'needs_review');
  const { event } = await announced(storeCode.id, 'order.needs_review', 'needs_review');
  assert.equal(event.data.review_reason, 'paid_mismatch');
  assert.equal(event.data.payment.prc, '290');
  const types = (await deliveriesOf(storeCode.id)).map((x) => x.type).sort();
  assert.deepEqual(types, ['order.needs_review', 'order.pending']);
});

test('a refund made in MYPAY\'s panel is announced as order.refund_pending, then order.refunded', async () => {
  const uidOut = {};
  const id = await orderIn('paid', { uidOut });
  const r = await wAdmin('POST', `/admin/orders/${id}/manual-refund`, { note: 'refunded by phone' });
  assert.equal(r.status, 202, r.text);
  assert.equal(r.body.status, 'refund_pending');
  const { request: pending, event } = await announced(id, 'order.refund_pending', 'refund_pending');
  assert.equal(event.data.refunded_at, null);
  // MYPAY's query shows the refund once it is done: the order is refunded.
  const done = await sandbox('POST', `/sandbox/orders/${uidOut.uid}/refund`, { complete: true });
  assert.equal(done.status, 200, done.text);
  await reconcileUntil(id, 'refunded');
  const { request: refunded } = await announced(id, 'order.refunded', 'refunded');
  assert.notEqual(refunded.headers['webhook-id'], pending.headers['webhook-id']);
  const types = (await deliveriesOf(id)).map((x) => x.type).sort();
  assert.deepEqual(types, ['order.paid', 'order.refund_pending', 'order.refunded']);
});

test('a refund recorded after MYPAY shows it: order.refund_pending and order.refunded, each with its own data', async () => {
  // The admin refunds in MYPAY's panel first, then records it: the order
  // goes refund_pending and, as MYPAY's query already shows the refund,
  // refunded within the same request. Each message shows the order as the
  // change it announces left it.
  const uidOut = {};
  const id = await orderIn('paid', { uidOut });
  const done = await sandbox('POST', `/sandbox/orders/${uidOut.uid}/refund`, { complete: true });
  assert.equal(done.status, 200, done.text);
  const r = await wAdmin('POST', `/admin/orders/${id}/manual-refund`);
  assert.equal(r.status, 202, r.text);
  assert.equal(r.body.status, 'refunded');
  const { event: pending } = await announced(id, 'order.refund_pending', 'refund_pending');
  assert.equal(pending.data.refunded_at, null);
  const { event: refunded } = await announced(id, 'order.refunded', 'refunded');
  assert.ok(refunded.data.refunded_at);
});

test('an unpaid order past its deadline is announced as order.expired', async () => {
  const { order_id: id } = await checkoutOnW();
  // Before the deadline the cron job's query leaves it pending.
  await wAdmin('POST', '/admin/reconcile', { min_age_seconds: 0, limit: 500 });
  assert.equal((await wAdmin('GET', `/admin/orders/${id}?live=0`)).body.status, 'pending');
  // Two hours later (ORDER_TTL_SECONDS is 30 minutes) it expires.
  const clock = await wAdmin('PUT', '/admin/test/clock', { offset_seconds: 7200 });
  assert.equal(clock.status, 200, clock.text);
  try {
    await reconcileUntil(id, 'expired');
    const { request, event } = await announced(id, 'order.expired', 'expired');
    assert.match(event.timestamp, /^\d{4}-\d\d-\d\dT/);
    // Signed with the real clock (a receiver checks it against its own).
    assert.ok(Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000) < 60);
    await waitForDelivery(id, (x) => x.type === 'order.expired' && x.status === 'delivered');
  } finally {
    const back = await wAdmin('PUT', '/admin/test/clock', { offset_seconds: 0 });
    assert.equal(back.status, 200, back.text);
  }
  assert.deepEqual((await deliveriesOf(id)).map((x) => x.type), ['order.expired']);
});

test('a receiver silent past WEBHOOK_TIMEOUT_MS is recorded as a timeout and retried', async () => {
  let first = true;
  // The first order.paid request gets its answer only after 4 s (the
  // Worker gives up at 2 s); the retry is answered at once.
  answer = (r) => {
    if (r.json?.type === 'order.paid' && first) {
      first = false;
      return sleep(4000).then(() => 204);
    }
    return 204;
  };
  try {
    const id = await orderIn('paid');
    const got = await waitForRequests(forOrder(id, 'order.paid'), { n: 2 });
    assert.equal(got[0].headers['webhook-id'], got[1].headers['webhook-id']);
    for (const r of got) new Webhook(SECRET).verify(r.body, headersOf(r));
    const d = await waitForDelivery(id, (x) => x.type === 'order.paid' && x.status === 'delivered');
    assert.equal(d.attempts, 2);
    const o = await wAdmin('GET', `/admin/orders/${id}?live=0`);
    const attempts = o.body.events.filter((e) => e.kind === 'webhook').map((e) => [e.detail.attempt, e.detail.status_code, e.detail.error, e.detail.outcome]);
    assert.deepEqual(attempts, [[1, null, 'timeout', 'pending'], [2, 204, null, 'delivered']]);
  } finally {
    answer = () => 204;
  }
});

test('admin API: endpoints with their own secret, deliveries, replay with the same webhook-id', async () => {
  // Without the token: 401.
  assert.equal((await call('GET', `${W.url}/admin/webhooks`)).status, 401);
  for (const url of ['ftp://127.0.0.1/x', 'http://example.com/hook', 'not a url', 'https://user:pw@example.com/']) {
    const r = await wAdmin('POST', '/admin/webhooks/endpoints', { url });
    assert.equal(r.status, 400, `${url}: ${r.text}`);
    assert.equal(r.body.error.code, 'invalid_url');
  }
  assert.equal((await wAdmin('POST', '/admin/webhooks/endpoints', { nope: 1 })).status, 400);
  const added = await wAdmin('POST', '/admin/webhooks/endpoints', { url: `${RECEIVER_URL}/console` });
  assert.equal(added.status, 201, added.text);
  const second = added.body.secret;
  assert.match(second, /^whsec_[A-Za-z0-9+/]{43}=$/);
  assert.notEqual(second, SECRET);
  const ep = added.body.endpoint;
  assert.deepEqual({ url: ep.url, enabled: ep.enabled, source: ep.source }, { url: `${RECEIVER_URL}/console`, enabled: true, source: 'console' });
  const https = await wAdmin('POST', '/admin/webhooks/endpoints', { url: 'https://hooks.example.com/mypay' });
  assert.equal(https.status, 201, https.text);

  let list = await wAdmin('GET', '/admin/webhooks');
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.endpoints.map((e) => [e.id, e.source]), [['setting', 'setting'], [ep.id, 'console'], [https.body.endpoint.id, 'console']]);
  assert.equal(list.body.failed_deliveries, 0);
  assert.ok(!list.text.includes(second) && !list.text.includes(SECRET), 'secrets are shown once, at creation');
  // The setting's endpoint is not removed here; an unknown one is 404.
  assert.equal((await wAdmin('DELETE', '/admin/webhooks/endpoints/setting')).status, 409);
  assert.equal((await wAdmin('DELETE', '/admin/webhooks/endpoints/we_nope')).status, 404);
  const del = await wAdmin('DELETE', `/admin/webhooks/endpoints/${https.body.endpoint.id}`);
  assert.deepEqual([del.status, del.body], [200, { deleted: true }]);

  // A new paid order goes to both endpoints, each signed with its own secret,
  // under one webhook-id.
  const id = await orderIn('paid');
  const [toSetting] = await waitForRequests((r) => r.path === '/hooks' && forOrder(id, 'order.paid')(r));
  const [toConsole] = await waitForRequests((r) => r.path === '/console' && forOrder(id, 'order.paid')(r));
  assert.equal(toConsole.headers['webhook-id'], toSetting.headers['webhook-id']);
  new Webhook(second).verify(toConsole.body, headersOf(toConsole));
  assert.throws(() => new Webhook(SECRET).verify(toConsole.body, headersOf(toConsole)));

  // Deliveries: filtered, paged.
  const delivered = await waitForDelivery(id, (x) => x.endpoint_id === ep.id && x.status === 'delivered');
  const page1 = await wAdmin('GET', `/admin/webhooks/deliveries?order_id=${id}&limit=1`);
  assert.equal(page1.body.deliveries.length, 1);
  assert.ok(page1.body.next_cursor);
  const page2 = await wAdmin('GET', `/admin/webhooks/deliveries?order_id=${id}&limit=1&cursor=${encodeURIComponent(page1.body.next_cursor)}`);
  assert.equal(page2.body.deliveries.length, 1);
  assert.notEqual(page2.body.deliveries[0].id, page1.body.deliveries[0].id);
  assert.equal(page2.body.next_cursor, null);
  const keys = ['id', 'webhook_id', 'endpoint_id', 'url', 'type', 'order_id', 'status', 'attempts', 'next_attempt_at', 'last_status_code', 'last_error', 'created_at', 'delivered_at'];
  assert.deepEqual(Object.keys(page1.body.deliveries[0]).sort(), [...keys].sort());
  const onlyDelivered = await wAdmin('GET', '/admin/webhooks/deliveries?status=delivered&limit=200');
  assert.ok(onlyDelivered.body.deliveries.every((x) => x.status === 'delivered'));
  assert.equal((await wAdmin('GET', '/admin/webhooks/deliveries?status=lost')).status, 400);
  assert.equal((await wAdmin('GET', '/admin/webhooks/deliveries?cursor=nonsense')).status, 400);

  // Replay: the same message again (same webhook-id, same body).
  const before = received.length;
  const replay = await wAdmin('POST', `/admin/webhooks/deliveries/${delivered.id}/replay`);
  assert.equal(replay.status, 202, replay.text);
  assert.equal(replay.body.delivery.webhook_id, delivered.webhook_id);
  assert.equal(replay.body.delivery.status, 'pending');
  const [again] = await waitForRequests((r) => received.indexOf(r) >= before && r.path === '/console');
  assert.equal(again.headers['webhook-id'], delivered.webhook_id);
  assert.equal(again.body, toConsole.body);
  new Webhook(second).verify(again.body, headersOf(again));
  const done = await waitForDelivery(id, (x) => x.id === delivered.id && x.status === 'delivered' && x.attempts === 2);
  assert.equal(done.webhook_id, delivered.webhook_id);
  assert.equal((await wAdmin('POST', '/admin/webhooks/deliveries/dlv_nope/replay')).status, 404);

  const gone = await wAdmin('DELETE', `/admin/webhooks/endpoints/${ep.id}`);
  assert.equal(gone.status, 200);
  list = await wAdmin('GET', '/admin/webhooks');
  assert.deepEqual(list.body.endpoints.map((e) => e.id), ['setting']);
});

test('a delivery survives a Worker restart mid-retry (the cron job sends it)', async () => {
  answer = (r) => (r.json?.type === 'order.paid' ? 503 : 204);
  const id = await orderIn('paid');
  const toSetting = (r) => r.path === '/hooks' && forOrder(id, 'order.paid')(r);
  const [first] = await waitForRequests(toSetting);
  assert.equal(first.status, 503);
  // Stop the Worker between attempts (the failed one recorded, the next one
  // waiting on the queue): its queue message goes with it.
  await waitForDelivery(id, (x) => x.type === 'order.paid' && x.status === 'pending' && x.attempts >= 1, 10000);
  await W.stop();
  const during = received.filter(toSetting).length;
  answer = () => 204;
  // The new instance gives up sooner (the test below waits for that).
  W = await startWorker({ schedule: '1,1' });
  await migrateAndSeed(await W.db()); // nothing to apply: the same persisted D1
  const pending = (await deliveriesOf(id)).find((x) => x.type === 'order.paid');
  assert.ok(pending, 'the delivery row survived');
  assert.equal(pending.webhook_id, first.headers['webhook-id']);
  // The cron job (as Cloudflare would run it) sweeps what is due.
  const deadline = Date.now() + 20000;
  let d;
  while (!d) {
    const cron = await fetch(`${W.url}/cdn-cgi/local/scheduled`);
    assert.equal(cron.status, 200, await cron.text());
    d = (await deliveriesOf(id)).find((x) => x.type === 'order.paid' && x.status === 'delivered');
    if (!d && Date.now() > deadline) assert.fail(`not delivered after the restart: ${JSON.stringify(await deliveriesOf(id))}`);
    if (!d) await sleep(500);
  }
  const got = received.filter(toSetting);
  assert.ok(got.length > during, 'delivered again after the restart');
  const last = got.at(-1);
  assert.equal(last.status, 204);
  assert.equal(last.headers['webhook-id'], first.headers['webhook-id']);
  assert.equal(last.body, first.body);
  new Webhook(SECRET).verify(last.body, headersOf(last));
  assert.equal(d.attempts, got.length);
  // No secret reached the Worker's logs.
  const logs = readFileSync(join(TMP, 'worker.log'), 'utf8');
  assert.ok(logs.includes('webhook_delivered'), 'the worker logged its deliveries');
  for (const s of [SECRET.slice(6), ADMIN_TOKEN]) assert.ok(!logs.includes(s), 'a secret in the logs');
});

test('after the last retry a delivery is failed, counted, and a removed endpoint fails at once', async () => {
  // This instance's schedule is 1 s, 1 s: three attempts, then failed.
  // /flaky answers 500 after 1.5 s: it is removed while its first attempt waits.
  answer = (r) => (r.path === '/flaky' ? sleep(1500).then(() => 500) : r.json?.type === 'order.paid' ? 500 : 204);
  try {
    const before = (await wAdmin('GET', '/admin/webhooks')).body.failed_deliveries;
    const flaky = await wAdmin('POST', '/admin/webhooks/endpoints', { url: `${RECEIVER_URL}/flaky` });
    assert.equal(flaky.status, 201, flaky.text);
    const id = await orderIn('paid');
    await waitForRequests((r) => r.path === '/flaky' && forOrder(id)(r));
    assert.equal((await wAdmin('DELETE', `/admin/webhooks/endpoints/${flaky.body.endpoint.id}`)).status, 200);
    const failed = await waitForDelivery(id, (x) => x.endpoint_id === 'setting' && x.status === 'failed');
    assert.equal(failed.attempts, 3);
    assert.equal(failed.last_status_code, 500);
    assert.equal(failed.last_error, 'http_500');
    assert.equal(failed.next_attempt_at, null);
    assert.equal(received.filter((r) => r.path === '/hooks' && forOrder(id, 'order.paid')(r)).length, 3);
    // The console endpoint, removed during its first attempt, fails at the
    // next attempt without a request.
    const removed = await waitForDelivery(id, (x) => x.endpoint_id === flaky.body.endpoint.id && x.status === 'failed');
    assert.equal(removed.last_error, 'endpoint_removed');
    assert.equal(removed.attempts, 2);
    assert.equal(received.filter((r) => r.path === '/flaky' && forOrder(id)(r)).length, 1, 'no request after the removal');
    const overview = await wAdmin('GET', '/admin/webhooks');
    assert.equal(overview.body.failed_deliveries, before + 2);
    const list = await wAdmin('GET', `/admin/webhooks/deliveries?status=failed&order_id=${id}`);
    assert.deepEqual(list.body.deliveries.map((x) => x.status), ['failed', 'failed']);
    const o = await wAdmin('GET', `/admin/orders/${id}?live=0`);
    const last = o.body.events.filter((e) => e.kind === 'webhook' && e.detail.endpoint === 'setting').at(-1);
    assert.deepEqual([last.detail.attempt, last.detail.status_code, last.detail.outcome], [3, 500, 'failed']);
  } finally {
    answer = () => 204;
  }
});
