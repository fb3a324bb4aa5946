// What both pages of the demo storefront share: the browser client, local storage, errors.
import { createStorefront } from '../vendor/storefront.js';
import { t } from './i18n.js';

/** The Worker serves this site, so its API is on the same origin. */
export const storefront = createStorefront({ baseUrl: '' });

const CART_KEY = 'mypay-edge.cart';
const ORDERS_KEY = 'mypay-edge.orders';
const GUEST_KEY = 'mypay-edge.guest';

function readJson(key, fallback) {
  try {
    const v = JSON.parse(localStorage.getItem(key) ?? 'null');
    return v ?? fallback;
  } catch {
    return fallback;
  }
}

function writeJson(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or off: the page still works for this visit.
  }
}

/** `{items: [{product_id, quantity}], vouchers: [code]}` */
export function loadCart() {
  const c = readJson(CART_KEY, {});
  const items = Array.isArray(c.items)
    ? c.items.filter((i) => i && typeof i.product_id === 'string' && Number.isInteger(i.quantity) && i.quantity > 0)
    : [];
  const vouchers = Array.isArray(c.vouchers) ? c.vouchers.filter((v) => typeof v === 'string' && v) : [];
  return { items, vouchers };
}

export function saveCart(cart) {
  writeJson(CART_KEY, { items: cart.items, vouchers: cart.vouchers });
}

/** Order tokens by order id: the only way back to an order, never put in a URL. */
export function rememberOrder(order) {
  const all = readJson(ORDERS_KEY, {});
  all[order.order_id] = {
    token: order.token,
    amount: order.amount,
    currency: order.currency,
    created_at: new Date().toISOString(),
    payment_url: order.payment_url,
  };
  writeJson(ORDERS_KEY, all);
}

export function orderToken(orderId) {
  return readJson(ORDERS_KEY, {})[orderId]?.token ?? null;
}

/** Remembered orders, newest first. */
export function rememberedOrders() {
  const all = readJson(ORDERS_KEY, {});
  return Object.entries(all)
    .map(([order_id, o]) => ({ order_id, ...o }))
    .sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
}

/** A stable anonymous customer id for this browser (the demo has no accounts). */
export function guestId() {
  let id = null;
  try {
    id = localStorage.getItem(GUEST_KEY);
  } catch {
    // ignore
  }
  if (!id) {
    const bytes = crypto.getRandomValues(new Uint8Array(8));
    id = 'guest-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    try {
      localStorage.setItem(GUEST_KEY, id);
    } catch {
      // ignore
    }
  }
  return id;
}

/** A message for a StorefrontError in the page's language, the server's text as a fallback. */
export function errorMessage(err) {
  const code = err?.code;
  const key = `error.${code}`;
  const s = t(key);
  if (s !== key) return s;
  return t('error.generic', { message: err?.message ?? String(err) });
}

/** Creates an element: `h('p', {class: 'x', dataset: {testid: 'y'}}, 'text', child)`. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}
