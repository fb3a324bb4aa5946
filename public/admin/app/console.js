// The mypay-edge admin console: a single page over the admin API (/admin/*),
// routed by the URL's hash (#/orders, #/order/ID, #/review, #/vouchers,
// #/reconcile, #/export, #/webhooks). No build step, no framework.
//
// Sign-in: the ADMIN_TOKEN, kept in sessionStorage (this tab only, never in a
// URL) and sent as `Authorization: Bearer`; or, behind Cloudflare Access, no
// token at all (Access adds its own header, which the Worker verifies).
import { has, lang, setLang, t, translate } from './i18n.js';

const TOKEN_KEY = 'mypay-edge.admin.token';
const main = document.getElementById('main');
const STATUSES = ['created', 'pending', 'paid', 'failed', 'expired', 'refund_pending', 'refunded', 'needs_review'];
let session = null;
let webhooksAvailable = false;

// ---- small DOM helpers (text only: nothing from the API becomes HTML) ----
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}
const money = (n) => (typeof n === 'number' ? n.toLocaleString(lang() === 'en' ? 'en-US' : 'zh-TW') : '');
const when = (iso) => {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(lang() === 'en' ? 'en-GB' : 'zh-TW', { timeZone: 'Asia/Taipei', hour12: false });
};
const statusText = (s) => (STATUSES.includes(s) ? t(`status.${s}`) : s);
const badge = (s, testid) => h('span', { class: `badge ${s}`, 'data-testid': testid, 'data-status': s }, statusText(s));
const today = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
const daysAgo = (n) => new Date(Date.now() + 8 * 3600e3 - n * 86400e3).toISOString().slice(0, 10);

function toast(text) {
  const el = document.getElementById('toast');
  el.textContent = text;
  el.classList.add('show');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => el.classList.remove('show'), 4000);
}

function render(...nodes) {
  main.replaceChildren(...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false));
}

function errorBox(err) {
  return h('p', { class: 'error', role: 'alert', 'data-testid': 'error' }, t('error.generic', { message: err.message }));
}

// ---- the admin API ----
class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function authHeaders() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** Calls the admin API; answers the parsed JSON (or the Response for `raw`). */
async function api(method, path, body, { raw = false } = {}) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: { ...authHeaders(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'network', t('error.network'));
  }
  if (res.status === 401 && session) {
    signOut();
    throw new ApiError(401, 'unauthorized', t('signin.bad'));
  }
  if (raw && res.ok) return res;
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) throw new ApiError(res.status, json?.error?.code ?? 'http', json?.error?.message ?? `HTTP ${res.status}`);
  return json;
}

// ---- sign-in ----
async function trySession() {
  try {
    session = await api('GET', '/admin/session');
    return true;
  } catch (e) {
    session = null;
    if (e.status === 401) return false;
    throw e;
  }
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  session = null;
  document.getElementById('nav').hidden = true;
  document.getElementById('sign-out').hidden = true;
  if (location.hash) history.replaceState(null, '', location.pathname);
  showSignIn();
}

function showSignIn(message) {
  const input = h('input', { type: 'password', name: 'token', id: 'token', autocomplete: 'current-password', required: true, minlength: 16, 'data-testid': 'token' });
  const err = h('p', { class: 'error', role: 'alert', 'data-testid': 'signin-error' }, message ?? '');
  const form = h('form', { class: 'card', 'data-testid': 'signin-form' },
    h('h1', {}, t('signin.title')),
    h('label', { for: 'token' }, t('signin.token'), input),
    h('p', { class: 'muted small' }, t('signin.hint')),
    err,
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'signin-submit' }, t('signin.submit')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    input.value = '';
    try {
      if (await trySession()) return signedIn();
      sessionStorage.removeItem(TOKEN_KEY);
      err.textContent = t('signin.bad');
    } catch (e) {
      sessionStorage.removeItem(TOKEN_KEY);
      err.textContent = e.message;
    }
  });
  render(form);
  input.focus();
}

async function signedIn() {
  document.getElementById('nav').hidden = false;
  document.getElementById('sign-out').hidden = session?.via === 'access';
  try {
    await api('GET', '/admin/webhooks');
    webhooksAvailable = true;
  } catch {
    webhooksAvailable = false;
  }
  document.getElementById('nav-webhooks').hidden = !webhooksAvailable;
  if (!location.hash || location.hash === '#') location.hash = '#/orders';
  else route();
}

