// The Worker's test stack, configured in code: the real sandbox process as
// MYPAY, a local Turnstile siteverify stand-in, and the Worker in workerd
// through wrangler's programmatic API (`DevEnv.startWorker`, what
// `unstable_startWorker` runs) — one instance per configuration, each with its
// own vars, secrets and persisted local D1 (migrations and seed/dev.sql applied
// through its D1 binding). Every server listens on a port the OS picks (or on
// fixed ports, see below) and says which; nothing is polled.
//
// Instances (all from wrangler.toml, so the [[ratelimits]] bindings are live):
//   main       the test key and ADMIN_TOKEN; STOREFRONT_URL and ALLOWED_ORIGINS
//              its own URL; the sandbox reports to its /mypay/notify
//   expiry     ORDER_TTL_SECONDS=3, IDEMPOTENCY_RECLAIM_SECONDS=2, VOUCHER_HOLD_SECONDS=3
//   rotation   an old MYPAY_AGENT_KEY MYPAY refuses, MYPAY's key as MYPAY_AGENT_KEY_NEXT,
//              Turnstile's always-pass test secret
//   turnstile  Turnstile's always-fail test secret
//   options    every order setting set (instalments, PAYMENT_METHODS, CURRENCY=CNY, fees, ...)
//   and eight that must answer every request 500 config_error naming the setting
//   (never its value), keep answering, and log a config_error line: one
//   without ADMIN_TOKEN, one with TEST_CLOCK=1 against an https MYPAY_ENDPOINT,
//   one with a Turnstile site key but no secret, one with LOG_LEVEL=loud, one
//   with an offline method in PAYMENT_METHODS, one with malformed CREDITCARD_INSTALLMENTS, one with a
//   MERCHANT_WEBHOOK_SECRET that is not whsec_ + base64, one with a
//   WEBHOOK_TIMEOUT_MS above its 20 s limit.
// Then node:test runs the test files with WORKER_URL, SANDBOX_URL, ADMIN_TOKEN,
// EXPIRY_WORKER_URL, ROTATION_WORKER_URL, TURNSTILE_WORKER_URL and
// SITEVERIFY_URL, and the harness checks that no secret or personal value
// reached any log (the workers' console and wrangler's own output).
//
// Usage (scripts/test-worker.sh builds first and runs this with Node >= 22.12):
//   node tests/worker/harness.mjs [test files or globs]   (default TEST_FILES,
//        else tests/worker/*.test.mjs)
// Env: WORKER_PORT / SANDBOX_PORT fixed ports (default: any free port; with
//      WORKER_PORT the other instances take WORKER_PORT+2 … +26), KEEP=1 keeps
//      the temp dir (state and logs), BENCH=1 runs scripts/bench-worker.mjs on a
//      fresh main worker and sandbox instead of the tests.
// Logs: in the temp dir, copied to test-output/worker/ when something fails.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { migrateAndSeed, plain, secret, startDevWorker, withTimeout } from './support/devworker.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CALLER_DIR = process.cwd();
process.chdir(ROOT);
const TEST_KEY = '2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG'; // the API text's published test key
const OLD_KEY = randomBytes(16).toString('hex');
const ADMIN_TOKEN = `test-${randomBytes(16).toString('hex')}`;
const UA = 'mypay-edge-tests';
const fixedPort = (name) => {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) die(`${name}=${v} is not a port`);
  return n;
};
const WORKER_PORT = fixedPort('WORKER_PORT');
const SANDBOX_PORT = fixedPort('SANDBOX_PORT') ?? 0;
/** The main worker's port plus `offset`, or 0 (any free port). */
const portAt = (offset) => (WORKER_PORT === undefined ? 0 : WORKER_PORT + offset);

const TMP = mkdtempSync(join(tmpdir(), 'mypay-worker-test.'));
const OUT = join(ROOT, 'test-output/worker');
const started = Date.now();

