// MYPAY's yearly key rotation: a worker whose MYPAY_AGENT_KEY MYPAY no longer
// accepts (the sandbox answers 100, as for any envelope it cannot open) and
// whose MYPAY_AGENT_KEY_NEXT is MYPAY's key still creates, confirms and
// refunds orders: each call refused with 100 is sent once more under the
// next key. Runs against ROTATION_WORKER_URL (scripts/test-worker.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, call, customer, sandbox } from './helpers.mjs';

const BASE = process.env.ROTATION_WORKER_URL;
const admin = (method, path, body) => call(method, `${BASE}${path}`, body, { authorization: `Bearer ${ADMIN_TOKEN}` });

test('a call refused under the old key is sent once more under MYPAY_AGENT_KEY_NEXT', async () => {
  assert.ok(BASE, 'ROTATION_WORKER_URL must be set by scripts/test-worker.sh');
  const before = (await sandbox('GET', '/sandbox/requests')).body.length;
  const r = await call('POST', `${BASE}/api/checkout`, { items: [{ product_id: 'oolong-150g', quantity: 1 }], vouchers: [], customer });
  assert.equal(r.status, 201, r.text);
  const uid = r.body.payment_url.match(/payment\/(\d+)\.html/)[1];

  const calls = (await sandbox('GET', '/sandbox/requests')).body.slice(before);
  const orders = calls.filter((c) => c.code === '100' || c.service?.cmd === 'api/orders');
  assert.equal(orders.length, 2, JSON.stringify(calls));
  assert.equal(orders[0].code, '100', 'the first call, under the old key, is refused');
  assert.equal(orders[1].code, '200', 'the second, under the next key, creates the order');

  const paid = await sandbox('POST', `/sandbox/orders/${uid}/pay`, { card_number: '4938170130000003' });
  assert.equal(paid.status, 200, paid.text);
  // The report goes to the main worker's URL; this worker confirms by querying.
  const rec = await admin('POST', '/admin/reconcile', { min_age_seconds: 0, limit: 500 });
  assert.equal(rec.status, 200, rec.text);
  const o = await call('GET', `${BASE}/api/orders/${r.body.order_id}`, undefined, { authorization: `Bearer ${r.body.token}` });
  assert.equal(o.body.status, 'paid', o.text);

  const refund = await admin('POST', `/admin/orders/${r.body.order_id}/refund`, {});
  assert.equal(refund.status, 200, refund.text);
  assert.equal(refund.body.status, 'refunded');
});