// ---- routing ----
async function route() {
  if (!session) return;
  const [, page, arg] = (location.hash.match(/^#\/([a-z]+)(?:\/(.+))?/) ?? []);
  for (const a of document.querySelectorAll('#nav a')) {
    const on = a.getAttribute('href') === `#/${page === 'order' ? 'orders' : page}`;
    if (on) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const pages = { orders: ordersPage, order: orderPage, review: reviewPage, vouchers: vouchersPage, reconcile: reconcilePage, export: exportPage, webhooks: webhooksPage };
  const fn = pages[page] ?? ordersPage;
  render(h('p', { class: 'muted' }, t('app.loading')));
  try {
    await fn(arg ? decodeURIComponent(arg) : undefined);
  } catch (e) {
    render(errorBox(e));
  }
  main.focus({ preventScroll: true });
}

// ---- orders ----
const orderQuery = { status: '', from: '', to: '', q: '', cursors: [] };

async function ordersPage() {
  const params = new URLSearchParams({ limit: '25' });
  for (const k of ['status', 'from', 'to', 'q']) if (orderQuery[k]) params.set(k, orderQuery[k]);
  const cursor = orderQuery.cursors.at(-1);
  if (cursor) params.set('cursor', cursor);
  const data = await api('GET', `/admin/orders?${params}`);

  const status = h('select', { name: 'status', 'data-testid': 'filter-status' },
    h('option', { value: '' }, t('status.all')),
    STATUSES.map((s) => h('option', { value: s, selected: orderQuery.status === s }, statusText(s))));
  const from = h('input', { type: 'date', name: 'from', value: orderQuery.from, 'data-testid': 'filter-from' });
  const to = h('input', { type: 'date', name: 'to', value: orderQuery.to, 'data-testid': 'filter-to' });
  const q = h('input', { type: 'search', name: 'q', value: orderQuery.q, 'data-testid': 'filter-q', placeholder: t('orders.qHint') });
  const form = h('form', { class: 'card row', role: 'search', 'data-testid': 'orders-filter' },
    h('label', {}, t('orders.status'), status),
    h('label', {}, t('orders.from'), from),
    h('label', {}, t('orders.to'), to),
    h('label', { class: 'grow' }, t('orders.q'), q),
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'filter-submit' }, t('orders.search')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    Object.assign(orderQuery, { status: status.value, from: from.value, to: to.value, q: q.value.trim(), cursors: [] });
    route();
  });

  const cols = ['id', 'created', 'status', 'amount', 'method', 'uid', 'email'];
  const head = h('tr', {}, cols.map((c) => h('th', { class: c === 'amount' ? 'num' : undefined, scope: 'col' }, t(`orders.col.${c}`))));
  const cell = (c, text, extra = {}) => h('td', { 'data-label': t(`orders.col.${c}`), ...extra }, text);
  const rows = data.orders.map((o) => h('tr', { 'data-testid': `order-row-${o.order_id}` },
    cell('id', h('a', { href: `#/order/${encodeURIComponent(o.order_id)}`, 'data-testid': 'order-link' }, o.order_id)),
    cell('created', when(o.created_at)),
    cell('status', badge(o.status)),
    cell('amount', money(o.amount), { class: 'num' }),
    cell('method', o.payment_pfn ?? ''),
    cell('uid', o.mypay_uid ?? ''),
    cell('email', o.customer_email ?? '')));
  const table = data.orders.length
    ? h('div', { class: 'table-wrap' }, h('table', { class: 'responsive', 'data-testid': 'orders-table' }, h('thead', {}, head), h('tbody', {}, rows)))
    : h('p', { class: 'muted', 'data-testid': 'orders-empty' }, t('orders.empty'));
  const pager = h('div', { class: 'pager' },
    orderQuery.cursors.length ? h('button', { type: 'button', class: 'secondary', onclick: () => { orderQuery.cursors = []; route(); } }, t('orders.prev')) : h('span'),
    data.next_cursor ? h('button', { type: 'button', class: 'secondary', 'data-testid': 'orders-next', onclick: () => { orderQuery.cursors.push(data.next_cursor); route(); } }, t('orders.next')) : h('span'));
  render(h('h1', {}, t('orders.title')), form, table, pager);
}

// ---- one order ----
function describeEvent(e) {
  const d = e.detail ?? {};
  const src = (s) => (s ? (t(`source.${s}`) !== `source.${s}` ? t(`source.${s}`) : s) : '');
  switch (e.kind) {
    case 'created': return t('ev.created', { amount: money(d.amount) });
    case 'mypay_created': return t('ev.mypay_created', { uid: d.uid });
    case 'mypay_create_failed': return t('ev.mypay_create_failed', { error: d.error ?? '' });
    case 'report': return t('ev.report', { prc: e.prc ?? '?' });
    case 'query': return t('ev.query', { source: src(d.source), prc: e.prc ?? '?' });
    case 'query_failed': return t('ev.query_failed', { error: d.error ?? '' });
    case 'query_rejected': return t('ev.query_rejected', { what: d.what ?? '' });
    case 'transition': {
      const base = d.from && d.to && d.from !== d.to
        ? t('ev.transition', { from: statusText(d.from), to: statusText(d.to) })
        : t('ev.transition.same', { to: statusText(d.to ?? ''), holds: d.holds ?? '' });
      return base + (d.review_reason ? t('ev.transition.review', { reason: t(`reason.${d.review_reason}`) }) : '');
    }
    case 'refund': return t('ev.refund', { prc: e.prc ?? d.code ?? '?' });
    case 'refund_failed': return t('ev.refund_failed', { error: d.error ?? '' });
    case 'refund_unanswered': return t('ev.refund_unanswered');
    case 'manual_refund': return t('ev.manual_refund', { note: d.note ? `（${d.note}）` : '' });
    case 'webhook': {
      // One delivery attempt: {endpoint, url, webhook_id, type, attempt, status_code, error, outcome}.
      const code = d.status_code ?? d.status;
      const vars = {
        type: d.type ?? '', endpoint: d.url ?? d.endpoint ?? '', status: code ?? '', attempt: d.attempt ?? 1,
        error: d.error ?? (code ? `HTTP ${code}` : ''),
      };
      const ok = d.outcome ? d.outcome === 'delivered' : typeof code === 'number' && code >= 200 && code < 300 && !d.error;
      if (ok) return t('ev.webhook.ok', vars);
      return t('ev.webhook.fail', vars) + (d.outcome === 'failed' ? t('ev.webhook.gaveUp') : d.outcome === 'pending' ? t('ev.webhook.retry') : '');
    }
    default: return t('ev.other', { kind: e.kind });
  }
}

/** The order's invoice in words: MYPAY's number and status once its query has
 *  them, else the shopper's choice at checkout. */
function invoiceText(inv) {
  if (!inv) return t('order.invoice.none');
  const carrier = inv.carrier ?? inv.choice;
  const kind = carrier?.type ? t(`order.invoice.carrier.${carrier.type}`) : '';
  const code = carrier?.mobile_code ?? carrier?.natural_person_code ?? carrier?.love_code ?? carrier?.tax_id ?? '';
  const how = [kind, code].filter(Boolean).join(' ');
  if (!inv.number) return [t('order.invoice.notYet'), how].filter(Boolean).join(' · ');
  return [inv.number, t(`order.invoice.status.${inv.status ?? 'none'}`), how].filter(Boolean).join(' · ');
}

function mypayState(m) {
  if (m === null || m === undefined) return h('p', { class: 'muted', 'data-testid': 'mypay-state' }, t('order.mypay.none'));
  if (m.error) return h('p', { class: 'error', 'data-testid': 'mypay-state' }, t('order.mypay.error', { message: m.error.message }));
  const tr = m.transaction ?? m;
  const prc = tr.prc ?? m.prc ?? '?';
  const msg = tr.retmsg ?? tr.msg ?? m.msg ?? '';
  return h('div', { 'data-testid': 'mypay-state', 'data-prc': prc },
    h('p', {}, t('order.mypay.state', { prc, msg })),
    tr.cost !== undefined ? h('p', {}, t('order.mypay.cost', { cost: tr.cost })) : null,
    mypayRefunds(m));
}

/** The refunds MYPAY's query lists (`refund_order`, a list or its JSON text): the
 * transaction keeps its payment code (250) after a refund, so this is where MYPAY
 * says what it refunded. */
function mypayRefunds(m) {
  let list = m.refund_order;
  if (typeof list === 'string') {
    try { list = JSON.parse(list); } catch { list = null; }
  }
  if (!Array.isArray(list) || list.length === 0) return null;
  return h('div', {},
    h('p', {}, t('order.mypay.refunds')),
    h('ul', { 'data-testid': 'mypay-refunds', 'data-count': String(list.length) },
      ...list.map((r) => h('li', {}, t('order.mypay.refund', { cost: r.cost ?? '?', prc: r.prc ?? '?', msg: r.retmsg ?? '' })))));
}

function reviewBox(reason) {
  const actions = t(`reason.${reason}.actions`).split('|');
  return h('div', { class: 'explain card', 'data-testid': 'review-box', 'data-reason': reason },
    h('h2', {}, `${t('order.review')}: ${t(`reason.${reason}`)}`),
    h('p', {}, t(`reason.${reason}.explain`)),
    h('strong', {}, t('order.reviewActions')),
    h('ul', {}, actions.map((a) => h('li', {}, a))));
}

async function loadAllEvents(id, first) {
  const events = [...first.events];
  let next = first.events_next;
  while (next) {
    const more = await api('GET', `/admin/orders/${encodeURIComponent(id)}?live=0&events_after=${next}&events_limit=500`);
    events.push(...more.events);
    next = more.events_next;
  }
  return events;
}

async function orderPage(id) {
  const o = await api('GET', `/admin/orders/${encodeURIComponent(id)}`);
  const events = await loadAllEvents(id, o);
  const refundable = ['paid', 'needs_review', 'refund_pending'].includes(o.status);
  const checkBtn = h('button', { type: 'button', class: 'secondary', 'data-testid': 'check-mypay', disabled: !o.mypay_uid }, t('order.check'));
  checkBtn.addEventListener('click', async () => {
    checkBtn.disabled = true;
    try {
      const r = await api('POST', `/admin/orders/${encodeURIComponent(id)}/check`);
      toast(r.changed ? t('order.checked', { from: statusText(r.from), to: statusText(r.status) }) : t('order.checkedSame', { to: statusText(r.status) }));
      await route();
    } catch (e) {
      toast(e.message);
      checkBtn.disabled = false;
    }
  });
  const refundBtn = h('button', { type: 'button', class: 'danger', 'data-testid': 'refund-button', hidden: !refundable }, t('order.refund'));
  refundBtn.addEventListener('click', () => refundDialog(o));
  const manualBtn = h('button', { type: 'button', class: 'secondary', 'data-testid': 'manual-refund-button', hidden: !refundable }, t('order.manualRefund'));
  manualBtn.addEventListener('click', () => manualRefundDialog(o));

  const facts = h('dl', { class: 'facts' },
    h('dt', {}, t('orders.col.status')), h('dd', {}, badge(o.status, 'order-status')),
    h('dt', {}, t('order.amount')), h('dd', { 'data-testid': 'order-amount' }, `${money(o.amount)} ${o.currency}`),
    h('dt', {}, t('order.subtotal')), h('dd', {}, money(o.subtotal)),
    h('dt', {}, t('order.voucherTotal')), h('dd', {}, money(o.voucher_total)),
    h('dt', {}, t('order.method')), h('dd', {}, o.payment?.pfn ?? o.requested_pfn ?? ''),
    h('dt', {}, t('order.uid')), h('dd', {}, o.mypay_uid ?? ''),
    h('dt', {}, t('order.created')), h('dd', {}, when(o.created_at)),
    o.paid_at ? [h('dt', {}, t('order.paidAt')), h('dd', {}, when(o.paid_at))] : null,
    typeof o.refunded_amount === 'number' && (o.refunded_amount > 0 || ['refund_pending', 'refunded'].includes(o.status))
      ? [h('dt', {}, t('order.refundedAmount')), h('dd', { 'data-testid': 'order-refunded-amount', 'data-amount': o.refunded_amount }, `${money(o.refunded_amount)} ${o.currency}`)]
      : null,
    o.refunded_at ? [h('dt', {}, t('order.refundedAt')), h('dd', {}, when(o.refunded_at))] : null);

  const c = o.customer ?? {};
  const who = h('dl', { class: 'facts', 'data-testid': 'order-customer' },
    h('dt', {}, t('order.customer.id')), h('dd', {}, o.customer_id ?? ''),
    o.customer_email ? [h('dt', {}, t('order.customer.email')), h('dd', { 'data-testid': 'order-customer-email' }, o.customer_email)] : null,
    c.name || c.real_name ? [h('dt', {}, t('order.customer.name')), h('dd', {}, [c.name, c.real_name, c.english_name].filter(Boolean).join(' / '))] : null,
    c.phone ? [h('dt', {}, t('order.customer.phone')), h('dd', {}, c.phone_country_code ? `+${c.phone_country_code} ${c.phone}` : c.phone)] : null,
    c.address ? [h('dt', {}, t('order.customer.address')), h('dd', {}, [c.zipcode, c.address].filter(Boolean).join(' '))] : null,
    h('dt', {}, t('order.invoice')), h('dd', { 'data-testid': 'order-invoice', 'data-status': o.invoice?.status ?? 'none' }, invoiceText(o.invoice)),
    Array.isArray(o.echo) && o.echo.length
      ? [h('dt', {}, t('order.echo')), h('dd', { 'data-testid': 'order-echo' }, o.echo.join(' · '))]
      : null);

  const lines = h('div', { class: 'table-wrap' }, h('table', { class: 'responsive', 'data-testid': 'order-lines' },
    h('thead', {}, h('tr', {}, ['name', 'qty', 'unit', 'total'].map((c) => h('th', { class: c === 'name' ? undefined : 'num', scope: 'col' }, t(`order.line.${c}`))))),
    h('tbody', {}, o.lines.map((l) => h('tr', {},
      h('td', { 'data-label': t('order.line.name') }, lang() === 'en' ? l.name_en : l.name),
      h('td', { class: 'num', 'data-label': t('order.line.qty') }, l.quantity),
      h('td', { class: 'num', 'data-label': t('order.line.unit') }, money(l.unit_price)),
      h('td', { class: 'num', 'data-label': t('order.line.total') }, money(l.total)))))));
  const vouchers = o.vouchers.length
    ? h('ul', { 'data-testid': 'order-vouchers' }, o.vouchers.map((v) => h('li', {}, `${v.code} · ${v.name} · ${money(v.value)} · ${t(`order.voucher.${v.kind}`)}`)))
    : h('p', { class: 'muted' }, t('order.noVouchers'));
  const timeline = events.length
    ? h('ol', { class: 'timeline', 'data-testid': 'timeline' }, events.map((e) => h('li', { 'data-kind': e.kind },
      h('time', { datetime: e.at }, when(e.at)), h('span', {}, describeEvent(e)))))
    : h('p', { class: 'muted' }, t('order.noEvents'));

  render(
    h('p', {}, h('a', { href: '#/orders' }, t('order.back'))),
    h('h1', { 'data-testid': 'order-title' }, t('order.title', { id: o.order_id })),
    o.review ? reviewBox(o.review.reason) : null,
    h('section', { class: 'card' }, h('h2', {}, t('order.facts')), facts, h('div', { class: 'actions' }, checkBtn, manualBtn, refundBtn)),
    h('section', { class: 'card' }, h('h2', {}, t('order.mypay')), mypayState(o.mypay)),
    h('section', { class: 'card' }, h('h2', {}, t('order.customer')), who),
    h('section', { class: 'card' }, h('h2', {}, t('order.lines')), lines, h('h2', {}, t('order.vouchers')), vouchers),
    h('section', { class: 'card' }, h('h2', {}, t('order.timeline')), timeline));
}

function dialog(...children) {
  const d = h('dialog', { 'data-testid': 'dialog' }, ...children);
  document.body.append(d);
  d.addEventListener('close', () => d.remove());
  d.showModal();
  return d;
}

function voucherOutcome(v) {
  const key = `refund.voucher.${v.outcome}`;
  const vars = { code: v.code, value: money(v.value), outcome: v.outcome ?? '' };
  return ['returned_to_shopper', 'value_to_agent', 'stays_used'].includes(v.outcome) ? t(key, vars) : t('refund.voucher.other', vars);
}

/** The plain words for a refund's 409/400 `code` (the API's message when
 *  the console has none). */
function refundError(e) {
  const key = `refund.err.${e.code}`;
  return has(key) ? t(key, { message: e.message }) : e.message;
}

/** Why the invoice is handled as it is, in the console's language: from
 *  the plan's `invoice.action`/`issued`/`choices` (the server's `why` is
 *  English: kept for the English view, and as a fallback). `partial`: the
 *  admin chose a part, which is always an allowance. */
function invoiceWhy(plan, partial) {
  const inv = plan.invoice ?? {};
  let key = null;
  if (!inv.issued || inv.action === 'none') key = 'refund.why.none';
  else if (partial) key = 'refund.why.part';
  else if (inv.action === 'void' || (inv.choices ?? []).includes('void')) key = 'refund.why.voidable';
  else if (inv.action === 'allowance') key = (plan.refunded_amount ?? 0) > 0 ? 'refund.why.rest' : 'refund.why.earlierMonth';
  const useWhy = inv.why && !partial && (lang() === 'en' || !key);
  const text = useWhy ? inv.why : key ? t(key) : '';
  return inv.issued && plan.items_sent ? `${text} ${t('refund.why.items')}`.trim() : text;
}

/** Amounts per order line that add up to `left` at most: each line whole
 *  while it fits, the rest from the next (as the Worker splits a refund). */
function defaultParts(lines, left) {
  let rest = left;
  return lines.map((l) => {
    const take = Math.max(0, Math.min(l.total, rest));
    rest -= take;
    return take;
  });
}

/** Explains a refund from `GET /admin/orders/{id}/refund-plan`, or from the
 *  order when the Worker has no such endpoint; a full refund by default, or
 *  a part per order line when the plan allows it; confirms; refunds. */
async function refundDialog(o) {
  const body = h('div', { 'data-testid': 'refund-plan' }, h('p', { class: 'muted' }, t('refund.loading')));
  // invoice_state of the refund call for each invoice action ('' leaves it to the Worker).
  const INVOICE_STATE = { void: '4', allowance: '6' };
  const invoice = h('select', { name: 'invoice_state', 'data-testid': 'refund-invoice' },
    h('option', { value: '' }, t('refund.invoice.auto')),
    h('option', { value: '4' }, t('refund.invoice.4')),
    h('option', { value: '6' }, t('refund.invoice.6')));
  const invoiceLabel = h('label', { hidden: true }, t('refund.invoice.choice'), invoice);
  const err = h('p', { class: 'error', role: 'alert', 'data-testid': 'refund-error' });
  const confirm = h('button', { type: 'button', class: 'danger', 'data-testid': 'refund-confirm', disabled: true }, t('refund.confirm'));
  const cancel = h('button', { type: 'button', class: 'secondary', 'data-testid': 'refund-cancel' }, t('refund.cancel'));
  const d = dialog(h('h2', {}, t('refund.title', { id: o.order_id })), body, invoiceLabel, err, h('div', { class: 'actions' }, cancel, confirm));
  cancel.addEventListener('click', () => d.close());

  let plan = null;
  try {
    plan = await api('GET', `/admin/orders/${encodeURIComponent(o.order_id)}/refund-plan`);
  } catch (e) {
    if (e.status !== 404 || e.code === 'order_not_found') {
      body.replaceChildren(errorBox(e));
      return;
    }
  }
  const parts = [];
  // A partial refund: one amount input per order line (null: full refund only).
  let partial = null;
  if (plan) {
    if (!plan.refundable) {
      body.replaceChildren(h('p', { class: 'error', 'data-testid': 'refund-refusal' }, t('refund.refused', { message: plan.refusal?.message ?? '' })));
      return;
    }
    const left = plan.amount ?? o.amount;
    const before = plan.refunded_amount ?? 0;
    const amountText = () => (partial?.on ? t('refund.part.sum', { sum: money(partial.sum()) }) : t(before > 0 ? 'refund.amount.rest' : 'refund.amount', { amount: money(left) }));
    const amount = h('p', { 'data-testid': 'refund-amount', 'data-amount': left }, amountText());
    parts.push(amount);
    if (before > 0) parts.push(h('p', { class: 'muted', 'data-testid': 'refund-already' }, t('refund.already', { refunded: money(before), left: money(left) })));
    parts.push(h('p', { 'data-testid': 'refund-instant', 'data-instant': String(Boolean(plan.instant)) }, plan.instant ? t('refund.instant') : t('refund.notInstant')));

    if (plan.partial_allowed && o.lines?.length) {
      const full = h('input', { type: 'radio', name: 'refund-mode', value: 'full', checked: true, 'data-testid': 'refund-mode-full' });
      const part = h('input', { type: 'radio', name: 'refund-mode', value: 'partial', 'data-testid': 'refund-mode-partial' });
      const defaults = defaultParts(o.lines, left);
      const inputs = o.lines.map((l, i) => h('input', {
        type: 'number', min: 0, max: l.total, step: 1, value: defaults[i], inputmode: 'numeric',
        'data-testid': `refund-part-${i}`, 'data-name': l.name, 'aria-label': `${t('refund.part.amount')}: ${lang() === 'en' ? l.name_en ?? l.name : l.name}`,
      }));
      const table = h('div', { class: 'table-wrap', hidden: true, 'data-testid': 'refund-parts' }, h('table', { class: 'responsive' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('refund.part.line')), h('th', { scope: 'col', class: 'num' }, t('order.line.total')), h('th', { scope: 'col', class: 'num' }, t('refund.part.amount')))),
        h('tbody', {}, o.lines.map((l, i) => h('tr', {},
          h('td', { 'data-label': t('refund.part.line') }, lang() === 'en' ? l.name_en ?? l.name : l.name),
          h('td', { class: 'num', 'data-label': t('order.line.total') }, money(l.total)),
          h('td', { class: 'num', 'data-label': t('refund.part.amount') }, inputs[i]))))));
      partial = {
        on: false,
        values: () => inputs.map((x) => (x.value.trim() === '' ? 0 : Number(x.value))),
        sum: () => partial.values().reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0),
        /** The problem with the amounts, or '' when they can be sent. */
        problem() {
          const vals = partial.values();
          for (const [i, v] of vals.entries()) {
            if (!Number.isInteger(v) || v < 0 || v > o.lines[i].total) {
              return t('refund.part.lineTooMuch', { name: lang() === 'en' ? o.lines[i].name_en ?? o.lines[i].name : o.lines[i].name, max: money(o.lines[i].total) });
            }
          }
          const sum = partial.sum();
          if (sum <= 0) return t('refund.part.zero');
          if (sum > left) return t('refund.part.tooMuch', { sum: money(sum), left: money(left) });
          return '';
        },
        items: () => partial.values().map((v, i) => ({ name: o.lines[i].name, amount: v })).filter((it) => it.amount > 0),
      };
      const update = () => {
        partial.on = part.checked;
        table.hidden = !partial.on;
        amount.textContent = amountText();
        showInvoice();
        const problem = partial.on ? partial.problem() : '';
        err.textContent = problem;
        confirm.disabled = Boolean(problem);
      };
      for (const x of [full, part, ...inputs]) x.addEventListener('input', update);
      full.addEventListener('change', update);
      part.addEventListener('change', update);
      parts.push(h('fieldset', { class: 'modes', 'data-testid': 'refund-mode' }, h('legend', {}, t('refund.mode')),
        h('label', { class: 'inline' }, full, t('refund.mode.full')),
        h('label', { class: 'inline' }, part, t('refund.mode.partial'))), table);
      partial.update = update;
    }

    const inv = plan.invoice ?? {};
    const invoiceBox = h('p', { 'data-testid': 'refund-invoice-action' });
    const choicesAll = (Array.isArray(inv.choices) ? inv.choices : []).filter((c) => INVOICE_STATE[c]);
    function showInvoice() {
      const isPart = Boolean(partial?.on);
      // A part is always an allowance when an e-invoice was issued.
      const action = isPart && inv.issued ? 'allowance' : inv.action ?? 'none';
      invoiceBox.dataset.action = action;
      invoiceBox.replaceChildren(
        action === 'none' ? t('refund.invoice.none') : t(`refund.invoice.${action}`, { number: inv.number ?? '' }),
        h('span', { class: 'muted', 'data-testid': 'refund-invoice-why' }, ` ${invoiceWhy(plan, isPart)}`));
      const choices = isPart ? choicesAll.filter((c) => c === 'allowance') : choicesAll;
      if (choices.length > 1) {
        // The admin may choose: only what the plan allows, its own choice first.
        invoice.replaceChildren(...choices.map((c) => h('option', { value: INVOICE_STATE[c], selected: c === action }, t(`refund.invoice.${INVOICE_STATE[c]}`))));
        invoiceLabel.hidden = false;
      } else {
        invoice.replaceChildren(h('option', { value: '' }, t('refund.invoice.auto')));
        invoiceLabel.hidden = true;
      }
    }
    showInvoice();
    parts.push(invoiceBox);
    const vs = plan.vouchers ?? [];
    parts.push(vs.length
      ? [h('p', {}, t('refund.vouchers')), h('ul', { 'data-testid': 'refund-vouchers' }, vs.map((v) => h('li', {}, voucherOutcome(v))))]
      : h('p', { class: 'muted' }, t('refund.noVouchers')));
  } else {
    parts.push(h('p', { class: 'muted small', 'data-testid': 'refund-fallback' }, t('refund.fallback')));
    parts.push(h('p', { 'data-testid': 'refund-amount' }, t('refund.amount', { amount: money(o.amount) })));
    parts.push(h('p', {}, t('refund.fallback.method', { method: o.payment?.pfn ?? o.requested_pfn ?? '?' })));
    parts.push(o.vouchers.length
      ? [h('p', {}, t('refund.vouchers')), h('ul', {}, o.vouchers.map((v) => h('li', {}, `${v.code} (${money(v.value)}, ${t(`order.voucher.${v.kind}`)})`))), h('p', { class: 'muted small' }, t('refund.fallback.vouchers'))]
      : h('p', { class: 'muted' }, t('refund.noVouchers')));
    invoiceLabel.hidden = false;
  }
  body.replaceChildren(...parts.flat());
  confirm.disabled = false;
  confirm.addEventListener('click', async () => {
    if (partial?.on && partial.problem()) return;
    confirm.disabled = true;
    err.textContent = '';
    try {
      const req = invoice.value ? { invoice_state: invoice.value } : {};
      if (partial?.on) req.items = partial.items();
      const r = await api('POST', `/admin/orders/${encodeURIComponent(o.order_id)}/refund`, req);
      d.close();
      toast(t('refund.done', { status: statusText(r.status) }));
      await route();
    } catch (e) {
      err.textContent = refundError(e);
      err.dataset.code = e.code ?? '';
      confirm.disabled = false;
    }
  });
}

