// The browser client mypay-edge/storefront (js/storefront/index.js) with a scripted fetch:
// request shapes, error mapping, idempotent checkout retries, waitForFinal's backoff.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStorefront, FINAL_STATUSES, StorefrontError } from '../../js/storefront/index.js';

const json = (status, body) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** A fetch that answers from `script` in order and records every call. */
function scripted(...script) {
  const calls = [];
  const fetch = async (url, init = {}) => {
    calls.push({ url, ...init, headers: { ...init.headers } });
    const next = script.shift();
    if (!next) throw new Error('unexpected fetch ' + url);
    return typeof next === 'function' ? next(url, init) : next;
  };
  return { fetch, calls };
}

const ORDER = {
  items: [{ product_id: 'oolong-150g', quantity: 2, extra: 'dropped' }],
  vouchers: ['PAID-100-A1'],
  customer: { id: 'u-1', name: '王小明', email: 'ming@example.com', phone: '0912345678' },
  pfn: 'CSTORECODE',
  invoice: { type: 'donation', love_code: '168001' },
};
const CREATED = { order_id: 'ME1', token: 't0k', amount: 800, currency: 'TWD', payment_url: 'x', expires_at: 'y' };

describe('storefront client', () => {
  test('listProducts GETs /api/products under baseUrl and returns the array', async () => {
    const { fetch, calls } = scripted(json(200, { products: [{ id: 'a' }] }));
    const sf = createStorefront({ baseUrl: 'https://shop.example/', fetch });
    assert.deepEqual(await sf.listProducts(), [{ id: 'a' }]);
    assert.equal(calls[0].url, 'https://shop.example/api/products');
    assert.equal(calls[0].method, 'GET');
  });

  test('quote POSTs only items and vouchers as JSON', async () => {
    const { fetch, calls } = scripted(json(200, { amount: 1 }));
    await createStorefront({ fetch }).quote(ORDER);
    assert.equal(calls[0].url, '/api/quote');
    assert.equal(calls[0].headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(calls[0].body), {
      items: [{ product_id: 'oolong-150g', quantity: 2 }],
      vouchers: ['PAID-100-A1'],
    });
  });

  test('an error body becomes a StorefrontError with code, status, message, details', async () => {
    const details = [{ code: 'NOPE', reason: 'voucher_not_found' }];
    const { fetch } = scripted(json(409, { error: { code: 'voucher_unavailable', message: 'no', details } }));
    const err = await createStorefront({ fetch }).checkout(ORDER).catch((e) => e);
    assert.ok(err instanceof StorefrontError);
    assert.equal(err.name, 'StorefrontError');
    assert.equal(err.code, 'voucher_unavailable');
    assert.equal(err.status, 409);
    assert.equal(err.message, 'no');
    assert.deepEqual(err.details, details);
    assert.match(err.idempotencyKey, /^[0-9a-f-]{36}$/);
  });

  test('a non-JSON error answer is http_error; a non-JSON success is bad_response', async () => {
    const { fetch } = scripted(new Response('<h1>502</h1>', { status: 502 }), new Response('8888'));
    const sf = createStorefront({ fetch });
    assert.equal((await sf.listProducts().catch((e) => e)).code, 'http_error');
    assert.equal((await sf.listProducts().catch((e) => e)).code, 'bad_response');
  });

  test('checkout sends the body and a generated Idempotency-Key, and returns the key', async () => {
    const { fetch, calls } = scripted(json(201, CREATED));
    const res = await createStorefront({ fetch }).checkout(ORDER);
    assert.deepEqual({ ...res }, CREATED);
    const key = calls[0].headers['idempotency-key'];
    assert.match(key, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(res.idempotencyKey, key);
    const body = JSON.parse(calls[0].body);
    assert.deepEqual(body.customer, ORDER.customer);
    assert.equal(body.pfn, 'CSTORECODE');
    assert.deepEqual(body.invoice, ORDER.invoice);
  });

  test('checkout retries a network failure with the same key and the same body', async () => {
    const fail = () => {
      throw new TypeError('Failed to fetch');
    };
    const { fetch, calls } = scripted(fail, fail, json(201, CREATED));
    const res = await createStorefront({ fetch }).checkout(ORDER, { idempotencyKey: 'k-1' });
    assert.equal(res.order_id, 'ME1');
    assert.equal(calls.length, 3);
    assert.deepEqual(
      calls.map((c) => c.headers['idempotency-key']),
      ['k-1', 'k-1', 'k-1'],
    );
    assert.equal(new Set(calls.map((c) => c.body)).size, 1);
  });

  test('checkout retries idempotency_in_progress with the same key', async () => {
    const busy = json(409, { error: { code: 'idempotency_in_progress', message: 'wait' } });
    const { fetch, calls } = scripted(busy, json(201, CREATED));
    const res = await createStorefront({ fetch }).checkout(ORDER, { idempotencyKey: 'k-2' });
    assert.equal(res.order_id, 'ME1');
    assert.deepEqual(calls.map((c) => c.headers['idempotency-key']), ['k-2', 'k-2']);
  });

  test('an upstream failure names the order the Worker kept', async () => {
    const { fetch } = scripted(json(504, { error: { code: 'upstream_timeout', message: 'slow', order_id: 'ME9' } }));
    const err = await createStorefront({ fetch }).checkout(ORDER).catch((e) => e);
    assert.equal(err.code, 'upstream_timeout');
    assert.equal(err.status, 504);
    assert.equal(err.orderId, 'ME9');
  });

  test('checkout does not retry an answer, and gives up on the network after its retries', async () => {
    const fail = () => {
      throw new TypeError('offline');
    };
    const a = scripted(json(502, { error: { code: 'upstream_error', message: 'x' } }));
    assert.equal((await createStorefront({ fetch: a.fetch }).checkout(ORDER).catch((e) => e)).code, 'upstream_error');
    assert.equal(a.calls.length, 1);
    const b = scripted(fail, fail);
    const err = await createStorefront({ fetch: b.fetch, checkoutRetries: 1 }).checkout(ORDER).catch((e) => e);
    assert.equal(err.code, 'network_error');
    assert.equal(err.status, 0);
    assert.equal(b.calls.length, 2);
  });

  test('orderStatus sends the token as a Bearer header, never in the URL', async () => {
    const { fetch, calls } = scripted(json(200, { order_id: 'ME/1', status: 'paid' }));
    await createStorefront({ fetch }).orderStatus('ME/1', 'secret');
    assert.equal(calls[0].url, '/api/orders/ME%2F1');
    assert.equal(calls[0].headers.authorization, 'Bearer secret');
  });

  test('waitForFinal polls with growing delays until a final status, through transient errors', async () => {
    const t0 = Date.now();
    const times = [];
    const at = (r) => () => (times.push(Date.now() - t0), r);
    const { fetch } = scripted(
      at(json(200, { status: 'created', updated_at: '1' })),
      at(json(503, { error: { code: 'upstream_unavailable', message: 'x' } })),
      at(json(200, { status: 'pending', updated_at: '2' })),
      at(json(200, { status: 'pending', updated_at: '2' })),
      at(json(200, { status: 'paid', updated_at: '3' })),
    );
    const seen = [];
    const order = await createStorefront({ fetch }).waitForFinal('ME1', 't', {
      initialDelayMs: 20,
      factor: 2,
      maxDelayMs: 60,
      onUpdate: (o) => seen.push(o.status),
    });
    assert.equal(order.status, 'paid');
    assert.deepEqual(seen, ['created', 'pending', 'paid'], 'onUpdate once per change');
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    assert.ok(gaps[0] >= 15 && gaps[1] >= 35 && gaps[2] >= 55 && gaps[3] >= 55, `gaps ${gaps}`);
    assert.ok(gaps[3] < 200, `capped at maxDelayMs: ${gaps}`);
  });

  test('waitForFinal stops on order_not_found, on timeout and on abort', async () => {
    const nf = scripted(json(404, { error: { code: 'order_not_found', message: 'x' } }));
    assert.equal((await createStorefront({ fetch: nf.fetch }).waitForFinal('ME1', 'bad').catch((e) => e)).code, 'order_not_found');

    const pending = () => json(200, { status: 'pending' });
    const to = scripted(pending, pending, pending, pending, pending, pending);
    const err = await createStorefront({ fetch: to.fetch })
      .waitForFinal('ME1', 't', { timeoutMs: 50, initialDelayMs: 20 })
      .catch((e) => e);
    assert.equal(err.code, 'timeout');
    assert.equal(err.details.status, 'pending');

    const ctl = new AbortController();
    const ab = scripted(pending, pending);
    const p = createStorefront({ fetch: ab.fetch }).waitForFinal('ME1', 't', { signal: ctl.signal, initialDelayMs: 1000 });
    setTimeout(() => ctl.abort(), 30);
    assert.equal((await p.catch((e) => e)).code, 'aborted');
  });

  test('final statuses', () => {
    assert.deepEqual([...FINAL_STATUSES], ['paid', 'failed', 'expired', 'refunded', 'needs_review']);
  });

  test('the demo storefront serves an up-to-date copy of the client', () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
    const src = fs.readFileSync(path.join(root, 'js/storefront/index.js'), 'utf8');
    const copy = fs.readFileSync(path.join(root, 'public/vendor/storefront.js'), 'utf8');
    assert.equal(copy.slice(copy.indexOf('\n') + 1), src, 'run scripts/build-storefront.sh');
  });
});
