// MypayClient end to end against the real sandbox (`mypay sandbox`, the
// cli crate's local MYPAY LINK): create, pay, callback, verify, query,
// refund; the firewall's 403; injected faults. Needs target/release/mypay
// (scripts/test-js.sh builds it); MYPAY_BIN overrides the path.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MypayClient, MypayError, parseNotification, verifyNotification, statusClass, version } from 'mypay-edge';
import { TEST_AGENT_UID, TEST_KEY, TEST_STORE_UID, sampleOrder } from './helpers.mjs';

const BIN = process.env.MYPAY_BIN ?? fileURLToPath(new URL('../../target/release/mypay', import.meta.url));
const SUCCESS_CARD = '4761120010000492';
const FAILURE_CARD = '5204247750001471';

let sandbox;
let base;
let notifyServer;
const reports = [];
const waiters = [];

function onReport(pred, ms = 10_000) {
  const found = reports.find(pred);
  if (found) return Promise.resolve(found);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no callback report arrived')), ms);
    waiters.push({ pred, resolve: (r) => (clearTimeout(timer), resolve(r)) });
  });
}

before(async () => {
  assert.ok(existsSync(BIN), `${BIN} is missing: cargo build --release -p mypay-cli`);
  notifyServer = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const r = { body, contentType: req.headers['content-type'] };
      reports.push(r);
      for (const w of waiters.splice(0)) (w.pred(r) ? w.resolve(r) : waiters.push(w));
      res.end('8888');
    });
  });
  await new Promise((r) => notifyServer.listen(0, '127.0.0.1', r));
  const notifyUrl = `http://127.0.0.1:${notifyServer.address().port}/notify`;
  sandbox = spawn(BIN, ['sandbox', '--port', '0', '--in-memory', '--notify-url', notifyUrl, '--retry-schedule-ms', '500,500'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MYPAY_SANDBOX_KEY: '', MYPAY_SANDBOX_NEXT_KEY: '' },
  });
  let stderr = '';
  sandbox.stderr.on('data', (c) => (stderr += c));
  base = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`sandbox did not start: ${stderr}`)), 15_000);
    sandbox.stdout.on('data', (c) => {
      out += c;
      const m = out.match(/^listening on (http:\/\/[^\s]+)/m);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    sandbox.on('exit', (code) => reject(new Error(`sandbox exited with ${code}: ${stderr}`)));
  });
});

after(async () => {
  if (sandbox && sandbox.exitCode === null) {
    sandbox.kill('SIGTERM');
    await new Promise((r) => sandbox.once('exit', r));
  }
  notifyServer?.close();
});

const admin = async (method, path, body) => {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'user-agent': 'mypay-edge-tests' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
};

let n = 0;
const uniqueOrder = () => ({ ...sampleOrder(), order_id: `js-${process.pid}-${Date.now()}-${n++}` });
const client = (opts = {}) =>
  new MypayClient({ endpoint: `${base}/api/agent`, agentUid: TEST_AGENT_UID, key: TEST_KEY, storeUid: TEST_STORE_UID, ...opts });

test('sandbox: create, pay with the success card, verify the callback, query, refund', async () => {
  const order = uniqueOrder();
  delete order.store_uid;
  const created = await client().createOrder(order);
  assert.equal(created.code, '200');
  assert.match(created.uid, /^\d+$/);
  assert.match(created.key, /^[0-9a-f]{32}$/);
  assert.ok(created.url.includes(created.uid));

  const requests = await admin('GET', '/sandbox/requests');
  const mine = requests.filter((r) => r.data?.order_id === order.order_id);
  assert.equal(mine.length, 1);
  assert.equal(mine[0].user_agent, `mypay-edge/${version}`);
  assert.equal(mine[0].data.store_uid, TEST_STORE_UID);

  await admin('POST', `/sandbox/orders/${created.uid}/pay`, { card_number: SUCCESS_CARD });
  const report = await onReport((r) => {
    const f = new URLSearchParams(r.body);
    return f.get('uid') === created.uid && f.get('prc') === '250';
  });
  const note = parseNotification(report.body);
  assert.equal(statusClass(note.prc), 'paid');
  assert.equal(verifyNotification(note, { uid: created.uid, key: created.key, orderId: order.order_id, cost: 900 }), true);
  assert.throws(() => verifyNotification({ ...note, key: '0'.repeat(32) }, { uid: created.uid, key: created.key }), { code: 'key_mismatch' });
  assert.throws(() => verifyNotification(note, { uid: created.uid, key: created.key, cost: 1000 }), { code: 'cost_mismatch' });

  const q = await client().queryOrder({ uid: created.uid, key: created.key });
  assert.equal(q.prc, '250');
  assert.equal(q.order_id, order.order_id);
  assert.equal(q.cost, '900');

  const refunded = await client().refund({
    uid: created.uid,
    key: created.key,
    cost: 900,
    voucher_paid: [{ product_id: 'P01', serial_number: 'P1635306439' }],
  });
  assert.equal(refunded.code, 'B200');
  // As in the API text's example: the order keeps its 250 and gains a
  // refund_order entry with 230.
  const after = await client().queryOrder({ uid: created.uid, key: created.key });
  assert.equal(statusClass(after.prc), 'paid');
  const refunds = typeof after.refund_order === 'string' ? JSON.parse(after.refund_order) : after.refund_order;
  assert.equal(refunds.length, 1);
  assert.equal(statusClass(refunds[0].prc), 'refunded');
});

