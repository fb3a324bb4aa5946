// The packed tarball as JS developers use it, beyond Node and workerd
// (js/test/pack/run.mjs does those):
//   1. package lint: publint and @arethetypeswrong/cli on the tarball;
//   2. Vite, webpack and esbuild each build a small page from the tarball
//      installed in a fresh project (Vite and webpack: the `browser` build of
//      `mypay-edge`; esbuild: `mypay-edge/init` as an IIFE for ES2020, the
//      wasm through its `file` loader), and the page runs in headless
//      Chromium: the keyless API answers what Node's answers, each
//      key-taking name throws an Error naming mypay-edge/storefront, and no
//      bundle holds the key-taking code;
//   3. Deno 2 (the npm package `deno`) runs the tarball: it needs read access
//      to the wasm, and nothing else.
// The tools are this folder's devDependencies (package-lock.json), installed
// by scripts/test-js.sh; run it with Node >= 22.12 (Vite 8 needs it).
//
//   node js/test/bundlers/run.mjs [path/to/mypay-edge-x.y.z.tgz]
//
// Env: CHROMIUM (default /usr/bin/chromium); MYPAY_BUNDLER_PORT: the first of
// three ports for the pages' static servers (default: ports the system picks).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { keyless } from './fixtures/checks.js';
import exportLists from '../exports.cjs';

const { BROWSER, BROWSER_INIT, SERVER, SERVER_INIT, KEYED, REFUSAL } = exportLists;
const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../../..');
const MODULES = join(HERE, 'node_modules');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const PORT = Number(process.env.MYPAY_BUNDLER_PORT ?? 0);
const log = (m) => console.log(`[bundlers] ${m}`);

