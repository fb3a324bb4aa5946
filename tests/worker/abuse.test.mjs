// The Worker as an abuser meets it: cross-site checkouts, floods of requests
// and forged reports, streamed bodies, borrowed idempotency keys, tokens in
// URLs, and Turnstile. Each check also shows that nothing was written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import {
  ADMIN_TOKEN, BASE, SANDBOX, TURNSTILE_TOKEN, admin, api, call, customer, issue, order, sandbox, voucherStatus,
} from './helpers.mjs';

const EVIL = 'https://evil.example';
const cart = (vouchers = []) => ({ items: [{ product_id: 'oolong-150g', quantity: 2 }], vouchers, customer });

/** Rate-limit windows are aligned to the minute: start a burst early in one. */
async function freshWindow(needSeconds = 20) {
  const into = (Date.now() / 1000) % 60;
  if (into > 60 - needSeconds) await new Promise((r) => setTimeout(r, (60 - into + 0.5) * 1000));
}

/** An address no other test uses. */
const address = (n) => `203.0.113.${n}`;

test('a cross-site simple request cannot check out: 403 or 415, nothing reserved, nothing sent to MYPAY', async () => {
  const [code] = await issue('paid', 50);
  const before = (await sandbox('GET', '/sandbox/requests')).body.length;
  const body = JSON.stringify(cart([code]));
  // What an HTML form or a no-cors fetch elsewhere can send.
  for (const [headers, status, err] of [
    [{ origin: EVIL, 'content-type': 'text/plain' }, 403, 'origin_not_allowed'],
    [{ origin: EVIL, 'content-type': 'application/json' }, 403, 'origin_not_allowed'],
    [{ origin: 'null', 'content-type': 'application/x-www-form-urlencoded' }, 403, 'origin_not_allowed'],
    [{ 'content-type': 'text/plain' }, 415, 'unsupported_media_type'],
    [{ 'content-type': 'multipart/form-data; boundary=x' }, 415, 'unsupported_media_type'],
  ]) {
    const r = await api('POST', '/api/checkout', body, headers);
    assert.equal(r.status, status, `${JSON.stringify(headers)}: ${r.text}`);
    assert.equal(r.body.error.code, err);
  }
  assert.equal(await voucherStatus(code), 'available', 'the voucher is not reserved');
  const after = (await sandbox('GET', '/sandbox/requests')).body.slice(before);
  assert.ok(!after.some((c) => c.service?.cmd === 'api/orders'), 'no order reached MYPAY');

  // Quote and the admin API follow the same Origin rule.
  const q = await api('POST', '/api/quote', JSON.stringify(cart()), { origin: EVIL, 'content-type': 'application/json' });
  assert.equal(q.status, 403);
  const a = await call('POST', `${BASE}/admin/reconcile`, {}, { authorization: `Bearer ${ADMIN_TOKEN}`, origin: EVIL });
  assert.equal(a.status, 403);

  // The storefront's own origin, with JSON: allowed.
  const ok = await api('POST', '/api/checkout', body, { origin: BASE, 'content-type': 'application/json' });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.headers.get('access-control-allow-origin'), BASE);
});

test('preflight: allowed origins get the documented answer, others 403', async () => {
  const good = await call('OPTIONS', `${BASE}/api/checkout`, undefined, {
    origin: BASE, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, cf-turnstile-response',
  });
  assert.equal(good.status, 204);
  assert.match(good.headers.get('access-control-allow-headers'), /CF-Turnstile-Response/i);
  const bad = await call('OPTIONS', `${BASE}/api/checkout`, undefined, { origin: EVIL, 'access-control-request-method': 'POST' });
  assert.equal(bad.status, 403);
  assert.equal(bad.body.error.code, 'origin_not_allowed');
});

test('checkouts are rate-limited per address: 429 with Retry-After, before anything is read', async () => {
  await freshWindow();
  const ip = address(10);
  // Ten bodies that fail validation still count (the limit comes first).
  for (let i = 0; i < 10; i++) {
    const r = await api('POST', '/api/checkout', { items: [] }, { 'cf-connecting-ip': ip });
    assert.equal(r.status, 400, r.text);
  }
  const [code] = await issue('paid', 50);
  const over = await api('POST', '/api/checkout', cart([code]), { 'cf-connecting-ip': ip });
  assert.equal(over.status, 429, over.text);
  assert.equal(over.body.error.code, 'rate_limited');
  const retry = Number(over.headers.get('retry-after'));
  assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
  assert.equal(await voucherStatus(code), 'available');
  // Another address is not affected.
  const other = await api('POST', '/api/checkout', cart([code]), { 'cf-connecting-ip': address(11) });
  assert.equal(other.status, 201, other.text);
});

