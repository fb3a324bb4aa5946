// The shop page: product grid, cart, vouchers with a live quote, checkout.
import { applyI18n, money, nameOf, setupLangSwitch, t } from './i18n.js';
import {
  errorMessage,
  guestId,
  h,
  loadCart,
  rememberedOrders,
  rememberOrder,
  saveCart,
  storefront,
} from './common.js';

const $ = (id) => document.getElementById(id);

const state = {
  products: [],
  productsError: null,
  cart: loadCart(),
  quote: null,
  quoteError: null,
  quoteLoading: false,
  quoteSeq: 0,
  quoteAbort: null,
  busy: false,
  lastApplied: null,
  attempt: null, // {body, key}: the same body is retried with the same Idempotency-Key
};

// ---------- products ----------

function productById(id) {
  return state.products.find((p) => p.id === id);
}

function productImage(p) {
  const fallback = `/img/${encodeURIComponent(p.id)}.svg`;
  const img = h('img', {
    src: p.image_url || fallback,
    alt: '',
    width: 240,
    height: 180,
    loading: 'lazy',
    decoding: 'async',
  });
  img.addEventListener('error', () => {
    if (img.getAttribute('src') !== fallback) {
      img.src = fallback;
    } else {
      img.replaceWith(h('div', { class: 'img-placeholder', 'aria-hidden': 'true' }, (nameOf(p) || '?').slice(0, 1)));
    }
  });
  return img;
}

function renderProducts() {
  const grid = $('product-grid');
  const status = $('products-status');
  grid.replaceChildren();
  if (state.productsError) {
    status.textContent = t('products.error', { message: errorMessage(state.productsError) });
    status.hidden = false;
    return;
  }
  if (!state.products.length) {
    status.textContent = t(state.loaded ? 'products.empty' : 'products.loading');
    status.hidden = false;
    return;
  }
  status.hidden = true;
  for (const p of state.products) {
    const name = nameOf(p);
    const desc = (document.documentElement.lang === 'en' && p.description_en) || p.description;
    grid.append(
      h(
        'li',
        { class: 'product-card', dataset: { testid: `product-${p.id}`, productId: p.id } },
        h('div', { class: 'product-img' }, productImage(p)),
        h('h2', { class: 'product-name', id: `pname-${p.id}` }, name),
        desc ? h('p', { class: 'product-desc' }, desc) : null,
        h(
          'div',
          { class: 'product-foot' },
          h('span', { class: 'price', dataset: { testid: `price-${p.id}` } }, money(p.price, p.currency)),
          h(
            'button',
            {
              type: 'button',
              class: 'add',
              'aria-label': t('products.addLabel', { name }),
              dataset: { testid: `add-${p.id}` },
              onclick: () => addToCart(p.id),
            },
            t('products.add'),
          ),
        ),
      ),
    );
  }
}

async function loadProducts() {
  try {
    state.products = await storefront.listProducts();
    state.productsError = null;
    // A cart kept from an earlier visit may name products no longer sold.
    const known = new Set(state.products.map((p) => p.id));
    const kept = state.cart.items.filter((i) => known.has(i.product_id));
    if (kept.length !== state.cart.items.length) {
      state.cart.items = kept;
      saveCart(state.cart);
      requestQuote();
    }
  } catch (err) {
    state.productsError = err;
  }
  state.loaded = true;
  renderProducts();
  renderCart();
}

// ---------- cart ----------

function cartCount() {
  return state.cart.items.reduce((n, i) => n + i.quantity, 0);
}

function changed() {
  saveCart(state.cart);
  state.attempt = null;
  renderCart();
  requestQuote();
}

function addToCart(id) {
  const item = state.cart.items.find((i) => i.product_id === id);
  if (item) item.quantity = Math.min(99, item.quantity + 1);
  else state.cart.items.push({ product_id: id, quantity: 1 });
  const p = productById(id);
  announce(t('products.added', { name: p ? nameOf(p) : id }));
  changed();
}