function manualRefundDialog(o) {
  const note = h('textarea', { name: 'note', maxlength: 500, rows: 3, 'data-testid': 'manual-note' });
  const err = h('p', { class: 'error', role: 'alert' });
  const confirm = h('button', { type: 'button', class: 'danger', 'data-testid': 'manual-confirm' }, t('manual.confirm'));
  const cancel = h('button', { type: 'button', class: 'secondary' }, t('refund.cancel'));
  const d = dialog(h('h2', {}, t('manual.title')), h('label', {}, t('manual.note'), note), err, h('div', { class: 'actions' }, cancel, confirm));
  cancel.addEventListener('click', () => d.close());
  confirm.addEventListener('click', async () => {
    confirm.disabled = true;
    try {
      const r = await api('POST', `/admin/orders/${encodeURIComponent(o.order_id)}/manual-refund`, { note: note.value });
      d.close();
      toast(t('refund.done', { status: statusText(r.status) }));
      await route();
    } catch (e) {
      err.textContent = refundError(e);
      confirm.disabled = false;
    }
  });
}

// ---- needs_review ----
async function reviewPage() {
  const data = await api('GET', '/admin/orders?status=needs_review&limit=200');
  const items = data.orders.map((o) => {
    const reason = o.review_reason;
    return h('li', { class: 'card', 'data-testid': `review-${o.order_id}`, 'data-reason': reason ?? '' },
      h('p', {}, h('strong', {}, reason ? t(`reason.${reason}`) : t('reason.none')), ` · ${o.order_id} · ${money(o.amount)} ${o.currency} · ${when(o.updated_at)}`),
      reason ? h('p', {}, t(`reason.${reason}.explain`)) : null,
      reason ? h('ul', {}, t(`reason.${reason}.actions`).split('|').map((a) => h('li', {}, a))) : null,
      h('a', { href: `#/order/${encodeURIComponent(o.order_id)}` }, t('review.open')));
  });
  render(h('h1', {}, t('review.title')),
    items.length ? h('ul', { class: 'plain', 'data-testid': 'review-list' }, items) : h('p', { class: 'muted', 'data-testid': 'review-empty' }, t('review.empty')));
}

