// Callback reports (主動回報): parsing the form and accepting only the order's own report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNotification, verifyNotification, statusClass, MypayError } from 'mypay-edge';

const UID = '95217';
const KEY = '3425042d7d266e4aea5fd4653a0271db';

function reportForm(overrides = {}) {
  const fields = {
    uid: UID,
    key: KEY,
    prc: '250',
    finishtime: '20211027120000',
    cardno: '476112******0492',
    acode: 'AA1234',
    card_type: '1',
    order_id: '1234567890',
    user_id: 'userid',
    cost: '900',
    currency: 'TWD',
    actual_cost: '900',
    actual_currency: 'TWD',
    pfn: 'CREDITCARD',
    voucher_paid: JSON.stringify([{ product_id: 'P01', serial_number: 'P1635306439', name: '好食券', cost: 50, issuer: '1', refund_return_type: '3' }]),
    echo_0: 'cart-42',
    ...overrides,
  };
  return new URLSearchParams(fields).toString();
}

test('parseNotification reads the form MYPAY posts, arrays given as JSON text', () => {
  const n = parseNotification(reportForm());
  assert.equal(n.uid, UID);
  assert.equal(n.key, KEY);
  assert.equal(n.prc, '250');
  assert.equal(n.cost, '900');
  assert.equal(n.card_type, '1');
  assert.equal(n.echo_0, 'cart-42');
  assert.equal(n.voucher_paid[0].serial_number, 'P1635306439');
  assert.equal(statusClass(n.prc), 'paid');
});

test("parseNotification reads PHP's bracket notation and keeps unknown fields", () => {
  const body = 'uid=95217&key=k&prc=260&voucher_paid[0][product_id]=P01&voucher_paid[0][serial_number]=S1&voucher_paid[0][name]=x&new_field=abc';
  const n = parseNotification(body);
  assert.deepEqual(n.voucher_paid, [{ product_id: 'P01', serial_number: 'S1', name: 'x' }]);
  assert.equal(n.new_field, 'abc');
  assert.equal(statusClass(n.prc), 'pending');
});

test('parseNotification takes URLSearchParams too', () => {
  assert.equal(parseNotification(new URLSearchParams(reportForm())).uid, UID);
});

test('parseNotification refuses duplicate fields and malformed names', () => {
  assert.throws(() => parseNotification('uid=1&uid=2'), { name: 'MypayError', code: 'invalid_form' });
  assert.throws(() => parseNotification('v[0=1'), { code: 'invalid_form' });
  assert.throws(() => parseNotification(42), { code: 'invalid_argument' });
});

test("verifyNotification accepts the order's own report (form body or parsed)", () => {
  const expected = { uid: UID, key: KEY, orderId: '1234567890', cost: 900 };
  assert.equal(verifyNotification(parseNotification(reportForm()), expected), true);
  assert.equal(verifyNotification(reportForm(), expected), true);
  assert.equal(verifyNotification(reportForm(), { uid: Number(UID), key: KEY, cost: '900' }), true);
  assert.equal(verifyNotification(reportForm(), { uid: UID, key: KEY }), true);
});

test('verifyNotification rejects a forged key', () => {
  for (const forged of ['0'.repeat(32), KEY.slice(0, 31) + 'c', KEY.toUpperCase(), KEY + '0', 'x']) {
    assert.throws(() => verifyNotification(reportForm({ key: forged }), { uid: UID, key: KEY }), (e) => {
      assert.ok(e instanceof MypayError);
      assert.equal(e.code, 'key_mismatch');
      assert.ok(!e.message.includes(KEY) && !e.message.includes(forged), 'no key in the message');
      return true;
    });
  }
});

test("verifyNotification rejects another order's uid, order_id or cost", () => {
  assert.throws(() => verifyNotification(reportForm({ uid: '95218' }), { uid: UID, key: KEY }), { code: 'uid_mismatch' });
  assert.throws(() => verifyNotification(reportForm(), { uid: UID, key: KEY, orderId: '999' }), { code: 'order_id_mismatch' });
  assert.throws(() => verifyNotification(reportForm({ cost: '1' }), { uid: UID, key: KEY, cost: 900 }), { code: 'cost_mismatch' });
});

test('verifyNotification: a report without a checked field is missing_field', () => {
  const without = (name) => {
    const p = new URLSearchParams(reportForm());
    p.delete(name);
    return p.toString();
  };
  for (const [field, expected] of [
    ['uid', { uid: UID, key: KEY }],
    ['key', { uid: UID, key: KEY }],
    ['order_id', { uid: UID, key: KEY, orderId: '1234567890' }],
    ['cost', { uid: UID, key: KEY, cost: 900 }],
  ]) {
    assert.throws(() => verifyNotification(without(field), expected), (e) => {
      assert.equal(e.code, 'missing_field');
      assert.equal(e.field, field);
      return true;
    });
  }
  assert.throws(() => verifyNotification(reportForm({ key: '' }), { uid: UID, key: KEY }), { code: 'missing_field', field: 'key' });
});

test('verifyNotification needs the expected uid and key', () => {
  assert.throws(() => verifyNotification(reportForm(), { uid: UID }), { code: 'invalid_argument' });
  assert.throws(() => verifyNotification(reportForm(), { uid: UID, key: '' }), { code: 'invalid_argument' });
  assert.throws(() => verifyNotification(reportForm(), undefined), { code: 'invalid_argument' });
});

test("verifyNotification follows the protocol crate's rules: no values in messages, refund reports, empty fields", () => {
  // Messages name the field, never a value.
  for (const [overrides, expected, code] of [
    [{ uid: '95218' }, { uid: UID, key: KEY }, 'uid_mismatch'],
    [{}, { uid: UID, key: KEY, orderId: '999' }, 'order_id_mismatch'],
    [{ cost: '1' }, { uid: UID, key: KEY, cost: 900 }, 'cost_mismatch'],
  ]) {
    assert.throws(() => verifyNotification(reportForm(overrides), expected), (e) => {
      assert.equal(e.code, code);
      for (const v of ['95218', '95217', '999', '1234567890', '900']) assert.ok(!e.message.includes(v), `${e.message} shows ${v}`);
      return true;
    });
  }
  // A refund report may leave out order_id and cost.
  const refund = new URLSearchParams({ uid: UID, key: KEY, prc: '230', refund_uid: '1', refund_type: '1' }).toString();
  assert.equal(verifyNotification(refund, { uid: UID, key: KEY, orderId: '1234567890', cost: 900 }), true);
  // An empty uid is a missing one, as an empty key is.
  assert.throws(() => verifyNotification(reportForm({ uid: ' ' }), { uid: UID, key: KEY }), { code: 'missing_field', field: 'uid' });
});
