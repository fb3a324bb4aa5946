// An Idempotency-Key whose first request never got its answer stored (the
// worker died mid-checkout) is taken over by a retry once it is older than
// IDEMPOTENCY_RECLAIM_SECONDS. Runs against the second worker that
// scripts/test-worker.sh starts with IDEMPOTENCY_RECLAIM_SECONDS=2
// (EXPIRY_WORKER_URL); skipped without it. The "dead" first request is one
// held by a sandbox timeout fault longer than the window (its MYPAY timeout
// is the default 10 s), so the test also shows that its late answer does
// not overwrite the retry's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, RUN, call, clearFaults, customer, setFaults, sleep } from './helpers.mjs';

const BASE = process.env.EXPIRY_WORKER_URL;
const admin = (method, path, body) => call(method, `${BASE}${path}`, body, { authorization: `Bearer ${ADMIN_TOKEN}` });

test('a stale in-progress Idempotency-Key is reclaimed by one retry; the first order fails, its voucher moves', { skip: !BASE && 'EXPIRY_WORKER_URL is not set' }, async () => {
  const issued = await admin('POST', '/admin/vouchers', {
    kind: 'paid', name: '冪等測試券', value: 100, count: 1, prefix: `IDR${RUN}`, issuer: '1', refund_return_type: '1', product_id: 'IDR100',
  });
  assert.equal(issued.status, 201, issued.text);
  const code = issued.body.vouchers[0].code;
  const key = `reclaim-${RUN}`;
  const body = { items: [{ product_id: 'oolong-150g', quantity: 1 }], vouchers: [code], customer };
  const post = () => call('POST', `${BASE}/api/checkout`, body, { 'idempotency-key': key });
  await setFaults({ agent: { mode: 'timeout', count: 1, cmd: 'api/orders', delay_ms: 6000 } });
  try {
    const first = post();
    await sleep(700);
    const busy = await post();
    assert.equal(busy.status, 409, busy.text);
    assert.equal(busy.body.error.code, 'idempotency_in_progress');
    // Past the 2 s window (created_at has a resolution of one second).
    await sleep(2800);
    const retry = await post();
    assert.equal(retry.status, 201, retry.text);
    assert.equal(retry.headers.get('idempotent-replayed'), null);
    const late = await first;
    assert.notEqual(late.status, 201, late.text);
    const firstId = late.body.error.order_id;
    assert.match(firstId, /^ME/);
    assert.notEqual(firstId, retry.body.order_id);
    // The retry's answer stands: the first request's late answer did not replace it.
    const again = await post();
    assert.equal(again.status, 201, again.text);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.body.order_id, retry.body.order_id);
    // The first order failed when the retry took over, and gave up its voucher to the retry's order.
    const old = await admin('GET', `/admin/orders/${firstId}`);
    assert.equal(old.body.status, 'failed', old.text);
    assert.ok(old.body.events.some((e) => e.kind === 'transition' && e.detail.to === 'failed' && e.detail.source === 'idempotency_reclaim'), old.text);
    const held = await admin('GET', '/admin/vouchers?status=reserved');
    assert.equal(held.body.vouchers.find((v) => v.code === code)?.order_id, retry.body.order_id, held.text);
  } finally {
    await clearFaults();
  }
});
