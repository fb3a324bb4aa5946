// The admin console's side of the Worker:
//   * Cloudflare Access sign-in on the admin API, against a JWKS served here:
//     a Worker instance of its own (wrangler's startWorker) with
//     ACCESS_TEAM_DOMAIN, ACCESS_AUD and ACCESS_CERTS_URL pointing at this
//     file's JWKS server; tokens signed here with node:crypto;
//   * the console's endpoints on the main instance: session, order search,
//     "check with MYPAY now", reconciliation runs, the CSV export, and the
//     console's static files under /admin/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_TOKEN, BASE, SANDBOX, admin, api, call, order, sandbox, sleep, waitFor } from './helpers.mjs';
import { TEST_KEY, migrateAndSeed, plain, secret, startDevWorker } from './support/devworker.mjs';

const TEAM = 'mypay-test.cloudflareaccess.com';
const AUD = `aud-${randomBytes(8).toString('hex')}`;

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

function rsaKey(kid) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  return { kid, privateKey, publicKey, jwk: { kid, kty: 'RSA', alg: 'RS256', use: 'sig', n: jwk.n, e: jwk.e } };
}

/** A token: `header` and `claims` over the defaults, RS256-signed with `key`
 *  (or as `sign` says). */
function jwt(key, { header = {}, claims = {}, sign } = {}) {
  const h = { alg: 'RS256', kid: key.kid, typ: 'JWT', ...header };
  const c = { iss: `https://${TEAM}`, aud: [AUD], exp: now() + 300, iat: now(), nbf: now(), email: 'owner@example.com', sub: 'u1', ...claims };
  const input = `${b64url(JSON.stringify(h))}.${b64url(JSON.stringify(c))}`;
  const signature = sign ? sign(input) : createSign('RSA-SHA256').update(input).sign(key.privateKey);
  return `${input}.${b64url(signature)}`;
}

// ---- the JWKS server and the Access worker ---------------------------------
const keys = { first: rsaKey('key-1'), second: rsaKey('key-2'), stranger: rsaKey('key-1') };
const served = [keys.first.jwk];
let certFetches = 0;
const jwks = createServer((req, res) => {
  if (req.url !== '/cdn-cgi/access/certs') {
    res.writeHead(404).end();
    return;
  }
  certFetches += 1;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ keys: served, public_cert: { kid: served[0].kid, cert: '-----BEGIN CERTIFICATE-----' } }));
});

let worker;
let accessUrl;
const accessLogs = [];
let tmp;

/** A Worker instance of wrangler.toml with `vars` (plain) over the sandbox's
 *  settings, as tests/worker/harness.mjs starts its instances; its log lines
 *  go to `logs`. Answers { worker, url, db() }. */
function startInstance(name, vars, logs = [], dev = {}) {
  return startDevWorker({
    name,
    bindings: {
      MYPAY_ENDPOINT: plain(`${SANDBOX}/api/agent`),
      STOREFRONT_URL: plain('http://127.0.0.1:8787'),
      ...Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, plain(v)])),
      MYPAY_AGENT_KEY: secret(TEST_KEY),
      ADMIN_TOKEN: secret(ADMIN_TOKEN),
    },
    persist: join(tmp, `state-${name}`),
    onLine: (line) => logs.push(line),
    dev,
  });
}

before(async () => {
  jwks.listen(0, '127.0.0.1');
  await once(jwks, 'listening');
  const certsUrl = `http://127.0.0.1:${jwks.address().port}/cdn-cgi/access/certs`;
  tmp = mkdtempSync(join(tmpdir(), 'mypay-console-test.'));
  ({ worker, url: accessUrl } = await startInstance('access', {
    ACCESS_TEAM_DOMAIN: TEAM,
    ACCESS_AUD: AUD,
    ACCESS_CERTS_URL: certsUrl,
  }, accessLogs));
});

