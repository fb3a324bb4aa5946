// MYPAY's reports: forged, duplicated, reordered, late, unconfirmable, lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  admin, clearFaults, order, postReport, reportsFor, sandbox, setFaults, sleep, voucherStatus, waitFor,
} from './helpers.mjs';

async function sandboxOrder(uid) {
  const r = await sandbox('GET', `/sandbox/orders/${uid}`);
  assert.equal(r.status, 200, r.text);
  return r.body;
}

test('forged reports get 400 with no detail, are counted per order and reason, and change nothing', async () => {
  const o = await order();
  const so = await sandboxOrder(o.uid);
  const base = { uid: o.uid, key: so.key, prc: '250', order_id: o.order_id, cost: String(o.amount), pfn: 'CREDITCARD' };
  const forgeries = [
    { ...base, key: '0'.repeat(32) }, // wrong key
    { ...base, key: undefined }, // no key
    { ...base, uid: '999999999' }, // unknown uid
    { ...base, cost: '1' }, // wrong amount
    { ...base, order_id: 'ME-OTHER' }, // wrong order
  ];
  for (const f of forgeries) {
    const r = await postReport(f);
    assert.equal(r.status, 400, `${JSON.stringify(f)} → ${r.status} ${r.text}`);
    assert.ok(!r.text.includes('key') && !r.text.includes('cost'), r.text);
  }
  // The same forgery again: counted, not written again.
  assert.equal((await postReport(forgeries[0])).status, 400);
  const garbage = await postReport({ 'v[0': 'x' });
  assert.equal(garbage.status, 400);
  const view = await admin('GET', `/admin/orders/${o.order_id}`);
  assert.equal(view.body.status, 'pending');
  const refused = Object.fromEntries(view.body.refused_reports.map((r) => [r.reason, r]));
  // Wrong key, no key, wrong amount, wrong order: one row per reason.
  assert.ok(view.body.refused_reports.length >= 3, JSON.stringify(view.body.refused_reports));
  const total = view.body.refused_reports.reduce((n, r) => n + r.count, 0);
  assert.equal(total, 5, JSON.stringify(view.body.refused_reports));
  const twice = Object.values(refused).find((r) => r.count === 2);
  assert.ok(twice, 'the repeated forgery is counted twice in one row');
  assert.ok(twice.first_at <= twice.last_at);
  assert.ok(!view.body.events.some((e) => e.kind === 'security'), 'refusals are not events');
});

test('a report with the right key but a prc MYPAY does not confirm does not pay', async () => {
  const o = await order();
  const so = await sandboxOrder(o.uid);
  // Someone who knows uid and key claims 250; MYPAY's query still says unpaid.
  const r = await postReport({ uid: o.uid, key: so.key, prc: '250', order_id: o.order_id, cost: String(o.amount) });
  assert.equal(r.status, 200);
  assert.equal(r.text, '8888');
  await sleep(1500);
  const view = await admin('GET', `/admin/orders/${o.order_id}`);
  assert.equal(view.body.status, 'pending', 'an unconfirmed 250 must not pay the order');
});

test('duplicated reports: each answered 8888, applied once', async () => {
  await setFaults({ callbacks: { mode: 'duplicate', count: 1 } });
  const o = await order();
  await sandbox('POST', `/sandbox/orders/${o.uid}/pay`, { card_number: '4938170130000003' });
  await waitFor(o, 'paid');
  await sleep(1000);
  const attempts = await reportsFor(o.uid);
  assert.ok(attempts.length >= 2, JSON.stringify(attempts));
  assert.ok(attempts.every((a) => a.acknowledged), JSON.stringify(attempts.map((a) => a.answer)));
  const view = await admin('GET', `/admin/orders/${o.order_id}`);
  assert.equal(view.body.events.filter((e) => e.kind === 'transition' && e.detail.to === 'paid').length, 1);
  await clearFaults();
});

