// The benchmark's baseline: a plain JavaScript Worker doing the same D1 work
// and the same one MYPAY call as the Rust Worker, with no framework, so that
// `make bench` can put our CPU per request beside what the work itself costs.
//   GET  /api/products  the same SELECT and the same JSON reply
//   POST /api/checkout  the same cart read, product SELECT, order + lines +
//                       event batch, one AES-256-CBC envelope (WebCrypto) to
//                       MYPAY's api/orders, the reply read, the order updated
// It checks nothing a benchmark does not send (no vouchers, no idempotency
// keys, no validation beyond what the SQL needs).

const SHIPPING = 80;
const FREE_SHIPPING_FROM = 2000;

const json = (status, value) =>
  new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } });

const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
const b64 = (bytes) => btoa(String.fromCharCode(...bytes));

let keyPromise;
function aesKey(env) {
  keyPromise ??= crypto.subtle.importKey('raw', new TextEncoder().encode(env.MYPAY_AGENT_KEY), 'AES-CBC', false, ['encrypt']);
  return keyPromise;
}

async function seal(env, value) {
  const iv = crypto.getRandomValues(new Uint8Array(16));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-CBC', iv }, await aesKey(env), new TextEncoder().encode(JSON.stringify(value))));
  const out = new Uint8Array(16 + ct.length);
  out.set(iv);
  out.set(ct, 16);
  return b64(out);
}

async function products(env) {
  const { results } = await env.DB.prepare(
    'SELECT id, name, name_en, description, description_en, price, currency, image_url, active FROM products WHERE active = 1 ORDER BY sort, id',
  ).all();
  return json(200, {
    products: results.map((p) => ({
      id: p.id, name: p.name, name_en: p.name_en, price: p.price, currency: p.currency,
      description: p.description, description_en: p.description_en, image_url: p.image_url,
    })),
  });
}

async function checkout(request, env) {
  const body = await request.json();
  const items = body.items ?? [];
  const ids = items.map((i) => i.product_id);
  const { results } = await env.DB.prepare(
    `SELECT id, name, name_en, price FROM products WHERE active = 1 AND id IN (${ids.map(() => '?').join(',')})`,
  ).bind(...ids).all();
  const byId = new Map(results.map((p) => [p.id, p]));
  const lines = items.map((i) => {
    const p = byId.get(i.product_id);
    return { product_id: p.id, name: p.name, name_en: p.name_en, unit_price: p.price, quantity: i.quantity, total: p.price * i.quantity };
  });
  const itemTotal = lines.reduce((n, l) => n + l.total, 0);
  if (itemTotal < FREE_SHIPPING_FROM) lines.push({ product_id: 'shipping', name: '運費', name_en: 'Shipping', unit_price: SHIPPING, quantity: 1, total: SHIPPING });
  const amount = lines.reduce((n, l) => n + l.total, 0);
  const now = Math.floor(Date.now() / 1000);
  const id = `MB${now}${hex(crypto.getRandomValues(new Uint8Array(5))).toUpperCase()}`;
  const token = hex(crypto.getRandomValues(new Uint8Array(24)));
  const expires = now + 1800;
  const stmts = [
    env.DB.prepare(
      "INSERT INTO orders (id, token, status, amount, subtotal, voucher_total, currency, customer_id, created_at, updated_at, expires_at, next_check_at) VALUES (?1, ?2, 'created', ?3, ?3, 0, 'TWD', ?4, ?5, ?5, ?6, ?6)",
    ).bind(id, token, amount, String(body.customer?.id ?? 'guest'), now, expires),
    ...lines.map((l, n) =>
      env.DB.prepare('INSERT INTO order_lines (order_id, line_no, product_id, name, name_en, unit_price, quantity, total) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)')
        .bind(id, n, l.product_id, l.name, l.name_en, l.unit_price, l.quantity, l.total)),
    env.DB.prepare("INSERT INTO events (order_id, kind, prc, detail, created_at) VALUES (?1, 'created', NULL, ?2, ?3)")
      .bind(id, JSON.stringify({ amount, vouchers: 0 }), now),
  ];
  await env.DB.batch(stmts);
  const data = {
    store_uid: env.MYPAY_STORE_UID, user_id: String(body.customer?.id ?? 'guest'), order_id: id, ip: '127.0.0.1',
    cost: String(amount), currency: 'TWD',
    items: lines.map((l) => ({ id: l.product_id, name: l.name, cost: l.unit_price, amount: l.quantity, total: l.total })),
  };
  const form = new URLSearchParams({
    agent_uid: env.MYPAY_AGENT_UID,
    service: await seal(env, { service_name: 'api', cmd: 'api/orders' }),
    encry_data: await seal(env, data),
  });
  const res = await fetch(env.MYPAY_ENDPOINT, {
    method: 'POST',
    body: form,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'mypay-edge-bench-baseline' },
  });
  const reply = await res.json();
  await env.DB.prepare("UPDATE orders SET status = 'pending', mypay_uid = ?2, mypay_key = ?3, payment_url = ?4, updated_at = ?5 WHERE id = ?1")
    .bind(id, String(reply.uid), String(reply.key), String(reply.url), now).run();
  return json(201, { order_id: id, token, amount, currency: 'TWD', payment_url: reply.url, expires_at: new Date(expires * 1000).toISOString() });
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (request.method === 'GET' && pathname === '/api/products') return products(env);
    if (request.method === 'POST' && pathname === '/api/checkout') return checkout(request, env);
    return json(404, { error: { code: 'not_found', message: 'no such endpoint' } });
  },
};
