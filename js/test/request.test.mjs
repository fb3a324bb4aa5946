// Building agent calls and reading MYPAY's replies; validating orders and refunds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRequest, parseReply, validateOrder, validateRefund, statusClass, MypayError } from 'mypay-edge';
import { TEST_AGENT_UID, TEST_KEY, sampleOrder, nodeDecrypt } from './helpers.mjs';

const creds = { agentUid: TEST_AGENT_UID, key: TEST_KEY };

test('buildRequest: a form POST whose encry_data decrypts to the payload and service to the command', () => {
  const order = sampleOrder();
  const req = buildRequest('api/orders', order, creds);
  assert.equal(req.method, 'POST');
  assert.equal(req.contentType, 'application/x-www-form-urlencoded');
  const form = new URLSearchParams(req.body);
  assert.deepEqual([...form.keys()], ['agent_uid', 'service', 'encry_data']);
  assert.equal(form.get('agent_uid'), TEST_AGENT_UID);
  assert.equal(nodeDecrypt(form.get('service'), TEST_KEY), '{"service_name":"api","cmd":"api/orders"}');
  assert.deepEqual(JSON.parse(nodeDecrypt(form.get('encry_data'), TEST_KEY)), order);
  // Two fields, two IVs.
  assert.notEqual(Buffer.from(form.get('service'), 'base64').subarray(0, 16).toString('hex'), Buffer.from(form.get('encry_data'), 'base64').subarray(0, 16).toString('hex'));
});

test('buildRequest: each command names itself in service; a numeric agentUid is fine', () => {
  for (const cmd of ['api/queryorder', 'api/refund']) {
    const req = buildRequest(cmd, { uid: '95217', key: 'k' }, { agentUid: Number(TEST_AGENT_UID), key: TEST_KEY });
    const form = new URLSearchParams(req.body);
    assert.equal(form.get('agent_uid'), TEST_AGENT_UID);
    assert.deepEqual(JSON.parse(nodeDecrypt(form.get('service'), TEST_KEY)), { service_name: 'api', cmd });
    assert.deepEqual(JSON.parse(nodeDecrypt(form.get('encry_data'), TEST_KEY)), { uid: '95217', key: 'k' });
  }
});

test('buildRequest refuses a missing agentUid, a bad key, a payload that is not an object', () => {
  assert.throws(() => buildRequest('api/orders', {}, { key: TEST_KEY }), { name: 'MypayError', code: 'invalid_argument' });
  assert.throws(() => buildRequest('api/orders', {}, { agentUid: '1', key: 'short' }), { code: 'invalid_key' });
  assert.throws(() => buildRequest('api/orders', [1, 2], creds), { code: 'invalid_argument' });
  assert.throws(() => buildRequest('api/orders', 'nope', creds), { code: 'invalid_argument' });
  assert.throws(() => buildRequest('', {}, creds), { code: 'invalid_argument' });
  assert.throws(() => buildRequest('api/orders', {}, undefined), { code: 'invalid_argument' });
});

test('parseReply: an order created (code 200 with uid, key, url), numbers read as the table types them', () => {
  const text = '{"code":"200","msg":"資料正確","url":"http:\\/\\/pay.usecase.cc\\/payment\\/95227.html","uid":95227,"key":"d2c55a2055cbe6f711f1e977039e2a8f"}';
  const r = parseReply('api/orders', text);
  assert.equal(r.code, '200');
  assert.equal(r.uid, '95227');
  assert.equal(r.key, 'd2c55a2055cbe6f711f1e977039e2a8f');
  assert.equal(r.url, 'http://pay.usecase.cc/payment/95227.html');
});

test('parseReply keeps fields this version does not model', () => {
  const r = parseReply('api/orders', '{"code":200,"msg":"ok","uid":"1","key":"k","url":"u","brand_new":{"a":1}}');
  assert.deepEqual(r.brand_new, { a: 1 });
  assert.equal(r.code, '200');
});

test("parseReply: MYPAY's error code and msg become a MypayError with mypayCode and mypayMsg", () => {
  assert.throws(() => parseReply('api/orders', '{"code":"100","msg":"資料錯誤"}'), (e) => {
    assert.ok(e instanceof MypayError);
    assert.equal(e.code, 'mypay_error');
    assert.equal(e.mypayCode, '100');
    assert.equal(e.mypayMsg, '資料錯誤');
    return true;
  });
  assert.throws(() => parseReply('api/refund', '{"code":"B500","msg":"執行失敗","uid":"1","key":"k"}'), { code: 'mypay_error', mypayCode: 'B500', mypayMsg: '執行失敗' });
  assert.throws(() => parseReply('api/queryorder', '{"code":"100","msg":"查無資料"}'), { code: 'mypay_error', mypayCode: '100' });
});

test("parseReply: a firewall's HTML 403 page is upstream_not_json with the status", () => {
  const html = '<html><head><title>403 Forbidden</title></head><body><h1>403 Forbidden</h1></body></html>';
  assert.throws(() => parseReply('api/orders', html, 403), (e) => {
    assert.ok(e instanceof MypayError);
    assert.equal(e.code, 'upstream_not_json');
    assert.equal(e.status, 403);
    assert.ok(e.snippet.startsWith('<html>'));
    assert.match(e.message, /403/);
    return true;
  });
  assert.throws(() => parseReply('api/orders', ''), { code: 'upstream_not_json', status: 200 });
});

