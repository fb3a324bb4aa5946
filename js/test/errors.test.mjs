// MypayError's shape, and hostile input: every failure is a MypayError, never
// a bare string, a TypeError from the glue or a wasm `unreachable` trap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as api from 'mypay-edge';
import { MypayError as DistError, toMypayError } from '../dist/errors.js';
import { TEST_KEY, sampleOrder } from './helpers.mjs';

const { MypayError } = api;

test('MypayError is a real Error subclass with name, code, message and stack', () => {
  let err;
  try {
    api.parseReply('api/orders', '{"code":"400","msg":"系統錯誤"}');
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof MypayError);
  assert.ok(err instanceof Error);
  assert.equal(err.name, 'MypayError');
  assert.equal(err.code, 'mypay_error');
  assert.equal(err.mypayCode, '400');
  assert.equal(err.mypayMsg, '系統錯誤');
  assert.equal(typeof err.message, 'string');
  assert.match(err.message, /400/);
  assert.equal(typeof err.stack, 'string');
  assert.match(String(err), /^MypayError: /);
  assert.equal(Object.prototype.toString.call(err), '[object Error]');
  const e2 = new MypayError('timeout', 'late', { status: 504, cause: err });
  assert.equal(e2.code, 'timeout');
  assert.equal(e2.status, 504);
  assert.equal(e2.cause, err);
  assert.equal(e2.mypayCode, undefined);
});

test('import and require give the same MypayError class (one instance per process)', () => {
  const require = createRequire(import.meta.url);
  const cjs = require('mypay-edge');
  assert.equal(cjs.MypayError, MypayError);
  assert.equal(cjs.encrypt, api.encrypt);
  assert.throws(() => cjs.decrypt('x', TEST_KEY), MypayError);
});

test('ESM and CommonJS export the same names, listed once (api.js)', () => {
  const require = createRequire(import.meta.url);
  const cjs = require('mypay-edge');
  const names = Object.keys(api).sort();
  assert.deepEqual(Object.keys(cjs).sort(), names);
  for (const n of ['version', 'encrypt', 'decrypt', 'buildRequest', 'parseReply', 'callPolicy', 'validateOrder', 'validateRefund', 'parseNotification', 'verifyNotification', 'statusClass', 'valueTables', 'MypayClient', 'MypayError']) {
    assert.ok(names.includes(n), n);
  }
  // Nothing internal leaks: the wasm instance, its installer, the Worker's code.
  for (const n of names) assert.doesNotMatch(n, /install|wasm|retryDelay|resendUnderNextKey|keyCount|price|quote|checkout|lifecycle|transition/i);
});

test('validation problems ride on the error of a refused request', async () => {
  const client = new api.MypayClient({ endpoint: 'http://127.0.0.1:9/', agentUid: '1', key: TEST_KEY, fetch: () => assert.fail('must not send') });
  await assert.rejects(client.createOrder({ ...sampleOrder(), cost: 1 }), (e) => {
    assert.ok(e instanceof MypayError);
    assert.equal(e.code, 'invalid_request');
    assert.deepEqual(e.problems.map((p) => p.code), ['cost_mismatch']);
    return true;
  });
});

test('a wasm trap or a foreign throw becomes a MypayError internal_error', () => {
  const trap = new WebAssembly.RuntimeError('unreachable');
  const e = toMypayError(trap);
  assert.ok(e instanceof DistError);
  assert.equal(e.code, 'internal_error');
  assert.equal(e.cause, trap);
  assert.equal(toMypayError('a bare string').code, 'internal_error');
  const fromWasm = Object.assign(new Error('m'), { name: 'MypayError', code: 'decrypt_failed', status: 1 });
  const converted = toMypayError(fromWasm);
  assert.ok(converted instanceof DistError);
  assert.equal(converted.code, 'decrypt_failed');
  assert.equal(converted.status, 1);
});

function hostileValues() {
  const cyclic = { a: 1 };
  cyclic.self = cyclic;
  let deep = [];
  for (let i = 0; i < 5000; i++) deep = [deep];
  let deepObj = {};
  for (let i = 0; i < 300; i++) deepObj = { items: [deepObj] };
  const throwingGetter = Object.defineProperty({}, 'store_uid', { enumerable: true, get() { throw new Error('boom'); } });
  const throwingToJSON = { toJSON() { throw new RangeError('nope'); } };
  const proxy = new Proxy({}, { ownKeys() { throw new Error('trap'); }, get() { throw new Error('trap'); } });
  return [
    undefined, null, true, false, 0, -0, NaN, Infinity, -Infinity, 1.5, 2 ** 53, -(2 ** 63), 1e308,
    10n, Symbol('s'), () => 1, cyclic, deep, deepObj, throwingGetter, throwingToJSON, proxy,
    '', ' ', '\0', '\ud800', '\udfff\ud800', '{', '[', '{"a":', 'null', '"str"', '1e999', '-', 'x'.repeat(100_000),
    '='.repeat(64), 'A'.repeat(43), '%', '%zz', '&&&', '=', 'a[', 'a]', 'a[0][1][2][3][4][5]=1', '[]=1',
    [], [1, 2], [TEST_KEY], [TEST_KEY, TEST_KEY, TEST_KEY], [undefined], {}, { uid: {} }, { key: [] },
    { agentUid: {}, key: TEST_KEY }, { agentUid: 1, key: 1 }, { uid: 1, key: TEST_KEY, cost: 'abc' },
    { uid: 1, key: 'k', orderId: {}, cost: 1e300 }, new Map([[1, 2]]), new Date(NaN), new Uint8Array(40),
    Object.create(null), { __proto__: { x: 1 } }, { items: 'no' }, { items: [null] }, { cost: '99999999999999999999' },
    { cost: -1, items: [{ cost: -5, amount: -1, total: 5 }] }, { cost: 9.5e15 }, { voucher_paid: {} },
    { ...sampleOrder(), items: Array.from({ length: 2000 }, (_, i) => ({ id: i, name: 'n', cost: 2 ** 52, amount: 2 ** 52, total: 1 })) },
  ];
}