function log(...args) {
  process.stderr.write(`\x1b[1;32m[test-worker]\x1b[0m ${format(...args)}\n`);
}
function die(msg) {
  const err = new Error(msg);
  err.harness = true;
  throw err;
}

// wrangler prints through `console`: into wrangler.log, beside the workers'
// own logs, so that the terminal shows the harness and the tests only.
const WRANGLER_LOG = join(TMP, 'wrangler.log');
for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
  console[level] = (...args) => appendFileSync(WRANGLER_LOG, `${format(...args)}\n`);
}
process.env.CI ??= 'true';
process.env.WRANGLER_SEND_METRICS = 'false';

// ---- processes and instances to stop --------------------------------------
const children = [];
const workers = [];
let finished = false;
let stopping;
async function stopAll() {
  stopping ??= (async () => {
    await Promise.allSettled(workers.map((w) => withTimeout(w.dispose(), 15000, 'dispose')));
    await Promise.allSettled(children.map(stopChild));
  })();
  return stopping;
}
async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}
process.on('unhandledRejection', (err) => log(`unhandled: ${err?.stack ?? err}`));
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
// Ctrl-C or SIGTERM stops everything as a normal end does (a second one at
// once). Miniflare installs its own listeners that exit on the spot, before
// the temp dir can go: takeOverSignals() removes them once the workers run
// (their workerd processes still stop on exit through Miniflare's exit hook).
const onSignal = {};
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  onSignal[sig] = () => {
    if (finished) process.exit(code);
    log(`${sig}: stopping`);
    finish(code);
  };
  process.on(sig, onSignal[sig]);
}
function takeOverSignals() {
  for (const [sig, mine] of Object.entries(onSignal)) {
    for (const l of process.listeners(sig)) if (l !== mine) process.removeListener(sig, l);
  }
}

// ---- child processes that say where they listen ---------------------------
/** Spawns `cmd args`, logs to TMP/`name`.log, resolves with the URL its
 *  first stdout line names (`listening on http://…`). */
async function startListener(name, cmd, args) {
  const logFile = join(TMP, `${name}.log`);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'info' } });
  children.push(child);
  child.stderr.on('data', (d) => appendFileSync(logFile, d));
  const lines = createInterface({ input: child.stdout });
  const url = new Promise((resolveUrl, reject) => {
    lines.on('line', (line) => {
      appendFileSync(logFile, `${line}\n`);
      const m = line.match(/^listening on (http:\/\/\S+?)\/?(\s|$)/);
      if (m) resolveUrl(m[1]);
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`${name} exited (${code ?? signal}) before listening; see ${logFile}:\n${tail(logFile)}`)));
  });
  return withTimeout(url, 30000, name);
}

function tail(file, n = 30) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-n).join('\n');
  } catch {
    return '';
  }
}

// ---- workers ---------------------------------------------------------------

/**
 * Starts wrangler.toml's worker with `vars` and `secrets` over the file's
 * (`self(url)` answers vars that name the worker's own URL), on `port`, with
 * its own persisted state; answers { name, url, worker, logs, db() }.
 * Nothing is read from .dev.vars or .env: every secret is the harness's.
 */
async function startWorker(name, { port, vars = {}, secrets = {}, self = () => ({}) }) {
  const onLog = [];
  const bindings = (url) => Object.fromEntries([
    ...Object.entries({ ...vars, ...self(url) }).map(([k, v]) => [k, plain(v)]),
    ...Object.entries(secrets).map(([k, v]) => [k, secret(v)]),
  ]);
  const guess = port ? `http://127.0.0.1:${port}` : 'http://127.0.0.1';
  const w = await startDevWorker({
    name,
    bindings: bindings(guess),
    port,
    persist: join(TMP, `state-${name}`),
    logFile: join(TMP, `worker-${name}.log`),
    onLine: (line) => { for (const f of onLog) f(line); },
    onStart: (worker) => {
      workers.push(worker);
      takeOverSignals();
    },
  });
  // The URL is known now: set the vars that name it.
  if (w.url !== guess) await w.rebind(bindings(w.url));
  return {
    ...w,
    /** Resolves when a log line matches `re` (or rejects after `ms`). */
    waitForLog(re, ms = 5000) {
      if (w.logs.some((l) => re.test(l))) return Promise.resolve();
      return withTimeout(new Promise((res) => onLog.push((l) => re.test(l) && res())), ms, `a log line matching ${re}`);
    },
  };
}

