// End to end: the demo storefront in /usr/bin/chromium (playwright-core, never a downloaded
// browser) against the real Worker (wrangler dev) and the real MYPAY sandbox.
// Started by scripts/test-e2e.sh, which sets:
//   E2E_BASE_URL     the Worker + storefront      (default http://127.0.0.1:28787)
//   E2E_SANDBOX_URL  the sandbox                  (default http://127.0.0.1:28788)
//   E2E_ADMIN_TOKEN  the Worker's ADMIN_TOKEN, to issue fresh vouchers for each scenario
//   E2E_OUTPUT       where screenshots go         (default test-output/e2e)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { ADMIN_TOKEN, BASE, RUN, SANDBOX, api, closeAll, closePage, newPage as openPage, shot } from './support.mjs';

const SUCCESS_CARD = '4938170130000003';
const FAILURE_CARD = '5204247750001471';
const FINAL_TIMEOUT = 60_000;

let seq = 0;
/** A fresh paid and a fresh free voucher, issued through the admin API. */
async function issueVouchers() {
  assert.ok(ADMIN_TOKEN, 'E2E_ADMIN_TOKEN must be set (scripts/test-e2e.sh sets it)');
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const n = ++seq;
  const paid = await api(
    'POST',
    `${BASE}/admin/vouchers`,
    {
      kind: 'paid',
      name: 'E2E 好食券 100',
      value: 100,
      count: 1,
      prefix: `E2EP${RUN}${n}`,
      issuer: '1',
      refund_return_type: '1',
      product_id: 'E2EP100',
      expires_at: null,
      min_spend: 0,
    },
    auth,
  );
  const free = await api(
    'POST',
    `${BASE}/admin/vouchers`,
    {
      kind: 'free',
      name: 'E2E 免運券',
      value: 50,
      count: 1,
      prefix: `E2EF${RUN}${n}`,
      issuer: '3',
      product_id: 'E2EF50',
      expires_at: null,
      min_spend: 0,
    },
    auth,
  );
  return { paid: paid.vouchers[0].code, free: free.vouchers[0].code };
}

