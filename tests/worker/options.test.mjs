// Every documented order option a merchant or shopper decides, through the
// Worker against the real sandbox: the store settings (the `options`
// instance sets each one), the checkout's e-wallet, identity, echo and
// invoice-carrier fields, the order's invoice once MYPAY's query has it, and
// refunds as the API text defines them (parts, vouchers, void or allowance).
// Where a request field is the point, the decrypted request is read back
// from the sandbox's /sandbox/requests.
import assert from 'node:assert/strict';
import test from 'node:test';
import { admin, api, call, getOrder, issue, sandbox, waitFor, ADMIN_TOKEN, RUN } from './helpers.mjs';

const OPTIONS = process.env.OPTIONS_WORKER_URL;
const CARD = '4938170130000003';
const items = [{ product_id: 'oolong-150g', quantity: 2 }]; // 900 + 80 shipping
const shopper = { id: 'u-options', name: '王小明', email: 'Ming.Wang@Example.COM', phone: '0912345678' };
const wallet = { real_name: '王小明', english_name: 'Wang Hsiao-Ming', phone_country_code: '886' };

let seq = 0;
const key = () => `opt-${RUN}-${++seq}`;

/** A checkout on `base` (default: the main worker). */
function checkout(body, base) {
  const b = { items, customer: shopper, ...body };
  const headers = { 'idempotency-key': key() };
  return base ? call('POST', `${base}/api/checkout`, b, headers) : api('POST', '/api/checkout', b, headers);
}

async function created(body, base) {
  const r = await checkout(body, base);
  assert.equal(r.status, 201, r.text);
  const uid = r.body.payment_url.match(/payment\/(\d+)\.html/)?.[1];
  assert.ok(uid);
  return { ...r.body, uid };
}

/** The decrypted request of `cmd` the sandbox got for an order. */
async function sent(cmd, pred) {
  const all = (await sandbox('GET', '/sandbox/requests')).body;
  const hits = all.filter((x) => x.cmd === cmd && pred(x));
  assert.ok(hits.length > 0, `no ${cmd} request matched`);
  return hits.at(-1).data;
}
const orderRequest = (id) => sent('api/orders', (x) => x.data?.order_id === id);
const refundRequests = async (uid) =>
  (await sandbox('GET', '/sandbox/requests')).body.filter((x) => x.cmd === 'api/refund' && String(x.data?.uid) === String(uid)).map((x) => x.data);

function paths(r) {
  assert.equal(r.status, 400, r.text);
  assert.equal(r.body.error.code, 'invalid_request');
  return r.body.error.details.map((d) => d.path);
}

async function paid(body, pay = { card_number: CARD }) {
  const o = await created(body);
  const p = await sandbox('POST', `/sandbox/orders/${o.uid}/pay`, pay);
  assert.equal(p.status, 200, p.text);
  await waitFor(o, 'paid');
  return o;
}

const plan = async (o) => {
  const r = await admin('GET', `/admin/orders/${o.order_id}/refund-plan`);
  assert.equal(r.status, 200, r.text);
  return r.body;
};
const refund = (o, body) => admin('POST', `/admin/orders/${o.order_id}/refund`, body);

// ---- store settings ---------------------------------------------------------

test('GET /api/config: the default store offers every online method, and any', async () => {
  const r = await api('GET', '/api/config');
  assert.equal(r.status, 200);
  const pfns = r.body.payment_methods.map((m) => m.pfn);
  for (const p of ['CREDITCARD', 'CSTORECODE', 'LINEPAYON', 'JKOON', 'APPLEPAY', 'MobilePayAll']) assert.ok(pfns.includes(p), p);
  for (const p of ['LINEPAYOFF', 'CASH', 'EACH', 'DIRECTDEBIT']) assert.ok(!pfns.includes(p), p);
  assert.equal(r.body.payment_methods.find((m) => m.pfn === 'LINEPAYON').wallet, true);
  assert.equal(r.body.payment_methods.find((m) => m.pfn === 'CREDITCARD').wallet, false);
  assert.equal(r.body.any_method, true);
  assert.deepEqual(r.body.wallet_fields, [
    'customer.name', 'customer.real_name', 'customer.english_name',
    'customer.phone_country_code', 'customer.phone', 'customer.email',
  ]);
  assert.equal(r.body.invoice, true);
  assert.deepEqual(r.body.installments, []);
  assert.equal(r.body.currency, 'TWD');
  assert.equal(r.body.limit_pay_days, 3);
});