function callSafely(name, fn) {
  try {
    const r = fn();
    return { ok: true, r };
  } catch (e) {
    assert.ok(e instanceof MypayError, `${name} threw ${e?.constructor?.name}: ${e?.message ?? e}`);
    assert.notEqual(e.code, 'internal_error', `${name}: internal_error: ${e.message}`);
    assert.equal(typeof e.message, 'string');
    return { ok: false, code: e.code };
  }
}

test('hostile arguments to every function: MypayError or a result, never a trap', () => {
  const values = hostileValues();
  const fns = {
    encrypt: (a, b) => api.encrypt(a, b),
    encryptKey: (a) => api.encrypt('{}', a),
    decrypt: (a, b) => api.decrypt(a, b),
    decryptKey: (a) => api.decrypt('AAAA', a),
    buildRequest: (a, b) => api.buildRequest('api/orders', a, b),
    buildRequestCmd: (a) => api.buildRequest(a, {}, { agentUid: 1, key: TEST_KEY }),
    parseReply: (a, b) => api.parseReply('api/orders', a, b),
    parseReplyQuery: (a) => api.parseReply('api/queryorder', a),
    parseReplyCmd: (a, b) => api.parseReply(a, '{}', b),
    validateOrder: (a) => api.validateOrder(a),
    validateRefund: (a) => api.validateRefund(a),
    parseNotification: (a) => api.parseNotification(a),
    verifyNotification: (a, b) => api.verifyNotification(a, b),
    verifyNotificationForm: (a) => api.verifyNotification('uid=1&key=k&cost=1&order_id=1', a),
    statusClass: (a) => api.statusClass(a),
    callPolicy: (a) => api.callPolicy(a),
  };
  let calls = 0;
  for (const [name, fn] of Object.entries(fns)) {
    for (const a of values) {
      callSafely(name, () => fn(a, TEST_KEY));
      callSafely(name, () => fn(a, a));
      calls += 2;
    }
  }
  assert.ok(calls > 1000);
  // The module still works after all that.
  assert.equal(api.decrypt(api.encrypt('still fine', TEST_KEY), TEST_KEY), 'still fine');
});

test('oversized text is refused before it is copied into wasm memory', () => {
  const big = 'a'.repeat(8 * 1024 * 1024 + 1);
  assert.throws(() => api.decrypt(big, TEST_KEY), { code: 'input_too_large' });
  assert.throws(() => api.parseReply('api/orders', big), { code: 'input_too_large' });
  assert.throws(() => api.parseNotification(big), { code: 'input_too_large' });
  assert.throws(() => api.encrypt({ a: big }, TEST_KEY), { code: 'input_too_large' });
});

test('random garbage (seeded fuzz) never traps', () => {
  let seed = 0x9e3779b9;
  const rnd = (n) => {
    seed ^= seed << 13; seed >>>= 0;
    seed ^= seed >>> 17;
    seed ^= seed << 5; seed >>>= 0;
    return seed % n;
  };
  const alphabet = 'ab01=&[]{}":,%+/ \\\u597d\ud83c\udf72\u0000-.e';
  const str = (len) => Array.from({ length: len }, () => alphabet[rnd(alphabet.length)]).join('');
  const leaf = () => [str(rnd(8)), rnd(2000) - 1000, null, true, 1.25, [], {}][rnd(7)];
  const fields = ['store_uid', 'user_id', 'order_id', 'ip', 'cost', 'items', 'voucher_paid', 'voucher_free', 'voucher_type', 'pfn', 'uid', 'key', 'prc', 'id', 'name', 'amount', 'total', 'serial_number', 'product_id'];
  const obj = (depth) => {
    const o = {};
    for (let i = rnd(6); i > 0; i--) {
      const f = fields[rnd(fields.length)];
      o[f] = depth > 0 && rnd(3) === 0 ? (rnd(2) ? [obj(depth - 1)] : obj(depth - 1)) : leaf();
    }
    return o;
  };
  const good = api.encrypt('{"a":1}', TEST_KEY);
  for (let i = 0; i < 3000; i++) {
    const s = str(rnd(64));
    callSafely('parseNotification', () => api.parseNotification(s));
    callSafely('decrypt', () => api.decrypt(good.slice(0, rnd(good.length)) + s.slice(0, rnd(4)), TEST_KEY));
    callSafely('parseReply', () => api.parseReply(['api/orders', 'api/queryorder', 'api/refund'][i % 3], JSON.stringify(obj(2)), 200 + rnd(400)));
    callSafely('validateOrder', () => api.validateOrder(obj(3)));
    callSafely('validateRefund', () => api.validateRefund(obj(3)));
    callSafely('verifyNotification', () => api.verifyNotification(obj(1), { uid: s || '1', key: 'k', cost: rnd(5) }));
  }
  assert.equal(api.decrypt(good, TEST_KEY), '{"a":1}');
});
