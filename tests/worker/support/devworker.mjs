// wrangler.toml's Worker in workerd through wrangler's programmatic API (DevEnv), for
// tests/worker/harness.mjs and the test files that need an instance of their own, and the
// D1 schema and seed applied through the instance's binding.
import { once } from 'node:events';
import { appendFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** The API text's published test key. */
export const TEST_KEY = '2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG';
export const plain = (value) => ({ type: 'plain_text', value: String(value) });
export const secret = (value) => ({ type: 'secret_text', value });

/** `promise`, or a rejection naming `what` after `ms`. */
export function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what}: nothing within ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}

/**
 * Starts wrangler.toml's Worker with `bindings` over the file's (nothing is read from
 * .dev.vars or .env), on `port` (0: any free one), its state in the directory `persist`.
 * build/worker/ must be built already: no [build] command runs per instance. Every log line
 * goes to `logs`, `logFile` (if given) and `onLine`. `onStart(worker)` runs as soon as
 * wrangler has the instance (before it serves), so a caller can stop it whatever happens.
 * Answers, once it serves: { name, url, worker, devEnv, logs, db(), rebind(bindings), stop() }.
 */
export async function startDevWorker({ name, bindings, port = 0, persist, logFile, onLine, onStart, dev = {} }) {
  const { unstable_DevEnv: DevEnv } = await import('wrangler');
  const logs = [];
  const noEnv = `${persist}.empty.env`;
  writeFileSync(noEnv, '');
  const devEnv = new DevEnv();
  const reloaded = once(devEnv, 'reloadComplete');
  const worker = await devEnv.startWorker({
    config: join(ROOT, 'wrangler.toml'),
    envFiles: [noEnv],
    bindings,
    build: { custom: { command: '' } },
    dev: {
      server: { hostname: '127.0.0.1', port },
      inspector: false,
      watch: false,
      liveReload: false,
      persist,
      structuredLogsHandler: ({ level, message }) => {
        const line = `${level}: ${message}`;
        logs.push(line);
        if (logFile) appendFileSync(logFile, `${line}\n`);
        onLine?.(line);
      },
      ...dev,
    },
  });
  onStart?.(worker);
  await withTimeout(reloaded, 120000, `the ${name} worker`);
  const runtime = () => devEnv.runtimes.find((r) => r.mf);
  return {
    name,
    url: (await worker.url).origin,
    worker,
    devEnv,
    logs,
    db: () => runtime().mf.getD1Database('DB'),
    /** New bindings (e.g. vars naming the instance's own URL, known only now). */
    async rebind(next) {
      const again = once(devEnv, 'reloadComplete');
      await worker.patchConfig({ bindings: next });
      await withTimeout(again, 120000, `the ${name} worker's reload`);
    },
    stop: () => withTimeout(worker.dispose(), 15000, `stopping the ${name} worker`),
  };
}

/**
 * Applies migrations/ as `wrangler d1 migrations apply` does (each recorded in
 * d1_migrations, none twice), then seed/dev.sql unless `seed` is false.
 */
export async function migrateAndSeed(db, { seed = true } = {}) {
  const { unstable_splitSqlQuery: splitSqlQuery } = await import('wrangler');
  await db.prepare(`CREATE TABLE IF NOT EXISTS d1_migrations(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT UNIQUE,
    applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
  )`).run();
  const applied = new Set((await db.prepare('SELECT name FROM d1_migrations').all()).results.map((r) => r.name));
  const run = (sql) => db.batch(splitSqlQuery(sql).map((s) => db.prepare(s)));
  for (const file of readdirSync(join(ROOT, 'migrations')).filter((f) => f.endsWith('.sql')).sort()) {
    if (applied.has(file)) continue;
    const sql = readFileSync(join(ROOT, 'migrations', file), 'utf8');
    await run(`${sql}\nINSERT INTO d1_migrations (name) VALUES ('${file.replace(/'/g, "''")}');`);
  }
  if (seed) await run(readFileSync(join(ROOT, 'seed/dev.sql'), 'utf8'));
}
