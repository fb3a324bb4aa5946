// Run in a fresh project where the packed tarball is installed: `require`
// (mypay-edge/init and mypay-edge/storefront are ES modules: Node's
// require(esm), in every Node the package supports).
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const mypay = require('mypay-edge');
const { encrypt, decrypt, buildRequest, validateOrder, MypayError, version } = mypay;
const withInit = require('mypay-edge/init');
const storefront = require('mypay-edge/storefront');
const { order, KEY, nodeDecrypt } = require('./shared.cjs');
const { SERVER, SERVER_INIT } = require('./exports.cjs');

assert.deepEqual(Object.keys(mypay).sort(), SERVER);
assert.deepEqual(Object.keys(withInit).sort(), SERVER_INIT);
assert.equal(withInit.MypayError, MypayError);
assert.equal(storefront.isFinalStatus('expired'), true);
const text = JSON.stringify(order);
const b64 = encrypt(text, KEY);
assert.equal(decrypt(b64, KEY), text);
assert.equal(nodeDecrypt(crypto, b64, KEY), text);
assert.deepEqual(validateOrder(order), []);
const form = new URLSearchParams(buildRequest('api/orders', order, { agentUid: '518169081001', key: KEY }).body);
assert.deepEqual(JSON.parse(decrypt(form.get('encry_data'), KEY)), order);
assert.throws(() => decrypt('nope', KEY), (e) => e instanceof MypayError && e instanceof Error && e.code === 'decrypt_failed');
console.log(`ok require mypay-edge@${version} (and mypay-edge/init, mypay-edge/storefront) on node ${process.version}`);