function setQuantity(id, q) {
  const item = state.cart.items.find((i) => i.product_id === id);
  if (!item) return;
  const n = Math.max(1, Math.min(99, Math.trunc(Number(q)) || 1));
  item.quantity = n;
  changed();
}

function removeItem(id) {
  state.cart.items = state.cart.items.filter((i) => i.product_id !== id);
  changed();
}

function renderCart() {
  const list = $('cart-items');
  list.replaceChildren();
  const count = cartCount();
  $('cart-link').textContent = t('cart.count', { count });
  $('cart-empty').hidden = state.cart.items.length > 0;
  for (const item of state.cart.items) {
    const p = productById(item.product_id);
    const name = p ? nameOf(p) : item.product_id;
    const qtyId = `qty-${item.product_id}`;
    list.append(
      h(
        'li',
        { class: 'cart-item', dataset: { testid: `cart-item-${item.product_id}` } },
        h('span', { class: 'cart-name' }, name),
        h('label', { class: 'visually-hidden', for: qtyId }, t('cart.quantity', { name })),
        h('input', {
          id: qtyId,
          type: 'number',
          inputmode: 'numeric',
          min: '1',
          max: '99',
          step: '1',
          value: String(item.quantity),
          class: 'qty',
          dataset: { testid: `qty-${item.product_id}` },
          onchange: (e) => setQuantity(item.product_id, e.target.value),
        }),
        h(
          'button',
          {
            type: 'button',
            class: 'link',
            'aria-label': t('cart.removeLabel', { name }),
            dataset: { testid: `remove-${item.product_id}` },
            onclick: () => removeItem(item.product_id),
          },
          t('cart.remove'),
        ),
      ),
    );
  }
  renderVouchers();
  renderBreakdown();
  renderSubmit();
}

// ---------- vouchers ----------

function applyVoucher(e) {
  e.preventDefault();
  const input = $('voucher-input');
  const code = input.value.trim();
  const msg = $('voucher-msg');
  msg.textContent = '';
  if (!code) {
    input.focus();
    return;
  }
  if (state.cart.vouchers.includes(code)) {
    msg.textContent = t('voucher.already', { code });
    return;
  }
  state.cart.vouchers.push(code);
  state.lastApplied = code;
  input.value = '';
  msg.textContent = t('voucher.checking');
  changed();
}

function removeVoucher(code) {
  state.cart.vouchers = state.cart.vouchers.filter((c) => c !== code);
  $('voucher-msg').textContent = '';
  changed();
}

function voucherVerdict(code) {
  const q = state.quote;
  if (!q || state.quoteLoading) return null;
  const ok = q.vouchers?.find((v) => v.code === code);
  if (ok) return { ok: true, voucher: ok };
  const bad = q.rejected_vouchers?.find((v) => v.code === code);
  if (bad) return { ok: false, rejected: bad };
  return null;
}

function renderVouchers() {
  const list = $('voucher-list');
  list.replaceChildren();
  for (const code of state.cart.vouchers) {
    const v = voucherVerdict(code);
    let detail;
    if (!v) {
      detail = h('span', { class: 'muted' }, state.cart.items.length ? t('voucher.checking') : '');
    } else if (v.ok) {
      detail = h(
        'span',
        { class: 'ok' },
        `${t('voucher.applied')} · ${t(v.voucher.kind === 'free' ? 'voucher.free' : 'voucher.paid')} · ${v.voucher.name}`,
      );
    } else {
      const reason = reasonText(v.rejected);
      detail = h(
        'span',
        { class: 'bad', dataset: { testid: `voucher-rejected-${code}`, reason: v.rejected.reason } },
        `${t('voucher.notApplied')}: ${reason}`,
      );
    }
    list.append(
      h(
        'li',
        { class: `voucher ${v ? (v.ok ? 'is-ok' : 'is-bad') : ''}`, dataset: { testid: `voucher-${code}` } },
        h('code', {}, code),
        detail,
        h(
          'button',
          {
            type: 'button',
            class: 'link',
            'aria-label': t('voucher.removeLabel', { code }),
            onclick: () => removeVoucher(code),
          },
          t('voucher.remove'),
        ),
      ),
    );
  }
}