test('GET /api/config: the settings as the storefront needs them', async () => {
  const r = await call('GET', `${OPTIONS}/api/config`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.payment_methods, [
    { pfn: 'CREDITCARD', wallet: false }, { pfn: 'LINEPAYON', wallet: true },
    { pfn: 'JKOON', wallet: true }, { pfn: 'CSTORECODE', wallet: false },
  ]);
  assert.equal(r.body.any_method, false);
  assert.deepEqual(r.body.installments, [{ count: 3, banks: ['013', '822'] }, { count: 6, banks: ['822'] }]);
  assert.equal(r.body.currency, 'CNY');
  assert.equal(r.body.limit_pay_days, 5);
  assert.equal(r.body.invoice, false, 'ISSUE_INVOICE_STATE 0: no e-invoice');
});

test('every setting reaches api/orders as its field', async () => {
  const o = await created({ pfn: 'CREDITCARD' }, OPTIONS);
  assert.equal(o.currency, 'CNY');
  const d = await orderRequest(o.order_id);
  assert.equal(d.creditcard_installment, '{"3":["013","822"],"6":["822"]}');
  assert.equal(d.limit_pay_days, 5);
  assert.equal(d.enable_quickpay, 0);
  assert.equal(d.enable_dcc, 1);
  assert.equal(d.currency, 'CNY');
  assert.equal(d.invoice_ratetype, 2);
  assert.equal(d.issue_invoice_state, 0);
  assert.equal(d.voucher_invoice_type, '2');
  assert.equal(d.agent_charge_fee, 90);
  assert.equal(d.agent_charge_fee_type, 1);
  assert.equal(d.agent_sms_fee_type, 1);
  assert.equal(d.is_agent_charge, 1, 'the text rule: a fee makes it an agent charge');
  const q = await call('POST', `${OPTIONS}/api/quote`, { items });
  assert.equal(q.body.currency, 'CNY');
});

test('ISSUE_INVOICE_STATE 0: a checkout with an invoice choice is refused', async () => {
  assert.deepEqual(paths(await checkout({ pfn: 'CREDITCARD', invoice: { type: 'email' } }, OPTIONS)), ['invoice']);
});

test('PAYMENT_METHODS limits what a checkout may ask for (and all)', async () => {
  for (const pfn of ['WEBATM', 'all', 'LINEPAYOFF', 'NOPE']) {
    assert.deepEqual(paths(await checkout({ pfn }, OPTIONS)), ['pfn'], pfn);
  }
  const o = await created({ pfn: 'CSTORECODE' }, OPTIONS);
  assert.equal((await orderRequest(o.order_id)).pfn, 'CSTORECODE');
});

test('the default store: LIMIT_PAY_DAYS 3, no invoice or fee fields unless set', async () => {
  const o = await created({ pfn: 'CSTORECODE' });
  const d = await orderRequest(o.order_id);
  assert.equal(d.limit_pay_days, 3);
  assert.equal(d.currency, 'TWD');
  for (const f of ['creditcard_installment', 'enable_dcc', 'enable_quickpay', 'issue_invoice_state', 'is_agent_charge', 'agent_charge_fee', 'echo_0']) {
    assert.equal(d[f], undefined, f);
  }
});

// ---- checkout fields --------------------------------------------------------

test('an e-wallet needs the wallet fields: each missing one is named', async () => {
  const r = await checkout({ pfn: 'LINEPAYON', customer: { id: 'u-w' } });
  assert.deepEqual(paths(r).sort(), [
    'customer.email', 'customer.english_name', 'customer.name', 'customer.phone',
    'customer.phone_country_code', 'customer.real_name',
  ]);
  assert.ok(r.body.error.details.every((d) => d.code === 'required'));
  const some = await checkout({ pfn: 'JKOON', customer: { ...shopper, real_name: '王小明' } }, OPTIONS);
  assert.deepEqual(paths(some).sort(), ['customer.english_name', 'customer.phone_country_code']);
  // A card payment does not need them.
  assert.equal((await checkout({ pfn: 'CREDITCARD' })).status, 201);
});

