// The HTTP contract's edges: upstream faults, refunds, admin auth, CORS,
// bad input, body size, idempotency.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, admin, api, call, checkout, clearFaults, issue, order, sandbox, setFaults, voucherStatus, waitFor,
} from './helpers.mjs';

for (const [mode, status, code] of [
  ['http500', 502, 'upstream_unavailable'],
  ['garbage', 502, 'upstream_error'],
  ['html403', 502, 'upstream_unavailable'],
  ['timeout', 504, 'upstream_timeout'],
]) {
  test(`upstream ${mode} on api/orders → ${status} ${code}, order failed, vouchers released`, async () => {
    const [v] = await issue('paid', 100);
    await setFaults({ agent: { mode, count: 1, cmd: 'api/orders', delay_ms: 5000 } });
    try {
      const r = await checkout({ vouchers: [v] });
      assert.equal(r.status, status, r.text);
      assert.equal(r.body.error.code, code);
      assert.match(r.body.error.order_id, /^ME/);
      const view = await admin('GET', `/admin/orders/${r.body.error.order_id}`);
      assert.equal(view.body.status, 'failed');
      assert.equal(await voucherStatus(v), 'available');
      // api/orders is never retried: the sandbox saw one call for this order, with a User-Agent
      // (a timed-out call too: the sandbox logs it when it arrives, before its delay).
      const seen = async () => (await sandbox('GET', '/sandbox/requests')).body.filter((x) => x.data?.order_id === r.body.error.order_id);
      let reqs = await seen();
      for (let i = 0; i < 40 && reqs.length === 0; i++) {
        await new Promise((ok) => setTimeout(ok, 200));
        reqs = await seen();
      }
      // A retry would come at once: give it a moment to show.
      await new Promise((ok) => setTimeout(ok, 1000));
      reqs = await seen();
      assert.equal(reqs.length, 1, JSON.stringify(reqs));
      assert.match(reqs[0].user_agent, /^mypay-edge\//);
      assert.equal(reqs[0].fault, mode);
    } finally {
      await clearFaults();
    }
    const ok = await checkout({ vouchers: [v] });
    assert.equal(ok.status, 201, ok.text);
  });
}

test('refund: paid order → refunded; paid voucher returned (type 2); second refund refused', async () => {
  const [back] = await issue('paid', 100, { refund_return_type: '2' });
  const [kept] = await issue('paid', 50, { refund_return_type: '1' });
  const [toAgent] = await issue('paid', 30, { refund_return_type: '3' });
  const [free] = await issue('free', 20);
  const o = await order({ vouchers: [back, kept, toAgent, free] });
  await sandbox('POST', `/sandbox/orders/${o.uid}/pay`, { card_number: '4938170130000003' });
  await waitFor(o, 'paid');
  const r = await admin('POST', `/admin/orders/${o.order_id}/refund`, { invoice_state: '6' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.status, 'refunded');
  assert.equal(r.body.refund.code, 'B200');
  await waitFor(o, 'refunded');
  assert.equal(await voucherStatus(back), 'available');
  assert.equal(await voucherStatus(kept), 'used');
  assert.equal(await voucherStatus(toAgent), 'used');
  assert.equal(await voucherStatus(free), 'used');
  const list = (await admin('GET', '/admin/vouchers?status=used')).body.vouchers;
  assert.equal(list.find((v) => v.code === toAgent).refund_outcome, 'value_to_agent');
  const again = await admin('POST', `/admin/orders/${o.order_id}/refund`, {});
  assert.equal(again.status, 409, again.text);
  assert.equal(again.body.error.code, 'already_refunded');
  // The refund call listed every paid voucher.
  const reqs = (await sandbox('GET', '/sandbox/requests')).body.filter((x) => JSON.stringify(x).includes('api/refund') && JSON.stringify(x).includes(o.uid));
  assert.equal(reqs.length, 1);
  for (const code of [back, kept, toAgent]) assert.ok(JSON.stringify(reqs[0]).includes(code));
});

test('refund of an unpaid order is refused', async () => {
  const o = await order();
  const r = await admin('POST', `/admin/orders/${o.order_id}/refund`);
  assert.equal(r.status, 409, r.text);
  assert.equal(r.body.error.code, 'not_refundable');
});

test('admin endpoints need the admin token', async () => {
  for (const [m, p] of [['GET', '/admin/orders'], ['GET', '/admin/vouchers'], ['POST', '/admin/reconcile'], ['POST', '/admin/vouchers']]) {
    const none = await api(m, p, m === 'POST' ? {} : undefined);
    assert.equal(none.status, 401, `${m} ${p}`);
    assert.equal(none.body.error.code, 'unauthorized');
    const wrong = await api(m, p, m === 'POST' ? {} : undefined, { authorization: 'Bearer wrong-token-wrong-token' });
    assert.equal(wrong.status, 401);
  }
});

test('CORS: preflight from an allowed origin, refused for others', async () => {
  const ok = await call('OPTIONS', `${BASE}/api/checkout`, undefined, {
    origin: BASE, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, idempotency-key',
  });
  assert.equal(ok.status, 204);
  assert.equal(ok.headers.get('access-control-allow-origin'), BASE);
  assert.match(ok.headers.get('access-control-allow-headers'), /Idempotency-Key/i);
  const bad = await call('OPTIONS', `${BASE}/api/checkout`, undefined, { origin: 'https://evil.example', 'access-control-request-method': 'POST' });
  assert.equal(bad.status, 403);
  assert.equal(bad.headers.get('access-control-allow-origin'), null);
  const simple = await call('GET', `${BASE}/api/products`, undefined, { origin: BASE });
  assert.equal(simple.headers.get('access-control-allow-origin'), BASE);
  const other = await call('GET', `${BASE}/api/products`, undefined, { origin: 'https://evil.example' });
  assert.equal(other.headers.get('access-control-allow-origin'), null);
});

test('bad JSON, wrong shape, unknown product, bad quantities, empty cart', async () => {
  const bad = await api('POST', '/api/quote', '{"items": [', {});
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, 'bad_json');
  const shape = await api('POST', '/api/quote', { items: 'nope' });
  assert.equal(shape.status, 400);
  assert.equal(shape.body.error.code, 'invalid_request');
  const unknown = await api('POST', '/api/quote', { items: [{ product_id: 'no-such-tea', quantity: 1 }] });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.error.code, 'unknown_product');
  for (const quantity of [-1, 0, 1.5, 100, '2x']) {
    const r = await api('POST', '/api/quote', { items: [{ product_id: 'oolong-150g', quantity }] });
    assert.equal(r.status, 400, `${quantity}`);
    assert.equal(r.body.error.code, 'invalid_quantity');
  }
  const empty = await api('POST', '/api/quote', { items: [] });
  assert.equal(empty.body.error.code, 'empty_cart');
  const neg = await checkout({ items: [{ product_id: 'oolong-150g', quantity: -3 }] });
  assert.equal(neg.status, 400);
  assert.equal(neg.body.error.code, 'invalid_quantity');
  const nocust = await api('POST', '/api/checkout', { items: [{ product_id: 'oolong-150g', quantity: 1 }] });
  assert.equal(nocust.status, 400);
  assert.equal(nocust.body.error.code, 'invalid_request');
  const inv = await checkout({ invoice: { type: 'tax_id', tax_id: '12345678' } });
  assert.equal(inv.status, 400);
  assert.equal(inv.body.error.details[0].path, 'invoice.tax_id');
  const notFound = await api('GET', '/api/nope');
  assert.equal(notFound.status, 404);
  assert.equal(notFound.body.error.code, 'not_found');
  const method = await api('DELETE', '/api/quote');
  assert.equal(method.status, 405);
  assert.equal(method.body.error.code, 'method_not_allowed');
});

