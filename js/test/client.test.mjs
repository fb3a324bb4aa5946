// MypayClient against a local fake of the agent API (http.createServer):
// what goes on the wire, timeouts, the call policy (the protocol crate's:
// orders and refunds once, queries repeated on transient failures, a
// resend under the next key during key rotation), errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { inspect } from 'node:util';
import { MypayClient, MypayError, callPolicy, version } from 'mypay-edge';
import { TEST_AGENT_UID, TEST_KEY, TEST_STORE_UID, sampleOrder, nodeDecrypt } from './helpers.mjs';

const ORDER_OK = '{"code":"200","msg":"資料正確","url":"http:\\/\\/pay.usecase.cc\\/payment\\/95227.html","uid":95227,"key":"d2c55a2055cbe6f711f1e977039e2a8f"}';

let server;
let base;
const seen = [];
let answer = () => ({ status: 200, body: ORDER_OK });

before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const entry = { method: req.method, url: req.url, headers: req.headers, body, form };
      try {
        entry.service = JSON.parse(nodeDecrypt(form.get('service'), TEST_KEY));
        entry.data = JSON.parse(nodeDecrypt(form.get('encry_data'), TEST_KEY));
      } catch {}
      seen.push(entry);
      const a = answer(entry);
      if (a === 'hang') return; // never answer
      res.writeHead(a.status, { 'content-type': a.type ?? 'text/html; charset=UTF-8' });
      res.end(a.body);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
});

after(() => {
  server.closeAllConnections?.();
  server.close();
});

const client = (opts = {}) =>
  new MypayClient({ endpoint: `${base}/api/agent`, agentUid: TEST_AGENT_UID, key: TEST_KEY, storeUid: TEST_STORE_UID, ...opts });