after(async () => {
  await worker?.dispose();
  jwks.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** GET /admin/session on the Access worker with `headers`. */
const session = (headers) => call('GET', `${accessUrl}/admin/session`, undefined, headers);
const withJwt = (token) => session({ 'cf-access-jwt-assertion': token });

describe('Cloudflare Access sign-in', () => {
  test('a good token signs in, with its e-mail; the JWKS is fetched once', async () => {
    const r = await withJwt(jwt(keys.first));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.via, 'access');
    assert.equal(r.body.principal, 'owner@example.com');
    assert.equal(r.body.access_configured, true);
    const again = await withJwt(jwt(keys.first, { claims: { email: 'second@example.com' } }));
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.principal, 'second@example.com');
    assert.equal(certFetches, 1, 'the keys are kept per isolate');
  });

  test('the admin token still works there, and a wrong one loses even with a good Access token', async () => {
    const r = await session({ authorization: `Bearer ${ADMIN_TOKEN}` });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.via, 'token');
    const wrong = await session({ authorization: 'Bearer not-the-admin-token-at-all', 'cf-access-jwt-assertion': jwt(keys.first) });
    assert.equal(wrong.status, 401);
    const none = await session({});
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, 'unauthorized');
  });

  const refused = {
    'wrong audience': () => jwt(keys.first, { claims: { aud: ['another-app'] } }),
    'audience as a longer string': () => jwt(keys.first, { claims: { aud: `${AUD}x` } }),
    'another team (iss)': () => jwt(keys.first, { claims: { iss: 'https://evil.cloudflareaccess.com' } }),
    expired: () => jwt(keys.first, { claims: { exp: now() - 120, iat: now() - 600, nbf: now() - 600 } }),
    'no exp': () => jwt(keys.first, { claims: { exp: null } }),
    'not yet valid (nbf)': () => jwt(keys.first, { claims: { nbf: now() + 600 } }),
    'issued in the future (iat)': () => jwt(keys.first, { claims: { iat: now() + 600 } }),
    'HS256 keyed with the public key': () => jwt(keys.first, {
      header: { alg: 'HS256' },
      sign: (input) => createHmac('sha256', keys.first.publicKey.export({ type: 'spki', format: 'pem' })).update(input).digest(),
    }),
    'alg none': () => {
      const t = jwt(keys.first, { header: { alg: 'none' } });
      return `${t.slice(0, t.lastIndexOf('.'))}.`;
    },
    'unknown kid': () => jwt(rsaKey('key-unknown')),
    'the right kid signed by another key': () => jwt(keys.stranger),
    'tampered payload': () => {
      const [h, , s] = jwt(keys.first).split('.');
      const c = { iss: `https://${TEAM}`, aud: [AUD], exp: now() + 300, iat: now(), email: 'attacker@example.com' };
      return `${h}.${b64url(JSON.stringify(c))}.${s}`;
    },
    'tampered signature': () => {
      const t = jwt(keys.first);
      const last = t.at(-2) === 'A' ? 'B' : 'A';
      return `${t.slice(0, -2)}${last}${t.at(-1)}`;
    },
    garbage: () => 'not.a.token',
  };
  for (const [name, make] of Object.entries(refused)) {
    test(`refused: ${name}`, async () => {
      const r = await withJwt(make());
      assert.equal(r.status, 401, `${name}: ${r.text}`);
      assert.equal(r.body.error.code, 'unauthorized');
      // Refused tokens reach nothing else either.
      const orders = await call('GET', `${accessUrl}/admin/orders`, undefined, { 'cf-access-jwt-assertion': make() });
      assert.equal(orders.status, 401);
    });
  }

  test('a key added to the JWKS is fetched when a token names it', async () => {
    const before = certFetches;
    served.push(keys.second.jwk);
    // An unknown kid may refetch at most every few seconds.
    await sleep(5200);
    const r = await withJwt(jwt(keys.second));
    assert.equal(r.status, 200, r.text);
    assert.equal(certFetches, before + 1);
    // Unknown kids right after do not make the Worker fetch again.
    for (let i = 0; i < 3; i++) assert.equal((await withJwt(jwt(rsaKey(`nope-${i}`)))).status, 401);
    assert.equal(certFetches, before + 1);
    // Both keys are kept.
    assert.equal((await withJwt(jwt(keys.first))).status, 200);
  });

  test('refusals are logged with their reason, never the token or the admin token', async () => {
    const token = jwt(keys.first, { claims: { aud: 'elsewhere' } });
    assert.equal((await withJwt(token)).status, 401);
    await sleep(300);
    const text = accessLogs.join('\n');
    assert.match(text, /"event":"access_refused".*"reason":"audience"/);
    assert.match(text, /"reason":"algorithm"/);
    assert.match(text, /"reason":"signature"/);
    assert.match(text, /"reason":"expired"/);
    for (const secret of [token.split('.')[2], ADMIN_TOKEN, 'owner@example.com']) assert.ok(!text.includes(secret));
  });
});