async function get(url, init = {}) {
  const res = await fetch(url, { ...init, headers: { 'user-agent': UA, ...init.headers } });
  return { status: res.status, text: await res.text() };
}

/** A worker that must be up: its products answer 200. */
async function checkUp(w) {
  const r = await get(`${w.url}/api/products`);
  if (r.status !== 200) die(`the ${w.name} worker answers ${r.status} ${r.text}\n${w.logs.slice(-20).join('\n')}`);
}

/** A worker started with a bad configuration answers every request 500
 *  config_error naming the variable (never its value), keeps answering,
 *  and logs a config_error line. */
async function expectConfigError(w, setting, secrets) {
  for (const attempt of [1, 2]) {
    const r = await get(`${w.url}/api/products`);
    let code;
    try { code = JSON.parse(r.text)?.error?.code; } catch { code = undefined; }
    if (r.status !== 500 || code !== 'config_error' || !r.text.includes(setting)) {
      die(`expected 500 config_error naming ${setting} (request ${attempt}), got ${r.status} ${r.text}`);
    }
    if (Object.values(secrets).some((v) => r.text.includes(v))) die(`the ${setting} config_error answer shows a secret`);
  }
  await w.waitForLog(/"event":"config_error"/).catch(() => die(`no config_error log line from the ${setting} check`));
  log(`config_error naming ${setting}: ok`);
}