async function orderCount() {
  let n = 0;
  let cursor = '';
  for (;;) {
    const q = `limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await api('GET', `${BASE}/admin/orders?${q}`, undefined, { authorization: `Bearer ${ADMIN_TOKEN}` });
    n += page.orders.length;
    if (!page.next_cursor) return n;
    cursor = page.next_cursor;
  }
}

let products;
let shoppers = 0;

/**
 * A fresh browser profile, desktop or phone-sized, and a page in it. Each profile is its own
 * shopper: its own client address (CF-Connecting-IP, which Cloudflare sets and wrangler dev
 * keeps), so the per-address rate limits apply per test.
 */
function newPage({ phone = false } = {}) {
  return openPage({ phone, headers: { 'cf-connecting-ip': `198.18.200.${++shoppers}` } });
}

/** Shop page: two products, a paid and a free voucher, the customer, then the sandbox page. */
async function fillCartAndCheckout(page, { pfn, invoice, english = false, wallet = undefined }) {
  const [p1, p2] = products;
  const { paid, free } = await issueVouchers();
  await page.goto(`${BASE}/`);
  if (english) {
    await page.getByTestId('lang-switch').click();
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  }
  await page.getByTestId(`add-${p1.id}`).click();
  await page.getByTestId(`add-${p2.id}`).click();
  await page.getByTestId(`add-${p2.id}`).click();
  await page.getByTestId(`line-${p1.id}`).waitFor();
  await page.getByTestId(`line-${p2.id}`).waitFor();

  await page.getByTestId('voucher-input').fill(paid);
  await page.getByTestId('voucher-apply').click();
  await page.getByTestId(`voucher-line-${paid}`).waitFor();
  await page.getByTestId('voucher-input').fill(free);
  await page.getByTestId('voucher-apply').click();
  await page.getByTestId(`voucher-line-${free}`).waitFor();

  // An unknown code is explained, and not sent to checkout.
  const bogus = `NOPE-${RUN}`;
  await page.getByTestId('voucher-input').fill(bogus);
  await page.getByTestId('voucher-apply').click();
  const rejected = page.getByTestId(`voucher-rejected-${bogus}`);
  await rejected.waitFor();
  assert.equal(await rejected.getAttribute('data-reason'), 'voucher_not_found');

  // The breakdown is the Worker's own quote.
  const quote = await api('POST', `${BASE}/api/quote`, {
    items: [
      { product_id: p1.id, quantity: 1 },
      { product_id: p2.id, quantity: 2 },
    ],
    vouchers: [paid, free],
  });
  assert.deepEqual(
    quote.vouchers.map((v) => [v.code, v.kind]),
    [
      [paid, 'paid'],
      [free, 'free'],
    ],
  );
  const due = page.getByTestId('amount-due');
  await page.waitForFunction(
    (amount) => document.querySelector('[data-testid="amount-due"]')?.dataset.amount === String(amount),
    quote.amount,
  );
  assert.match(await due.textContent(), new RegExp(quote.amount.toLocaleString('en-US')));
  assert.match(await page.getByTestId(`voucher-line-${paid}`).textContent(), english ? /Paid voucher/ : /有償票券/);
  assert.match(await page.getByTestId(`voucher-line-${free}`).textContent(), english ? /Free voucher/ : /無償票券/);

  await page.getByTestId('customer-name').fill('王小明');
  await page.getByTestId('customer-email').fill('ming@example.com');
  await page.getByTestId('customer-phone').fill('0912345678');
  // The wallet fields show only for an e-wallet.
  await page.getByTestId('pfn-CREDITCARD').check();
  assert.ok(await page.getByTestId('wallet-fields').isHidden(), 'no wallet fields for a card');
  await page.getByTestId(`pfn-${pfn}`).check();
  if (wallet) {
    await page.getByTestId('wallet-fields').waitFor({ state: 'visible' });
    await page.getByTestId('customer-real-name').fill(wallet.real_name);
    await page.getByTestId('customer-english-name').fill(wallet.english_name);
    await page.getByTestId('customer-phone-country-code').fill(wallet.phone_country_code);
  }
  await page.getByTestId(`invoice-${invoice.type}`).check();
  if (invoice.type === 'mobile') await page.getByTestId('invoice-mobile-code').fill(invoice.mobile_code);
  if (invoice.type === 'natural_person') await page.getByTestId('invoice-natural-person-code').fill(invoice.natural_person_code);
  if (invoice.type === 'donation') await page.getByTestId('invoice-love-code').fill(invoice.love_code);
  if (invoice.type === 'tax_id') {
    await page.getByTestId('invoice-tax-id').fill(invoice.tax_id);
    await page.getByTestId('invoice-title').fill(invoice.title);
  }
  const before = await orderCount();
  // A double press makes one order (the button is busy, and the key is the same).
  await page.getByTestId('checkout-submit').dblclick();

  await page.waitForURL(/\/payment\/\d+\.html/);
  assert.equal(await orderCount(), before + 1, 'exactly one order was created');
  const url = new URL(page.url());
  assert.equal(url.origin, SANDBOX, 'checkout leads to the sandbox payment page');
  const uid = url.pathname.match(/\/payment\/(\d+)\.html/)[1];
  return { quote, uid, vouchers: { paid, free } };
}

async function payByCard(page, card) {
  await page.locator('[name="card_number"]').fill(card);
  await page.locator('[name="card_expiry"]').fill('12/30');
  await page.locator('[name="card_cvc"]').fill('123');
  await page.locator('button[name="method"][value="CREDITCARD"]').click();
}

/** Back on the storefront's order page (no token in the address), returns the order id. */
async function landOnOrderPage(page) {
  await page.waitForURL((u) => u.origin === BASE && /^\/order(\.html)?$/.test(u.pathname));
  const url = new URL(page.url());
  const orderId = url.searchParams.get('order_id');
  assert.ok(orderId, 'the order page has the order id');
  assert.ok(!/token/i.test(url.search), 'the token never travels in the return address');
  return orderId;
}

async function waitStatus(page, status) {
  await page.locator(`[data-testid="order-status"][data-status="${status}"]`).waitFor({ timeout: FINAL_TIMEOUT });
}

async function assertReceipt(page, quote, vouchers) {
  await page.getByTestId('receipt').waitFor();
  assert.match(await page.getByTestId('receipt-amount').textContent(), new RegExp(quote.amount.toLocaleString('en-US')));
  await page.getByTestId(`voucher-line-${vouchers.paid}`).waitFor();
  await page.getByTestId(`voucher-line-${vouchers.free}`).waitFor();
}

before(async () => {
  const list = await api('GET', `${BASE}/api/products`);
  products = list.products;
  assert.ok(products.length >= 2, 'the dev seed has at least two products');
});

after(closeAll);

describe('demo storefront in Chromium', () => {
  test('card payment with the success card: two products, a paid and a free voucher, paid', async () => {
    const page = await newPage();
    const { quote, vouchers } = await fillCartAndCheckout(page, {
      pfn: 'CREDITCARD',
      invoice: { type: 'mobile', mobile_code: '/ABC+123' },
    });
    await shot(page, '01-card-success-payment-page');
    await payByCard(page, SUCCESS_CARD);
    await landOnOrderPage(page);
    await waitStatus(page, 'paid');
    await assertReceipt(page, quote, vouchers);
    assert.match(await page.getByTestId('order-status').textContent(), /付款成功/);
    await shot(page, '01-card-success-paid');
    assert.deepEqual(page.problems, []);
    await closePage(page);
  });

  test('card payment with the failure card: failed, and its vouchers can be used again', async () => {
    const page = await newPage();
    const { quote, vouchers } = await fillCartAndCheckout(page, {
      pfn: 'CREDITCARD',
      invoice: { type: 'donation', love_code: '168001' },
    });
    await payByCard(page, FAILURE_CARD);
    await landOnOrderPage(page);
    await waitStatus(page, 'failed');
    await assertReceipt(page, quote, vouchers);
    assert.match(await page.getByTestId('order-status').textContent(), /付款失敗/);
    await shot(page, '02-card-failure-failed');

    // The failed order's vouchers are free again: ordering the same again applies them.
    await page.getByTestId('reorder').click();
    await page.waitForURL((u) => u.origin === BASE && u.pathname === '/');
    await page.getByTestId(`voucher-line-${vouchers.paid}`).waitFor();
    await page.getByTestId(`voucher-line-${vouchers.free}`).waitFor();
    await page.waitForFunction(
      (amount) => document.querySelector('[data-testid="amount-due"]')?.dataset.amount === String(amount),
      quote.amount,
    );
    assert.deepEqual(page.problems, []);
    await closePage(page);
  });

  test('store code on a phone: codes shown, then paid once the sandbox settles it', async () => {
    const page = await newPage({ phone: true });
    const { quote, uid, vouchers } = await fillCartAndCheckout(page, {
      pfn: 'CSTORECODE',
      invoice: { type: 'tax_id', tax_id: '04595257', title: '某某股份有限公司' },
    });
    await page.locator('button[name="method"][value="CSTORECODE"]').click();
    await landOnOrderPage(page);
    await waitStatus(page, 'pending');
    const codes = page.getByTestId('payment-codes');
    await codes.waitFor({ state: 'visible', timeout: FINAL_TIMEOUT });
    assert.ok((await page.getByTestId('code-PinCode').textContent()).trim().length > 0, 'a store code to pay with');
    await assertReceipt(page, quote, vouchers);
    await shot(page, '03-store-code-pending-phone');

    await api('POST', `${SANDBOX}/sandbox/orders/${uid}/settle`, { prc: '250' });
    await waitStatus(page, 'paid');
    assert.ok(await codes.isHidden(), 'the codes go away once paid');
    await shot(page, '03-store-code-paid-phone');
    assert.deepEqual(page.problems, []);
    await closePage(page);
  });

  test('ATM virtual account, in English: the account to pay to, then paid once settled', async () => {
    const page = await newPage();
    const { quote, uid, vouchers } = await fillCartAndCheckout(page, {
      pfn: 'E_COLLECTION',
      invoice: { type: 'email' },
      english: true,
    });
    await page.locator('button[name="method"][value="E_COLLECTION"]').click();
    await landOnOrderPage(page);
    await waitStatus(page, 'pending');
    const codes = page.getByTestId('payment-codes');
    await codes.waitFor({ state: 'visible', timeout: FINAL_TIMEOUT });
    assert.equal(await codes.getAttribute('data-kind'), 'atm');
    assert.match(await page.getByTestId('code-PinCode').textContent(), /\d{6,}/, 'a virtual account number');
    assert.match(await page.getByTestId('order-status').textContent(), /Waiting for your payment/);
    await assertReceipt(page, quote, vouchers);
    await shot(page, '04-atm-pending-en');

    await api('POST', `${SANDBOX}/sandbox/orders/${uid}/settle`, { prc: '250' });
    await waitStatus(page, 'paid');
    assert.match(await page.getByTestId('order-status').textContent(), /Paid/);
    await shot(page, '04-atm-paid-en');
    assert.deepEqual(page.problems, []);
    await closePage(page);
  });

  test('LINE Pay with a natural-person carrier: the wallet fields reach MYPAY, the order shows the invoice', async () => {
    const page = await newPage();
    const { quote, uid, vouchers } = await fillCartAndCheckout(page, {
      pfn: 'LINEPAYON',
      invoice: { type: 'natural_person', natural_person_code: 'AB12345678901234' },
      wallet: { real_name: '王小明', english_name: 'Wang Hsiao-Ming', phone_country_code: '886' },
    });
    const requests = await api('GET', `${SANDBOX}/sandbox/requests`);
    const sent = requests.filter((r) => r.cmd === 'api/orders' && String(r.uid) === uid).at(-1)?.data;
    assert.ok(sent, 'the sandbox got the order');
    assert.equal(sent.pfn, 'LINEPAYON');
    assert.equal(sent.user_real_name, '王小明');
    assert.equal(sent.user_english_name, 'Wang Hsiao-Ming');
    assert.equal(sent.user_cellphone_code, '886');
    assert.equal(sent.invoice_cloud_type, '3');
    assert.equal(sent.invoice_natural_person, 'AB12345678901234');
    // The sandbox's page offers LINE Pay (preselected: the order's pfn); the shopper
    // approves in the wallet and comes back to the shop.
    const wallet = page.locator('#wallet-LINEPAYON');
    await wallet.waitFor();
    assert.equal(await wallet.isChecked(), true, 'the order preselects LINE Pay');
    await shot(page, '06-linepay-payment-page');
    await wallet.check();
    await page.locator('button[name="method"][value="WALLET"]').click();
    await landOnOrderPage(page);
    await waitStatus(page, 'paid');
    await assertReceipt(page, quote, vouchers);
    await page.getByTestId('invoice-number').waitFor({ timeout: FINAL_TIMEOUT });
    assert.match(await page.getByTestId('invoice-number').textContent(), /^[A-Z]{2}\d{8}$/);
    assert.match(await page.getByTestId('invoice-carrier').textContent(), /AB12345678901234/);
    assert.match(await page.locator('#receipt-meta').textContent(), /LINE Pay/, 'the order page names the method');
    const admin = await api('GET', `${BASE}/admin/orders/${encodeURIComponent(sent.order_id)}?live=0`, undefined, {
      authorization: `Bearer ${ADMIN_TOKEN}`,
    });
    assert.equal(admin.status, 'paid');
    assert.equal(admin.payment?.pfn, 'LINEPAYON');
    await shot(page, '06-linepay-paid');
    assert.deepEqual(page.problems, []);
    await closePage(page);
  });

  test('an e-wallet without its fields is refused by the Worker and the form marks them', async () => {
    const page = await newPage();
    await page.goto(`${BASE}/`);
    const [p1] = products;
    await page.getByTestId(`add-${p1.id}`).click();
    await page.getByTestId(`line-${p1.id}`).waitFor();
    await page.getByTestId('customer-name').fill('王小明');
    await page.getByTestId('customer-email').fill('ming@example.com');
    await page.getByTestId('customer-phone').fill('0912345678');
    await page.getByTestId('pfn-JKOON').check();
    await page.waitForFunction(() => document.querySelector('[data-testid="amount-due"]')?.dataset.amount);
    // The browser asks first: the fields are required while JKO is chosen.
    await page.getByTestId('checkout-submit').click();
    assert.equal(await page.getByTestId('customer-real-name').evaluate((e) => e.validity.valueMissing), true);
    // The Worker decides: sent without them, it names each one.
    const r = await fetch(`${BASE}/api/checkout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'mypay-edge-e2e' },
      body: JSON.stringify({ items: [{ product_id: p1.id, quantity: 1 }], customer: { id: 'e2e', name: '王小明', email: 'ming@example.com', phone: '0912345678' }, pfn: 'JKOON' }),
    });
    const body = await r.json();
    assert.equal(r.status, 400);
    assert.deepEqual(body.error.details.map((d) => d.path).sort(), ['customer.english_name', 'customer.phone_country_code', 'customer.real_name']);
    await closePage(page);
  });

  test('phone-sized shop in English: no sideways scrolling, every control labelled', async () => {
    const page = await newPage({ phone: true });
    await page.goto(`${BASE}/`);
    await page.getByTestId(`add-${products[0].id}`).click();
    await page.getByTestId(`line-${products[0].id}`).waitFor();
    await page.getByTestId('lang-switch').click();
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    await page.reload();
    assert.equal(await page.locator('html').getAttribute('lang'), 'en', 'the language choice is kept');
    await page.getByTestId(`line-${products[0].id}`).waitFor();
    assert.match(await page.getByTestId('checkout-submit').textContent(), /Pay/);

    const res = await fetch(`${BASE}/`);
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/, 'public/_headers applies');

    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `page is ${overflow}px wider than the phone`);
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea, button')]
        .filter((el) => {
          if (el.type === 'hidden') return false;
          const named = el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
          return el.tagName === 'BUTTON' ? !(el.textContent.trim() || named) : !named;
        })
        .map((el) => el.outerHTML.slice(0, 120)),
    );
    assert.deepEqual(unlabelled, []);
    await shot(page, '05-shop-phone-en');

    // An order page without this browser's token explains itself, and no status is shown.
    await page.goto(`${BASE}/order.html?order_id=ME-NOT-MINE`);
    await page.getByTestId('order-error').filter({ hasText: /only be seen in the browser/ }).waitFor();
    assert.equal(await page.getByTestId('order-status').getAttribute('data-status'), '');
    assert.deepEqual(page.problems, []);
    await closePage(page);
  });
});