// ---- vouchers ----
let voucherStatus = '';

/** Downloads `/admin/export?…` as a file (fetched with the token, saved
 *  from a blob: the token never goes into a URL). */
async function downloadCsv(params) {
  const res = await api('GET', `/admin/export?${params}`, undefined, { raw: true });
  const blob = await res.blob();
  const name = (res.headers.get('content-disposition') ?? '').match(/filename="([^"]+)"/)?.[1] ?? 'mypay-export.csv';
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  toast(t('export.done', { name }));
}

async function vouchersPage() {
  const data = await api('GET', `/admin/vouchers${voucherStatus ? `?status=${voucherStatus}` : ''}`);
  const f = {
    kind: h('select', { name: 'kind', 'data-testid': 'voucher-kind' }, h('option', { value: 'paid' }, t('vouchers.kind.paid')), h('option', { value: 'free' }, t('vouchers.kind.free'))),
    name: h('input', { name: 'name', required: true, maxlength: 50, 'data-testid': 'voucher-name' }),
    value: h('input', { name: 'value', type: 'number', min: 1, max: 1000000, required: true, 'data-testid': 'voucher-value' }),
    count: h('input', { name: 'count', type: 'number', min: 1, max: 500, value: 1, required: true, 'data-testid': 'voucher-count' }),
    product_id: h('input', { name: 'product_id', required: true, maxlength: 32, pattern: '[A-Za-z0-9_\\-]+', 'data-testid': 'voucher-product' }),
    prefix: h('input', { name: 'prefix', maxlength: 24, pattern: '[A-Za-z0-9\\-]*' }),
    min_spend: h('input', { name: 'min_spend', type: 'number', min: 0, value: 0 }),
    expires: h('input', { name: 'expires', type: 'date' }),
  };
  const err = h('p', { class: 'error', role: 'alert' });
  const issued = h('pre', { class: 'codes', hidden: true, 'data-testid': 'voucher-issued' });
  const form = h('form', { class: 'card' }, h('h2', {}, t('vouchers.issue')),
    h('div', { class: 'row' },
      h('label', {}, t('vouchers.kind'), f.kind), h('label', {}, t('vouchers.name'), f.name),
      h('label', {}, t('vouchers.value'), f.value), h('label', {}, t('vouchers.count'), f.count),
      h('label', {}, t('vouchers.productId'), f.product_id), h('label', {}, t('vouchers.prefix'), f.prefix),
      h('label', {}, t('vouchers.minSpend'), f.min_spend), h('label', {}, t('vouchers.expires'), f.expires),
      h('button', { type: 'submit', class: 'primary', 'data-testid': 'voucher-submit' }, t('vouchers.submit'))),
    err, issued);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    const body = { kind: f.kind.value, name: f.name.value.trim(), value: Number(f.value.value), count: Number(f.count.value), product_id: f.product_id.value.trim(), min_spend: Number(f.min_spend.value || 0) };
    if (f.prefix.value.trim()) body.prefix = f.prefix.value.trim();
    // The end of the chosen Taiwan day.
    if (f.expires.value) body.expires_at = new Date(`${f.expires.value}T23:59:59+08:00`).toISOString().replace(/\.\d{3}Z$/, 'Z');
    try {
      const r = await api('POST', '/admin/vouchers', body);
      toast(t('vouchers.issued', { count: r.vouchers.length }));
      await vouchersPage();
      const again = main.querySelector('[data-testid="voucher-issued"]');
      again.textContent = r.vouchers.map((v) => v.code).join('\n');
      again.hidden = false;
    } catch (e) {
      err.textContent = e.message;
    }
  });
  const status = h('select', { 'data-testid': 'voucher-filter' },
    ['', 'available', 'reserved', 'used'].map((s) => h('option', { value: s, selected: voucherStatus === s }, t(s ? `vouchers.status.${s}` : 'vouchers.status.all'))));
  status.addEventListener('change', () => { voucherStatus = status.value; route(); });
  const csv = h('button', { type: 'button', class: 'secondary', 'data-testid': 'voucher-csv' }, t('vouchers.csv'));
  csv.addEventListener('click', () => downloadCsv(new URLSearchParams({ kind: 'vouchers', ...(voucherStatus ? { status: voucherStatus } : {}) })).catch((e) => toast(e.message)));
  const cols = ['code', 'kind', 'name', 'value', 'status', 'order', 'created'];
  const table = data.vouchers.length
    ? h('div', { class: 'table-wrap' }, h('table', { class: 'responsive', 'data-testid': 'voucher-table' },
      h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col', class: c === 'value' ? 'num' : undefined }, t(`vouchers.col.${c}`))))),
      h('tbody', {}, data.vouchers.map((v) => h('tr', { 'data-testid': `voucher-${v.code}` },
        h('td', { 'data-label': t('vouchers.col.code') }, v.code),
        h('td', { 'data-label': t('vouchers.col.kind') }, t(`order.voucher.${v.kind}`)),
        h('td', { 'data-label': t('vouchers.col.name') }, v.name),
        h('td', { class: 'num', 'data-label': t('vouchers.col.value') }, money(v.value)),
        h('td', { 'data-label': t('vouchers.col.status') }, h('span', { class: `badge ${v.status}` }, t(`vouchers.status.${v.status}`))),
        h('td', { 'data-label': t('vouchers.col.order') }, v.order_id ? h('a', { href: `#/order/${encodeURIComponent(v.order_id)}` }, v.order_id) : ''),
        h('td', { 'data-label': t('vouchers.col.created') }, when(v.created_at)))))))
    : h('p', { class: 'muted' }, t('vouchers.empty'));
  render(h('h1', {}, t('vouchers.title')), form,
    h('section', { class: 'card' }, h('h2', {}, t('vouchers.list')), h('div', { class: 'row' }, h('label', {}, t('vouchers.status'), status), csv), table));
}