test('Access half set up, or a team domain that is not one: 500 config_error naming the setting', async () => {
  for (const [vars, setting] of [
    [{ ACCESS_TEAM_DOMAIN: TEAM }, 'ACCESS_AUD'],
    [{ ACCESS_AUD: AUD }, 'ACCESS_TEAM_DOMAIN'],
    [{ ACCESS_TEAM_DOMAIN: 'https://team.example.com/path', ACCESS_AUD: AUD }, 'ACCESS_TEAM_DOMAIN'],
    [{ ACCESS_TEAM_DOMAIN: TEAM, ACCESS_AUD: AUD, ACCESS_CERTS_URL: 'http://certs.example.com/' }, 'ACCESS_CERTS_URL'],
  ]) {
    const { worker: w, url } = await startInstance(`conf-${setting}`, vars);
    try {
      const r = await call('GET', `${url}/admin/session`, undefined, { authorization: `Bearer ${ADMIN_TOKEN}` });
      assert.equal(r.status, 500, r.text);
      assert.equal(r.body.error.code, 'config_error');
      assert.match(r.body.error.message, new RegExp(setting));
      assert.ok(!r.text.includes(AUD), 'never the value');
    } finally {
      await w.dispose();
    }
  }
});

test('the cron job records its reconciliation runs', async () => {
  const inst = await startInstance('cron', {}, [], { testScheduled: true });
  try {
    await migrateAndSeed(await inst.db(), { seed: false });
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const none = await call('GET', `${inst.url}/admin/reconcile/runs`, undefined, auth);
    assert.equal(none.status, 200, none.text);
    assert.deepEqual(none.body.runs, []);
    // wrangler's scheduled trigger runs the cron handler.
    const cron = await fetch(`${inst.url}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent('*/5 * * * *')}`);
    assert.equal(cron.status, 200, await cron.text());
    const runs = await call('GET', `${inst.url}/admin/reconcile/runs`, undefined, auth);
    assert.equal(runs.status, 200, runs.text);
    assert.equal(runs.body.runs.length, 1, runs.text);
    assert.equal(runs.body.runs[0].source, 'cron');
    assert.equal(runs.body.runs[0].error, null);
  } finally {
    await inst.worker.dispose();
  }
});

