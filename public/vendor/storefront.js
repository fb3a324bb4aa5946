// GENERATED from js/storefront/index.js by scripts/build-storefront.sh: do not edit.
// mypay-edge/storefront: the browser client for a mypay-edge Worker's public API
// (docs/http-api.md). No key, no wasm, no dependencies: safe to ship to a browser.

/** Order statuses after which an order no longer changes by itself. */
export const FINAL_STATUSES = Object.freeze(['paid', 'failed', 'expired', 'refunded', 'needs_review']);

/** True when `status` is one of {@link FINAL_STATUSES}. */
export function isFinalStatus(status) {
  return FINAL_STATUSES.includes(status);
}

/**
 * Every failure of the client: an error answer of the Worker (`code` and `message`
 * from its `{"error":{...}}` body, `status` its HTTP status), or one of the client's
 * own codes with `status` 0: `network_error`, `aborted`, `timeout`, `bad_response`.
 */
export class StorefrontError extends Error {
  constructor(code, message, { status = 0, details = undefined, cause = undefined } = {}) {
    super(message || code, cause === undefined ? undefined : { cause });
    this.name = 'StorefrontError';
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

const sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(abortError(signal));
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });

function abortError(signal) {
  const reason = signal?.reason;
  if (reason instanceof StorefrontError) return reason;
  return new StorefrontError('aborted', 'The request was aborted', { cause: reason });
}

