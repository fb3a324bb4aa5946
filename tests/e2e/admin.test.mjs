// End to end: the admin console (/admin/) in /usr/bin/chromium (playwright-core) against the
// real Worker (wrangler dev) and the real MYPAY sandbox, started by scripts/test-e2e.sh
// (E2E_BASE_URL, E2E_SANDBOX_URL, E2E_ADMIN_TOKEN, E2E_OUTPUT as in storefront.test.mjs).
// A paid order is made through the API and the sandbox; the merchant then signs in with the
// admin token, finds the order, refunds it, sees the timeline grow and downloads the CSV;
// then the same on a phone-sized screen, in English. Screenshots: E2E_OUTPUT/admin-*.png.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { ADMIN_TOKEN, BASE, OUT, RUN, SANDBOX, api, closeAll, closePage, newPage as openPage, shot as saveShot } from './support.mjs';

const adminAuth = { authorization: `Bearer ${ADMIN_TOKEN}` };

async function waitStatus(o, want) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const view = await api('GET', `${BASE}/api/orders/${o.order_id}`, undefined, { authorization: `Bearer ${o.token}` });
    if (view.status === want) return view;
    assert.ok(Date.now() < deadline, `order ${o.order_id} never became ${want} (${view.status})`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** A store-code order MYPAY settles with 290 (paid, details differ): needs_review. */
async function mismatchedOrder(n) {
  const o = await api('POST', `${BASE}/api/checkout`, {
    items: [{ product_id: 'oolong-150g', quantity: 1 }],
    vouchers: [],
    customer: { id: `e2e-admin-${n}`, name: '後台測試', email: `admin-e2e-${n}@example.com`, phone: '0912345678' },
    pfn: 'CSTORECODE',
  }, { 'cf-connecting-ip': `198.18.210.${n}` });
  const uid = o.payment_url.match(/payment\/(\d+)\.html/)?.[1];
  await api('POST', `${SANDBOX}/sandbox/orders/${uid}/pay`, { pfn: 'CSTORECODE' });
  await waitStatus(o, 'pending');
  await api('POST', `${SANDBOX}/sandbox/orders/${uid}/settle`, { prc: '290' });
  await waitStatus(o, 'needs_review');
  return { id: o.order_id, uid };
}

/** A card order with a paid voucher, paid in the sandbox and confirmed by the Worker. */
async function paidOrder(n) {
  const voucher = (await api('POST', `${BASE}/admin/vouchers`, {
    kind: 'paid', name: 'E2E 後台券 100', value: 100, count: 1, prefix: `E2EA${RUN}${n}`, issuer: '1',
    refund_return_type: '1', product_id: 'E2EA100', expires_at: null, min_spend: 0,
  }, adminAuth)).vouchers[0].code;
  const o = await api('POST', `${BASE}/api/checkout`, {
    items: [{ product_id: 'oolong-150g', quantity: 2 }],
    vouchers: [voucher],
    customer: { id: `e2e-admin-${n}`, name: '後台測試', email: `admin-e2e-${n}@example.com`, phone: '0912345678' },
    pfn: 'CREDITCARD',
    invoice: { type: 'mobile', mobile_code: '/ABC+123' },
    echo: ['ERP-4711'],
  }, { 'cf-connecting-ip': `198.18.210.${n}` });
  const uid = o.payment_url.match(/payment\/(\d+)\.html/)?.[1];
  assert.ok(uid, `no MYPAY uid in ${o.payment_url}`);
  await api('POST', `${SANDBOX}/sandbox/orders/${uid}/pay`, { card_number: '4938170130000003' });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const view = await api('GET', `${BASE}/api/orders/${o.order_id}`, undefined, { authorization: `Bearer ${o.token}` });
    if (view.status === 'paid') break;
    assert.ok(Date.now() < deadline, `order ${o.order_id} never became paid (${view.status})`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return { id: o.order_id, uid, voucher, amount: o.amount, email: `admin-e2e-${n}@example.com` };
}

/** A card order without vouchers (two products and whatever lines the Worker adds), paid. */
async function plainPaidOrder(n) {
  const o = await api('POST', `${BASE}/api/checkout`, {
    items: [{ product_id: 'oolong-150g', quantity: 1 }, { product_id: 'dried-mango', quantity: 1 }],
    vouchers: [],
    customer: { id: `e2e-admin-${n}`, name: '後台測試', email: `admin-e2e-${n}@example.com`, phone: '0912345678' },
    pfn: 'CREDITCARD',
  }, { 'cf-connecting-ip': `198.18.210.${n}` });
  const uid = o.payment_url.match(/payment\/(\d+)\.html/)?.[1];
  assert.ok(uid, `no MYPAY uid in ${o.payment_url}`);
  await api('POST', `${SANDBOX}/sandbox/orders/${uid}/pay`, { card_number: '4938170130000003' });
  await waitStatus(o, 'paid');
  return { id: o.order_id, uid, amount: o.amount, token: o.token };
}

/** A page in a fresh profile that accepts downloads (the CSV exports). */
function newPage({ phone = false } = {}) {
  return openPage({ phone, downloads: true });
}

/** Screenshots of the console are `admin-*.png`. */
function shot(page, name) {
  return saveShot(page, `admin-${name}`);
}

async function signIn(page) {
  await page.goto(`${BASE}/admin/`);
  await page.getByTestId('token').fill(ADMIN_TOKEN);
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('orders-filter').waitFor();
  assert.ok(!page.url().includes(ADMIN_TOKEN), 'the token is never in the URL');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('mypay-edge.admin.token')), ADMIN_TOKEN);
  assert.equal(await page.evaluate(() => Object.values({ ...localStorage }).some((v) => v.includes('e2e-'))), false, 'nor in localStorage');
}

