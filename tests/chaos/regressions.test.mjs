// Regression tests for what the chaos runs found, each named after its finding
// and each failing on the behaviour before the fix. They run on the chaos
// stack (scripts/chaos.sh: one worker with TEST_CLOCK=1, the sandbox), before
// the seeded runs, and move both clocks forward only.
import { test, afterEach, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  CARD_OK, ORDER_TTL, VOUCHER_HOLD, PENDING_REVIEW, admin, advance, checkout, clearFaults, issueVouchers,
  orderView, postReport, reconcile, reconcileUntilStill, reportFromSandbox, sandbox, sandboxConfig, sandboxOrder,
  setFaults, sleep, voucherMap, waitQuiet, agentRequests, isolate,
} from './lib.mjs';

// Each test starts past the worker's follow-up of the orders of the tests before it.
beforeEach(async () => {
  await isolate();
});

afterEach(async () => {
  await clearFaults();
  await sandboxConfig({ refund_mode: 'instant', page_lifetime_seconds: 86_400 });
  await waitQuiet();
});

async function order(opts) {
  const r = await checkout(opts);
  assert.equal(r.status, 201, r.text);
  return { ...r.body, uid: r.uid };
}

async function pay(o, body = { card_number: CARD_OK }) {
  const r = await sandbox('POST', `/sandbox/orders/${o.uid}/pay`, body);
  assert.equal(r.status, 200, r.text);
  return r.body;
}

async function voucher(code) {
  const v = (await voucherMap()).get(code);
  assert.ok(v, `voucher ${code} is listed`);
  return v;
}

/** Waits until the order's admin view satisfies `pred`. */
async function until(id, what, pred, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  let view;
  while (Date.now() < deadline) {
    view = await orderView(id);
    if (pred(view)) return view;
    await sleep(150);
  }
  assert.fail(`order ${id}: ${what}; last status ${view?.status} ${JSON.stringify(view?.review)} holds ${view?.holds}`);
}

const transitions = (view) => view.events.filter((e) => e.kind === 'transition');
const eventById = (view, id) => view.events.find((e) => e.id === id);

/** Every transition that moves vouchers or the deadline rests on a query answer. */
function assertEvidence(view) {
  for (const t of transitions(view)) {
    const d = t.detail;
    if (['release', 'reacquire'].includes(d.holds) || d.deadline) {
      const ev = eventById(view, d.evidence);
      assert.ok(ev && ev.kind === 'query', `transition ${t.id} (${d.from}→${d.to}, holds ${d.holds}) rests on event ${d.evidence} (${ev?.kind})`);
    }
  }
}

test('finding 1: a paid order is not expired when api/queryorder fails near its deadline', async () => {
  const [v] = await issueVouchers('paid', 100, { rrt: '1' });
  const o = await order({ vouchers: [v], pfn: 'CREDITCARD' });
  // The shopper pays; the report is lost and MYPAY's query API is down.
  await setFaults({ callbacks: { mode: 'drop', count: 1 }, agent: { mode: 'http500', sticky: true, cmd: 'api/queryorder' } });
  await pay(o);
  await waitQuiet();
  await advance(ORDER_TTL + 120);
  const rec = await reconcile({ min_age_seconds: 0, limit: 500 });
  assert.ok(rec.failed >= 1, JSON.stringify(rec));
  await reconcile({ limit: 500 });
  let view = await orderView(o.order_id);
  assert.equal(view.status, 'pending', 'without an answer from MYPAY the order is not expired');
  assert.ok(!transitions(view).some((t) => ['expired', 'failed'].includes(t.detail.to)), JSON.stringify(transitions(view)));
  assert.equal((await voucher(v)).status, 'reserved');
  // MYPAY answers again: the payment it took is applied.
  await clearFaults();
  await reconcileUntilStill();
  view = await orderView(o.order_id);
  assert.equal(view.status, 'paid');
  assert.ok(!transitions(view).some((t) => ['expired', 'failed'].includes(t.detail.to)), JSON.stringify(transitions(view)));
  const after = await voucher(v);
  assert.equal(after.status, 'used');
  assert.equal(after.order_id, o.order_id);
  assertEvidence(view);
});

