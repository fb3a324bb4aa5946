// The order page: live status, receipt, and the codes to pay with for store-code or ATM orders.
import { isFinalStatus } from '../vendor/storefront.js';
import { applyI18n, dateTime, money, nameOf, setupLangSwitch, t } from './i18n.js';
import { errorMessage, h, loadCart, orderToken, saveCart, storefront } from './common.js';

const $ = (id) => document.getElementById(id);

const params = new URLSearchParams(window.location.search);
const orderId = params.get('order_id') || params.get('orderId') || '';
const token = orderId ? orderToken(orderId) : null;

let order = null;
let error = null;
let polling = null; // AbortController of the running waitForFinal

/** MYPAY's `YYYYMMDDHHmmss` (Taiwan time) as readable text. */
function mypayDate(s) {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(String(s ?? ''));
  return m ? `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}` : String(s ?? '');
}

const CODE_KEYS = ['type', 'BankCode', 'PinCode', 'LimitDate', 'BarCode1', 'BarCode2', 'BarCode3', 'BarcodeEndDate'];

function renderCodes() {
  const box = $('payment-codes');
  let codes = order?.payment?.codes;
  if (typeof codes === 'string') {
    // MYPAY's result_content is a JSON string; the Worker should parse it, but be kind.
    try {
      codes = JSON.parse(codes);
    } catch {
      codes = { PinCode: codes };
    }
  }
  const show = codes && typeof codes === 'object' && Object.keys(codes).length > 0 && !isFinalStatus(order.status);
  box.hidden = !show;
  if (!show) return;
  const atm = order.payment.pfn === 'E_COLLECTION' || 'BankCode' in codes;
  box.dataset.kind = atm ? 'atm' : 'store';
  $('codes-kind').textContent = t(atm ? 'codes.atm' : 'codes.store');
  const keys = [...CODE_KEYS.filter((k) => k in codes), ...Object.keys(codes).filter((k) => !CODE_KEYS.includes(k))];
  const items = [];
  for (const k of keys) {
    const v = codes[k];
    if (v === null || v === undefined || v === '') continue;
    if (k === 'type' && (v === order.payment.pfn || v === 'E_COLLECTION')) continue; // says nothing new
    const labelKey = k === 'PinCode' && atm ? 'codes.PinCode.atm' : `codes.${k}`;
    const label = t(labelKey) === labelKey ? k : t(labelKey);
    const value = /Date$/.test(k) ? mypayDate(v) : String(v);
    items.push(
      h('dt', {}, label),
      h('dd', { class: /^(PinCode|BarCode\d)$/.test(k) ? 'code' : '', dataset: { testid: `code-${k}` } }, value),
    );
  }
  $('codes-list').replaceChildren(...items);
}

function row(label, value, cls = '', testid = undefined) {
  return h('tr', { class: cls, dataset: testid ? { testid } : {} }, h('th', { scope: 'row' }, label), h('td', { class: 'num' }, value));
}