test('an e-wallet checkout sends the wallet fields, pays, and the admin finds the shopper by e-mail', async () => {
  const o = await paid({ pfn: 'LINEPAYON', customer: { ...shopper, ...wallet } }, { pfn: 'LINEPAYON' });
  const d = await orderRequest(o.order_id);
  assert.equal(d.pfn, 'LINEPAYON');
  assert.equal(d.user_name, '王小明');
  assert.equal(d.user_real_name, '王小明');
  assert.equal(d.user_english_name, 'Wang Hsiao-Ming');
  assert.equal(d.user_cellphone_code, '886');
  assert.equal(d.user_cellphone, '0912345678');
  assert.equal(d.user_email, 'ming.wang@example.com');
  const a = await admin('GET', `/admin/orders/${o.order_id}?live=0`);
  assert.equal(a.body.customer_email, 'ming.wang@example.com');
  assert.equal(a.body.customer.english_name, 'Wang Hsiao-Ming');
  assert.equal(a.body.customer.phone_country_code, '886');
});

test('identity fields are checked per value table and sent', async () => {
  const bad = await checkout({ customer: { ...shopper, sn_type: 1, sn: 'A123456788', zipcode: '1', birthday: '1990-13-01' } });
  assert.deepEqual(paths(bad), ['customer.sn', 'customer.zipcode', 'customer.birthday']);
  assert.deepEqual(paths(await checkout({ customer: { ...shopper, sn_type: '7', sn: 'X' } })), ['customer.sn_type']);
  const o = await created({
    customer: { ...shopper, sn_type: '1', sn: 'A123456789', address: '台北市信義區信義路五段7號', zipcode: '110', birthday: '1990-02-28' },
  });
  const d = await orderRequest(o.order_id);
  assert.equal(d.user_sn_type, '1');
  assert.equal(d.user_sn, 'A123456789');
  assert.equal(d.user_address, '台北市信義區信義路五段7號');
  assert.equal(d.user_zipcode, '110');
  assert.equal(d.user_birthday, '1990-02-28');
  const passport = await created({ customer: { ...shopper, sn_type: '3', sn: '312345678' } });
  assert.equal((await orderRequest(passport.order_id)).user_sn_type, '3');
});

test('echo: up to five checked strings, sent as echo_0…echo_4, kept for the admin and returned by the query', async () => {
  assert.deepEqual(paths(await checkout({ echo: ['1', '2', '3', '4', '5', '6'] })), ['echo']);
  assert.deepEqual(paths(await checkout({ echo: ['ok', 'a<b', 'x'.repeat(101)] })), ['echo[1]', 'echo[2]']);
  const o = await paid({ echo: ['campaign-7', '', '客服單 42'] });
  const d = await orderRequest(o.order_id);
  assert.equal(d.echo_0, 'campaign-7');
  assert.equal(d.echo_1, undefined);
  assert.equal(d.echo_2, '客服單 42');
  const a = await admin('GET', `/admin/orders/${o.order_id}`);
  assert.deepEqual(a.body.echo, ['campaign-7', '', '客服單 42']);
  assert.equal(a.body.mypay.echo_0, 'campaign-7', 'MYPAY returns it in its query');
  const mine = await getOrder(o);
  assert.equal(mine.body.echo, undefined, 'the shopper does not see the merchant\'s strings');
});