/** Submits the order search and waits for the list it renders. */
async function search(page) {
  const old = await page.getByTestId('orders-filter').elementHandle();
  await page.getByTestId('filter-submit').click();
  await page.waitForFunction((el) => !el.isConnected, old);
  await page.getByTestId('orders-filter').waitFor();
}

/** Whether nothing is wider than the phone's 390 CSS pixels (a phone browser would widen
 *  its layout viewport to fit, so the page's own width is what counts). */
const noSideways = (page) => page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) <= 391);

describe('admin console', () => {
  let order;
  let second;

  before(async () => {
    assert.ok(ADMIN_TOKEN, 'E2E_ADMIN_TOKEN must be set (scripts/test-e2e.sh sets it)');
    order = await paidOrder(1);
    second = await paidOrder(2);
  });

  after(closeAll);

  test('a wrong token is refused and not kept', async () => {
    const page = await newPage();
    await page.goto(`${BASE}/admin/`);
    await page.getByTestId('token').fill('definitely-not-the-admin-token');
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('signin-error').filter({ hasText: /權杖不正確/ }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('mypay-edge.admin.token')), null);
    await shot(page, '01-signin-refused');
    assert.deepEqual(page.problems, []);
    await closePage(page);
  });

  test('sign in, find the paid order, refund it, see the timeline grow, download the CSV', async () => {
    const page = await newPage();
    await signIn(page);
    await shot(page, '02-orders');

    // Find it by its MYPAY uid.
    await page.getByTestId('filter-q').fill(order.uid);
    await page.getByTestId('filter-status').selectOption('paid');
    await search(page);
    const row = page.getByTestId(`order-row-${order.id}`);
    await row.waitFor();
    assert.equal(await page.locator('[data-testid^="order-row-"]').count(), 1, 'the search finds just that order');
    await row.getByTestId('order-link').click();

    await page.getByTestId('order-title').filter({ hasText: order.id }).waitFor();
    assert.equal(await page.getByTestId('order-status').getAttribute('data-status'), 'paid');
    await page.getByTestId('mypay-state').waitFor();
    assert.equal(await page.getByTestId('mypay-state').getAttribute('data-prc'), '250', 'the live MYPAY state');
    assert.match(await page.getByTestId('order-vouchers').textContent(), new RegExp(order.voucher));
    // Who bought it, the invoice MYPAY issued (from its query) and the merchant's echo strings.
    assert.equal(await page.getByTestId('order-customer-email').textContent(), order.email);
    assert.equal(await page.getByTestId('order-invoice').getAttribute('data-status'), 'issued');
    assert.match(await page.getByTestId('order-invoice').textContent(), /已開立 · 手機條碼 \/ABC\+123/);
    assert.equal(await page.getByTestId('order-echo').textContent(), 'ERP-4711');
    const timeline = page.getByTestId('timeline').locator('li');
    const before = await timeline.count();
    assert.ok(before >= 3, `a timeline of the checkout and payment (${before} entries)`);
    assert.match(await page.getByTestId('timeline').textContent(), /狀態由「[^」]+」變為「已付款」/);
    await shot(page, '03-order-paid');

    // "Check with MYPAY now" adds a query to the timeline and changes nothing.
    await page.getByTestId('check-mypay').click();
    await page.getByTestId('toast').filter({ hasText: /已向 MYPAY 查詢/ }).waitFor();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="timeline"] li').length > n, before);
    const checked = await timeline.count();

    // Refund: the dialog explains, then confirms.
    await page.getByTestId('refund-button').click();
    const plan = page.getByTestId('refund-plan');
    await plan.getByTestId('refund-amount').waitFor();
    assert.match(await plan.getByTestId('refund-amount').textContent(), new RegExp(order.amount.toLocaleString('zh-TW')));
    assert.match(await plan.textContent(), new RegExp(order.voucher), 'the dialog says what happens to the voucher');
    // From GET /admin/orders/{id}/refund-plan: a card refunds at once; the invoice's fate is named.
    assert.equal(await plan.getByTestId('refund-fallback').count(), 0, 'the Worker explained the refund');
    assert.equal(await plan.getByTestId('refund-instant').getAttribute('data-instant'), 'true');
    assert.ok(['void', 'allowance', 'none'].includes(await plan.getByTestId('refund-invoice-action').getAttribute('data-action')));
    await shot(page, '04-refund-dialog');
    await page.getByTestId('refund-confirm').click();
    await page.getByTestId('toast').filter({ hasText: /退款已送出/ }).waitFor();
    await page.waitForFunction(() => ['refunded', 'refund_pending'].includes(document.querySelector('[data-testid="order-status"]')?.dataset.status));
    assert.ok(await timeline.count() > checked, 'the timeline grew');
    assert.equal(await page.getByTestId('timeline').locator('li[data-kind="refund"]').count(), 1);
    assert.match(await page.getByTestId('timeline').textContent(), /送出退款，MYPAY 回覆代碼/);
    await shot(page, '05-order-refunded');

    // Accounting export: today's orders as CSV, with a BOM and the refunded order.
    await page.getByTestId('nav-export').click();
    await page.getByTestId('export-kind').selectOption('orders');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-download').click()]);
    assert.match(download.suggestedFilename(), /^mypay-orders-\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.csv$/);
    const file = path.join(OUT, 'admin-orders.csv');
    await download.saveAs(file);
    const bytes = fs.readFileSync(file);
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with a byte order mark');
    const lines = bytes.subarray(3).toString('utf8').split('\r\n');
    assert.match(lines[0], /^order_id,created_at,status,/);
    const row2 = lines.find((l) => l.startsWith(`${order.id},`));
    assert.ok(row2, `the order is in the CSV:\n${lines.slice(0, 5).join('\n')}`);
    assert.match(row2, /,(refunded|refund_pending),/);
    assert.match(row2, new RegExp(`,${order.uid},`));
    await shot(page, '06-export');
    assert.deepEqual(page.problems, []);
    await closePage(page);
  });

  test('needs review: the reason explained, with what resolves it; vouchers issued, listed and exported', async () => {
    const mismatch = await mismatchedOrder(3);
    const page = await newPage();
    await signIn(page);
    await page.getByTestId('nav-review').click();
    const item = page.getByTestId(`review-${mismatch.id}`);
    await item.waitFor();
    assert.equal(await item.getAttribute('data-reason'), 'paid_mismatch');
    assert.match(await item.textContent(), /付款金額不符/);
    assert.match(await item.textContent(), /MYPAY 回覆代碼 290/);
    await shot(page, '10-needs-review');
    await item.getByRole('link').click();
    await page.getByTestId('review-box').waitFor();
    assert.equal(await page.getByTestId('review-box').getAttribute('data-reason'), 'paid_mismatch');
    assert.equal(await page.getByTestId('order-status').getAttribute('data-status'), 'needs_review');
    assert.ok(await page.getByTestId('refund-button').isVisible(), 'a refund is one of the ways out');

    await page.getByTestId('nav-vouchers').click();
    await page.getByTestId('voucher-kind').selectOption('free');
    await page.getByTestId('voucher-name').fill('E2E 後台贈券');
    await page.getByTestId('voucher-value').fill('30');
    await page.getByTestId('voucher-count').fill('3');
    await page.getByTestId('voucher-product').fill(`E2EB${RUN}`);
    await page.getByTestId('voucher-submit').click();
    const issued = page.getByTestId('voucher-issued');
    await issued.waitFor();
    const codes = (await issued.textContent()).trim().split('\n');
    assert.equal(codes.length, 3);
    for (const c of codes) await page.getByTestId(`voucher-${c}`).waitFor();
    // Choosing a status renders the page again (a new select, set to it).
    const filter = async (status) => {
      const old = await page.getByTestId('voucher-filter').elementHandle();
      await page.getByTestId('voucher-filter').selectOption(status);
      await page.waitForFunction((el) => !el.isConnected, old);
      await page.waitForFunction((st) => document.querySelector('[data-testid="voucher-filter"]')?.value === st, status);
    };
    await filter('used');
    assert.equal(await page.getByTestId(`voucher-${codes[0]}`).count(), 0, 'new vouchers are not used');
    await filter('available');
    await page.getByTestId(`voucher-${codes[0]}`).waitFor();
    await shot(page, '11-vouchers');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('voucher-csv').click()]);
    const file = path.join(OUT, 'admin-vouchers.csv');
    await download.saveAs(file);
    const text = fs.readFileSync(file, 'utf8');
    assert.ok(text.startsWith('\uFEFFcode,kind,'), 'BOM and header');
    for (const c of codes) assert.match(text, new RegExp(`\r\n${c},free,E2EB${RUN},E2E 後台贈券,30,`));
    assert.deepEqual(page.problems, []);
    await closePage(page);
  });

  test('webhooks: an endpoint added in the console gets order.paid, and the order timeline says so', async () => {
    // A receiver on this machine (the Worker runs against the local sandbox, so plain http
    // to 127.0.0.1 is allowed): answers 200 and keeps what it got.
    const got = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        got.push({ id: req.headers['webhook-id'], body: JSON.parse(body) });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
    const hookUrl = `http://127.0.0.1:${receiver.address().port}/hooks/mypay`;
    const page = await newPage();
    try {
      await signIn(page);
      const nav = page.getByTestId('nav-webhooks');
      assert.ok(await nav.isVisible(), 'the Worker has webhooks: the page is offered');
      await nav.click();
      await page.getByTestId('webhook-url').fill(hookUrl);
      await page.getByTestId('webhook-add').click();
      const secret = page.getByTestId('webhook-secret');
      await secret.waitFor();
      assert.match(await secret.textContent(), /whsec_[A-Za-z0-9+/=]+/, 'the signing secret is shown once');
      const endpoint = page.locator('[data-testid^="webhook-endpoint-"]').filter({ hasText: hookUrl });
      await endpoint.waitFor();
      await shot(page, '12-webhooks');

      const paid = await paidOrder(4);
      const deadline = Date.now() + 60_000;
      while (!got.some((g) => g.body.type === 'order.paid' && g.body.data?.order_id === paid.id)) {
        assert.ok(Date.now() < deadline, `no order.paid for ${paid.id} at ${hookUrl}: ${JSON.stringify(got.map((g) => g.body.type))}`);
        await new Promise((r) => setTimeout(r, 300));
      }
      await page.goto(`${BASE}/admin/#/order/${paid.id}`);
      const delivered = page.getByTestId('timeline').locator('li[data-kind="webhook"]').filter({ hasText: /Webhook order\.paid 已送達/ });
      await delivered.first().waitFor();
      assert.match(await delivered.first().textContent(), new RegExp(`${hookUrl.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}.*HTTP 200`));
      await shot(page, '13-order-webhook-timeline');

      // Removed again from the console, so nothing else is sent there.
      await page.getByTestId('nav-webhooks').click();
      const id = (await endpoint.getAttribute('data-testid')).replace('webhook-endpoint-', '');
      await page.getByTestId(`webhook-delete-${id}`).click();
      await endpoint.waitFor({ state: 'detached' });
      assert.deepEqual(page.problems, []);
    } finally {
      await closePage(page);
      receiver.close();
    }
  });

  test('a partial refund in the console: a part keeps the order paid with its refunded amount, the rest refunds it', async () => {
    const o = await plainPaidOrder(6);
    const admin = await api('GET', `${BASE}/admin/orders/${o.id}?live=0`, undefined, adminAuth);
    const lines = admin.lines;
    assert.ok(lines.length >= 2, `two lines at least: ${JSON.stringify(lines)}`);
    const page = await newPage();
    try {
      await signIn(page);
      await page.goto(`${BASE}/admin/#/order/${o.id}`);
      await page.getByTestId('order-title').filter({ hasText: o.id }).waitFor();

      // The dialog offers a part; the full refund stays the default.
      await page.getByTestId('refund-button').click();
      const plan = page.getByTestId('refund-plan');
      await plan.getByTestId('refund-mode-partial').waitFor();
      assert.equal(await plan.getByTestId('refund-mode-full').isChecked(), true, 'a full refund is the default');
      assert.equal(await plan.getByTestId('refund-parts').isVisible(), false);
      const wholeAction = await plan.getByTestId('refund-invoice-action').getAttribute('data-action');
      // The invoice's explanation is the console's own Chinese, not the server's English `why`.
      const why = await plan.getByTestId('refund-invoice-why').textContent();
      assert.match(why, /[\u4e00-\u9fff]/, `Chinese words: ${why}`);
      assert.doesNotMatch(why, /invoice|voided|allowance/i);
      await plan.getByTestId('refund-mode-partial').check();
      await plan.getByTestId('refund-parts').waitFor();
      // Each line defaults to its whole total; more than a line's total is refused before sending.
      for (const [i, l] of lines.entries()) assert.equal(Number(await plan.getByTestId(`refund-part-${i}`).inputValue()), l.total);
      await plan.getByTestId(`refund-part-0`).fill(String(lines[0].total + 1));
      assert.equal(await page.getByTestId('refund-confirm').isDisabled(), true);
      assert.match(await page.getByTestId('refund-error').textContent(), /最多可退/);
      const first = Math.min(200, lines[0].total);
      await plan.getByTestId('refund-part-0').fill(String(first));
      for (let i = 1; i < lines.length; i++) await plan.getByTestId(`refund-part-${i}`).fill('0');
      assert.match(await plan.getByTestId('refund-amount').textContent(), new RegExp(`部分退款合計：${first} 元`));
      if (wholeAction !== 'none') {
        assert.equal(await plan.getByTestId('refund-invoice-action').getAttribute('data-action'), 'allowance', 'a part is an allowance');
        assert.match(await plan.getByTestId('refund-invoice-why').textContent(), /部分/);
      }
      await shot(page, '14-refund-partial');
      await page.getByTestId('refund-confirm').click();
      await page.getByTestId('toast').filter({ hasText: /退款已送出/ }).waitFor();
      await page.getByTestId('order-refunded-amount').filter({ hasText: String(first) }).waitFor();
      assert.equal(await page.getByTestId('order-refunded-amount').getAttribute('data-amount'), String(first));
      assert.equal(await page.getByTestId('order-status').getAttribute('data-status'), 'paid', 'a part keeps the order paid');
      await shot(page, '15-order-partly-refunded');

      // The second part: the dialog offers what is left, line by line; meanwhile another admin
      // refunds 50 through the API, so the part asked is too much: plain words, nothing sent.
      await page.getByTestId('refund-button').click();
      await plan.getByTestId('refund-already').waitFor();
      const left = o.amount - first;
      assert.equal(await plan.getByTestId('refund-amount').getAttribute('data-amount'), String(left));
      await plan.getByTestId('refund-mode-partial').check();
      let sum = 0;
      for (let i = 0; i < lines.length; i++) sum += Number(await plan.getByTestId(`refund-part-${i}`).inputValue());
      assert.equal(sum, left, 'the parts offered add up to what is left');
      const other = lines.findIndex((l, i) => i > 0 && l.total >= 50);
      assert.ok(other > 0, 'a second line of 50 or more');
      await api('POST', `${BASE}/admin/orders/${o.id}/refund`, { items: [{ name: lines[other].name, amount: 50 }] }, adminAuth);
      await page.getByTestId('refund-confirm').click();
      await page.getByTestId('refund-error').filter({ hasText: /退款金額超過尚可退的金額/ }).waitFor();
      assert.equal(await page.getByTestId('refund-error').getAttribute('data-code'), 'refund_exceeds_remaining');
      await page.getByTestId('refund-cancel').click();

      // Asked again: the rest, as a part that completes the order.
      await page.reload();
      await page.getByTestId('order-refunded-amount').filter({ hasText: String(first + 50) }).waitFor();
      await page.getByTestId('refund-button').click();
      await plan.getByTestId('refund-mode-partial').waitFor();
      assert.equal(await plan.getByTestId('refund-amount').getAttribute('data-amount'), String(left - 50));
      await plan.getByTestId('refund-mode-partial').check();
      assert.match(await plan.getByTestId('refund-amount').textContent(), new RegExp(`部分退款合計：${(left - 50).toLocaleString('zh-TW')} 元`));
      await page.getByTestId('refund-confirm').click();
      await page.getByTestId('toast').filter({ hasText: /退款已送出/ }).waitFor();
      await page.waitForFunction(() => document.querySelector('[data-testid="order-status"]')?.dataset.status === 'refunded');
      assert.equal(await page.getByTestId('order-refunded-amount').getAttribute('data-amount'), String(o.amount));
      assert.equal(await page.getByTestId('timeline').locator('li[data-kind="refund"]').count(), 3, 'three refunds on the timeline');
      // MYPAY's own record, from the live query: the three refunds.
      await page.reload();
      await page.getByTestId('mypay-refunds').waitFor();
      assert.equal(await page.getByTestId('mypay-refunds').getAttribute('data-count'), '3');
      await shot(page, '16-order-refunded-in-parts');
      assert.deepEqual(page.problems, []);
    } finally {
      await closePage(page);
    }
  });

  test('webhooks: a delivery the receiver refuses is failed, shown in the console, and replayed with the same webhook-id', async () => {
    // A receiver that answers 500 until told otherwise.
    let answer = 500;
    const got = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        got.push({ id: req.headers['webhook-id'], body: JSON.parse(body), answered: answer });
        res.writeHead(answer).end();
      });
    });
    await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
    const hookUrl = `http://127.0.0.1:${receiver.address().port}/hooks/failing`;
    const page = await newPage();
    try {
      await signIn(page);
      await page.getByTestId('nav-webhooks').click();
      await page.getByTestId('webhook-url').fill(hookUrl);
      await page.getByTestId('webhook-add').click();
      await page.getByTestId('webhook-secret').waitFor();
      const endpoint = page.locator('[data-testid^="webhook-endpoint-"]').filter({ hasText: hookUrl });
      await endpoint.waitFor();
      const endpointId = (await endpoint.getAttribute('data-testid')).replace('webhook-endpoint-', '');

      const o = await plainPaidOrder(7);
      // The e2e Worker retries a second apart (scripts/test-e2e.sh): failed within seconds.
      let failed;
      const deadline = Date.now() + 30_000;
      for (;;) {
        const r = await api('GET', `${BASE}/admin/webhooks/deliveries?status=failed&order_id=${o.id}`, undefined, adminAuth);
        failed = r.deliveries.find((dl) => dl.endpoint_id === endpointId && dl.type === 'order.paid');
        if (failed) break;
        assert.ok(Date.now() < deadline, `no failed delivery for ${o.id}: ${JSON.stringify(got.map((g) => [g.body.type, g.answered]))}`);
        await new Promise((r) => setTimeout(r, 300));
      }
      const tries = got.filter((g) => g.body.type === 'order.paid' && g.body.data?.order_id === o.id);
      assert.ok(tries.length >= 2, `retried before failing (${tries.length} attempts)`);
      assert.equal(failed.attempts, tries.length);
      assert.ok(tries.every((g) => g.id === failed.webhook_id && g.answered === 500), 'the same webhook-id on every retry');

      // The console lists it with its last result, and replays it once the receiver is fixed.
      await page.getByTestId('nav-orders').click();
      await page.getByTestId('orders-filter').waitFor();
      await page.getByTestId('nav-webhooks').click();
      const row = page.getByTestId(`delivery-${failed.id}`);
      await row.waitFor();
      assert.match(await row.textContent(), new RegExp(`order\\.paid.*${o.id}.*HTTP 500`));
      await shot(page, '17-webhooks-failed');
      answer = 204;
      await row.getByTestId(`replay-${failed.id}`).click();
      await page.getByTestId('toast').filter({ hasText: /已排入重送/ }).waitFor();
      const until = Date.now() + 30_000;
      while (!got.some((g) => g.answered === 204 && g.id === failed.webhook_id)) {
        assert.ok(Date.now() < until, 'the replay never arrived');
        await new Promise((r) => setTimeout(r, 200));
      }
      const replayed = got.find((g) => g.answered === 204 && g.id === failed.webhook_id);
      assert.equal(replayed.body.data.order_id, o.id);
      assert.equal(replayed.body.type, 'order.paid');

      // Recorded as delivered (the attempt's answer is written after the receiver saw it).
      for (;;) {
        const r = await api('GET', `${BASE}/admin/webhooks/deliveries?order_id=${o.id}`, undefined, adminAuth);
        const status = r.deliveries.find((dl) => dl.id === failed.id)?.status;
        if (status === 'delivered') break;
        assert.ok(Date.now() < until, `the replayed delivery is ${status}`);
        await new Promise((r) => setTimeout(r, 200));
      }

      // The order's timeline: the refused attempts, then the delivered one.
      await page.goto(`${BASE}/admin/#/order/${o.id}`);
      const hooks = page.getByTestId('timeline').locator('li[data-kind="webhook"]');
      await hooks.filter({ hasText: /Webhook order\.paid 已送達.*HTTP 204/ }).first().waitFor();
      assert.ok(await hooks.filter({ hasText: /HTTP 500/ }).count() >= 2, 'the failed attempts are on the timeline too');
      await shot(page, '18-order-webhook-replayed');

      await page.getByTestId('nav-webhooks').click();
      await page.getByTestId(`webhook-delete-${endpointId}`).click();
      await endpoint.waitFor({ state: 'detached' });
      assert.deepEqual(page.problems, []);
    } finally {
      await closePage(page);
      receiver.close();
    }
  });

  test('on a phone, in English: no sideways scrolling, the order and its timeline readable', async () => {
    const page = await newPage({ phone: true });
    await signIn(page);
    assert.ok(await noSideways(page), 'the order list fits the screen');
    await page.getByTestId('lang-switch').click();
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    await page.getByTestId('filter-submit').filter({ hasText: 'Search' }).waitFor();
    await page.getByTestId('filter-q').fill(second.id);
    await search(page);
    await page.getByTestId(`order-row-${second.id}`).getByTestId('order-link').click();
    await page.getByTestId('order-title').filter({ hasText: `Order ${second.id}` }).waitFor();
    assert.match(await page.getByTestId('timeline').textContent(), /Status changed from “[^”]+” to “Paid”/);
    assert.ok(await noSideways(page), 'the order page fits the screen');
    await shot(page, '07-order-phone-en');
    await page.getByTestId('refund-button').click();
    await page.getByTestId('refund-amount').waitFor();
    assert.ok(await noSideways(page), 'the refund dialog fits the screen');
    await shot(page, '08-refund-dialog-phone-en');
    await page.getByTestId('refund-cancel').click();
    // The language choice is kept; the sign-in is kept for this tab only.
    await page.reload();
    await page.getByTestId('order-title').filter({ hasText: `Order ${second.id}` }).waitFor();
    await page.getByTestId('nav-review').click();
    await page.locator('[data-testid="review-empty"], [data-testid="review-list"]').first().waitFor();
    await page.getByTestId('nav-reconcile').click();
    await page.getByTestId('reconcile-run').click();
    await page.getByTestId('reconcile-result').filter({ hasText: /Checked \d+/ }).waitFor();
    await page.getByTestId('reconcile-runs').waitFor();
    assert.ok(await noSideways(page), 'the reconciliation page fits the screen');
    await shot(page, '09-reconcile-phone-en');
    await page.getByTestId('sign-out').click();
    await page.getByTestId('signin-form').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('mypay-edge.admin.token')), null);
    assert.deepEqual(page.problems, []);
    await closePage(page);
  });
});