test('valid invoices reach MYPAY', async () => {
  for (const invoice of [
    { type: 'mobile', mobile_code: '/ABC+123' },
    { type: 'donation', love_code: '168001' },
    { type: 'tax_id', tax_id: '04595257', title: '某某股份有限公司' },
    { type: 'email' },
  ]) {
    const r = await checkout({ invoice });
    assert.equal(r.status, 201, `${JSON.stringify(invoice)} ${r.text}`);
  }
});

test('bodies over 64 KiB get 413', async () => {
  const big = JSON.stringify({ items: [{ product_id: 'oolong-150g', quantity: 1 }], pad: 'x'.repeat(70 * 1024) });
  const r = await api('POST', '/api/quote', big);
  assert.equal(r.status, 413);
  assert.equal(r.body.error.code, 'body_too_large');
  const n = await call('POST', `${BASE}/mypay/notify`, 'a='.padEnd(70 * 1024, 'x'), { 'content-type': 'application/x-www-form-urlencoded' });
  assert.equal(n.status, 413);
});

test('order status needs its token in Authorization; wrong token looks like no order', async () => {
  const o = await order();
  const good = await api('GET', `/api/orders/${o.order_id}`, undefined, { authorization: `Bearer ${o.token}` });
  assert.equal(good.status, 200);
  // Never from the URL (logs, history, proxies keep URLs).
  const inUrl = await api('GET', `/api/orders/${o.order_id}?token=${o.token}`);
  assert.equal(inUrl.status, 404);
  assert.equal(good.body.status, 'pending');
  assert.equal(good.body.amount, o.amount);
  const wrong = await api('GET', `/api/orders/${o.order_id}`, undefined, { authorization: 'Bearer nope' });
  assert.equal(wrong.status, 404);
  assert.equal(wrong.body.error.code, 'order_not_found');
  const missing = await api('GET', `/api/orders/ME000`);
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.code, 'order_not_found');
});