test('sandbox: the failure card gives a failed report that still verifies', async () => {
  const created = await client().createOrder(uniqueOrder());
  await admin('POST', `/sandbox/orders/${created.uid}/pay`, { card_number: FAILURE_CARD });
  const report = await onReport((r) => new URLSearchParams(r.body).get('uid') === created.uid);
  const note = parseNotification(report.body);
  assert.equal(statusClass(note.prc), 'failed');
  assert.equal(verifyNotification(report.body, { uid: created.uid, key: created.key }), true);
});

test("sandbox: MYPAY's refusals come back as mypay_error", async () => {
  const order = uniqueOrder();
  await client().createOrder(order);
  // The same order_id twice.
  await assert.rejects(client().createOrder(order), (e) => {
    assert.ok(e instanceof MypayError);
    assert.equal(e.code, 'mypay_error');
    assert.equal(e.mypayCode, '100');
    assert.equal(typeof e.mypayMsg, 'string');
    return true;
  });
  // Another store.
  await assert.rejects(client().createOrder({ ...uniqueOrder(), store_uid: '999' }), { code: 'mypay_error', mypayCode: '100' });
  // A key the sandbox does not know.
  await assert.rejects(client({ key: 'K'.repeat(32) }).queryOrder({ uid: 1, key: 'k' }), { code: 'mypay_error', mypayCode: '100' });
});

test('sandbox: without a User-Agent the firewall answers an HTML 403, which is upstream_not_json', async () => {
  // Node's fetch always adds a User-Agent: send with node:http instead.
  const httpFetch = (stripUserAgent) => (url, init) =>
    new Promise((resolve, reject) => {
      const headers = { ...init.headers };
      if (stripUserAgent) delete headers['user-agent'];
      const req = http.request(url, { method: init.method, headers, signal: init.signal }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, text: async () => text }));
      });
      req.on('error', reject);
      req.end(init.body);
    });
  await assert.rejects(client({ fetch: httpFetch(true) }).createOrder(uniqueOrder()), (e) => {
    assert.equal(e.code, 'upstream_not_json');
    assert.equal(e.status, 403);
    assert.match(e.snippet, /403 Forbidden/);
    return true;
  });
  // The same transport with the client's User-Agent goes through.
  const ok = await client({ fetch: httpFetch(false) }).createOrder(uniqueOrder());
  assert.equal(ok.code, '200');
});

test('sandbox: injected faults (500 page, garbage, no answer) are typed errors and never retried', async () => {
  const count = async (orderId) => (await admin('GET', '/sandbox/requests')).filter((r) => r.data?.order_id === orderId).length;

  await admin('PUT', '/sandbox/faults', { agent: { mode: 'http500', cmd: 'api/orders' } });
  let order = uniqueOrder();
  await assert.rejects(client().createOrder(order), { code: 'upstream_not_json', status: 500 });
  assert.equal(await count(order.order_id), 1);

  await admin('PUT', '/sandbox/faults', { agent: { mode: 'garbage', cmd: 'api/orders' } });
  order = uniqueOrder();
  await assert.rejects(client().createOrder(order), { code: 'upstream_not_json', status: 200 });

  await admin('PUT', '/sandbox/faults', { agent: { mode: 'timeout', cmd: 'api/orders', delay_ms: 1500 } });
  // The sandbox logs a call when it answers, and an abandoned call never is:
  // count the sends at the client.
  let sends = 0;
  const counting = (url, init) => (sends++, fetch(url, init));
  await assert.rejects(client({ timeoutMs: 400, fetch: counting }).createOrder(uniqueOrder()), { code: 'timeout' });
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(sends, 1, 'one request: no retry');
  await admin('DELETE', '/sandbox/faults');
});