function runNode(args, env) {
  const child = spawn(process.execPath, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  children.push(child);
  return new Promise((res) => child.once('exit', (code, signal) => res(code ?? (signal ? 1 : 0))));
}

// ---- the run ---------------------------------------------------------------
/** Saves the logs when something failed; removes the temp dir unless KEEP. */
function keepLogs(code) {
  if (code !== 0) {
    mkdirSync(OUT, { recursive: true });
    for (const f of readdirSync(TMP).filter((f) => f.endsWith('.log'))) cpSync(join(TMP, f), join(OUT, f));
    log(`logs in ${OUT}/`);
  }
  if (process.env.KEEP) log(`kept ${TMP}`);
  else rmSync(TMP, { recursive: true, force: true });
}
async function finish(code) {
  if (finished) return;
  finished = true;
  await stopAll();
  keepLogs(code);
  process.exit(code);
}

async function main() {
  const bench = Boolean(process.env.BENCH);
  const [sandboxUrl, siteverifyBase] = await Promise.all([
    startListener('sandbox', join(ROOT, 'target/release/mypay'), [
      'sandbox', '--port', String(SANDBOX_PORT), '--in-memory', '--retry-schedule-ms', '500,1000',
    ]),
    bench ? undefined : startListener('siteverify', process.execPath, [join(ROOT, 'tests/worker/support/siteverify.mjs'), String(portAt(12))]),
  ]);
  log(`sandbox on ${sandboxUrl}`);
  const siteverifyUrl = siteverifyBase && `${siteverifyBase}/turnstile/v0/siteverify`;
  const endpoint = `${sandboxUrl}/api/agent`;
  const keys = { MYPAY_AGENT_KEY: TEST_KEY, ADMIN_TOKEN };
  const ownUrl = (url) => ({ STOREFRONT_URL: url });

  const specs = {
    main: {
      port: portAt(0),
      vars: { MYPAY_ENDPOINT: endpoint, MYPAY_TIMEOUT_MS: 2000 },
      secrets: keys,
      self: (url) => ({ STOREFRONT_URL: url, ALLOWED_ORIGINS: url }),
    },
  };
  const configErrors = {};
  if (!bench) {
    Object.assign(specs, {
      expiry: {
        port: portAt(4),
        vars: { MYPAY_ENDPOINT: endpoint, ORDER_TTL_SECONDS: 3, IDEMPOTENCY_RECLAIM_SECONDS: 2, VOUCHER_HOLD_SECONDS: 3 },
        secrets: keys,
        self: ownUrl,
      },
      rotation: {
        port: portAt(6),
        vars: { MYPAY_ENDPOINT: endpoint, TURNSTILE_SITE_KEY: '1x00000000000000000000AA', TURNSTILE_VERIFY_URL: siteverifyUrl },
        secrets: { MYPAY_AGENT_KEY: OLD_KEY, MYPAY_AGENT_KEY_NEXT: TEST_KEY, ADMIN_TOKEN, TURNSTILE_SECRET_KEY: '1x0000000000000000000000000000000AA' },
        self: ownUrl,
      },
      // Every order setting set (tests/worker/options.test.mjs).
      options: {
        port: portAt(18),
        vars: {
          MYPAY_ENDPOINT: endpoint,
          CREDITCARD_INSTALLMENTS: '{"6":["822"],"3":["013","822"]}',
          PAYMENT_METHODS: 'CREDITCARD,LINEPAYON,JKOON,CSTORECODE',
          LIMIT_PAY_DAYS: 5,
          ENABLE_QUICKPAY: 0,
          ENABLE_DCC: 1,
          CURRENCY: 'CNY',
          INVOICE_RATETYPE: 2,
          ISSUE_INVOICE_STATE: 0,
          VOUCHER_INVOICE_TYPE: 2,
          AGENT_CHARGE_FEE: 90,
          AGENT_CHARGE_FEE_TYPE: 1,
          AGENT_SMS_FEE_TYPE: 1,
        },
        secrets: keys,
        self: ownUrl,
      },
      turnstile: {
        port: portAt(10),
        vars: { MYPAY_ENDPOINT: endpoint, TURNSTILE_SITE_KEY: '2x00000000000000000000AB', TURNSTILE_VERIFY_URL: siteverifyUrl },
        secrets: { ...keys, TURNSTILE_SECRET_KEY: '2x0000000000000000000000000000000AA' },
        self: ownUrl,
      },
    });
    Object.assign(configErrors, {
      // A missing secret.
      ADMIN_TOKEN: { port: portAt(2), vars: { MYPAY_ENDPOINT: endpoint }, secrets: { MYPAY_AGENT_KEY: TEST_KEY } },
      // The test clock can never be on against MYPAY: TEST_CLOCK=1 with an
      // https MYPAY_ENDPOINT is refused.
      TEST_CLOCK: { port: portAt(8), vars: { MYPAY_ENDPOINT: 'https://pay.usecase.cc/api/agent', TEST_CLOCK: 1 }, secrets: keys },
      // Turnstile half set up: a site key without its secret.
      TURNSTILE_SECRET_KEY: { port: portAt(14), vars: { MYPAY_ENDPOINT: endpoint, TURNSTILE_SITE_KEY: '1x00000000000000000000AA' }, secrets: keys },
      // A log level that is not one.
      LOG_LEVEL: { port: portAt(16), vars: { MYPAY_ENDPOINT: endpoint, LOG_LEVEL: 'loud' }, secrets: keys },
      // An offline method in PAYMENT_METHODS; instalments that are not the text's JSON.
      PAYMENT_METHODS: { port: portAt(20), vars: { MYPAY_ENDPOINT: endpoint, PAYMENT_METHODS: 'CREDITCARD,LINEPAYOFF' }, secrets: keys },
      CREDITCARD_INSTALLMENTS: { port: portAt(22), vars: { MYPAY_ENDPOINT: endpoint, CREDITCARD_INSTALLMENTS: '{"3":"013"}' }, secrets: keys },
      // A merchant webhook secret that is not whsec_ + base64.
      MERCHANT_WEBHOOK_SECRET: {
        port: portAt(24),
        vars: { MYPAY_ENDPOINT: endpoint, MERCHANT_WEBHOOK_URL: 'https://hooks.example.com/mypay' },
        secrets: { ...keys, MERCHANT_WEBHOOK_SECRET: `not-a-secret-${randomBytes(8).toString('hex')}` },
      },
      // A webhook timeout longer than an attempt's claim on its delivery.
      WEBHOOK_TIMEOUT_MS: { port: portAt(26), vars: { MYPAY_ENDPOINT: endpoint, WEBHOOK_TIMEOUT_MS: 60000 }, secrets: keys },
    });
  }

  log(`starting ${Object.keys(specs).length + Object.keys(configErrors).length} workers`);
  const up = {};
  await Promise.all([
    ...Object.entries(specs).map(async ([name, spec]) => {
      const w = await startWorker(name, spec);
      await migrateAndSeed(await w.db());
      await checkUp(w);
      up[name] = w;
    }),
    ...Object.entries(configErrors).map(async ([setting, spec]) => {
      const w = await startWorker(`conf-${setting}`, spec);
      await expectConfigError(w, setting, spec.secrets);
      workers.splice(workers.indexOf(w.worker), 1);
      await w.worker.dispose();
    }),
  ]);
  takeOverSignals();
  // MYPAY's reports go to the main worker.
  const cfg = await get(`${sandboxUrl}/sandbox/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ notify_url: `${up.main.url}/mypay/notify` }),
  });
  if (cfg.status !== 200) die(`the sandbox refused its notify URL: ${cfg.status} ${cfg.text}`);
  log(`stack is up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${Object.values(up).map((w) => `${w.name} ${w.url}`).join(', ')}`);

  if (bench) {
    return runNode([join(ROOT, 'scripts/bench-worker.mjs')], { WORKER_URL: up.main.url, SANDBOX_URL: sandboxUrl });
  }

  const files = process.argv.slice(2).map((f) => resolve(CALLER_DIR, f));
  const patterns = files.length ? files : (process.env.TEST_FILES ?? 'tests/worker/*.test.mjs').split(/\s+/).filter(Boolean);
  const code = await runNode(['--test', '--test-reporter=spec', '--test-concurrency=1', ...patterns], {
    WORKER_URL: up.main.url,
    SANDBOX_URL: sandboxUrl,
    ADMIN_TOKEN,
    EXPIRY_WORKER_URL: up.expiry.url,
    ROTATION_WORKER_URL: up.rotation.url,
    TURNSTILE_WORKER_URL: up.turnstile.url,
    OPTIONS_WORKER_URL: up.options.url,
    SITEVERIFY_URL: siteverifyUrl,
  });
  if (code !== 0) return code;

  // No secret may reach a log: not the agent keys, not the admin token, not
  // any order's MYPAY key (the sandbox lists them), not a test shopper's
  // e-mail or phone.
  const orders = JSON.parse((await get(`${sandboxUrl}/sandbox/orders`)).text);
  const needles = [
    ...(orders.orders ?? orders).map((o) => o.key).filter(Boolean),
    TEST_KEY, OLD_KEY, ADMIN_TOKEN, 'test@example.com', '0912345678',
  ];
  const texts = readdirSync(TMP).filter((f) => f === 'wrangler.log' || f.startsWith('worker-')).map((f) => [f, readFileSync(join(TMP, f), 'utf8')]);
  const lines = texts.filter(([f]) => f.startsWith('worker-')).reduce((n, [, t]) => n + t.split('\n').length - 1, 0);
  if (lines === 0) die('the workers logged nothing: the log check would prove nothing');
  for (const [f, text] of texts) {
    for (const n of needles) if (text.includes(n)) die(`a secret or personal value appears in ${f}`);
  }
  log(`worker logs (${lines} lines) have none of ${needles.length} secrets / personal values`);
  return 0;
}

try {
  const code = await main();
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await finish(code);
} catch (err) {
  log(`error: ${err.harness ? err.message : err.stack ?? err}`);
  await finish(1);
}