test('reordered reports: a late 260 after 250 does not downgrade paid', async () => {
  const o = await order({ pfn: 'CSTORECODE' });
  await setFaults({ callbacks: { mode: 'reorder', count: 1 } });
  await sandbox('POST', `/sandbox/orders/${o.uid}/pay`, { pfn: 'CSTORECODE' });
  await sandbox('POST', `/sandbox/orders/${o.uid}/settle`, { prc: '250' });
  await waitFor(o, 'paid');
  // Wait for the held-back 260 to arrive after the 250.
  const deadline = Date.now() + 8000;
  while (Date.now() < deadline) {
    const a = await reportsFor(o.uid);
    if (a.some((x) => x.prc === '260' && x.acknowledged)) break;
    await sleep(200);
  }
  const attempts = await reportsFor(o.uid);
  assert.ok(attempts.some((x) => x.prc === '260' && x.acknowledged), JSON.stringify(attempts.map((x) => [x.prc, x.answer])));
  const view = await waitFor(o, 'paid');
  assert.equal(view.status, 'paid');
  await clearFaults();
});

test('a late report (replayed hours later) is answered 8888 and changes nothing', async () => {
  const o = await order();
  await sandbox('POST', `/sandbox/orders/${o.uid}/pay`, { card_number: '4938170130000003' });
  await waitFor(o, 'paid');
  const [first] = await reportsFor(o.uid);
  const late = { ...first.fields, prc: '260' };
  const r = await postReport(late);
  assert.equal(r.status, 200);
  assert.equal(r.text, '8888');
  const replay = await postReport(first.fields);
  assert.equal(replay.text, '8888');
  await sleep(500);
  const view = await waitFor(o, 'paid');
  assert.equal(view.payment.prc, '250');
});

test('a report while api/queryorder fails: 8888, stays pending, reconcile confirms later', async () => {
  const o = await order();
  await setFaults({ agent: { mode: 'http500', count: 6, cmd: 'api/queryorder' } });
  await sandbox('POST', `/sandbox/orders/${o.uid}/pay`, { card_number: '4938170130000003' });
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline && !(await reportsFor(o.uid)).some((a) => a.acknowledged)) await sleep(200);
  assert.ok((await reportsFor(o.uid)).some((a) => a.acknowledged));
  await sleep(2500); // the confirmation in wait_until exhausts its retries
  let view = await admin('GET', `/admin/orders/${o.order_id}`);
  assert.notEqual(view.body.status, 'paid');
  assert.equal(view.body.report_pending, true);
  await clearFaults();
  const rec = await admin('POST', '/admin/reconcile', { min_age_seconds: 0, limit: 500 });
  assert.equal(rec.status, 200, rec.text);
  assert.ok(rec.body.checked >= 1);
  view = await waitFor(o, 'paid');
  assert.equal(view.status, 'paid');
});

test('reconcile recovers a lost report (callbacks fault drop)', async () => {
  const [code] = await issue_free();
  const o = await order({ vouchers: [code] });
  await setFaults({ callbacks: { mode: 'drop', count: 1 } });
  await sandbox('POST', `/sandbox/orders/${o.uid}/pay`, { card_number: '4938170130000003' });
  await sleep(1500);
  const attempts = await reportsFor(o.uid);
  assert.ok(attempts.every((a) => a.fault === 'drop' || !a.acknowledged), JSON.stringify(attempts));
  let view = await admin('GET', `/admin/orders/${o.order_id}`);
  assert.equal(view.body.status, 'pending');
  await clearFaults();
  const rec = await admin('POST', '/admin/reconcile', { min_age_seconds: 0, limit: 500 });
  assert.equal(rec.status, 200, rec.text);
  assert.ok(rec.body.updated >= 1, rec.text);
  view = await waitFor(o, 'paid');
  assert.equal(await voucherStatus(code), 'used');
});

async function issue_free() {
  const { issue } = await import('./helpers.mjs');
  return issue('free', 30);
}
