// Run in a fresh project where the packed tarball is installed: `import`.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import * as mypay from 'mypay-edge';
import { encrypt, decrypt, buildRequest, parseReply, validateOrder, verifyNotification, MypayClient, MypayError, version } from 'mypay-edge';
import * as withInit from 'mypay-edge/init';
import { createRequire } from 'node:module';
import * as storefront from 'mypay-edge/storefront';
import { order, KEY, nodeDecrypt } from './shared.cjs';
import { SERVER, SERVER_INIT } from './exports.cjs';

assert.deepEqual(Object.keys(mypay).sort(), SERVER);
assert.deepEqual(Object.keys(withInit).sort(), SERVER_INIT);
await withInit.init();
assert.equal(withInit.MypayError, MypayError);
const text = JSON.stringify(order);
const b64 = encrypt(text, KEY);
assert.equal(decrypt(b64, KEY), text);
assert.equal(nodeDecrypt(crypto, b64, KEY), text);
assert.deepEqual(validateOrder(order), []);
const form = new URLSearchParams(buildRequest('api/orders', order, { agentUid: '518169081001', key: KEY }).body);
assert.deepEqual(JSON.parse(decrypt(form.get('encry_data'), KEY)), order);
assert.throws(() => parseReply('api/orders', '<html>403</html>', 403), (e) => e instanceof MypayError && e.code === 'upstream_not_json' && e.status === 403);
assert.throws(() => verifyNotification('uid=1&key=a', { uid: '1', key: 'b' }), { code: 'key_mismatch' });
assert.equal(typeof new MypayClient({ endpoint: 'https://pay.usecase.cc/api/agent', agentUid: 1, key: KEY }).createOrder, 'function');
assert.equal(storefront.isFinalStatus('paid'), true);
// require() in the same process gives the same module.
const cjs = createRequire(import.meta.url)('mypay-edge');
assert.equal(cjs.MypayError, MypayError);
console.log(`ok import mypay-edge@${version} (and mypay-edge/init, mypay-edge/storefront) on node ${process.version}`);
