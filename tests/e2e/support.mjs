// What the end-to-end tests share: where the stack is (set by scripts/test-e2e.sh), JSON
// calls, Chromium profiles and screenshots.
//   E2E_BASE_URL     the Worker + storefront      (default http://127.0.0.1:28787)
//   E2E_SANDBOX_URL  the sandbox                  (default http://127.0.0.1:28788)
//   E2E_ADMIN_TOKEN  the Worker's ADMIN_TOKEN
//   E2E_OUTPUT       where screenshots go         (default test-output/e2e)
//   E2E_CHROMIUM     the browser                  (default /usr/bin/chromium, Debian's)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '../..');
export const BASE = (process.env.E2E_BASE_URL || 'http://127.0.0.1:28787').replace(/\/$/, '');
export const SANDBOX = (process.env.E2E_SANDBOX_URL || 'http://127.0.0.1:28788').replace(/\/$/, '');
export const ADMIN_TOKEN = process.env.E2E_ADMIN_TOKEN || '';
export const OUT = path.resolve(root, process.env.E2E_OUTPUT || 'test-output/e2e');
const CHROMIUM = process.env.E2E_CHROMIUM || '/usr/bin/chromium';
/** This run's mark, so voucher codes and ids never collide with an earlier run's. */
export const RUN = Date.now().toString(36).toUpperCase();
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

fs.mkdirSync(OUT, { recursive: true });

/** A JSON call; throws on a non-2xx answer, naming it. Answers the JSON (or the text). */
export async function api(method, url, body, headers = {}) {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', 'user-agent': 'mypay-edge-e2e', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) throw new Error(`${method} ${url} → ${res.status} ${text.slice(0, 300)}`);
  return json ?? text;
}

const open = new Set();

/**
 * A page in a fresh browser profile (its own user-data-dir, so its own storage), desktop or
 * phone-sized, in Taiwan's locale and time zone. `headers` go with every request (e.g. a
 * client address). Page errors and console errors are collected in `page.problems`.
 */
export async function newPage({ phone = false, headers, downloads = false } = {}) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mypay-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    locale: 'zh-TW',
    timezoneId: 'Asia/Taipei',
    acceptDownloads: downloads,
    ...(phone
      ? { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
      : { viewport: { width: 1280, height: 900 } }),
  });
  context.userDataDir = userDataDir;
  if (headers) await context.setExtraHTTPHeaders(headers);
  open.add(context);
  const page = context.pages()[0] ?? (await context.newPage());
  // Generous: on a shared dev machine wrangler dev may rebuild the Worker mid-run (its
  // [build] watches src/) and hold requests for a while; in CI nothing changes under it.
  page.setDefaultTimeout(45_000);
  page.setDefaultNavigationTimeout(45_000);
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // A 404 a page expects (an endpoint a Worker may not have) is not a problem.
    if (m.type() === 'error' && !/favicon|Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.problems = problems;
  return page;
}

function removeProfile(dir) {
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  } catch {
    // Chromium may still be flushing its profile; the OS cleans /tmp eventually.
  }
}

export async function closePage(page) {
  const context = page.context();
  open.delete(context);
  await context.close();
  removeProfile(context.userDataDir);
}

/** Closes every page still open (for `after`). */
export async function closeAll() {
  for (const c of open) {
    await c.close().catch(() => {});
    removeProfile(c.userDataDir);
  }
  open.clear();
}

/** A full-page screenshot in OUT; answers its path. */
export async function shot(page, name) {
  const file = path.join(OUT, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  assert.ok(fs.statSync(file).size > 1000, `screenshot ${file} is not empty`);
  return file;
}
