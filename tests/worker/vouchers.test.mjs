// Quote arithmetic, voucher rules, and atomic reservation under concurrency.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, checkout, issue, order, sandbox, voucherStatus, waitFor } from './helpers.mjs';

test('quote: lines, shipping, paid and free vouchers, amount', async () => {
  const r = await api('POST', '/api/quote', {
    items: [{ product_id: 'oolong-150g', quantity: 2 }],
    vouchers: ['PAID-100-A1', 'FREE-SHIP-01', 'NOPE'],
  });
  assert.equal(r.status, 200, r.text);
  const q = r.body;
  assert.equal(q.currency, 'TWD');
  assert.deepEqual(q.lines.map((l) => [l.product_id, l.unit_price, l.quantity, l.total]), [
    ['oolong-150g', 450, 2, 900],
    ['shipping', 80, 1, 80],
  ]);
  assert.equal(q.subtotal, 980);
  assert.deepEqual(q.vouchers.map((v) => [v.code, v.kind, v.value]), [
    ['PAID-100-A1', 'paid', 100],
    ['FREE-SHIP-01', 'free', 80],
  ]);
  assert.equal(q.voucher_total, 180);
  assert.equal(q.amount, 800);
  assert.deepEqual(q.rejected_vouchers.map((v) => [v.code, v.reason]), [['NOPE', 'voucher_not_found']]);
});

test('quote: every rejection reason', async () => {
  const r = await api('POST', '/api/quote', {
    items: [{ product_id: 'dried-mango', quantity: 1 }],
    vouchers: ['USED-01', 'EXPIRED-01', 'FREE-50-P1', 'PAID-100-A2', 'PAID-200-B1', 'PAID-100-A2'],
  });
  assert.equal(r.status, 200, r.text);
  const reasons = Object.fromEntries(r.body.rejected_vouchers.map((v) => [v.code, v.reason]));
  assert.equal(reasons['USED-01'], 'voucher_used');
  assert.equal(reasons['EXPIRED-01'], 'voucher_expired');
  assert.equal(reasons['FREE-50-P1'], 'voucher_min_spend');
  assert.equal(reasons['PAID-200-B1'], 'voucher_exceeds_total');
  assert.equal(r.body.rejected_vouchers.filter((v) => v.reason === 'voucher_duplicate').length, 1);
  assert.deepEqual(r.body.vouchers.map((v) => v.code), ['PAID-100-A2']);
  assert.equal(r.body.amount, 180 + 80 - 100);
});

test('quote has no side effects', async () => {
  const [code] = await issue('paid', 100);
  for (let i = 0; i < 3; i++) {
    const r = await api('POST', '/api/quote', { items: [{ product_id: 'tea-cup', quantity: 1 }], vouchers: [code] });
    assert.equal(r.body.vouchers.length, 1);
  }
  assert.equal(await voucherStatus(code), 'available');
});

test('a voucher used twice is refused', async () => {
  const [code] = await issue('paid', 100);
  const first = await order({ vouchers: [code] });
  const held = await checkout({ vouchers: [code] });
  assert.equal(held.status, 409, held.text);
  assert.equal(held.body.error.code, 'voucher_unavailable');
  assert.equal(held.body.error.details[0].reason, 'voucher_reserved');
  await sandbox('POST', `/sandbox/orders/${first.uid}/pay`, { card_number: '4938170130000003' });
  await waitFor(first, 'paid');
  const used = await checkout({ vouchers: [code] });
  assert.equal(used.status, 409, used.text);
  assert.equal(used.body.error.details[0].reason, 'voucher_used');
});

test('20 concurrent checkouts with the same voucher: exactly one holds it', async () => {
  const [code] = await issue('paid', 100);
  const results = await Promise.all(Array.from({ length: 20 }, () => checkout({ vouchers: [code] })));
  const ok = results.filter((r) => r.status === 201);
  const refused = results.filter((r) => r.status === 409);
  assert.equal(ok.length, 1, results.map((r) => `${r.status} ${r.text.slice(0, 120)}`).join('\n'));
  assert.equal(refused.length, 19);
  for (const r of refused) assert.equal(r.body.error.code, 'voucher_unavailable');
  const list = await api('GET', `/api/orders/${ok[0].body.order_id}`, undefined, { authorization: `Bearer ${ok[0].body.token}` });
  assert.deepEqual(list.body.vouchers.map((v) => v.code), [code]);
  assert.equal(await voucherStatus(code), 'reserved');
});

test('a voucher held by a failed checkout is released (upstream refused the order)', async () => {
  const [code] = await issue('free', 50);
  // An order MYPAY refuses: the sandbox answers agent faults; use http500 once.
  await sandbox('PUT', '/sandbox/faults', { agent: { mode: 'http500', count: 1, cmd: 'api/orders' } });
  const r = await checkout({ vouchers: [code] });
  assert.equal(r.status, 502, r.text);
  assert.equal(await voucherStatus(code), 'available');
  await sandbox('DELETE', '/sandbox/faults');
});