// ---------- quote ----------

let quoteTimer = 0;

function requestQuote() {
  clearTimeout(quoteTimer);
  state.quoteAbort?.abort();
  if (!state.cart.items.length) {
    state.quote = null;
    state.quoteError = null;
    state.quoteLoading = false;
    renderCart();
    return;
  }
  state.quoteLoading = true;
  renderBreakdown();
  renderSubmit();
  quoteTimer = setTimeout(runQuote, 200);
}

async function runQuote() {
  const seq = ++state.quoteSeq;
  const ctl = new AbortController();
  state.quoteAbort = ctl;
  try {
    const q = await storefront.quote(
      { items: state.cart.items, vouchers: state.cart.vouchers },
      { signal: ctl.signal },
    );
    if (seq !== state.quoteSeq) return;
    state.quote = q;
    state.quoteError = null;
  } catch (err) {
    if (seq !== state.quoteSeq || err.code === 'aborted') return;
    state.quote = null;
    state.quoteError = err;
  }
  state.quoteLoading = false;
  announceVoucher();
  renderCart();
}

/** Tells (in the voucher field's live status) what became of the code just applied. */
function announceVoucher() {
  const code = state.lastApplied;
  if (!code) return;
  state.lastApplied = null;
  const v = voucherVerdict(code);
  const msg = $('voucher-msg');
  if (!v) msg.textContent = '';
  else if (v.ok) msg.textContent = `${code}: ${t('voucher.applied')} (−${money(v.voucher.value, state.quote.currency)})`;
  else msg.textContent = `${code}: ${t('voucher.notApplied')}: ${reasonText(v.rejected)}`;
}

function reasonText(rejected) {
  const key = `reason.${rejected.reason}`;
  return t(key) !== key ? t(key) : rejected.message || rejected.reason;
}

function row(testid, label, value, cls = '') {
  return h(
    'tr',
    { class: cls, dataset: { testid } },
    h('th', { scope: 'row' }, label),
    h('td', { class: 'num' }, value),
  );
}

function renderBreakdown() {
  const table = $('breakdown');
  const status = $('summary-status');
  const lines = $('breakdown-lines');
  const vouchers = $('breakdown-vouchers');
  table.classList.toggle('is-stale', state.quoteLoading);
  if (!state.cart.items.length) {
    table.hidden = true;
    status.textContent = '';
    return;
  }
  if (state.quoteError && !state.quoteLoading) {
    table.hidden = true;
    status.textContent = t('summary.error', { message: errorMessage(state.quoteError) });
    return;
  }
  status.textContent = state.quoteLoading ? t('summary.updating') : '';
  const q = state.quote;
  if (!q) {
    table.hidden = true;
    return;
  }
  table.hidden = false;
  lines.replaceChildren(
    ...q.lines.map((l) =>
      row(
        `line-${l.product_id}`,
        l.quantity > 1 ? `${nameOf(l)} × ${l.quantity}` : nameOf(l),
        money(l.total, q.currency),
        l.product_id === 'shipping' ? 'shipping' : '',
      ),
    ),
    row('line-subtotal', t('summary.subtotal'), money(q.subtotal, q.currency), 'subtotal'),
  );
  vouchers.replaceChildren(
    ...q.vouchers.map((v) =>
      row(
        `voucher-line-${v.code}`,
        h(
          'span',
          {},
          h('span', { class: `kind kind-${v.kind}` }, t(v.kind === 'free' ? 'voucher.free' : 'voucher.paid')),
          ` ${v.name} `,
          h('code', {}, v.code),
        ),
        `−${money(v.value, q.currency)}`,
        `vline vline-${v.kind}`,
      ),
    ),
    ...(q.vouchers.length
      ? [row('line-voucher-total', t('summary.voucherTotal'), `−${money(q.voucher_total, q.currency)}`, 'subtotal')]
      : []),
  );
  $('amount-due').textContent = money(q.amount, q.currency);
  $('amount-due').dataset.amount = String(q.amount);
}