// ---- reconciliation ----
async function reconcilePage() {
  const data = await api('GET', '/admin/reconcile/runs');
  const result = h('p', { role: 'status', 'data-testid': 'reconcile-result' });
  const run = h('button', { type: 'button', class: 'primary', 'data-testid': 'reconcile-run' }, t('reconcile.run'));
  run.addEventListener('click', async () => {
    run.disabled = true;
    try {
      const r = await api('POST', '/admin/reconcile', { min_age_seconds: 0 });
      await reconcilePage();
      main.querySelector('[data-testid="reconcile-result"]').textContent = t('reconcile.result', r);
    } catch (e) {
      result.textContent = e.message;
      run.disabled = false;
    }
  });
  const cols = ['at', 'source', 'checked', 'updated', 'failed', 'error'];
  const runs = data.runs.length
    ? h('div', { class: 'table-wrap' }, h('table', { class: 'responsive', 'data-testid': 'reconcile-runs' },
      h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, t(`reconcile.col.${c}`))))),
      h('tbody', {}, data.runs.map((r) => h('tr', {},
        h('td', { 'data-label': t('reconcile.col.at') }, when(r.at)),
        h('td', { 'data-label': t('reconcile.col.source') }, t(`reconcile.source.${r.source}`)),
        h('td', { 'data-label': t('reconcile.col.checked') }, r.checked),
        h('td', { 'data-label': t('reconcile.col.updated') }, r.updated),
        h('td', { 'data-label': t('reconcile.col.failed'), class: r.failed ? 'error' : undefined }, r.failed),
        h('td', { 'data-label': t('reconcile.col.error') }, r.error ?? ''))))))
    : h('p', { class: 'muted' }, t('reconcile.noRuns'));
  const review = data.needs_review.length
    ? h('ul', { 'data-testid': 'reconcile-review' }, data.needs_review.map((r) => h('li', {}, h('a', { href: '#/review' }, `${r.reason ? t(`reason.${r.reason}`) : t('reason.none')}: ${r.count}`))))
    : h('p', { class: 'muted' }, t('reconcile.noMismatch'));
  render(h('h1', {}, t('reconcile.title')),
    h('section', { class: 'card' }, h('p', { class: 'muted' }, t('reconcile.hint')), run, result),
    h('section', { class: 'card' }, h('h2', {}, t('reconcile.mismatch')), review),
    h('section', { class: 'card' }, h('h2', {}, t('reconcile.runs')), runs));
}

