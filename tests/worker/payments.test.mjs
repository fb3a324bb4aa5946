// Checkout → pay in the sandbox → report → confirmed with api/queryorder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admin, issue, order, sandbox, voucherStatus, waitFor } from './helpers.mjs';

test('card: checkout → pay → report → confirmed paid, vouchers used', async () => {
  const [paid] = await issue('paid', 100);
  const [free] = await issue('free', 80);
  const o = await order({ vouchers: [paid, free], pfn: 'CREDITCARD' });
  assert.equal(o.amount, 900 + 80 - 180);
  assert.match(o.order_id, /^ME\d{14}[0-9A-F]{10}$/);
  assert.equal(await voucherStatus(paid), 'reserved');
  const pay = await sandbox('POST', `/sandbox/orders/${o.uid}/pay`, { card_number: '4938170130000003' });
  assert.equal(pay.status, 200, pay.text);
  const done = await waitFor(o, 'paid');
  assert.equal(done.payment.prc, '250');
  assert.equal(done.payment.pfn, 'CREDITCARD');
  assert.ok(done.paid_at);
  assert.deepEqual(done.vouchers.map((v) => v.code), [paid, free]);
  assert.equal(await voucherStatus(paid), 'used');
  assert.equal(await voucherStatus(free), 'used');
  assert.ok(!JSON.stringify(done).includes('"key"'), 'the MYPAY key never leaves the worker');
  // The sandbox saw our api/queryorder (the report alone does not pay).
  const reqs = (await sandbox('GET', '/sandbox/requests')).body;
  assert.ok(reqs.some((r) => JSON.stringify(r).includes('api/queryorder') && JSON.stringify(r).includes(o.uid)));
});

test('store code: 260 then 250 → paid, with the codes to pay with', async () => {
  const o = await order({ pfn: 'CSTORECODE' });
  const pay = await sandbox('POST', `/sandbox/orders/${o.uid}/pay`, { pfn: 'CSTORECODE' });
  assert.equal(pay.status, 200, pay.text);
  const pending = await waitFor(o, 'pending', { pred: (b) => b.payment?.prc === '260' });
  assert.equal(pending.status, 'pending');
  assert.ok(pending.payment.codes && Object.keys(pending.payment.codes).length > 0, JSON.stringify(pending.payment));
  const settle = await sandbox('POST', `/sandbox/orders/${o.uid}/settle`, { prc: '250' });
  assert.equal(settle.status, 200, settle.text);
  const paid = await waitFor(o, 'paid');
  assert.equal(paid.payment.prc, '250');
});

test('store code: 260 then 380 → expired, vouchers released', async () => {
  const [paid] = await issue('paid', 100);
  const o = await order({ vouchers: [paid], pfn: 'CSTORECODE' });
  await sandbox('POST', `/sandbox/orders/${o.uid}/pay`, { pfn: 'CSTORECODE' });
  await waitFor(o, 'pending', { pred: (b) => b.payment?.prc === '260' });
  const settle = await sandbox('POST', `/sandbox/orders/${o.uid}/settle`, { prc: '380' });
  assert.equal(settle.status, 200, settle.text);
  await waitFor(o, 'expired');
  assert.equal(await voucherStatus(paid), 'available');
});

test('store code: 260 then 290 (paid, details differ) → needs_review', async () => {
  const [paid] = await issue('paid', 100);
  const o = await order({ vouchers: [paid], pfn: 'CSTORECODE' });
  await sandbox('POST', `/sandbox/orders/${o.uid}/pay`, { pfn: 'CSTORECODE' });
  await waitFor(o, 'pending', { pred: (b) => b.payment?.prc === '260' });
  const settle = await sandbox('POST', `/sandbox/orders/${o.uid}/settle`, { prc: '290' });
  assert.equal(settle.status, 200, settle.text);
  const review = await waitFor(o, 'needs_review');
  assert.equal(review.payment.prc, '290');
  // Money moved: MYPAY applied the voucher, so it is used by this order.
  assert.equal(await voucherStatus(paid), 'used');
  const reviewed = await admin('GET', `/admin/orders/${o.order_id}?live=0`);
  assert.equal(reviewed.body.review.reason, 'paid_mismatch');
  const view = await admin('GET', `/admin/orders/${o.order_id}`);
  assert.ok(view.body.events.some((e) => e.kind === 'transition' && e.detail.from === 'pending' && e.detail.to === 'needs_review'));
});