test('finding 2: one voucher never discounts two paid orders', async () => {
  // The payment page outlives the voucher hold (MYPAY keeps pages for long).
  await sandboxConfig({ page_lifetime_seconds: 3 * 86_400 });
  const [v] = await issueVouchers('paid', 100, { rrt: '2' });
  const a = await order({ vouchers: [v], pfn: 'CREDITCARD' });
  await advance(ORDER_TTL + 120);
  await reconcile({ min_age_seconds: 0, limit: 500 });
  let va = await orderView(a.order_id);
  assert.equal(va.status, 'expired');
  assert.equal((await voucher(v)).status, 'reserved', 'an expired order keeps its vouchers for VOUCHER_HOLD_SECONDS');
  // Past the hold, MYPAY still says unpaid: the voucher is released.
  await advance(VOUCHER_HOLD + 120);
  await reconcile({ min_age_seconds: 0, limit: 500 });
  va = await orderView(a.order_id);
  assert.equal(va.holds, 'released');
  assert.equal((await voucher(v)).status, 'available');
  assertEvidence(va);
  // Another order takes the voucher and pays.
  const b = await order({ vouchers: [v], pfn: 'CREDITCARD' });
  await pay(b);
  await until(b.order_id, 'paid', (x) => x.status === 'paid');
  // The old page is paid late.
  await pay(a);
  await waitQuiet();
  await reconcileUntilStill();
  va = await orderView(a.order_id);
  assert.equal(va.status, 'needs_review');
  assert.equal(va.review?.reason, 'voucher_conflict');
  let vv = await voucher(v);
  assert.equal(vv.status, 'used');
  assert.equal(vv.order_id, b.order_id, 'the voucher stays with the order that consumed it');
  assertEvidence(va);
  // Refunding the conflicting order gives its money back but not B's voucher.
  const r = await admin('POST', `/admin/orders/${a.order_id}/refund`, {});
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.status, 'refunded');
  vv = await voucher(v);
  assert.equal(vv.status, 'used');
  assert.equal(vv.order_id, b.order_id, 'a refund never flips a voucher the order does not hold');
  assert.equal((await orderView(b.order_id)).status, 'paid');
  const sa = await sandboxOrder(a.uid);
  assert.ok(sa.refunds.some((x) => x.state === 'done'), JSON.stringify(sa.refunds));
});

test('finding 3: a store-code order cannot be refunded through the API', async () => {
  const o = await order({ pfn: 'CSTORECODE' });
  await pay(o, { pfn: 'CSTORECODE' });
  const settle = await sandbox('POST', `/sandbox/orders/${o.uid}/settle`, { prc: '250' });
  assert.equal(settle.status, 200, settle.text);
  await until(o.order_id, 'paid', (x) => x.status === 'paid');
  const r = await admin('POST', `/admin/orders/${o.order_id}/refund`, {});
  assert.equal(r.status, 409, r.text);
  assert.equal(r.body.error.code, 'refund_not_supported');
  let view = await orderView(o.order_id);
  assert.equal(view.status, 'paid');
  assert.equal(view.refund_state, null);
  assert.equal((await sandboxOrder(o.uid)).refunds.length, 0, 'nothing was asked of MYPAY');
  // The admin refunds it in MYPAY's panel (MYPAY has not paid it out yet) and records that.
  const panel = await sandbox('POST', `/sandbox/orders/${o.uid}/refund`, { complete: false });
  assert.equal(panel.status, 200, panel.text);
  const m = await admin('POST', `/admin/orders/${o.order_id}/manual-refund`, { note: 'refunded in the panel' });
  assert.equal(m.status, 202, m.text);
  assert.equal(m.body.status, 'refund_pending');
  await waitQuiet();
  await reconcileUntilStill();
  view = await orderView(o.order_id);
  assert.equal(view.status, 'refund_pending', 'refund_pending until MYPAY shows the refund done');
  const done = await sandbox('POST', `/sandbox/orders/${o.uid}/refund/complete`, {});
  assert.equal(done.status, 200, done.text);
  await waitQuiet();
  await reconcileUntilStill();
  view = await orderView(o.order_id);
  assert.equal(view.status, 'refunded');
});

test('a refund without row_data is refund_pending until the query shows it', async () => {
  await sandboxConfig({ refund_mode: 'no_row_data' });
  const [v] = await issueVouchers('paid', 100, { rrt: '2' });
  const o = await order({ vouchers: [v], pfn: 'CREDITCARD' });
  await pay(o);
  await until(o.order_id, 'paid', (x) => x.status === 'paid');
  const r = await admin('POST', `/admin/orders/${o.order_id}/refund`, {});
  assert.equal(r.status, 202, r.text);
  assert.equal(r.body.status, 'refund_pending');
  await waitQuiet();
  await reconcileUntilStill();
  let view = await orderView(o.order_id);
  assert.equal(view.status, 'refund_pending');
  assert.equal((await voucher(v)).status, 'used', 'the voucher comes back only with the refund done');
  const done = await sandbox('POST', `/sandbox/orders/${o.uid}/refund/complete`, {});
  assert.equal(done.status, 200, done.text);
  await waitQuiet();
  await reconcileUntilStill();
  view = await orderView(o.order_id);
  assert.equal(view.status, 'refunded');
  assert.equal((await voucher(v)).status, 'available', 'refund_return_type 2: back to the shopper');
});