describe('a page elsewhere, in Chromium', () => {
  test('a cross-site form post and a no-cors fetch cannot check out', async () => {
    const { paid } = await issueVouchers();
    const body = {
      items: [{ product_id: products[0].id, quantity: 1 }],
      vouchers: [paid],
      customer: { id: 'victim', name: 'Victim', email: 'victim@example.com', phone: '0912345678' },
    };
    const json = JSON.stringify(body);
    // An HTML form can post text/plain whose body is "name=value": the classic way to
    // smuggle JSON. The page also tries fetch in no-cors mode (a "simple request").
    const name = json.slice(0, -1) + ',"pad":"';
    const html = `<!doctype html><title>win a prize</title>
<form id="f" method="post" enctype="text/plain" action="${BASE}/api/checkout">
<input type="hidden" name='${name.replace(/'/g, '&#39;')}' value='"}'></form>
<script>
fetch(${JSON.stringify(`${BASE}/api/checkout`)}, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(json)} })
  .catch(() => {})
  .finally(() => { document.title = 'fetched'; document.getElementById('f').submit(); });
</script>`;
    const evil = createServer((_, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
    });
    await new Promise((r) => evil.listen(0, '127.0.0.1', r));
    const evilOrigin = `http://127.0.0.1:${evil.address().port}`;
    try {
      assert.notEqual(evilOrigin, BASE);
      const before = await orderCount();
      const page = await newPage();
      const answer = page.waitForResponse((r) => r.url() === `${BASE}/api/checkout` && r.request().resourceType() === 'document');
      await page.goto(`${evilOrigin}/`);
      const res = await answer;
      assert.equal(res.status(), 403, await res.text());
      assert.equal(res.request().headers()['content-type'], 'text/plain');
      assert.match(await res.text(), /origin_not_allowed/);
      await closePage(page);

      assert.equal(await orderCount(), before, 'no order was created');
      const quote = await api('POST', `${BASE}/api/quote`, { items: body.items, vouchers: [paid] });
      assert.deepEqual(quote.rejected_vouchers ?? [], [], 'the voucher is still free');
    } finally {
      evil.close();
    }
  });
});