test('parseReply: JSON that is not the documented shape is upstream_malformed', () => {
  assert.throws(() => parseReply('api/orders', '[1,2]'), { code: 'upstream_malformed' });
  assert.throws(() => parseReply('api/orders', '{"code":"200","msg":"ok"}'), { code: 'upstream_malformed' });
  assert.throws(() => parseReply('api/queryorder', '{"hello":1}'), { code: 'upstream_malformed' });
  assert.throws(() => parseReply('api/unknown', '{}'), { code: 'upstream_malformed' });
  assert.throws(() => parseReply('api/orders', '{}', 99), { code: 'invalid_argument' });
});

test('parseReply: a query reply is the order, refund and cancel lists included', () => {
  const text = JSON.stringify({
    uid: 95217, key: '3425042d7d266e4aea5fd4653a0271db', prc: '250', finishtime: '20211027120000',
    order_id: '1234567890', cost: 900, currency: 'TWD', pfn: 'CREDITCARD', card_type: '1', voucher_paid: [],
    refund_order: [{ uid: 1, prc: '230', cost: '900', invoice_state: '6' }], expired_date: '', price: '',
  });
  const r = parseReply('api/queryorder', text);
  assert.equal(r.uid, '95217');
  assert.equal(r.prc, '250');
  assert.equal(r.cost, '900');
  assert.equal(r.refund_order[0].invoice_state, 6);
  assert.equal(statusClass(r.prc), 'paid');
});

test('parseReply: a refund reply with B200', () => {
  const r = parseReply('api/refund', '{"code":"B200","msg":"執行成功","uid":95217,"key":"k","row_data":{"uid":"95217","refund_uid":"1","prc":"230","cost":"900"}}');
  assert.equal(r.code, 'B200');
  assert.equal(r.row_data.prc, '230');
});

test("validateOrder: the API text's sample order has no problem", () => {
  assert.deepEqual(validateOrder(sampleOrder()), []);
});

test('validateOrder lists every problem at once, each with a path and a stable code', () => {
  const o = sampleOrder();
  delete o.ip;
  o.order_id = 'x'.repeat(51);
  o.items.push({ id: '2', name: 'Shipping', cost: 60, amount: 2, total: 100 });
  o.voucher_free[0].serial_number = o.voucher_paid[0].serial_number;
  o.voucher_free[0].product_id = o.voucher_paid[0].product_id;
  const problems = validateOrder(o);
  const got = problems.map((p) => `${p.path} ${p.code}`).sort();
  assert.deepEqual(got, [
    'cost cost_mismatch',
    'ip required',
    'items[1].total line_total_mismatch',
    'order_id too_long',
    'voucher_free[0].serial_number duplicate_serial',
  ].sort());
  for (const p of problems) assert.equal(typeof p.message, 'string');
});

test('validateOrder: vouchers need voucher_type; agent charge conflicts; negative amounts', () => {
  const o = sampleOrder();
  o.voucher_type = '0';
  o.is_agent_charge = 0;
  o.items[0].amount = 0;
  const codes = validateOrder(o).map((p) => p.code);
  assert.ok(codes.includes('voucher_type_required'), codes);
  assert.ok(codes.includes('agent_charge_conflict'), codes);
  assert.ok(codes.includes('invalid_quantity'), codes);
});

test('validateOrder throws invalid_argument for something that is not an order at all', () => {
  assert.throws(() => validateOrder({ cost: 'abc' }), { code: 'invalid_argument' });
  assert.throws(() => validateOrder([]), { code: 'invalid_argument' });
  assert.throws(() => validateOrder(undefined), { code: 'invalid_argument' });
});

test('validateRefund: a full refund is fine; missing fields and items that do not sum are problems', () => {
  assert.deepEqual(validateRefund({ store_uid: '1', uid: '95217', key: 'k', cost: 900, voucher_paid: [{ product_id: 'P01', serial_number: 'P1' }] }), []);
  const codes = validateRefund({ uid: '95217', cost: 900, items: [{ id: '1', name: 'a', cost: 100, amount: 1, total: 100 }] }).map((p) => `${p.path} ${p.code}`);
  assert.deepEqual(codes.sort(), ['items refund_items_mismatch', 'key required', 'store_uid required']);
});

test('statusClass follows appendix 2', () => {
  const cls = (c) => statusClass(c);
  for (const c of ['250', '600', 250]) assert.equal(cls(c), 'paid');
  assert.equal(cls('290'), 'paid_mismatch');
  for (const c of ['245', '247', '260', '265', '270', '275', '280', '282', '284', 'A0001']) assert.equal(cls(c), 'pending');
  for (const c of ['300', '380', 'A0002']) assert.equal(cls(c), 'failed');
  assert.equal(cls('220'), 'cancelled');
  assert.equal(cls('230'), 'refunded');
  assert.equal(cls('B200'), 'call_result');
  assert.equal(cls('Z999'), 'unknown');
});