test('createOrder posts one encrypted form with a User-Agent and returns the order', async () => {
  seen.length = 0;
  answer = () => ({ status: 200, body: ORDER_OK });
  const order = sampleOrder();
  delete order.store_uid;
  const r = await client().createOrder(order);
  assert.equal(r.uid, '95227');
  assert.equal(r.key, 'd2c55a2055cbe6f711f1e977039e2a8f');
  assert.equal(r.url, 'http://pay.usecase.cc/payment/95227.html');
  assert.equal(seen.length, 1);
  const s = seen[0];
  assert.equal(s.method, 'POST');
  assert.equal(s.url, '/api/agent');
  assert.equal(s.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.equal(s.headers['user-agent'], `mypay-edge/${version}`);
  assert.equal(s.form.get('agent_uid'), TEST_AGENT_UID);
  assert.deepEqual(s.service, { service_name: 'api', cmd: 'api/orders' });
  assert.deepEqual(s.data, { ...order, store_uid: TEST_STORE_UID }, 'store_uid filled from the client');
});

test("an order's own store_uid wins; a custom User-Agent is sent", async () => {
  seen.length = 0;
  answer = () => ({ status: 200, body: ORDER_OK });
  await client({ userAgent: 'shop/1.0' }).createOrder({ ...sampleOrder(), store_uid: '289151880002' });
  assert.equal(seen[0].headers['user-agent'], 'shop/1.0');
  assert.equal(seen[0].data.store_uid, '289151880002');
});

test('createOrder is never retried: one request even when MYPAY answers 502', async () => {
  seen.length = 0;
  answer = () => ({ status: 502, body: '<html><body>502 Bad Gateway</body></html>' });
  await assert.rejects(client().createOrder(sampleOrder()), (e) => {
    assert.ok(e instanceof MypayError);
    assert.equal(e.code, 'upstream_not_json');
    assert.equal(e.status, 502);
    return true;
  });
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(seen.length, 1);
});

test('a call that gets no answer within timeoutMs fails with timeout, once', async () => {
  seen.length = 0;
  answer = () => 'hang';
  const t0 = Date.now();
  await assert.rejects(client({ timeoutMs: 300 }).createOrder(sampleOrder()), (e) => {
    assert.ok(e instanceof MypayError);
    assert.equal(e.code, 'timeout');
    assert.match(e.message, /may have been created/);
    return true;
  });
  const took = Date.now() - t0;
  assert.ok(took >= 280 && took < 5000, `took ${took} ms`);
  assert.equal(seen.length, 1);
});

test('an unreachable endpoint is network_error', async () => {
  const closed = http.createServer();
  await new Promise((r) => closed.listen(0, '127.0.0.1', r));
  const port = closed.address().port;
  await new Promise((r) => closed.close(r));
  const c = new MypayClient({ endpoint: `http://127.0.0.1:${port}/api/agent`, agentUid: '1', key: TEST_KEY });
  await assert.rejects(c.queryOrder({ uid: 1, key: 'k' }), { name: 'MypayError', code: 'network_error' });
});

test("MYPAY's refusal is mypay_error with its code and msg", async () => {
  answer = () => ({ status: 200, type: 'application/json', body: '{"code":"100","msg":"資料錯誤"}' });
  await assert.rejects(client().createOrder(sampleOrder()), { code: 'mypay_error', mypayCode: '100', mypayMsg: '資料錯誤' });
});

test('an invalid order is refused before anything is sent', async () => {
  seen.length = 0;
  await assert.rejects(client().createOrder({ ...sampleOrder(), cost: 901 }), (e) => {
    assert.equal(e.code, 'invalid_request');
    assert.equal(e.problems[0].code, 'cost_mismatch');
    return true;
  });
  await assert.rejects(client({ storeUid: undefined }).createOrder({ ...sampleOrder(), store_uid: undefined }), { code: 'invalid_request' });
  assert.equal(seen.length, 0);
});

test('queryOrder sends {uid, key} and returns the order', async () => {
  seen.length = 0;
  answer = () => ({ status: 200, body: JSON.stringify({ uid: '95227', key: 'd2c5', prc: '250', cost: 900, order_id: '1234567890', pfn: 'CREDITCARD' }) });
  const r = await client().queryOrder({ uid: 95227, key: 'd2c5' });
  assert.equal(r.prc, '250');
  assert.equal(r.cost, '900');
  assert.deepEqual(seen[0].service, { service_name: 'api', cmd: 'api/queryorder' });
  assert.deepEqual(seen[0].data, { uid: '95227', key: 'd2c5' });
  await assert.rejects(client().queryOrder({ uid: 95227 }), { code: 'invalid_argument' });
  assert.equal(seen.length, 1);
});

test('refund fills store_uid, sends the refund and reads B200; B500 is mypay_error', async () => {
  seen.length = 0;
  answer = () => ({ status: 200, body: '{"code":"B200","msg":"執行成功","uid":"95227","key":"d2c5"}' });
  const req = { uid: '95227', key: 'd2c5', cost: 900, voucher_paid: [{ product_id: 'P01', serial_number: 'P1635306439' }] };
  const r = await client().refund(req);
  assert.equal(r.code, 'B200');
  assert.deepEqual(seen[0].service, { service_name: 'api', cmd: 'api/refund' });
  assert.equal(seen[0].data.store_uid, TEST_STORE_UID);
  answer = () => ({ status: 200, body: '{"code":"B500","msg":"執行失敗"}' });
  await assert.rejects(client().refund(req), { code: 'mypay_error', mypayCode: 'B500' });
  await assert.rejects(client().refund({ uid: '1', cost: 1 }), { code: 'invalid_request' });
});

test('an injected fetch is used, called unbound, with the same request', async () => {
  const calls = [];
  const c = client({
    fetch: function (url, init) {
      calls.push({ self: this, url, init });
      return Promise.resolve(new Response(ORDER_OK, { status: 200 }));
    },
  });
  const r = await c.createOrder(sampleOrder());
  assert.equal(r.uid, '95227');
  assert.equal(calls.length, 1);
  assert.equal(calls[0].self, undefined);
  assert.equal(calls[0].url, `${base}/api/agent`);
  assert.equal(calls[0].init.method, 'POST');
  assert.ok(calls[0].init.signal instanceof AbortSignal);
  assert.equal(calls[0].init.headers['user-agent'], `mypay-edge/${version}`);
});

test('the client never shows its key', () => {
  const c = client();
  assert.ok(!JSON.stringify(c).includes(TEST_KEY));
  assert.ok(!inspect(c, { depth: 5, showHidden: true }).includes(TEST_KEY));
  assert.ok(!Object.values(c).includes(TEST_KEY));
});

test('the constructor checks its options', () => {
  const ok = { endpoint: 'https://pay.usecase.cc/api/agent', agentUid: TEST_AGENT_UID, key: TEST_KEY };
  assert.throws(() => new MypayClient({ ...ok, endpoint: 'ftp://x' }), { code: 'invalid_argument' });
  assert.throws(() => new MypayClient({ ...ok, endpoint: undefined }), { code: 'invalid_argument' });
  assert.throws(() => new MypayClient({ ...ok, agentUid: '' }), { code: 'invalid_argument' });
  assert.throws(() => new MypayClient({ ...ok, key: 'short' }), { code: 'invalid_key' });
  assert.throws(() => new MypayClient({ ...ok, timeoutMs: 0 }), { code: 'invalid_argument' });
  assert.throws(() => new MypayClient({ ...ok, userAgent: '' }), { code: 'invalid_argument' });
  assert.throws(() => new MypayClient(), { code: 'invalid_argument' });
  assert.equal(new MypayClient(ok).timeoutMs, 30000);
});

const QUERY_OK = JSON.stringify({ uid: '95227', key: 'd2c5', prc: '250', cost: 900, order_id: '1234567890' });

test('callPolicy is the protocol crate\'s: orders and refunds never repeated, queries on transient failures', () => {
  assert.deepEqual(callPolicy('api/orders'), { retry: { kind: 'never' } });
  assert.deepEqual(callPolicy('api/refund'), { retry: { kind: 'never' } });
  assert.deepEqual(callPolicy('api/queryorder'), { retry: { kind: 'transient', attempts: 3, backoff_ms: 200 } });
  assert.deepEqual(callPolicy('api/unknown'), { retry: { kind: 'never' } });
  assert.throws(() => callPolicy(''), { code: 'invalid_argument' });
});

test('queryOrder is repeated after a 502 and a timeout, waiting 200 ms then 400 ms', async () => {
  seen.length = 0;
  const times = [];
  const answers = [{ status: 502, body: '<html>502 Bad Gateway</html>' }, 'hang', { status: 200, body: QUERY_OK }];
  answer = () => (times.push(Date.now()), answers.shift());
  const r = await client({ timeoutMs: 300 }).queryOrder({ uid: 95227, key: 'd2c5' });
  assert.equal(r.prc, '250');
  assert.equal(seen.length, 3);
  assert.ok(times[1] - times[0] >= 180, `first wait ${times[1] - times[0]} ms`);
  assert.ok(times[2] - times[1] >= 300 + 380, `second wait ${times[2] - times[1]} ms (a 300 ms timeout, then 400 ms)`);
});

test("queryOrder gives up after three attempts with the last error; MYPAY's 400 is transient, 100 is not", async () => {
  seen.length = 0;
  answer = () => ({ status: 200, body: '{"code":"400","msg":"系統錯誤"}' });
  await assert.rejects(client().queryOrder({ uid: 1, key: 'k' }), { code: 'mypay_error', mypayCode: '400' });
  assert.equal(seen.length, 3);
  seen.length = 0;
  answer = () => ({ status: 200, body: '{"code":"100","msg":"查無資料"}' });
  await assert.rejects(client().queryOrder({ uid: 1, key: 'k' }), { code: 'mypay_error', mypayCode: '100' });
  assert.equal(seen.length, 1);
  seen.length = 0;
  answer = () => ({ status: 403, body: '<html>403 Forbidden</html>' });
  await assert.rejects(client().queryOrder({ uid: 1, key: 'k' }), { code: 'upstream_not_json', status: 403 });
  assert.equal(seen.length, 1, "the firewall's 403 is not transient");
});

test('refund is never repeated either', async () => {
  seen.length = 0;
  answer = () => ({ status: 503, body: '<html>503</html>' });
  const req = { uid: '95227', key: 'd2c5', cost: 900, voucher_paid: [{ product_id: 'P01', serial_number: 'P1635306439' }] };
  await assert.rejects(client().refund(req), { code: 'upstream_not_json', status: 503 });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(seen.length, 1);
});

test('key rotation: a call MYPAY cannot open under the current key (100) is sent once more under the next', async () => {
  const NEXT = 'N'.repeat(32);
  // A MYPAY that has switched to NEXT: it answers 100 to what it cannot open.
  const switched = (entry) => {
    try {
      JSON.parse(nodeDecrypt(entry.form.get('encry_data'), NEXT));
    } catch {
      return { status: 200, body: '{"code":"100","msg":"資料錯誤"}' };
    }
    return { status: 200, body: ORDER_OK };
  };
  seen.length = 0;
  answer = switched;
  const r = await client({ key: [TEST_KEY, NEXT] }).createOrder(sampleOrder());
  assert.equal(r.uid, '95227');
  assert.equal(seen.length, 2, 'once under each key');
  assert.deepEqual(JSON.parse(nodeDecrypt(seen[1].form.get('encry_data'), NEXT)).order_id, '1234567890');

  // Without a next key, or when the current key works, it is sent once.
  seen.length = 0;
  await assert.rejects(client().createOrder(sampleOrder()), { code: 'mypay_error', mypayCode: '100' });
  assert.equal(seen.length, 1);
  seen.length = 0;
  answer = () => ({ status: 200, body: ORDER_OK });
  await client({ key: [TEST_KEY, NEXT] }).createOrder(sampleOrder());
  assert.equal(seen.length, 1);

  // Another refusal is not a reason to change keys.
  seen.length = 0;
  answer = () => ({ status: 200, body: '{"code":"B500","msg":"執行失敗"}' });
  const req = { uid: '95227', key: 'd2c5', cost: 900, voucher_paid: [{ product_id: 'P01', serial_number: 'P1635306439' }] };
  await assert.rejects(client({ key: [TEST_KEY, NEXT] }).refund(req), { code: 'mypay_error', mypayCode: 'B500' });
  assert.equal(seen.length, 1);
});

test('the key is a 32-character string or [current, next]; neither is ever shown', () => {
  const ok = { endpoint: 'https://pay.usecase.cc/api/agent', agentUid: TEST_AGENT_UID };
  const NEXT = 'N'.repeat(32);
  const c = new MypayClient({ ...ok, key: [TEST_KEY, NEXT] });
  assert.ok(!JSON.stringify(c).includes(NEXT) && !inspect(c, { depth: 5, showHidden: true }).includes(NEXT));
  for (const key of [[], [TEST_KEY, 'short'], [TEST_KEY, NEXT, NEXT], [42], 42, null]) {
    assert.throws(() => new MypayClient({ ...ok, key }), { code: 'invalid_key' });
  }
});