test('invoice carriers: natural-person certificate, e-mail with a paper address, tax id without the paper title', async () => {
  assert.deepEqual(paths(await checkout({ invoice: { type: 'natural_person', natural_person_code: 'AB1234567890123' } })), ['invoice.natural_person_code']);
  assert.deepEqual(paths(await checkout({ invoice: { type: 'email', address: '台北市' } })), ['invoice.post_zone']);
  const np = await created({ invoice: { type: 'natural_person', natural_person_code: 'AB12345678901234' } });
  let d = await orderRequest(np.order_id);
  assert.equal(d.invoice_input_type, 1);
  assert.equal(d.invoice_cloud_type, '3');
  assert.equal(d.invoice_natural_person, 'AB12345678901234');
  assert.equal(d.issue_invoice_state, 1);
  const mail = await created({ invoice: { type: 'email', post_zone: '110', address: '台北市信義路五段7號' } });
  d = await orderRequest(mail.order_id);
  assert.equal(d.invoice_cloud_type, '4');
  assert.equal(d.invoice_m_post_zone, '110');
  assert.equal(d.invoice_m_address, '台北市信義路五段7號');
  const b2b = await created({ invoice: { type: 'tax_id', tax_id: '04595257', title: '好茶股份有限公司' } });
  d = await orderRequest(b2b.order_id);
  assert.equal(d.invoice_tax_id, '04595257');
  assert.equal(d.invoice_input_type, 1, 'a cloud invoice: PayPage forbids paper ones');
  assert.equal(d.invoice_b2b_title, undefined);
});

test('after payment the order page shows the invoice number, carrier and status from the query', async () => {
  const o = await paid({ invoice: { type: 'natural_person', natural_person_code: 'AB12345678901234' } });
  const v = (await getOrder(o)).body;
  assert.equal(v.invoice.choice.type, 'natural_person');
  assert.equal(v.invoice.status, 'issued');
  assert.match(v.invoice.number, /^[A-Z]{2}\d{8}$/);
  assert.deepEqual(v.invoice.carrier, { type: 'natural_person', natural_person_code: 'AB12345678901234' });
  assert.equal(v.refunded_amount, 0);
});

// ---- refunds ----------------------------------------------------------------

test('a part, then the rest: items by name, allowance, refunded-so-far, then refunded', async () => {
  const o = await paid({});
  let p = await plan(o);
  assert.equal(p.refundable, true);
  assert.equal(p.refusal, null);
  assert.equal(p.method, 'CREDITCARD');
  assert.equal(p.instant, true);
  assert.equal(p.amount, 980);
  assert.equal(p.partial_allowed, true);
  assert.equal(p.invoice.issued, true);
  assert.match(p.invoice.number, /^[A-Z]{2}\d{8}$/);
  assert.equal(p.invoice.action, 'void', 'issued this month, refunded whole');
  assert.deepEqual(p.invoice.choices, ['void', 'allowance']);
  assert.deepEqual(p.vouchers, []);

  // Names must be the order's; the sum must fit.
  let r = await refund(o, { items: [{ name: '紅茶', amount: 10 }] });
  assert.equal(r.status, 400, r.text);
  assert.equal(r.body.error.details[0].path, 'items[0].name');
  r = await refund(o, { items: [{ name: '凍頂烏龍茶 150g', amount: 300 }], invoice_state: '4' });
  assert.equal(r.status, 409, r.text);
  assert.equal(r.body.error.code, 'invoice_void_not_allowed');

  r = await refund(o, { items: [{ name: '凍頂烏龍茶 150g', amount: 300 }] });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.status, 'paid');
  assert.equal(r.body.refunded_amount, 300);
  let sentRefunds = await refundRequests(o.uid);
  assert.equal(sentRefunds.length, 1);
  assert.equal(Number(sentRefunds[0].cost), 300);
  assert.equal(sentRefunds[0].invoice_state, '6');
  const its = typeof sentRefunds[0].items === 'string' ? JSON.parse(sentRefunds[0].items) : sentRefunds[0].items;
  assert.deepEqual(its.map((i) => [i.name, Number(i.total)]), [['凍頂烏龍茶 150g', 300]]);
  assert.equal(sentRefunds[0].voucher_paid, undefined, 'no vouchers: not voucher mode');
  assert.equal((await getOrder(o)).body.refunded_amount, 300);

  p = await plan(o);
  assert.equal(p.amount, 680);
  assert.equal(p.invoice.action, 'allowance');
  assert.deepEqual(p.invoice.choices, ['allowance']);
  r = await refund(o, { items: [{ name: '運費', amount: 80 }, { name: '凍頂烏龍茶 150g', amount: 900 }] });
  assert.equal(r.status, 400, r.text);
  assert.equal(r.body.error.code, 'refund_exceeds_remaining');

  r = await refund(o, {});
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.status, 'refunded');
  sentRefunds = await refundRequests(o.uid);
  assert.equal(sentRefunds.length, 2);
  assert.equal(Number(sentRefunds[1].cost), 680);
  assert.equal(sentRefunds[1].invoice_state, '6');
  const rest = typeof sentRefunds[1].items === 'string' ? JSON.parse(sentRefunds[1].items) : sentRefunds[1].items;
  assert.equal(rest.reduce((n, i) => n + Number(i.total), 0), 680, 'an e-invoice: items always, summing to the refund');
  const v = await waitFor(o, 'refunded');
  assert.equal(v.refunded_amount, 980);
  const after = await plan(o);
  assert.equal(after.refundable, false);
  assert.equal(after.refusal.code, 'already_refunded');
});