// ---- accounting export ----
async function exportPage() {
  const kind = h('select', { name: 'kind', 'data-testid': 'export-kind' }, ['orders', 'refunds', 'vouchers'].map((k) => h('option', { value: k }, t(`export.kind.${k}`))));
  const from = h('input', { type: 'date', name: 'from', value: daysAgo(30), 'data-testid': 'export-from' });
  const to = h('input', { type: 'date', name: 'to', value: today(), 'data-testid': 'export-to' });
  const err = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'card' }, h('p', { class: 'muted' }, t('export.hint')),
    h('div', { class: 'row' }, h('label', {}, t('export.kind'), kind), h('label', {}, t('orders.from'), from), h('label', {}, t('orders.to'), to),
      h('button', { type: 'submit', class: 'primary', 'data-testid': 'export-download' }, t('export.download'))), err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    try {
      await downloadCsv(new URLSearchParams({ kind: kind.value, from: from.value, to: to.value }));
    } catch (e) {
      err.textContent = e.message;
    }
  });
  render(h('h1', {}, t('export.title')), form);
}

// ---- webhooks (when the Worker has them) ----
/** A delivery's last result in plain words: the receiver's HTTP status, or
 *  why there was none (`timeout`, `network`, `endpoint_removed`). */
function deliveryResult(dl) {
  if (dl.last_status_code) return `HTTP ${dl.last_status_code}`;
  const e = dl.last_error ?? '';
  const code = e.match(/^http_(\d{3})$/)?.[1];
  if (code) return `HTTP ${code}`;
  return has(`webhooks.error.${e}`) ? t(`webhooks.error.${e}`) : e;
}