/** A random RFC 4122 version 4 UUID; works outside secure contexts too. */
export function newIdempotencyKey() {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') {
    try {
      return c.randomUUID();
    } catch {
      // randomUUID needs a secure context in browsers; getRandomValues does not.
    }
  }
  if (!c || typeof c.getRandomValues !== 'function') {
    throw new StorefrontError('no_crypto', 'crypto.getRandomValues is not available');
  }
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Creates a client for the Worker at `baseUrl` (e.g. `https://shop.example/` or `''`
 * for the page's own origin).
 */
export function createStorefront({ baseUrl = '', fetch: fetchImpl, checkoutRetries = 3 } = {}) {
  if (fetchImpl == null && typeof globalThis.fetch !== 'function') {
    throw new TypeError('createStorefront: no fetch available; pass one as `fetch`');
  }
  // Called through a wrapper so that a browser's fetch never runs with the wrong `this`.
  const doFetch = fetchImpl ?? ((...args) => globalThis.fetch(...args));
  const base = String(baseUrl ?? '').replace(/\/+$/, '');
  const url = (path) => base + path;

  async function request(method, path, { body, headers = {}, signal } = {}) {
    const init = { method, headers: { accept: 'application/json', ...headers }, signal };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await doFetch(url(path), init);
    } catch (err) {
      if (signal?.aborted || err?.name === 'AbortError') throw abortError(signal);
      throw new StorefrontError('network_error', `Network error: ${err?.message ?? err}`, { cause: err });
    }
    let text;
    try {
      text = await res.text();
    } catch (err) {
      if (signal?.aborted || err?.name === 'AbortError') throw abortError(signal);
      throw new StorefrontError('network_error', `Network error: ${err?.message ?? err}`, {
        status: res.status,
        cause: err,
      });
    }
    let json;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const e = json && typeof json === 'object' ? json.error : undefined;
      if (e && typeof e === 'object' && typeof e.code === 'string') {
        const err = new StorefrontError(e.code, typeof e.message === 'string' ? e.message : e.code, {
          status: res.status,
          details: e.details ?? json.details,
        });
        if (typeof e.order_id === 'string') err.orderId = e.order_id;
        throw err;
      }
      throw new StorefrontError('http_error', `HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}`, {
        status: res.status,
        details: text.slice(0, 500),
      });
    }
    if (json === undefined || json === null || typeof json !== 'object') {
      throw new StorefrontError('bad_response', 'The server answered something other than a JSON object', {
        status: res.status,
        details: text.slice(0, 500),
      });
    }
    return json;
  }

  const cartBody = ({ items, vouchers = [] } = {}) => ({
    items: (items ?? []).map(({ product_id, quantity }) => ({ product_id, quantity })),
    vouchers: [...vouchers],
  });

  async function listProducts({ signal } = {}) {
    const body = await request('GET', '/api/products', { signal });
    if (!Array.isArray(body.products)) {
      throw new StorefrontError('bad_response', 'The product list has no `products` array', { status: 200 });
    }
    return body.products;
  }

  function quote(cart, { signal } = {}) {
    return request('POST', '/api/quote', { body: cartBody(cart), signal });
  }

  /** The store's public settings (`GET /api/config`): Turnstile's site key, payment methods, instalments. */
  function storeConfig({ signal } = {}) {
    return request('GET', '/api/config', { signal });
  }

  async function checkout(order, { idempotencyKey, turnstileToken, signal } = {}) {
    const key = idempotencyKey ?? newIdempotencyKey();
    const body = cartBody(order);
    body.customer = order.customer;
    if (order.pfn) body.pfn = order.pfn;
    if (order.invoice) body.invoice = order.invoice;
    if (order.echo) body.echo = order.echo;
    for (let attempt = 0; ; attempt++) {
      try {
        const reply = await request('POST', '/api/checkout', {
          body,
          headers: {
            'idempotency-key': key,
            ...(turnstileToken ? { 'cf-turnstile-response': turnstileToken } : {}),
          },
          signal,
        });
        Object.defineProperty(reply, 'idempotencyKey', { value: key, enumerable: false });
        return reply;
      } catch (err) {
        // A network failure leaves us not knowing whether the order exists: ask again
        // with the same key, which the Worker answers with the same order. The Worker
        // says `idempotency_in_progress` while the first request is still running.
        const retriable = err instanceof StorefrontError &&
          (err.code === 'network_error' || err.code === 'idempotency_in_progress');
        if (retriable && attempt < checkoutRetries) {
          await sleep(500 * 2 ** attempt, signal);
          continue;
        }
        if (err instanceof StorefrontError) err.idempotencyKey = key;
        throw err;
      }
    }
  }

  function orderStatus(orderId, token, { signal } = {}) {
    if (!orderId) throw new StorefrontError('invalid_request', 'orderStatus: orderId is required');
    return request('GET', `/api/orders/${encodeURIComponent(orderId)}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal,
    });
  }

  async function waitForFinal(
    orderId,
    token,
    { timeoutMs, onUpdate, signal, initialDelayMs = 1000, factor = 1.5, maxDelayMs = 10000 } = {},
  ) {
    const deadline = timeoutMs == null ? Infinity : Date.now() + timeoutMs;
    let delay = initialDelayMs;
    let last;
    let lastKey;
    for (;;) {
      if (signal?.aborted) throw abortError(signal);
      try {
        last = await orderStatus(orderId, token, { signal });
        const key = `${last.status}|${last.updated_at ?? ''}|${JSON.stringify(last.payment ?? null)}`;
        if (key !== lastKey) {
          lastKey = key;
          if (onUpdate) onUpdate(last);
        }
        if (isFinalStatus(last.status)) return last;
      } catch (err) {
        // Keep polling through transient trouble; give up on anything definite.
        const transient =
          err instanceof StorefrontError &&
          (err.code === 'network_error' || err.code === 'bad_response' || err.status === 429 || err.status >= 500);
        if (!transient) throw err;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new StorefrontError('timeout', `Order ${orderId} is still ${last?.status ?? 'unknown'}`, {
          details: last,
        });
      }
      await sleep(Math.min(delay, left), signal);
      delay = Math.min(delay * factor, maxDelayMs);
    }
  }

  return { listProducts, storeConfig, quote, checkout, orderStatus, waitForFinal };
}

export default createStorefront;