function renderReceipt() {
  const box = $('receipt');
  box.hidden = !order;
  if (!order) return;
  const cur = order.currency || 'TWD';
  $('receipt-lines').replaceChildren(
    ...(order.lines ?? []).map((l) =>
      row(l.quantity > 1 ? `${nameOf(l)} × ${l.quantity}` : nameOf(l), money(l.total, cur), '', `line-${l.product_id}`),
    ),
    ...(order.subtotal != null ? [row(t('summary.subtotal'), money(order.subtotal, cur), 'subtotal', 'line-subtotal')] : []),
  );
  $('receipt-vouchers').replaceChildren(
    ...(order.vouchers ?? []).map((v) =>
      row(
        h(
          'span',
          {},
          h('span', { class: `kind kind-${v.kind}` }, t(v.kind === 'free' ? 'voucher.free' : 'voucher.paid')),
          ` ${v.name} `,
          h('code', {}, v.code),
        ),
        `−${money(v.value, cur)}`,
        `vline vline-${v.kind}`,
        `voucher-line-${v.code}`,
      ),
    ),
  );
  $('receipt-amount').textContent = money(order.amount, cur);
  const meta = [];
  const add = (key, value, testid) =>
    value && meta.push(h('dt', {}, t(key)), h('dd', { dataset: testid ? { testid } : {} }, value));
  add('order.createdAt', dateTime(order.created_at));
  add('order.paidAt', dateTime(order.paid_at));
  // Before a method is chosen the order's own deadline counts; after, the codes' LimitDate.
  if (order.status === 'created') add('order.expiresAt', dateTime(order.expires_at));
  const pfn = order.payment?.pfn;
  if (pfn) {
    const k = `checkout.method.${pfn}`;
    add('order.method', t(k) === k ? pfn : t(k));
  }
  if (order.payment?.message || order.payment?.prc) {
    add('order.result', [order.payment.prc, order.payment.message].filter(Boolean).join(' · '));
  }
  if (order.refunded_amount > 0 && order.status !== 'refunded') add('order.refundedAmount', money(order.refunded_amount, cur));
  const inv = order.invoice;
  if (inv?.number) add('order.invoiceNumber', inv.number, 'invoice-number');
  if (inv?.status && inv.status !== 'none') {
    const k = `order.invoiceStatus.${inv.status}`;
    add('order.invoiceStatus', t(k) === k ? inv.status : t(k));
  }
  const carrier = inv?.carrier ?? inv?.choice;
  if (carrier?.type) {
    const k = `checkout.invoice.${carrier.type}`;
    const code = carrier.natural_person_code ?? carrier.mobile_code ?? carrier.love_code ?? carrier.tax_id ?? '';
    add('order.invoiceCarrier', [t(k) === k ? carrier.type : t(k), code].filter(Boolean).join(' '), 'invoice-carrier');
  }
  $('receipt-meta').replaceChildren(...meta);
}

function renderStatus() {
  const badge = $('order-status');
  const text = $('status-text');
  const spinner = $('status-spinner');
  $('order-error').textContent = !error ? '' : error.i18nKey ? t(error.i18nKey) : errorMessage(error);
  if (!order) {
    badge.textContent = error ? '—' : t('order.checking');
    badge.dataset.status = '';
    text.textContent = '';
    spinner.hidden = !!error;
    $('pay-now').hidden = true;
    return;
  }
  const s = order.status;
  badge.textContent = t(`status.${s}`) === `status.${s}` ? s : t(`status.${s}`);
  badge.dataset.status = s;
  badge.className = `badge status-${s}`;
  text.textContent = t(`status.${s}.text`) === `status.${s}.text` ? '' : t(`status.${s}.text`);
  spinner.hidden = isFinalStatus(s) || !polling;
  $('reorder-box').hidden = !(s === 'failed' || s === 'expired');
  const pay = $('pay-now');
  pay.hidden = !(s === 'created' && order.payment_url);
  if (!pay.hidden) $('pay-now-link').href = order.payment_url;
}

function render() {
  const title = orderId ? t('order.title', { id: orderId }) : t('order.heading');
  $('order-title').textContent = title;
  document.title = `${title} · ${t('site.title')}`;
  renderStatus();
  renderCodes();
  renderReceipt();
}

async function poll() {
  polling?.abort();
  const ctl = new AbortController();
  polling = ctl;
  try {
    order = await storefront.waitForFinal(orderId, token, {
      signal: ctl.signal,
      maxDelayMs: 5000,
      onUpdate: (o) => {
        order = o;
        error = null;
        render();
      },
    });
    error = null;
  } catch (err) {
    if (err.code === 'aborted') return;
    error = err;
  } finally {
    if (polling === ctl) polling = null;
  }
  render();
}

/** Puts this order's products and vouchers back in the cart (the shop drops what it no longer sells). */
function reorder() {
  if (!order) return;
  const cart = loadCart();
  for (const l of order.lines ?? []) {
    if (l.product_id === 'shipping' || cart.items.some((i) => i.product_id === l.product_id)) continue;
    cart.items.push({ product_id: l.product_id, quantity: l.quantity });
  }
  for (const v of order.vouchers ?? []) if (!cart.vouchers.includes(v.code)) cart.vouchers.push(v.code);
  saveCart(cart);
  window.location.assign('/#cart');
}

function init() {
  applyI18n();
  $('reorder').addEventListener('click', reorder);
  setupLangSwitch($('lang-switch'), render);
  if (!orderId) error = { i18nKey: 'order.noId' };
  else if (!token) error = { i18nKey: 'order.noToken' };
  render();
  if (error) return;
  poll();
  // Coming back to the tab (e.g. after paying at the store) checks at once.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && order && !isFinalStatus(order.status)) poll();
  });
  document.documentElement.dataset.ready = 'true';
}

init();