async function webhooksPage() {
  let data;
  try {
    data = await api('GET', '/admin/webhooks');
  } catch (e) {
    if (e.status === 404) {
      document.getElementById('nav-webhooks').hidden = true;
      location.hash = '#/orders';
      return;
    }
    throw e;
  }
  const failed = await api('GET', '/admin/webhooks/deliveries?status=failed').catch(() => ({ deliveries: [] }));
  const url = h('input', { type: 'url', name: 'url', required: true, placeholder: 'https://', 'data-testid': 'webhook-url' });
  const err = h('p', { class: 'error', role: 'alert' });
  const add = h('form', { class: 'row' }, h('label', { class: 'grow' }, t('webhooks.url'), url), h('button', { type: 'submit', class: 'primary', 'data-testid': 'webhook-add' }, t('webhooks.add')));
  add.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const r = await api('POST', '/admin/webhooks/endpoints', { url: url.value.trim() });
      await route();
      // The endpoint's signing secret is shown this once: the receiver needs it.
      const box = h('div', { class: 'explain card', 'data-testid': 'webhook-secret' },
        h('p', {}, t('webhooks.secret', { url: r.endpoint?.url ?? '' })), h('pre', { class: 'codes' }, r.secret ?? ''));
      main.querySelector('h1')?.after(box);
    } catch (e) {
      err.textContent = e.message;
    }
  });
  const endpoints = data.endpoints.length
    ? h('ul', { 'data-testid': 'webhook-endpoints' }, data.endpoints.map((ep) => {
      const del = h('button', { type: 'button', class: 'link', hidden: ep.source !== 'console', 'data-testid': `webhook-delete-${ep.id}` }, t('webhooks.delete'));
      del.addEventListener('click', async () => {
        try {
          await api('DELETE', `/admin/webhooks/endpoints/${encodeURIComponent(ep.id)}`);
          await route();
        } catch (e) {
          toast(e.message);
        }
      });
      const source = ep.source === 'setting' ? t('webhooks.source.setting') : t('webhooks.source.console');
      return h('li', { 'data-testid': `webhook-endpoint-${ep.id}` }, `${ep.url} · ${ep.enabled ? t('webhooks.enabled') : t('webhooks.disabled')} · ${source} `, del);
    }))
    : h('p', { class: 'muted' }, t('webhooks.none'));
  const rows = (failed.deliveries ?? []).map((dl) => {
    const replay = h('button', { type: 'button', class: 'secondary', 'data-testid': `replay-${dl.id}` }, t('webhooks.replay'));
    replay.addEventListener('click', async () => {
      replay.disabled = true;
      try {
        await api('POST', `/admin/webhooks/deliveries/${encodeURIComponent(dl.id)}/replay`);
        toast(t('webhooks.replayed'));
        await route();
      } catch (e) {
        toast(e.message);
        replay.disabled = false;
      }
    });
    return h('tr', { 'data-testid': `delivery-${dl.id}` },
      h('td', { 'data-label': t('webhooks.col.type') }, dl.type),
      h('td', { 'data-label': t('webhooks.col.order') }, dl.order_id ? h('a', { href: `#/order/${encodeURIComponent(dl.order_id)}` }, dl.order_id) : ''),
      h('td', { 'data-label': t('webhooks.url') }, dl.url ?? ''),
      h('td', { 'data-label': t('webhooks.col.attempts') }, dl.attempts),
      h('td', { 'data-label': t('webhooks.col.last'), 'data-testid': 'delivery-last' }, deliveryResult(dl)),
      h('td', {}, replay));
  });
  render(h('h1', {}, t('webhooks.title')),
    h('section', { class: 'card' }, h('h2', {}, t('webhooks.endpoints')), endpoints, add, err),
    h('section', { class: 'card' }, h('h2', {}, t('webhooks.failed', { count: data.failed_deliveries ?? rows.length })),
      rows.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'responsive' }, h('tbody', {}, rows))) : h('p', { class: 'muted' }, t('webhooks.noFailed'))));
}

// ---- start ----
function applyLanguage() {
  translate();
  document.getElementById('lang-switch').textContent = t('lang.switch');
  document.title = t('app.title');
}

document.getElementById('lang-switch').addEventListener('click', () => {
  setLang(lang() === 'en' ? 'zh-Hant-TW' : 'en');
  applyLanguage();
  if (session) route();
  else showSignIn();
});
document.getElementById('sign-out').addEventListener('click', signOut);
window.addEventListener('hashchange', route);

applyLanguage();
(async () => {
  try {
    if (await trySession()) {
      if (session.via === 'access') toast(t('signin.via.access', { who: session.principal ?? '' }));
      await signedIn();
    } else {
      sessionStorage.removeItem(TOKEN_KEY);
      showSignIn();
    }
  } catch (e) {
    render(errorBox(e));
  }
})();
