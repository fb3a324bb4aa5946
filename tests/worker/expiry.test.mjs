// Unpaid orders expire past their limit and release their vouchers. Runs
// against a second worker started with ORDER_TTL_SECONDS=3 (EXPIRY_WORKER_URL,
// set by scripts/test-worker.sh); skipped without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, RUN, call, customer, sleep } from './helpers.mjs';

const BASE = process.env.EXPIRY_WORKER_URL;
const admin = (method, path, body) => call(method, `${BASE}${path}`, body, { authorization: `Bearer ${ADMIN_TOKEN}` });

test('an unpaid order expires after its limit and its vouchers are released', { skip: !BASE && 'EXPIRY_WORKER_URL is not set' }, async () => {
  const issued = await admin('POST', '/admin/vouchers', {
    kind: 'paid', name: '到期測試券', value: 100, count: 1, prefix: `EXP${RUN}`, issuer: '1', refund_return_type: '1', product_id: 'EXP100',
  });
  assert.equal(issued.status, 201, issued.text);
  const code = issued.body.vouchers[0].code;
  const r = await call('POST', `${BASE}/api/checkout`, { items: [{ product_id: 'oolong-150g', quantity: 1 }], vouchers: [code], customer });
  assert.equal(r.status, 201, r.text);
  const held = await admin('GET', '/admin/vouchers?status=reserved');
  assert.ok(held.body.vouchers.some((v) => v.code === code));
  // Not yet past the limit: reconcile asks MYPAY, the order stays pending.
  const early = await admin('POST', '/admin/reconcile', { min_age_seconds: 0, limit: 500 });
  assert.equal(early.body.expired, 0, early.text);
  await sleep(3500);
  const rec = await admin('POST', '/admin/reconcile', { min_age_seconds: 0, limit: 500 });
  assert.equal(rec.status, 200, rec.text);
  assert.ok(rec.body.expired >= 1, rec.text);
  const o = await call('GET', `${BASE}/api/orders/${r.body.order_id}`, undefined, { authorization: `Bearer ${r.body.token}` });
  assert.equal(o.body.status, 'expired');
  // Voucher mode has no cancel call: the page could still be paid, so the
  // voucher stays held for VOUCHER_HOLD_SECONDS (3 s here).
  let held2 = await admin('GET', '/admin/vouchers?status=reserved');
  assert.ok(held2.body.vouchers.some((v) => v.code === code), 'the voucher is still held after expiry');
  let view = await admin('GET', `/admin/orders/${r.body.order_id}?live=0`);
  const expiry = view.body.events.find((e) => e.kind === 'transition' && e.detail.to === 'expired');
  assert.equal(expiry.detail.holds, 'keep');
  assert.ok(view.body.events.some((e) => e.kind === 'query' && e.id === expiry.detail.evidence), 'a query answer is behind the expiry');
  await sleep(3500);
  const rec2 = await admin('POST', '/admin/reconcile', { min_age_seconds: 0, limit: 500 });
  assert.ok(rec2.body.released >= 1, rec2.text);
  const free = await admin('GET', '/admin/vouchers?status=available');
  assert.ok(free.body.vouchers.some((v) => v.code === code), 'the voucher is available again');
  view = await admin('GET', `/admin/orders/${r.body.order_id}?live=0`);
  const release = view.body.events.find((e) => e.kind === 'transition' && e.detail.holds === 'release');
  assert.equal(release.detail.why, 'abandoned');
  assert.ok(view.body.events.some((e) => e.kind === 'query' && e.id === release.detail.evidence), 'a query answer is behind the release');
  assert.equal(view.body.holds, 'released');
  // Every answer is kept; an unchanged one points at the event holding it.
  const queries = view.body.events.filter((e) => e.kind === 'query');
  assert.ok(queries.length >= 3, JSON.stringify(queries));
  assert.ok(queries[0].detail.reply, 'the first answer is kept in full');
  const repeat = queries.find((e) => e.detail.same_reply_as !== undefined);
  assert.ok(repeat, 'an unchanged answer is not stored twice');
  const kept = queries.find((e) => e.id === repeat.detail.same_reply_as);
  assert.ok(kept && kept.detail.reply, 'it points at the event holding the reply');
});