test('quotes are rate-limited per address', async () => {
  await freshWindow();
  const ip = address(12);
  const answers = await Promise.all(
    Array.from({ length: 125 }, () => api('POST', '/api/quote', cart(), { 'cf-connecting-ip': ip })),
  );
  const counts = answers.reduce((m, r) => ({ ...m, [r.status]: (m[r.status] ?? 0) + 1 }), {});
  assert.equal(counts[200], 120, JSON.stringify(counts));
  assert.equal(counts[429], 5, JSON.stringify(counts));
});

test('1,000 forged reports for one order add a row or two, and the admin view stays small', async () => {
  const o = await order();
  const base = { uid: o.uid, key: '0'.repeat(32), prc: '250', order_id: o.order_id, cost: String(o.amount) };
  const viewBefore = await admin('GET', `/admin/orders/${o.order_id}?live=0`);
  const eventsBefore = viewBefore.body.events.length;
  const statuses = {};
  // From many addresses (a botnet), in parallel batches.
  for (let batch = 0; batch < 10; batch++) {
    const rs = await Promise.all(
      Array.from({ length: 100 }, (_, i) => postReportFrom(base, `198.51.100.${(batch * 100 + i) % 250 + 1}`)),
    );
    for (const r of rs) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  }
  // The per-order limit (20 a minute) stops the rest before D1 (40 when the
  // burst straddles two windows).
  assert.ok([20, 40].includes(statuses[400]), JSON.stringify(statuses));
  assert.equal(statuses[400] + statuses[429], 1000, JSON.stringify(statuses));
  const view = await admin('GET', `/admin/orders/${o.order_id}?live=0`);
  assert.equal(view.body.status, 'pending');
  assert.equal(view.body.events.length, eventsBefore, 'no event per refused report');
  assert.deepEqual(view.body.refused_reports.map((r) => [r.reason, r.count]), [['report_key_mismatch', statuses[400]]]);
  assert.ok(view.text.length < 20_000, `the admin view is ${view.text.length} bytes`);
});

test('reports from one address are rate-limited before D1', async () => {
  await freshWindow(30);
  const ip = address(20);
  // A different unknown uid each (the per-order limit does not apply).
  const rs = await Promise.all(
    Array.from({ length: 610 }, (_, i) => call('POST', `${BASE}/mypay/notify`, `uid=${9_000_000 + i}&prc=250`, {
      'content-type': 'application/x-www-form-urlencoded', 'cf-connecting-ip': ip,
    })),
  );
  const limited = rs.filter((r) => r.status === 429);
  assert.equal(limited.length, 10, `${limited.length} of 610 limited`);
  assert.ok(limited.every((r) => Number(r.headers.get('retry-after')) >= 1));
});

/** postReport from a given address. */
function postReportFrom(fields, ip) {
  const form = new URLSearchParams(Object.entries(fields).map(([k, v]) => [k, String(v)]));
  return call('POST', `${BASE}/mypay/notify`, form.toString(), {
    'content-type': 'application/x-www-form-urlencoded', 'cf-connecting-ip': ip,
  });
}