function newestTarball() {
  const dir = join(ROOT, 'target/npm');
  const tgz = existsSync(dir) ? readdirSync(dir).filter((f) => /^mypay-edge-.*\.tgz$/.test(f)) : [];
  assert.ok(tgz.length > 0, 'no target/npm/mypay-edge-*.tgz: run scripts/build-js.sh');
  return tgz.map((f) => join(dir, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

const tarball = resolve(process.argv[2] ?? newestTarball());
assert.ok(existsSync(join(MODULES, 'vite')), `${MODULES} is not installed: cd js/test/bundlers && npm ci`);
// Child processes get this Node first on PATH (tools' `#!/usr/bin/env node`).
const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}`, NO_COLOR: '1', FORCE_COLOR: '0' };
const bin = (name) => join(MODULES, '.bin', name);
/** Runs a command; returns stdout and stderr together; throws with both on failure. */
function run(cmd, args, opts = {}) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'], ...opts, maxBuffer: 64 << 20 });
  } catch (e) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${e.status}):\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}
const timings = [];
async function step(name, fn) {
  const t0 = Date.now();
  await fn();
  const s = ((Date.now() - t0) / 1000).toFixed(1);
  timings.push(`${name} ${s}s`);
  log(`ok ${name} (${s} s)`);
}
const files = (dir) => readdirSync(dir, { recursive: true }).map(String);

const tmp = mkdtempSync(join(tmpdir(), 'mypay-edge-bundlers-'));
let browser;
const servers = [];
try {
  await step('publint', () => {
    // --strict: warnings fail too; --level suggestion: suggestions are reported.
    const out = run(bin('publint'), ['run', '--strict', '--level', 'suggestion', tarball]);
    assert.match(out, /All good!/, out);
  });

  await step('attw', () => {
    // Two exceptions, explained in js/README.md ("Package lint"):
    // - ./mypay_edge_bg.wasm is an asset (for init(wasm) and bundlers' URL
    //   imports), not a module: it has no types to check;
    // - cjs-resolves-to-esm: `require('mypay-edge/init')` and
    //   `require('mypay-edge/storefront')` load ES modules through Node's
    //   require(esm), built into every Node the package supports
    //   (^22.12 || >=24) and tested by js/test/pack (TypeScript allows it
    //   with `module: nodenext` since 5.8). `require('mypay-edge')` is CommonJS.
    const out = run(bin('attw'), [tarball, '--format', 'ascii', '--exclude-entrypoints', './mypay_edge_bg.wasm', '--ignore-rules', 'cjs-resolves-to-esm']);
    assert.match(out, /No problems found/, out);
  });

  await step('a fresh project with the tarball', () => {
    writeFileSync(join(tmp, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '0.0.0', type: 'module' }));
    run('npm', ['install', tarball, '--no-audit', '--no-fund', '--no-package-lock', '--prefer-offline', '--loglevel=error'], { cwd: tmp });
    for (const d of ['vite', 'webpack', 'esbuild', 'deno']) {
      cpSync(join(HERE, 'fixtures', d), join(tmp, d), { recursive: true });
      cpSync(join(HERE, 'fixtures/checks.js'), join(tmp, d, 'checks.js'));
    }
  });
  // What the pages must answer: the packed tarball's Node build.
  const node = createRequire(join(tmp, 'package.json'))('mypay-edge');
  const expected = keyless(node);
  assert.deepEqual(expected.valid, []);
  assert.ok(expected.problems.length > 0);
  assert.equal(expected.status, 'paid');

  const pages = [];
  await step('vite build', () => {
    const out = run(process.execPath, [join(MODULES, 'vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: join(tmp, 'vite') });
    assert.doesNotMatch(out, /warn|error/i, out);
    pages.push({ name: 'Vite', dir: join(tmp, 'vite/dist'), exports: BROWSER });
  });
  await step('webpack build', () => {
    run(process.execPath, [join(MODULES, 'webpack-cli/bin/cli.js'), '--config', 'webpack.config.mjs', '--no-stats'], { cwd: join(tmp, 'webpack') });
    cpSync(join(tmp, 'webpack/index.html'), join(tmp, 'webpack/dist/index.html'));
    pages.push({ name: 'webpack', dir: join(tmp, 'webpack/dist'), exports: BROWSER });
  });
  await step('esbuild build (IIFE, ES2020, mypay-edge/init)', () => {
    const dir = join(tmp, 'esbuild');
    const out = run(bin('esbuild'), ['main.js', '--bundle', '--format=iife', '--target=es2020', '--minify', '--loader:.wasm=file', '--outdir=dist', '--log-level=warning'], { cwd: dir });
    assert.equal(out.trim(), '', `esbuild warned:\n${out}`);
    cpSync(join(dir, 'index.html'), join(dir, 'dist/index.html'));
    pages.push({ name: 'esbuild', dir: join(dir, 'dist'), exports: BROWSER_INIT });
  });

  // No bundle holds the key-taking code: the glue of the wasm functions only
  // MypayClient uses, and MypayClient's own checks.
  for (const { name, dir } of pages) {
    const js = files(dir).filter((f) => f.endsWith('.js'));
    assert.equal(files(dir).filter((f) => f.endsWith('.wasm')).length, 1, `${name}: the bundle has the wasm`);
    const code = js.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    for (const marker of ['keyCount', 'retryDelay', 'resendUnderNextKey', 'agentUid is required']) {
      assert.ok(!code.includes(marker), `${name}: the bundle holds key-taking code (${marker})`);
    }
    assert.ok(code.includes('mypay-edge/storefront'), `${name}: the refusals are in the bundle`);
  }

  await step('the pages in Chromium', async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium`);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
    for (const [i, page] of pages.entries()) {
      const failed = [];
      const server = http.createServer((req, res) => {
        const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
        const file = join(page.dir, path === '/' ? 'index.html' : path);
        if (path.includes('..') || !existsSync(file) || statSync(file).isDirectory()) {
          failed.push(path);
          res.writeHead(404);
          return res.end();
        }
        res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
        res.end(readFileSync(file));
      });
      servers.push(server);
      await new Promise((r, j) => server.once('error', j).listen(PORT === 0 ? 0 : PORT + i, '127.0.0.1', r));
      const tab = await browser.newPage();
      const errors = [];
      tab.on('pageerror', (e) => errors.push(String(e)));
      tab.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await tab.goto(`http://127.0.0.1:${server.address().port}/`);
      await tab.waitForFunction(() => window.__result !== undefined, null, { timeout: 30_000 });
      const r = await tab.evaluate(() => window.__result);
      assert.equal(r.thrown, undefined, `${page.name}: ${r.thrown}`);
      assert.deepEqual(failed, [], `${page.name}: requests that failed`);
      assert.deepEqual(errors, [], page.name);
      assert.deepEqual(r.exports, page.exports, `${page.name}: the exports of the browser build`);
      assert.deepEqual(r.keyless, expected, `${page.name}: the keyless API answers what Node's does`);
      assert.deepEqual(Object.keys(r.keyed).sort(), KEYED);
      for (const [n, message] of Object.entries(r.keyed)) assert.match(message, REFUSAL, `${page.name}: ${n}`);
      assert.deepEqual({ paid: r.storefront.paid, pending: r.storefront.pending }, { paid: true, pending: false });
      assert.match(r.storefront.key, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      await tab.close();
      await new Promise((r) => server.close(r));
      log(`ok ${page.name} page in Chromium: keyless API as in Node, ${KEYED.length} key-taking names refused`);
    }
  });

  await step('deno', () => {
    const deno = bin('deno');
    const denoEnv = { ...env, DENO_DIR: join(tmp, '.deno'), DENO_NO_UPDATE_CHECK: '1' };
    const dir = join(tmp, 'deno');
    // Without read access the Node build cannot read its wasm: the README's --allow-read is needed.
    let refused = '';
    try {
      execFileSync(deno, ['run', '--no-prompt', 'main.mjs'], { cwd: dir, env: denoEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      refused = `${e.stdout}${e.stderr}`;
    }
    assert.match(refused, /Requires read access to ".*mypay_edge_bg\.wasm"/, `deno without --allow-read:\n${refused}`);
    // With read access to the package's wasm folder only, and no other permission.
    const wasmDir = join(tmp, 'node_modules/mypay-edge/dist/wasm');
    const out = run(deno, ['run', '--no-prompt', `--allow-read=${wasmDir}`, 'main.mjs'], { cwd: dir, env: denoEnv });
    const r = JSON.parse(out.trim().split('\n').at(-1));
    assert.match(r.runtime, /^deno 2\./);
    assert.deepEqual(r.exports, SERVER);
    assert.deepEqual(r.initExports, SERVER_INIT);
    assert.equal(r.initShares, true);
    assert.equal(r.roundTrip, true);
    assert.equal(r.cryptoOpens, true, "node:crypto in Deno opens mypay-edge's ciphertext");
    assert.deepEqual(r.keyless, expected);
    log(`ok ${r.runtime} runs mypay-edge with --allow-read=<its wasm folder>`);
  });
  log(`timings: ${timings.join(', ')}`);
} finally {
  await browser?.close();
  for (const s of servers) s.close();
  rmSync(tmp, { recursive: true, force: true });
}