test('store code: 260 → 380 (expired) → 290 after MYPAY verified it → needs_review', async () => {
  const [paid] = await issue('paid', 100);
  const o = await order({ vouchers: [paid], pfn: 'CSTORECODE' });
  await sandbox('POST', `/sandbox/orders/${o.uid}/pay`, { pfn: 'CSTORECODE' });
  await waitFor(o, 'pending', { pred: (b) => b.payment?.prc === '260' });
  let settle = await sandbox('POST', `/sandbox/orders/${o.uid}/settle`, { prc: '380' });
  assert.equal(settle.status, 200, settle.text);
  await waitFor(o, 'expired');
  assert.equal(await voucherStatus(paid), 'available');
  // Appendix 2, 380: 若經MYPAY LINK查詢驗證後,有機會在變更狀態 290. The late 290 is not dropped.
  settle = await sandbox('POST', `/sandbox/orders/${o.uid}/settle`, { prc: '290' });
  assert.equal(settle.status, 200, settle.text);
  const review = await waitFor(o, 'needs_review');
  assert.equal(review.payment.prc, '290');
  const view = await admin('GET', `/admin/orders/${o.order_id}`);
  assert.equal(view.body.mypay.prc, '290');
  // The voucher was still free: the 290 payment took it back.
  assert.equal(await voucherStatus(paid), 'used');
  assert.ok(view.body.events.some((e) => e.kind === 'transition' && e.detail.from === 'expired' && e.detail.to === 'needs_review'));
  // A duplicate 290 report changes nothing.
  await sandbox('POST', `/sandbox/orders/${o.uid}/notify`, {});
  await new Promise((ok) => setTimeout(ok, 1000));
  assert.equal((await waitFor(o, 'needs_review')).status, 'needs_review');
});

test('card: 250 then 600 (settled) → stays paid', async () => {
  const o = await order({ pfn: 'CREDITCARD' });
  await sandbox('POST', `/sandbox/orders/${o.uid}/pay`, { card_number: '4938170130000003' });
  await waitFor(o, 'paid');
  const settle = await sandbox('POST', `/sandbox/orders/${o.uid}/settle`, { prc: '600' });
  assert.equal(settle.status, 200, settle.text);
  // The 600 report is confirmed (the query says 600) and leaves the order paid.
  const until = async (what, pred) => {
    const deadline = Date.now() + 15000;
    while (Date.now() < deadline) {
      const view = await admin('GET', `/admin/orders/${o.order_id}`);
      if (pred(view.body)) return view.body;
      await new Promise((ok) => setTimeout(ok, 200));
    }
    assert.fail(what);
  };
  await until('the 600 report arrived', (b) => b.events.some((e) => e.kind === 'report' && e.prc === '600'));
  await new Promise((ok) => setTimeout(ok, 300));
  const view = await until('the 600 report was confirmed', (b) => b.report_pending === false);
  assert.equal(view.mypay.prc, '600');
  assert.equal(view.status, 'paid');
  const after = await waitFor(o, 'paid');
  assert.equal(after.status, 'paid');
});

test('failure card → failed, vouchers released and usable again', async () => {
  const [paid] = await issue('paid', 100);
  const o = await order({ vouchers: [paid] });
  const pay = await sandbox('POST', `/sandbox/orders/${o.uid}/pay`, { card_number: '5204247750001471' });
  assert.equal(pay.status, 200, pay.text);
  const failed = await waitFor(o, 'failed');
  assert.equal(failed.payment.prc, '300');
  assert.equal(await voucherStatus(paid), 'available');
  const again = await order({ vouchers: [paid] });
  assert.ok(again.order_id);
});

test('abandoned payment (A0002) → failed', async () => {
  const o = await order();
  const r = await sandbox('POST', `/sandbox/orders/${o.uid}/abandon`, {});
  assert.equal(r.status, 200, r.text);
  await waitFor(o, 'failed');
});

test('admin order view has events and a live query, never the key', async () => {
  const o = await order();
  await sandbox('POST', `/sandbox/orders/${o.uid}/pay`, { card_number: '4938170130000003' });
  await waitFor(o, 'paid');
  const r = await admin('GET', `/admin/orders/${o.order_id}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.mypay.prc, '250');
  assert.ok(r.body.events.some((e) => e.kind === 'report'));
  assert.ok(r.body.events.some((e) => e.kind === 'transition' && e.detail.to === 'paid'));
  const key = (await sandbox('GET', `/sandbox/orders/${o.uid}`)).body.key;
  assert.ok(key && !r.text.includes(key), 'admin view must not contain the MYPAY key');
  const list = await admin('GET', '/admin/orders?status=paid&limit=2');
  assert.equal(list.status, 200);
  assert.ok(list.body.orders.length >= 1 && list.body.orders.length <= 2);
  if (list.body.next_cursor) {
    const next = await admin('GET', `/admin/orders?status=paid&limit=2&cursor=${encodeURIComponent(list.body.next_cursor)}`);
    assert.equal(next.status, 200);
    const ids = new Set(list.body.orders.map((x) => x.order_id));
    assert.ok(next.body.orders.every((x) => !ids.has(x.order_id)));
  }
});