// ---------- checkout ----------

function renderSubmit() {
  const btn = $('checkout-submit');
  const ready = state.cart.items.length > 0 && state.quote && !state.quoteLoading && !state.busy;
  btn.disabled = !ready;
  if (state.busy) btn.textContent = t('checkout.busy');
  else if (state.quote && !state.quoteLoading && state.cart.items.length)
    btn.textContent = t('checkout.submit', { amount: money(state.quote.amount, state.quote.currency) });
  else btn.textContent = t('checkout.submitPlain');
  btn.setAttribute('aria-busy', String(state.busy));
}

/** Taiwan's 統一編號 check: weights 1,2,1,2,1,2,4,1; digit sums divisible by 5 (10 before 2023). */
export function validTaxId(id) {
  if (!/^\d{8}$/.test(id)) return false;
  const w = [1, 2, 1, 2, 1, 2, 4, 1];
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const p = Number(id[i]) * w[i];
    sum += Math.floor(p / 10) + (p % 10);
  }
  return sum % 5 === 0 || (id[6] === '7' && (sum + 1) % 5 === 0);
}

function invoiceChoice() {
  return document.querySelector('input[name="invoice"]:checked')?.value ?? 'email';
}

function syncInvoiceFields() {
  const choice = invoiceChoice();
  for (const type of ['mobile', 'natural_person', 'donation', 'tax_id']) {
    const box = $(`invoice-${type}-fields`);
    box.hidden = type !== choice;
    for (const input of box.querySelectorAll('input')) {
      input.required = type === choice && input.name !== 'title';
    }
  }
}

function checkInvoice(form) {
  const choice = invoiceChoice();
  const mobile = form.elements.mobile_code;
  const love = form.elements.love_code;
  const tax = form.elements.tax_id;
  const np = form.elements.natural_person_code;
  mobile.value = mobile.value.trim().toUpperCase();
  np.value = np.value.trim().toUpperCase();
  np.setCustomValidity(choice === 'natural_person' && !/^[A-Z]{2}\d{14}$/.test(np.value) ? t('invalid.naturalPerson') : '');
  mobile.setCustomValidity(
    choice === 'mobile' && !/^\/[0-9A-Z.+-]{7}$/.test(mobile.value) ? t('invalid.mobileCode') : '',
  );
  love.setCustomValidity(choice === 'donation' && !/^\d{3,7}$/.test(love.value.trim()) ? t('invalid.loveCode') : '');
  tax.setCustomValidity(choice === 'tax_id' && !validTaxId(tax.value.trim()) ? t('invalid.taxId') : '');
  switch (choice) {
    case 'mobile':
      return { type: 'mobile', mobile_code: mobile.value };
    case 'natural_person':
      return { type: 'natural_person', natural_person_code: np.value };
    case 'donation':
      return { type: 'donation', love_code: love.value.trim() };
    case 'tax_id': {
      const inv = { type: 'tax_id', tax_id: tax.value.trim() };
      const title = form.elements.title.value.trim();
      if (title) inv.title = title;
      return inv;
    }
    default:
      return { type: 'email' };
  }
}

/** The Worker's field paths (invalid_request details) → this form's inputs. */
const FIELD_OF_PATH = {
  'customer.name': 'name',
  'customer.email': 'email',
  'customer.phone': 'phone',
  'customer.real_name': 'real_name',
  'customer.english_name': 'english_name',
  'customer.phone_country_code': 'phone_country_code',
  'invoice.natural_person_code': 'natural_person_code',
  'invoice.mobile_code': 'mobile_code',
  'invoice.love_code': 'love_code',
  'invoice.tax_id': 'tax_id',
  'invoice.title': 'title',
};

function markInvalidFields(form, details) {
  if (!Array.isArray(details)) return;
  const lines = [];
  let first = null;
  for (const d of details) {
    const input = form.elements[FIELD_OF_PATH[d?.path]];
    if (input instanceof HTMLInputElement) {
      input.setAttribute('aria-invalid', 'true');
      first ??= input;
    }
    if (d?.message) lines.push(d.message);
  }
  if (lines.length) $('checkout-error').textContent += ' ' + lines.join('; ');
  first?.focus();
}