test('finding 4: a 245/A0001 order is never expired locally', async () => {
  // 245: a card authorised but not captured; A0001: MYPAY lost the answer of an attempt.
  const [v245, vA] = await issueVouchers('paid', 100, { rrt: '1', count: 2 });
  const o245 = await order({ vouchers: [v245], pfn: 'CREDITCARD' });
  const oA = await order({ vouchers: [vA], pfn: 'CREDITCARD' });
  const auth = await sandbox('POST', `/sandbox/orders/${o245.uid}/pay`, { card_number: CARD_OK, capture: 'manual' });
  assert.equal(auth.status, 200, auth.text);
  assert.equal(auth.body.prc, '245');
  const lost = await sandbox('POST', `/sandbox/orders/${oA.uid}/settle`, { prc: 'A0001', card_number: CARD_OK });
  assert.equal(lost.status, 200, lost.text);
  assert.equal(lost.body.prc, 'A0001');
  await waitQuiet();
  await reconcileUntilStill();
  // Past the page's TTL, the voucher hold, the sandbox's page lifetime, days more:
  // MYPAY keeps saying "waiting", so nothing expires and nothing is released.
  for (const step of [ORDER_TTL + 120, VOUCHER_HOLD + 120, 3 * 86_400, PENDING_REVIEW]) {
    await advance(step);
    await reconcileUntilStill();
    for (const [o, v] of [[o245, v245], [oA, vA]]) {
      const view = await orderView(o.order_id);
      assert.ok(!['expired', 'failed'].includes(view.status), `${o.order_id} after +${step} s: ${view.status}`);
      assert.ok(!transitions(view).some((t) => ['expired', 'failed'].includes(t.detail.to)), JSON.stringify(transitions(view)));
      assert.equal((await voucher(v)).status, 'reserved', 'the vouchers stay held');
      assertEvidence(view);
    }
  }
  for (const o of [o245, oA]) {
    const view = await orderView(o.order_id);
    assert.equal(view.status, 'needs_review', `${o.order_id}`);
    assert.equal(view.review?.reason, 'pending_too_long');
    assert.equal(view.holds, 'held');
  }
  // MYPAY's final answer still applies: the capture goes through.
  const capture = await sandbox('POST', `/sandbox/orders/${o245.uid}/settle`, { prc: '250' });
  assert.equal(capture.status, 200, capture.text);
  await until(o245.order_id, 'paid after the capture', (x) => x.status === 'paid');
  assert.equal((await voucher(v245)).status, 'used');
});

test('finding 5: a forged pending report cannot move the deadline', async () => {
  const [v] = await issueVouchers('paid', 100, { rrt: '1' });
  const o = await order({ vouchers: [v], pfn: 'CREDITCARD' });
  const before = await orderView(o.order_id);
  const so = await sandboxOrder(o.uid);
  const forged = (limit) => ({
    ...reportFromSandbox(so),
    prc: '260',
    pfn: 'CSTORECODE',
    retmsg: '取號成功',
    expired_date: limit,
    result_type: '4',
    result_content_type: 'IBON',
    result_content: JSON.stringify({ PinCode: 'IB000000000000', LimitDate: limit, BarcodeEndDate: limit }),
  });
  // Someone who knows uid and key claims a store code payable for ever.
  let r = await postReport(forged('99991231235959'));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.text.trim(), '8888');
  await waitQuiet();
  let view = await orderView(o.order_id);
  assert.equal(view.status, 'pending');
  assert.equal(view.expires_at, before.expires_at, 'the deadline is MYPAY\'s, not the report\'s');
  assert.equal(view.wait, before.wait);
  assertEvidence(view);
  // ... and one already past its limit: nothing is released.
  r = await postReport(forged('20200101000000'));
  assert.equal(r.text.trim(), '8888');
  r = await postReport({ ...reportFromSandbox(so), prc: '380' });
  assert.equal(r.text.trim(), '8888');
  await waitQuiet();
  view = await orderView(o.order_id);
  assert.equal(view.status, 'pending');
  assert.equal(view.expires_at, before.expires_at);
  assert.equal(view.holds, 'held');
  assert.equal((await voucher(v)).status, 'reserved');
  assertEvidence(view);
  // MYPAY's word decides: past the real deadline, still unpaid → expired.
  await advance(ORDER_TTL + 120);
  await reconcile({ min_age_seconds: 0, limit: 500 });
  view = await orderView(o.order_id);
  assert.equal(view.status, 'expired');
  assertEvidence(view);
});

