// The `browser` entry (dist/browser.js) in a real browser: Debian's headless
// Chromium (/usr/bin/chromium) driven by playwright-core, the package served
// over HTTP as a static site, imported as a native ES module (no bundler).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import * as api from 'mypay-edge';
import { TEST_KEY, sampleOrder, sampleEncrypt, nodeDecrypt } from './helpers.mjs';

const PKG = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
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
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
  server?.close();
});

test('dist/browser.js works as a native ES module in Chromium', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(`${base}/`);
  const order = sampleOrder();
  const fromNode = sampleEncrypt(order, TEST_KEY);
  const r = await page.evaluate(
    async ({ order, key, fromNode }) => {
      const m = await import('/dist/browser.js');
      const text = JSON.stringify(order);
      const b64 = m.encrypt(text, key);
      let error;
      try {
        m.decrypt('nope', key);
      } catch (e) {
        error = { isMypayError: e instanceof m.MypayError, isError: e instanceof Error, code: e.code };
      }
      const storefront = await import('/storefront/index.js');
      return {
        version: m.version,
        b64,
        roundTrip: m.decrypt(b64, key) === text,
        fromNode: m.decrypt(fromNode, key),
        problems: m.validateOrder(order),
        body: m.buildRequest('api/orders', order, { agentUid: '518169081001', key }).body,
        error,
        storefront: typeof storefront,
        agent: navigator.userAgent,
        exports: Object.keys(m).sort(),
        policy: m.callPolicy('api/orders'),
      };
    },
    { order, key: TEST_KEY, fromNode },
  );
  assert.deepEqual(errors, []);
  assert.match(r.agent, /Chrome/);
  assert.equal(r.roundTrip, true);
  assert.equal(nodeDecrypt(r.b64, TEST_KEY), JSON.stringify(order), "Node's crypto opens the browser's ciphertext");
  assert.equal(r.fromNode, JSON.stringify(order), "the browser opens the Node sample's ciphertext");
  assert.deepEqual(r.problems, []);
  assert.deepEqual(JSON.parse(nodeDecrypt(new URLSearchParams(r.body).get('encry_data'), TEST_KEY)), order);
  assert.deepEqual(r.error, { isMypayError: true, isError: true, code: 'decrypt_failed' });
  assert.equal(r.storefront, 'object');
  assert.deepEqual(r.exports, Object.keys(api).sort(), "the browser entry exports what Node's does");
  assert.deepEqual(r.policy, { retry: { kind: 'never' } });
  await page.close();
});
