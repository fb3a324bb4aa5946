// Run in a fresh project where the packed tarball is installed: `require`.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { encrypt, decrypt, buildRequest, validateOrder, MypayError, version } = require('mypay-edge');
const { order, KEY, nodeDecrypt } = require('./shared.cjs');

const text = JSON.stringify(order);
const b64 = encrypt(text, KEY);
assert.equal(decrypt(b64, KEY), text);
assert.equal(nodeDecrypt(crypto, b64, KEY), text);
assert.deepEqual(validateOrder(order), []);
const form = new URLSearchParams(buildRequest('api/orders', order, { agentUid: '518169081001', key: KEY }).body);
assert.deepEqual(JSON.parse(decrypt(form.get('encry_data'), KEY)), order);
assert.throws(() => decrypt('nope', KEY), (e) => e instanceof MypayError && e instanceof Error && e.code === 'decrypt_failed');
console.log(`ok require mypay-edge@${version} on node ${process.version}`);
