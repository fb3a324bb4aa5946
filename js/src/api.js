// The public API of mypay-edge for servers (Node, Workers): the part that
// takes no key (api-keyless.js) and the part that takes the agent key, listed
// here. The server entries `export *` from here; the browser builds export
// api-browser.js instead. It runs on the wasm instance the entry installed
// (instance.js).
import { MypayError, toMypayError } from './errors.js';
import { wasm, version } from './instance.js';
import { call, isParams } from './call.js';
import { parseReply, validateOrder, validateRefund } from './api-keyless.js';

export * from './api-keyless.js';

const DEFAULT_TIMEOUT_MS = 30_000;

// The part that takes a key: the agent key (encrypt, decrypt, buildRequest,
// MypayClient) or an order's MYPAY key (verifyNotification, the check of the
// report URL). api-browser.js refuses each of these names.

export function encrypt(json, key) {
  return call(() => wasm.encrypt(json, key));
}

export function decrypt(b64, key) {
  return call(() => wasm.decrypt(b64, key));
}

export function buildRequest(cmd, payload, options) {
  return call(() => wasm.buildRequest(cmd, payload, options));
}

export function verifyNotification(report, expected) {
  return call(() => wasm.verifyNotification(isParams(report) ? report.toString() : report, expected));
}

/** Puts the client's store_uid into a request that has none. */
function withStore(req, storeUid) {
  if (req === null || typeof req !== 'object' || Array.isArray(req)) {
    throw new MypayError('invalid_argument', 'the request must be an object');
  }
  const missing = req.store_uid === undefined || req.store_uid === null || req.store_uid === '';
  return missing && storeUid !== undefined ? { ...req, store_uid: storeUid } : req;
}

function refuseProblems(what, problems) {
  if (problems.length === 0) return;
  const first = problems[0];
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  throw new MypayError('invalid_request', `the ${what} is not valid: ${first.path}: ${first.message}${more}`, {
    problems,
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A client of MYPAY LINK's agent API for server-side code (Node, Workers).
 * It holds the agent key: never construct it in a browser. It follows the
 * protocol crate's call policy (js/bindings/src/policy.rs): api/orders and
 * api/refund are sent once, api/queryorder is repeated on transient
 * failures, and with `key: [current, next]` a call MYPAY cannot open under
 * the current key (code 100) is sent once more under the next.
 */
export class MypayClient {
  #keys;
  #fetch;

  constructor(options = {}) {
    const { endpoint, agentUid, key, storeUid, fetch, userAgent, timeoutMs } = options ?? {};
    if (typeof endpoint !== 'string' || !/^https?:\/\/[^/]/i.test(endpoint)) {
      throw new MypayError('invalid_argument', 'endpoint must be the http(s) URL of the agent API');
    }
    if ((typeof agentUid !== 'string' && typeof agentUid !== 'number') || String(agentUid).trim() === '') {
      throw new MypayError('invalid_argument', 'agentUid is required');
    }
    // A 32-character key, or [current, next] during MYPAY's key rotation (invalid_key otherwise).
    call(() => wasm.keyCount(key));
    const f = fetch ?? globalThis.fetch;
    if (typeof f !== 'function') {
      throw new MypayError('invalid_argument', 'no fetch: pass options.fetch');
    }
    const timeout = timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
      throw new MypayError('invalid_argument', 'timeoutMs must be a positive number');
    }
    if (userAgent !== undefined && (typeof userAgent !== 'string' || userAgent.trim() === '')) {
      throw new MypayError('invalid_argument', 'userAgent must be a non-empty string');
    }
    this.endpoint = endpoint;
    this.agentUid = String(agentUid).trim();
    this.storeUid = storeUid === undefined || storeUid === null ? undefined : String(storeUid);
    this.userAgent = userAgent ?? `mypay-edge/${version}`;
    this.timeoutMs = timeout;
    this.#keys = (Array.isArray(key) ? [...key] : [key]).map((k) => k.trim());
    // Called unbound: a Worker's fetch throws "Illegal invocation" when called as a method.
    this.#fetch = (url, init) => f(url, init);
  }

  /**
   * `api/orders`: creates a PayPage order. store_uid defaults to the
   * client's. The order is validated first; it is sent once, never retried
   * (a retry could create a second order).
   */
  async createOrder(order) {
    const payload = withStore(order, this.storeUid);
    refuseProblems('order', validateOrder(payload));
    return this.#call('api/orders', payload);
  }

  /** `api/queryorder`: the state of an order, by MYPAY's `uid` and `key`. */
  async queryOrder({ uid, key } = {}) {
    const ok = (v) => (typeof v === 'string' || typeof v === 'number') && String(v).trim() !== '';
    if (!ok(uid) || !ok(key)) {
      throw new MypayError('invalid_argument', 'queryOrder needs the uid and key MYPAY returned for the order');
    }
    return this.#call('api/queryorder', { uid: String(uid).trim(), key: String(key).trim() });
  }

  /** `api/refund`: a voucher-mode refund. store_uid defaults to the client's. */
  async refund(req) {
    const payload = withStore(req, this.storeUid);
    refuseProblems('refund', validateRefund(payload));
    return this.#call('api/refund', payload);
  }

  /** Attempts `cmd` as often as its policy allows (wasm.retryDelay decides). */
  async #call(cmd, payload) {
    for (let made = 1; ; made++) {
      let error;
      try {
        return await this.#attempt(cmd, payload);
      } catch (e) {
        error = toMypayError(e);
      }
      const delay = call(() => wasm.retryDelay(cmd, made, error));
      if (delay === undefined) throw error;
      await sleep(delay);
    }
  }

  /** One attempt: under the current key, and once more under the next when MYPAY could not open it. */
  async #attempt(cmd, payload) {
    for (let i = 0; ; i++) {
      try {
        return await this.#send(cmd, payload, this.#keys[i]);
      } catch (e) {
        const error = toMypayError(e);
        if (i + 1 >= this.#keys.length || !wasm.resendUnderNextKey(error)) throw error;
      }
    }
  }

  async #send(cmd, payload, key) {
    const req = buildRequest(cmd, payload, { agentUid: this.agentUid, key });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    let status;
    let text;
    try {
      const res = await this.#fetch(this.endpoint, {
        method: req.method,
        headers: {
          'content-type': req.contentType,
          'user-agent': this.userAgent,
          accept: 'application/json, text/plain, */*',
        },
        body: req.body,
        signal: controller.signal,
      });
      status = res.status;
      text = await res.text();
    } catch (e) {
      const unsure = cmd === 'api/orders' ? ' (the order may have been created: do not resend it blindly)' : '';
      if (controller.signal.aborted) {
        throw new MypayError('timeout', `MYPAY did not answer ${cmd} within ${this.timeoutMs} ms${unsure}`, {
          cause: e,
        });
      }
      throw new MypayError('network_error', `could not reach MYPAY for ${cmd}: ${e?.message ?? e}${unsure}`, {
        cause: e,
      });
    } finally {
      clearTimeout(timer);
    }
    return parseReply(cmd, text, status);
  }

  toJSON() {
    const { endpoint, agentUid, storeUid, userAgent, timeoutMs } = this;
    return { endpoint, agentUid, storeUid, userAgent, timeoutMs };
  }
}