test('finding 6: a query reply without order_id or cost is not trusted', async () => {
  // The sandbox's `partial` fault answers api/queryorder (250 here) without order_id and cost.
  const mode = 'partial';
  const o = await order({ pfn: 'CREDITCARD' });
  await setFaults({ callbacks: { mode: 'drop', count: 1 }, agent: { mode, sticky: true, cmd: 'api/queryorder' } });
  await pay(o);
  await waitQuiet();
  await reconcile({ min_age_seconds: 0, limit: 500 });
  let view = await orderView(o.order_id);
  assert.equal(view.status, 'pending', 'an answer that does not name the order and its amount is not applied');
  assert.ok(view.events.some((e) => e.kind === 'query_rejected'), JSON.stringify(view.events.map((e) => e.kind)));
  assertEvidence(view);
  await clearFaults();
  await reconcileUntilStill();
  view = await orderView(o.order_id);
  assert.equal(view.status, 'paid');
});

test('a report that arrives during a query keeps report_pending', async () => {
  const o = await order({ pfn: 'CREDITCARD' });
  const so = await sandboxOrder(o.uid);
  const report = reportFromSandbox(so);
  const seen = async (fault) => {
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const reqs = await agentRequests();
      if (reqs.some((q) => q.cmd === 'api/queryorder' && String(q.uid) === String(o.uid) && q.fault === fault)) return;
      await sleep(20);
    }
    assert.fail(`no api/queryorder for ${o.uid} with fault ${fault}`);
  };
  // Report 1: its query hangs for 1.2 s (then 504) and is retried, and answered.
  await setFaults({ agent: { mode: 'timeout', delay_ms: 1200, count: 1, cmd: 'api/queryorder' } });
  let r = await postReport(report);
  assert.equal(r.text.trim(), '8888');
  await seen('timeout');
  // Report 2 arrives while report 1's query is out; its own query fails.
  await setFaults({ agent: { mode: 'html403', sticky: true, cmd: 'api/queryorder' } });
  r = await postReport(report);
  assert.equal(r.text.trim(), '8888');
  await seen('html403');
  await clearFaults();
  await waitQuiet({ quietMs: 2500 });
  let view = await orderView(o.order_id);
  const kinds = view.events.map((e) => e.kind);
  assert.equal(kinds.filter((k) => k === 'report').length, 2, kinds.join(','));
  assert.ok(kinds.includes('query') && kinds.includes('query_failed'), kinds.join(','));
  assert.equal(view.report_pending, true, 'report 2 was never confirmed: the answer to report 1\'s query does not clear it');
  await reconcile({ limit: 500 });
  await waitQuiet();
  view = await orderView(o.order_id);
  assert.equal(view.report_pending, false);
});

test('finding 7: a refund whose answer was lost and that MYPAY never shows goes to review', async () => {
  // Found by the chaos runs (seed 1350179809): the order stayed refund_pending for ever and
  // every reconcile failed on it (review_reason refund_unconfirmed was refused by D1).
  const [v] = await issueVouchers('paid', 100, { rrt: '2' });
  const o = await order({ vouchers: [v], pfn: 'CREDITCARD' });
  await pay(o);
  await until(o.order_id, 'paid', (x) => x.status === 'paid');
  // The refund call never reaches MYPAY and its answer never comes.
  await setFaults({ agent: { mode: 'timeout', delay_ms: 1700, count: 1, cmd: 'api/refund' } });
  const r = await admin('POST', `/admin/orders/${o.order_id}/refund`, {});
  assert.equal(r.status, 202, r.text);
  assert.equal(r.body.status, 'refund_pending');
  await clearFaults();
  assert.equal((await sandboxOrder(o.uid)).refunds.length, 0, 'MYPAY has no refund');
  await advance(PENDING_REVIEW + 3600);
  await reconcile({ min_age_seconds: 0, limit: 500 });
  const view = await orderView(o.order_id);
  assert.ok(Date.parse(view.last_answer_at) >= Date.parse(view.last_checked_at),
    `the worker asked MYPAY (${view.last_checked_at}) but could not apply the answer (last applied ${view.last_answer_at}; worker log: confirm_failed)`);
  assert.equal(view.status, 'needs_review', JSON.stringify({ status: view.status, refund_state: view.refund_state }));
  assert.equal(view.review?.reason, 'refund_unconfirmed');
  const vv = await voucher(v);
  assert.equal(vv.status, 'used', 'nothing was refunded: the voucher stays with the order');
  assert.equal(vv.order_id, o.order_id);
  assertEvidence(view);
});
