// The browser builds in a real browser: Debian's headless Chromium
// (/usr/bin/chromium) driven by playwright-core, the package served over HTTP
// as a static site and imported as native ES modules (no bundler; the
// bundlers are tested on the packed tarball by js/test/bundlers/run.mjs).
//   - dist/browser.js (`browser`, `import`, `default`): the keyless API gives
//     what Node's gives; each key-taking name throws an Error naming
//     mypay-edge/storefront;
//   - dist/init.js (mypay-edge/init): nothing loads before init(wasm); init
//     takes a URL, its string, a Request, a Response, a promise of one, the
//     bytes or a compiled module.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import * as api from 'mypay-edge';
import { BROWSER, BROWSER_INIT, KEYED, REFUSAL } from './exports.cjs';
import { TEST_KEY, sampleOrder } from './helpers.mjs';

const PKG = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

let server;
let base;
let browser;

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium`);
  server = http.createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<!doctype html><title>mypay-edge</title>');
    }
    if (path.includes('..') || !(path.startsWith('/dist/') || path.startsWith('/storefront/'))) {
      res.writeHead(404);
      return res.end();
    }
    try {
      const body = await readFile(join(PKG, path));
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  server?.close();
});

/** What the keyless API answers, in the browser and in Node alike. */
function keylessResults(m, order) {
  let error;
  try {
    m.parseReply('api/orders', '<html>403 Forbidden</html>', 403);
  } catch (e) {
    error = { isMypayError: e instanceof m.MypayError, isError: e instanceof Error, code: e.code, status: e.status };
  }
  return {
    version: m.version,
    valid: m.validateOrder(order),
    problems: m.validateOrder({ ...order, cost: 901 }),
    refund: m.validateRefund({ uid: '95227', key: 'k', cost: 900 }),
    reply: m.parseReply('api/orders', '{"code":"200","msg":"資料正確","url":"https://pay.usecase.cc/p/1.html","uid":95227,"key":"k"}'),
    report: m.parseNotification('uid=95227&key=k&prc=250&order_id=1234567890&cost=900'),
    status: m.statusClass('250'),
    policy: m.callPolicy('api/queryorder'),
    pfns: m.valueTables().Pfn,
    error,
  };
}

async function newPage() {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(`${base}/`);
  return { page, errors };
}

test('dist/browser.js in Chromium: the keyless API works, the key-taking names throw naming mypay-edge/storefront', async () => {
  const { page, errors } = await newPage();
  const order = sampleOrder();
  const r = await page.evaluate(
    async ({ order, key, keyed, fn }) => {
      const keylessResults = new Function(`return (${fn})`)();
      const m = await import('/dist/browser.js');
      const refused = {};
      for (const n of keyed) {
        try {
          if (n === 'MypayClient') new m.MypayClient({ endpoint: 'https://pay.usecase.cc/api/agent', agentUid: 1, key });
          else m[n]('{}', key);
          refused[n] = 'no error';
        } catch (e) {
          refused[n] = { isError: e instanceof Error, message: e.message };
        }
      }
      const storefront = await import('/storefront/index.js');
      return {
        exports: Object.keys(m).sort(),
        results: keylessResults(m, order),
        refused,
        storefront: { final: storefront.isFinalStatus('paid'), open: storefront.isFinalStatus('pending'), key: storefront.newIdempotencyKey() },
        agent: navigator.userAgent,
      };
    },
    { order, key: TEST_KEY, keyed: KEYED, fn: keylessResults.toString() },
  );
  assert.deepEqual(errors, []);
  assert.match(r.agent, /Chrome/);
  assert.deepEqual(r.exports, BROWSER);
  assert.deepEqual(r.results, keylessResults(api, order), "the browser's keyless API answers what Node's does");
  assert.deepEqual(r.results.valid, []);
  assert.ok(r.results.problems.length > 0, 'a wrong cost is a problem');
  assert.equal(r.results.status, 'paid');
  assert.deepEqual(r.results.error, { isMypayError: true, isError: true, code: 'upstream_not_json', status: 403 });
  for (const n of KEYED) {
    assert.equal(r.refused[n].isError, true, n);
    assert.match(r.refused[n].message, REFUSAL, n);
  }
  assert.deepEqual({ ...r.storefront, key: undefined }, { final: true, open: false, key: undefined });
  assert.match(r.storefront.key, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  await page.close();
});

test('dist/init.js loads nothing by itself; the API works after init(wasm), from each kind of input', async () => {
  const wasmPath = '/dist/wasm/mypay_edge_bg.wasm';
  const inputs = {
    'URL string': `() => '${wasmPath}'`,
    URL: `() => new URL('${wasmPath}', location.href)`,
    Request: `() => new Request('${wasmPath}')`,
    Response: `async () => await fetch('${wasmPath}')`,
    'promise of a Response': `() => fetch('${wasmPath}')`,
    ArrayBuffer: `async () => await (await fetch('${wasmPath}')).arrayBuffer()`,
    Uint8Array: `async () => new Uint8Array(await (await fetch('${wasmPath}')).arrayBuffer())`,
    'WebAssembly.Module': `async () => await WebAssembly.compileStreaming(fetch('${wasmPath}'))`,
  };
  const order = sampleOrder();
  for (const [kind, make] of Object.entries(inputs)) {
    const { page, errors } = await newPage();
    const r = await page.evaluate(
      async ({ order, make }) => {
        const m = await import('/dist/init.js');
        const loadedOnImport = performance.getEntriesByType('resource').some((e) => e.name.endsWith('.wasm'));
        let before;
        try {
          m.validateOrder(order);
        } catch (e) {
          before = e.message;
        }
        let noInput;
        await m.init().catch((e) => (noInput = `${e.name}: ${e.message}`));
        const input = await new Function(`return (${make})`)()();
        const done = await m.init(input);
        const again = await m.init();
        return { exports: Object.keys(m).sort(), loadedOnImport, before, noInput, done, again, valid: m.validateOrder(order), status: m.statusClass('250'), version: m.version };
      },
      { order, make },
    );
    assert.deepEqual(errors, [], kind);
    assert.deepEqual(r.exports, BROWSER_INIT, kind);
    assert.equal(r.loadedOnImport, false, `${kind}: importing mypay-edge/init fetched the wasm`);
    assert.match(r.before, /the wasm is not loaded yet: await init\(wasm\) from mypay-edge\/init/, kind);
    assert.match(r.noInput, /^TypeError: mypay-edge: init\(wasm\) needs the wasm/, kind);
    assert.equal(r.done, undefined, kind);
    assert.equal(r.again, undefined, `${kind}: a second init() resolves at once`);
    assert.deepEqual(r.valid, [], kind);
    assert.equal(r.status, 'paid', kind);
    assert.equal(r.version, api.version, kind);
    await page.close();
  }
});

test('init(wasm) fails on a wasm that is not there, and works when called again with the right one', async () => {
  const { page, errors } = await newPage();
  const r = await page.evaluate(async () => {
    const m = await import('/dist/init.js');
    let failed;
    await m.init('/dist/wasm/missing.wasm').catch((e) => (failed = e.message));
    await m.init('/dist/wasm/mypay_edge_bg.wasm');
    return { failed, status: m.statusClass('250') };
  });
  assert.deepEqual(errors, []);
  assert.match(r.failed, /404/);
  assert.equal(r.status, 'paid');
  await page.close();
});
