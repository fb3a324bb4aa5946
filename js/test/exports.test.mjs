// The export lists of the Node builds (import and require of mypay-edge and
// mypay-edge/init), exactly, and the browser build's refusals of the
// key-taking API as Node sees them when it loads dist/api-browser.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as mypay from 'mypay-edge';
import * as withInit from 'mypay-edge/init';
import { SERVER, SERVER_INIT, BROWSER, KEYED, KEYLESS, REFUSAL } from './exports.cjs';
import { TEST_KEY, sampleOrder } from './helpers.mjs';

const require = createRequire(import.meta.url);
const names = (m) => Object.keys(m).sort();

test('import mypay-edge: the whole API, nothing else', () => {
  assert.deepEqual(names(mypay), SERVER);
});

test('require mypay-edge: the same API, the same instance', () => {
  const cjs = require('mypay-edge');
  assert.deepEqual(names(cjs), SERVER);
  for (const n of SERVER) assert.equal(cjs[n], mypay[n], n);
});

test('mypay-edge/init in Node: the API plus an init() that has nothing left to do', async () => {
  assert.deepEqual(names(withInit), SERVER_INIT);
  assert.equal(await withInit.init(), undefined);
  assert.equal(await withInit.init(new URL('file:///nowhere.wasm')), undefined, 'the input is not used in Node');
  assert.equal(withInit.MypayError, mypay.MypayError, 'one instance with mypay-edge');
  const b64 = withInit.encrypt('{}', TEST_KEY);
  assert.equal(mypay.decrypt(b64, TEST_KEY), '{}');
  const cjs = require('mypay-edge/init');
  assert.deepEqual(names(cjs), SERVER_INIT, 'require(esm) of mypay-edge/init');
  assert.equal(cjs.init, withInit.init);
});

test("the browser build's API (api-browser.js) refuses each key-taking name, naming mypay-edge/storefront", async () => {
  const browser = await import(new URL('../dist/api-browser.js', import.meta.url));
  assert.deepEqual(names(browser), BROWSER);
  for (const n of KEYED) {
    assert.notEqual(browser[n], mypay[n], n);
    const use = n === 'MypayClient' ? () => new browser.MypayClient({ endpoint: 'https://x', agentUid: 1, key: TEST_KEY }) : () => browser[n]('{}', TEST_KEY);
    assert.throws(use, (e) => e instanceof Error && REFUSAL.test(e.message) && e.message.includes(n), n);
  }
  // Loaded on its own, no entry has installed the wasm in this module graph:
  // the keyless part says what is missing instead of failing inside.
  for (const n of KEYLESS.filter((n) => typeof browser[n] === 'function' && n !== 'MypayError')) {
    assert.throws(() => browser[n](sampleOrder()), /the wasm is not loaded yet: await init\(wasm\) from mypay-edge\/init/, n);
  }
  assert.equal(browser.version, undefined);
});