test('Idempotency-Key: a retry returns the same order; another body is 422', async () => {
  const key = `idem-${Date.now()}`;
  const body = { items: [{ product_id: 'tea-cup', quantity: 1 }] };
  const a = await checkout({ ...body, headers: { 'idempotency-key': key } });
  assert.equal(a.status, 201, a.text);
  const b = await checkout({ ...body, headers: { 'idempotency-key': key } });
  assert.equal(b.status, 201);
  assert.deepEqual(b.body, a.body);
  assert.equal(b.headers.get('idempotent-replayed'), 'true');
  const c = await checkout({ items: [{ product_id: 'tea-cup', quantity: 2 }], headers: { 'idempotency-key': key } });
  assert.equal(c.status, 422);
  assert.equal(c.body.error.code, 'idempotency_key_reused');
  // Concurrent retries with one key create one order.
  const k2 = `idem-c-${Date.now()}`;
  const many = await Promise.all(Array.from({ length: 5 }, () => checkout({ ...body, headers: { 'idempotency-key': k2 } })));
  const ids = new Set(many.filter((r) => r.status === 201).map((r) => r.body.order_id));
  assert.equal(ids.size, 1, many.map((r) => `${r.status} ${r.text.slice(0, 100)}`).join('\n'));
  assert.ok(many.every((r) => r.status === 201 || (r.status === 409 && r.body.error.code === 'idempotency_in_progress')));
});

test('products: the catalog with Chinese and English names', async () => {
  const r = await api('GET', '/api/products');
  assert.equal(r.status, 200);
  assert.ok(r.body.products.length >= 6);
  const p = r.body.products.find((x) => x.id === 'oolong-150g');
  assert.equal(p.price, 450);
  assert.equal(p.currency, 'TWD');
  assert.match(p.name, /烏龍/);
  assert.match(p.name_en, /Oolong/);
  assert.equal(p.image_url, '/img/oolong-150g.svg');
});

test('the test clock is off unless TEST_CLOCK=1: PUT /admin/test/clock is 404', async () => {
  const r = await admin('PUT', '/admin/test/clock', { offset_seconds: 3600 });
  assert.equal(r.status, 404, r.text);
  assert.equal(r.body.error.code, 'not_found');
});