describe('console endpoints', () => {
  let paid;

  before(async () => {
    paid = await order({ pfn: 'CREDITCARD' });
    const pay = await sandbox('POST', `/sandbox/orders/${paid.uid}/pay`, { card_number: '4938170130000003' });
    assert.equal(pay.status, 200, pay.text);
    await waitFor(paid, 'paid');
  });

  test('session with the admin token; without, 401', async () => {
    const r = await admin('GET', '/admin/session');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.via, 'token');
    assert.equal(r.body.access_configured, false);
    assert.equal((await api('GET', '/admin/session')).status, 401);
    // Without Access configured its header is no way in.
    assert.equal((await api('GET', '/admin/session', undefined, { 'cf-access-jwt-assertion': jwt(keys.first) })).status, 401);
  });

  test('orders: search by id, id prefix and MYPAY uid; status and date filters', async () => {
    const byId = await admin('GET', `/admin/orders?q=${paid.order_id}`);
    assert.equal(byId.status, 200, byId.text);
    assert.deepEqual(byId.body.orders.map((o) => o.order_id), [paid.order_id]);
    assert.equal(byId.body.orders[0].payment_pfn, 'CREDITCARD');
    const byUid = await admin('GET', `/admin/orders?q=${paid.uid}`);
    assert.deepEqual(byUid.body.orders.map((o) => o.order_id), [paid.order_id]);
    const prefix = await admin('GET', `/admin/orders?q=${paid.order_id.slice(0, -3)}&limit=200`);
    assert.ok(prefix.body.orders.some((o) => o.order_id === paid.order_id));
    assert.ok(prefix.body.orders.every((o) => o.order_id.startsWith(paid.order_id.slice(0, -3))));
    const wildcard = await admin('GET', '/admin/orders?q=%25');
    assert.deepEqual(wildcard.body.orders, [], '% is a character, not a wildcard');
    // A long term (D1 refuses LIKE patterns past 50 bytes) is searched exactly, not a 500.
    const long = await admin('GET', `/admin/orders?q=${'a'.repeat(300)}`);
    assert.equal(long.status, 200, long.text);
    assert.deepEqual(long.body.orders, []);
    const longPercent = await admin('GET', `/admin/orders?q=${'%25'.repeat(30)}`);
    assert.equal(longPercent.status, 200, longPercent.text);
    const notPaid = await admin('GET', `/admin/orders?q=${paid.order_id}&status=pending`);
    assert.deepEqual(notPaid.body.orders, []);
    // Taiwan days: today (in Taiwan) holds it; a day long past does not.
    const day = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
    const today = await admin('GET', `/admin/orders?q=${paid.order_id}&from=${day}&to=${day}`);
    assert.deepEqual(today.body.orders.map((o) => o.order_id), [paid.order_id]);
    const past = await admin('GET', `/admin/orders?q=${paid.order_id}&from=2020-01-01&to=2020-01-31`);
    assert.deepEqual(past.body.orders, []);
    for (const bad of ['from=2026-13-01', 'from=yesterday', 'from=2026-12-02&to=2026-12-01', 'status=lost']) {
      const r = await admin('GET', `/admin/orders?${bad}`);
      assert.equal(r.status, 400, `${bad}: ${r.text}`);
      assert.equal(r.body.error.code, 'invalid_request');
    }
  });

  test('orders: search by the customer e-mail, whatever its case', async () => {
    const r = await admin('GET', `/admin/orders?q=${encodeURIComponent(' Test@Example.COM ')}&limit=200`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.body.orders.some((o) => o.order_id === paid.order_id), 'the paid order is among them');
    assert.ok(r.body.orders.every((o) => o.customer_email === 'test@example.com'));
    const other = await admin('GET', '/admin/orders?q=nobody%40example.com');
    assert.deepEqual(other.body.orders, []);
  });

  test('orders: pages follow the cursor without repeats', async () => {
    await order();
    await order();
    const first = await admin('GET', '/admin/orders?limit=2');
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.orders.length, 2);
    assert.ok(first.body.next_cursor);
    const second = await admin('GET', `/admin/orders?limit=2&cursor=${encodeURIComponent(first.body.next_cursor)}`);
    assert.equal(second.status, 200, second.text);
    const ids = new Set(first.body.orders.map((o) => o.order_id));
    assert.ok(second.body.orders.length > 0);
    assert.ok(second.body.orders.every((o) => !ids.has(o.order_id)));
    assert.equal((await admin('GET', '/admin/orders?cursor=nonsense')).status, 400);
  });

  test('check with MYPAY now: asks, keeps the answer, changes nothing for a paid order', async () => {
    const r = await admin('POST', `/admin/orders/${paid.order_id}/check`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual({ from: r.body.from, status: r.body.status, changed: r.body.changed }, { from: 'paid', status: 'paid', changed: false });
    const view = await admin('GET', `/admin/orders/${paid.order_id}?live=0`);
    assert.ok(view.body.events.some((e) => e.kind === 'query' && e.detail?.source === 'admin_check'), JSON.stringify(view.body.events));
    assert.equal((await admin('POST', '/admin/orders/ME00000000000000000000000/check')).status, 404);
    assert.equal((await api('POST', `/admin/orders/${paid.order_id}/check`)).status, 401);
  });

  test('reconciliation runs are recorded and listed', async () => {
    const run = await admin('POST', '/admin/reconcile', { min_age_seconds: 0 });
    assert.equal(run.status, 200, run.text);
    const runs = await admin('GET', '/admin/reconcile/runs');
    assert.equal(runs.status, 200, runs.text);
    const last = runs.body.runs[0];
    assert.equal(last.source, 'admin');
    assert.equal(last.checked, run.body.checked);
    assert.equal(last.failed, run.body.failed);
    assert.ok(Array.isArray(runs.body.needs_review));
    assert.equal((await api('GET', '/admin/reconcile/runs')).status, 401);
  });

  test('export: CSV with a BOM, a header and the paid order; refunds after a refund', async () => {
    const day = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
    const res = await fetch(`${BASE}/admin/export?kind=orders&from=${day}&to=${day}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/csv; charset=utf-8/);
    assert.match(res.headers.get('content-disposition'), new RegExp(`attachment; filename="mypay-orders-${day}_${day}\\.csv"`));
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 byte order mark');
    const lines = bytes.subarray(3).toString('utf8').split('\r\n');
    assert.match(lines[0], /^order_id,created_at,status,subtotal,voucher_total,amount,currency,payment_method/);
    const row = lines.find((l) => l.startsWith(`${paid.order_id},`));
    assert.ok(row, 'the paid order is a row');
    assert.ok(row.endsWith(',test@example.com'), row);
    assert.match(row, new RegExp(`,paid,.*,${paid.amount},TWD,CREDITCARD,250,${paid.uid},`));

    const refund = await admin('POST', `/admin/orders/${paid.order_id}/refund`);
    assert.ok([200, 202].includes(refund.status), refund.text);
    const refunds = await fetch(`${BASE}/admin/export?kind=refunds&from=${day}&to=${day}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const text = (await refunds.text()).replace(/^\uFEFF/, '');
    assert.ok(text.split('\r\n').some((l) => l.includes(`,${paid.order_id},refund_requested,`)), text);

    const vouchers = await admin('GET', '/admin/export?kind=vouchers&status=available');
    assert.equal(vouchers.status, 200);
    assert.match(vouchers.text.replace(/^\uFEFF/, ''), /^code,kind,product_id,name,value/);
    for (const bad of ['kind=secrets', 'kind=orders&from=2026-02-30', 'kind=vouchers&status=gone']) {
      const r = await admin('GET', `/admin/export?${bad}`);
      assert.equal(r.status, 400, `${bad}: ${r.text}`);
    }
    assert.equal((await api('GET', '/admin/export?kind=orders')).status, 401);
  });

  test('the console is served from /admin/ (assets); the admin API stays the Worker', async () => {
    const page = await fetch(`${BASE}/admin/`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<script type="module" src="\/admin\/app\/console\.js"><\/script>/);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const js = await fetch(`${BASE}/admin/app/console.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
    assert.ok(!(await js.text()).includes(ADMIN_TOKEN));
    const apiCall = await api('GET', '/admin/orders');
    assert.equal(apiCall.status, 401);
    assert.equal(apiCall.body.error.code, 'unauthorized');
    const bare = await fetch(`${BASE}/admin`, { redirect: 'manual' });
    assert.ok([301, 302, 307, 308].includes(bare.status), `/admin → ${bare.status}`);
    assert.match(bare.headers.get('location') ?? '', /\/admin\/$/);
    const unknown = await api('GET', '/admin/app-not-there');
    assert.equal(unknown.body?.error?.code, 'not_found', 'other /admin/ paths reach the Worker');
  });
});

test('admin bodies of the wrong shape are 400 invalid_request, not JSON is 400 bad_json; nothing changes', async () => {
  const o = await order();
  const before = await admin('GET', `/admin/orders/${o.order_id}?live=0`);
  for (const body of ['{"items":"x"}', '{"invoice_state":4}', '[]']) {
    const r = await call('POST', `${BASE}/admin/orders/${o.order_id}/refund`, body, { authorization: `Bearer ${ADMIN_TOKEN}` });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error.code, 'invalid_request', body);
  }
  const notJson = await call('POST', `${BASE}/admin/reconcile`, '{', { authorization: `Bearer ${ADMIN_TOKEN}` });
  assert.equal(notJson.status, 400, notJson.text);
  assert.equal(notJson.body.error.code, 'bad_json');
  const view = await admin('GET', `/admin/orders/${o.order_id}?live=0`);
  assert.equal(view.body.status, before.body.status, 'the refused refunds changed nothing');
  assert.equal(view.body.refund_state, null);
  assert.equal(view.body.events.length, before.body.events.length);
});