test('the admin event list is paged', async () => {
  const o = await order();
  for (let i = 0; i < 3; i++) await admin('POST', '/admin/reconcile', { min_age_seconds: 0, limit: 500 });
  const all = (await admin('GET', `/admin/orders/${o.order_id}?live=0&events_limit=500`)).body.events;
  assert.ok(all.length >= 2, JSON.stringify(all));
  const seen = [];
  let after = '';
  for (let page = 0; page < 50; page++) {
    const r = await admin('GET', `/admin/orders/${o.order_id}?live=0&events_limit=1${after}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.body.events.length <= 1);
    seen.push(...r.body.events);
    if (r.body.events_next === null) break;
    assert.equal(r.body.events_next, r.body.events.at(-1).id);
    after = `&events_after=${r.body.events_next}`;
  }
  assert.deepEqual(seen.map((e) => e.id), all.map((e) => e.id));
  for (const bad of ['events_limit=0', 'events_limit=501', 'events_after=x']) {
    const r = await admin('GET', `/admin/orders/${o.order_id}?live=0&${bad}`);
    assert.equal(r.status, 400, bad);
    assert.equal(r.body.error.code, 'invalid_request');
  }
});

test('a streamed body is cut off with 413 as soon as it passes 64 KiB, whatever the framing', async () => {
  const url = new URL('/api/quote', BASE);
  const started = Date.now();
  const { status, sent } = await new Promise((resolve, reject) => {
    let sent = 0;
    let done = false;
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'user-agent': 'mypay-edge-tests', 'cf-connecting-ip': address(30) },
    }, (res) => {
      done = true;
      res.resume();
      resolve({ status: res.statusCode, sent });
      req.destroy();
    });
    req.on('error', (e) => (done ? undefined : reject(e)));
    req.write('{"items":[],"pad":"');
    const chunk = 'x'.repeat(8 * 1024);
    // Keep sending slowly, up to 4 MiB; the answer must come long before.
    const timer = setInterval(() => {
      if (done || sent > 4 * 1024 * 1024) { clearInterval(timer); if (!done) req.end('"}'); return; }
      req.write(chunk);
      sent += chunk.length;
    }, 5);
  });
  assert.equal(status, 413);
  assert.ok(sent < 1024 * 1024, `answered after ${sent} bytes (${Date.now() - started} ms)`);
});

test('idempotency keys belong to the client that sent them', async () => {
  const key = `idem-abuse-${Date.now()}`;
  const body = cart();
  const first = await api('POST', '/api/checkout', body, { 'idempotency-key': key, 'cf-connecting-ip': address(40) });
  assert.equal(first.status, 201, first.text);
  // The same client again: the same order and token.
  const again = await api('POST', '/api/checkout', body, { 'idempotency-key': key, 'cf-connecting-ip': address(40) });
  assert.equal(again.status, 201, again.text);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal(again.body.order_id, first.body.order_id);
  assert.equal(again.body.token, first.body.token);
  // Someone else with the key and the body: a checkout of their own, never the first token.
  const other = await api('POST', '/api/checkout', body, { 'idempotency-key': key, 'cf-connecting-ip': address(41) });
  assert.equal(other.status, 201, other.text);
  assert.equal(other.headers.get('idempotent-replayed'), null);
  assert.notEqual(other.body.order_id, first.body.order_id);
  assert.notEqual(other.body.token, first.body.token);
});

test('Turnstile: a checkout needs a token siteverify accepts', async () => {
  const pass = process.env.ROTATION_WORKER_URL; // Turnstile's always-pass test secret
  const fail = process.env.TURNSTILE_WORKER_URL; // its always-fail test secret
  assert.ok(pass && fail, 'set by scripts/test-worker.sh');
  const cfg = await call('GET', `${pass}/api/config`);
  assert.equal(cfg.body.turnstile_site_key, '1x00000000000000000000AA');
  assert.equal((await api('GET', '/api/config')).body.turnstile_site_key, null, 'off unless configured');

  const none = await call('POST', `${pass}/api/checkout`, cart(), { 'cf-turnstile-response': '' });
  assert.equal(none.status, 403, none.text);
  assert.equal(none.body.error.code, 'turnstile_required');
  const ok = await call('POST', `${pass}/api/checkout`, cart(), { 'cf-turnstile-response': TURNSTILE_TOKEN });
  assert.equal(ok.status, 201, ok.text);

  const refused = await call('POST', `${fail}/api/checkout`, cart(), { 'cf-turnstile-response': TURNSTILE_TOKEN });
  assert.equal(refused.status, 403, refused.text);
  assert.equal(refused.body.error.code, 'turnstile_failed');
  assert.deepEqual(refused.body.error.details.error_codes, ['invalid-input-response']);
  const orders = await call('GET', `${fail}/admin/orders`, undefined, { authorization: `Bearer ${ADMIN_TOKEN}` });
  assert.equal(orders.body.orders.length, 0, 'the refused checkout wrote nothing');
});

test('the sandbox refuses cross-site automation the same way', async () => {
  const o = await order();
  const r = await call('POST', `${SANDBOX}/sandbox/orders/${o.uid}/pay`, JSON.stringify({ card_number: '4938170130000003' }), {
    origin: EVIL, 'content-type': 'text/plain',
  });
  assert.equal(r.status, 403, r.text);
  const so = await sandbox('GET', `/sandbox/orders/${o.uid}`);
  assert.equal(so.body.prc, '200', 'not paid');
});