// ---------- payment methods (the store's settings) ----------

/** The chosen method's radio (null: none). */
function chosenMethod() {
  return document.querySelector('input[name="pfn"]:checked');
}

/** E-wallets need the wallet fields: shown and required only for them. */
function syncMethodFields() {
  const wallet = chosenMethod()?.dataset.wallet === 'true';
  const box = $('wallet-fields');
  box.hidden = !wallet;
  for (const input of box.querySelectorAll('input')) input.required = wallet;
}

/** Shows only the methods the store offers (GET /api/config), and its instalments. */
function applyStoreConfig(c) {
  const offered = Array.isArray(c.payment_methods) ? new Map(c.payment_methods.map((m) => [m.pfn, m])) : null;
  if (offered) {
    for (const input of document.querySelectorAll('input[name="pfn"]')) {
      const shown = input.value === '' ? c.any_method !== false : offered.has(input.value);
      if (input.value && offered.get(input.value)?.wallet) input.dataset.wallet = 'true';
      input.closest('label').hidden = !shown;
      if (!shown && input.checked) input.checked = false;
    }
    if (!chosenMethod()) {
      const first = [...document.querySelectorAll('input[name="pfn"]')].find((i) => !i.closest('label').hidden);
      if (first) first.checked = true;
    }
  }
  // A store that issues no e-invoice (ISSUE_INVOICE_STATE 0) takes no invoice choice.
  $('invoice-fields').hidden = c.invoice === false;
  const hint = $('installments-hint');
  const counts = Array.isArray(c.installments) ? c.installments.map((i) => i.count) : [];
  hint.hidden = counts.length === 0;
  hint.textContent = counts.length ? t('checkout.installments', { counts: counts.join('、') }) : '';
  syncMethodFields();
}

// ---------- Turnstile (when the store turns it on) ----------

const turnstile = { required: false, widget: null, token: null };

/** Loads Cloudflare Turnstile and renders its widget above the pay button. */
function setupTurnstile(siteKey) {
  turnstile.required = true;
  const box = $('turnstile');
  box.hidden = false;
  const script = document.createElement('script');
  script.src = 'https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit';
  script.async = true;
  script.onload = () => {
    turnstile.widget = window.turnstile.render(box, {
      sitekey: siteKey,
      language: document.documentElement.lang === 'en' ? 'en' : 'zh-tw',
      callback: (token) => (turnstile.token = token),
      'expired-callback': () => (turnstile.token = null),
      'error-callback': () => (turnstile.token = null),
    });
  };
  script.onerror = () => ($('checkout-error').textContent = t('checkout.turnstileUnavailable'));
  document.head.append(script);
}

/** A token is good for one checkout: ask for a fresh one. */
function resetTurnstile() {
  turnstile.token = null;
  if (turnstile.widget !== null) window.turnstile?.reset(turnstile.widget);
}