test('a voucher order: full refund only, every paid voucher listed, the invoice voided this month', async () => {
  const [paidCode] = await issue('paid', 100, { refund_return_type: '2' });
  const [freeCode] = await issue('free', 50);
  const o = await paid({ vouchers: [paidCode, freeCode] });
  const p = await plan(o);
  assert.equal(p.partial_allowed, false);
  assert.equal(p.amount, 830);
  assert.deepEqual(p.vouchers.map((v) => [v.code, v.kind, v.outcome]), [[paidCode, 'paid', 'returned_to_shopper'], [freeCode, 'free', 'stays_used']]);
  let r = await refund(o, { items: [{ name: '運費', amount: 80 }] });
  assert.equal(r.status, 409, r.text);
  assert.equal(r.body.error.code, 'partial_refund_not_allowed');
  r = await refund(o, {});
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.status, 'refunded');
  const [req] = await refundRequests(o.uid);
  assert.equal(Number(req.cost), 830);
  const vp = typeof req.voucher_paid === 'string' ? JSON.parse(req.voucher_paid) : req.voucher_paid;
  assert.deepEqual(vp.map((v) => v.serial_number), [paidCode]);
  assert.equal(req.invoice_state, '4');
  const its = typeof req.items === 'string' ? JSON.parse(req.items) : req.items;
  assert.equal(its.reduce((n, i) => n + Number(i.total), 0), 830);
  const v = await waitFor(o, undefined, { pred: (b) => b.invoice?.status === 'voided' });
  assert.equal(v.refunded_amount, 830);
});

test('an order with only free vouchers is voucher mode: full refund with an empty voucher_paid; admin override to allowance', async () => {
  const [freeCode] = await issue('free', 80);
  const o = await paid({ vouchers: [freeCode] });
  assert.equal((await plan(o)).partial_allowed, false);
  const r = await refund(o, { invoice_state: '6' });
  assert.equal(r.status, 200, r.text);
  const [req] = await refundRequests(o.uid);
  const vp = typeof req.voucher_paid === 'string' ? JSON.parse(req.voucher_paid) : req.voucher_paid;
  assert.deepEqual(vp, []);
  assert.equal(req.invoice_state, '6');
  // The refund's report makes the Worker ask MYPAY again: the invoice then shows the allowance.
  const v = await waitFor(o, undefined, { pred: (b) => b.invoice?.status === 'allowance' });
  assert.equal(v.status, 'refunded');
});

test('a method that does not refund instantly: the plan and the refund say refund_not_supported', async () => {
  const o = await created({ pfn: 'CSTORECODE' });
  await sandbox('POST', `/sandbox/orders/${o.uid}/pay`, { pfn: 'CSTORECODE' });
  await sandbox('POST', `/sandbox/orders/${o.uid}/settle`, { prc: '250' });
  await waitFor(o, 'paid');
  const p = await plan(o);
  assert.equal(p.refundable, false);
  assert.equal(p.instant, false);
  assert.equal(p.refusal.code, 'refund_not_supported');
  const r = await refund(o, {});
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'refund_not_supported');
  assert.equal((await refundRequests(o.uid)).length, 0);
});

test('the refund plan needs the admin token', async () => {
  const r = await api('GET', '/admin/orders/ME0/refund-plan');
  assert.equal(r.status, 401);
  assert.ok(ADMIN_TOKEN);
});
