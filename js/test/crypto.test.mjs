// Appendix 4: the envelope, and byte compatibility with the API text's samples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { encrypt, decrypt, MypayError } from 'mypay-edge';
import { TEST_KEY, sampleOrder, sampleEncrypt, nodeDecrypt } from './helpers.mjs';

const vectors = JSON.parse(readFileSync(new URL('../../fixtures/crypto/vectors.json', import.meta.url), 'utf8'));

test('encrypt then decrypt gives the text back, with a fresh IV each time', () => {
  const text = JSON.stringify(sampleOrder());
  const a = encrypt(text, TEST_KEY);
  const b = encrypt(text, TEST_KEY);
  assert.notEqual(a, b);
  assert.notEqual(Buffer.from(a, 'base64').subarray(0, 16).toString('hex'), Buffer.from(b, 'base64').subarray(0, 16).toString('hex'));
  assert.equal(decrypt(a, TEST_KEY), text);
  assert.equal(decrypt(b, TEST_KEY), text);
});

test('the envelope is base64(IV ‖ AES-256-CBC-PKCS#7) and Node crypto opens it', () => {
  const text = '{"service_name":"api","cmd":"api/orders"}';
  const b64 = encrypt(text, TEST_KEY);
  const raw = Buffer.from(b64, 'base64');
  assert.equal(raw.length, 16 + 48); // 41 bytes pad to 48
  assert.equal(nodeDecrypt(b64, TEST_KEY), text);
});

test('a non-string value is JSON.stringified first, as the Node sample does', () => {
  const order = sampleOrder();
  assert.equal(nodeDecrypt(encrypt(order, TEST_KEY), TEST_KEY), JSON.stringify(order));
});

test("decrypt opens the API text's Node sample encrypt output", () => {
  const order = sampleOrder();
  for (let i = 0; i < 20; i++) {
    assert.equal(decrypt(sampleEncrypt(order, TEST_KEY), TEST_KEY), JSON.stringify(order));
  }
  assert.equal(decrypt(sampleEncrypt({ service_name: 'api', cmd: 'api/orders' }, TEST_KEY), TEST_KEY), '{"service_name":"api","cmd":"api/orders"}');
});

test('decrypt opens every PHP, Python and Node vector in fixtures/crypto', () => {
  assert.ok(vectors.length >= 3);
  for (const v of vectors) {
    assert.equal(decrypt(v.ciphertext, v.key), v.plaintext, `${v.name} (${v.lang})`);
  }
  const langs = new Set(vectors.map((v) => v.lang));
  for (const l of ['php', 'python', 'node']) assert.ok(langs.has(l), l);
});

test('decrypt tolerates surrounding whitespace and missing padding', () => {
  const b64 = encrypt('x', TEST_KEY);
  assert.equal(decrypt(`  ${b64.replace(/=+$/, '')}\n`, TEST_KEY), 'x');
});

test('a wrong key, bad base64, short or misaligned data all fail the same way', () => {
  const good = encrypt('hello world, two blocks long!!', TEST_KEY);
  const raw = Buffer.from(good, 'base64');
  const other = 'k'.repeat(32);
  const messages = new Set();
  for (const bad of [encrypt('hello', other), '!!!not base64!!!', raw.subarray(0, 16).toString('base64'), raw.subarray(0, 40).toString('base64'), '']) {
    assert.throws(() => decrypt(bad, TEST_KEY), (e) => {
      assert.ok(e instanceof MypayError);
      assert.equal(e.code, 'decrypt_failed');
      messages.add(e.message);
      return true;
    });
  }
  assert.equal(messages.size, 1, 'no padding oracle: one message for every failure');
});

test('decrypt takes [current, next] during key rotation', () => {
  const next = 'N'.repeat(32);
  assert.equal(decrypt(encrypt('n', next), [TEST_KEY, next]), 'n');
  assert.equal(decrypt(encrypt('c', TEST_KEY), [TEST_KEY, next]), 'c');
  assert.throws(() => decrypt(encrypt('s', 'S'.repeat(32)), [TEST_KEY, next]), { code: 'decrypt_failed' });
});

test('a key must be 32 bytes; the error names the length, never the key', () => {
  for (const key of ['short-key', 'x'.repeat(33), 'é'.repeat(32), undefined, 42, null, {}]) {
    assert.throws(() => encrypt('{}', key), (e) => {
      assert.ok(e instanceof MypayError);
      assert.equal(e.code, 'invalid_key');
      assert.ok(!String(e.message).includes('short-key'));
      return true;
    });
  }
  // A secret read from a file keeps its newline: it is trimmed.
  assert.equal(decrypt(encrypt('t', `${TEST_KEY}\n`), TEST_KEY), 't');
  // 16 two-byte characters are 32 bytes.
  const k = 'é'.repeat(16);
  assert.equal(nodeDecrypt(encrypt('u', k), k), 'u');
});

test('non-ASCII text round-trips as raw UTF-8, as Node sends it', () => {
  const text = JSON.stringify({ name: '好棒棒麻辣鍋湯包 🍲', url: 'https://a/b' });
  const b64 = encrypt(text, TEST_KEY);
  assert.equal(nodeDecrypt(b64, TEST_KEY), text);
  assert.equal(decrypt(b64, TEST_KEY), text);
});