async function submitCheckout(e) {
  e.preventDefault();
  const form = e.target;
  const err = $('checkout-error');
  err.textContent = '';
  if (state.busy) return;
  if (!state.cart.items.length) {
    err.textContent = t('checkout.emptyCart');
    return;
  }
  if (!state.quote || state.quoteLoading) {
    err.textContent = t('checkout.quotePending');
    return;
  }
  const invoice = checkInvoice(form);
  if (!form.reportValidity()) return;
  if (turnstile.required && !turnstile.token && !state.attempt?.key) {
    err.textContent = t('checkout.turnstile');
    return;
  }

  const accepted = new Set(state.quote.vouchers.map((v) => v.code));
  const order = {
    items: state.cart.items.map(({ product_id, quantity }) => ({ product_id, quantity })),
    vouchers: state.cart.vouchers.filter((c) => accepted.has(c)),
    customer: {
      id: guestId(),
      name: form.elements.name.value.trim(),
      email: form.elements.email.value.trim(),
      phone: form.elements.phone.value.replace(/[\s-]/g, ''),
    },
  };
  if (!$('invoice-fields').hidden) order.invoice = invoice;
  if (chosenMethod()?.dataset.wallet === 'true') {
    order.customer.real_name = form.elements.real_name.value.trim();
    order.customer.english_name = form.elements.english_name.value.trim();
    order.customer.phone_country_code = form.elements.phone_country_code.value.trim().replace(/^\+/, '');
  }
  const pfn = form.elements.pfn.value;
  if (pfn) order.pfn = pfn;

  const body = JSON.stringify(order);
  if (!state.attempt || state.attempt.body !== body) state.attempt = { body, key: undefined };

  state.busy = true;
  renderSubmit();
  try {
    const created = await storefront.checkout(order, {
      idempotencyKey: state.attempt.key,
      turnstileToken: turnstile.token ?? undefined,
    });
    state.attempt.key = created.idempotencyKey;
    rememberOrder(created);
    state.cart = { items: [], vouchers: [] };
    saveCart(state.cart);
    state.attempt = null;
    announce(t('checkout.redirecting'));
    $('checkout-submit').textContent = t('checkout.redirecting');
    window.location.assign(created.payment_url);
  } catch (error) {
    state.busy = false;
    // After a network failure the order may exist: the next press retries it with the
    // same key. Any answer from the Worker is final for that key (a retry would get the
    // same answer), so the next press starts a new attempt.
    if (state.attempt) {
      const unsure = error.code === 'network_error' || error.code === 'idempotency_in_progress';
      state.attempt.key = unsure ? error.idempotencyKey : undefined;
      if (!unsure) resetTurnstile();
    }
    err.textContent = errorMessage(error);
    if (error.code === 'invalid_request') markInvalidFields(form, error.details);
    if (error.code === 'voucher_unavailable' || error.code === 'unknown_product') requestQuote();
    renderSubmit();
  }
}

// ---------- my orders ----------

function renderOrders() {
  const orders = rememberedOrders().slice(0, 10);
  const box = $('my-orders');
  box.hidden = orders.length === 0;
  $('orders-list').replaceChildren(
    ...orders.map((o) =>
      h(
        'li',
        {},
        h('a', { href: `/order.html?order_id=${encodeURIComponent(o.order_id)}` }, o.order_id),
        ' ',
        h('span', { class: 'muted' }, o.amount != null ? money(o.amount, o.currency || 'TWD') : ''),
      ),
    ),
  );
}

// ---------- page ----------

function announce(text) {
  const el = $('announcer');
  el.textContent = '';
  setTimeout(() => (el.textContent = text), 50);
}

function renderAll() {
  document.title = `${t('site.title')} · mypay-edge`;
  renderProducts();
  renderCart();
  renderOrders();
}

function init() {
  applyI18n();
  setupLangSwitch($('lang-switch'), renderAll);
  $('voucher-form').addEventListener('submit', applyVoucher);
  $('checkout-form').addEventListener('submit', submitCheckout);
  for (const r of document.querySelectorAll('input[name="invoice"]')) r.addEventListener('change', syncInvoiceFields);
  for (const r of document.querySelectorAll('input[name="pfn"]')) r.addEventListener('change', syncMethodFields);
  $('checkout-form').addEventListener('input', (e) => e.target.removeAttribute?.('aria-invalid'));
  syncInvoiceFields();
  syncMethodFields();
  renderAll();
  loadProducts();
  requestQuote();
  storefront
    .storeConfig()
    .then((c) => {
      applyStoreConfig(c);
      if (c.turnstile_site_key) setupTurnstile(c.turnstile_site_key);
    })
    .catch(() => {});
  // A cart changed in another tab.
  window.addEventListener('storage', (e) => {
    if (e.key === 'mypay-edge.cart') {
      state.cart = loadCart();
      renderCart();
      requestQuote();
    }
  });
  document.documentElement.dataset.ready = 'true';
}

init();
