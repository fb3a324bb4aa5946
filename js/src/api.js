// The public API of mypay-edge over its wasm module: the same for Node, browsers and Workers.
import { MypayError, toMypayError } from './errors.js';

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Wraps the wasm exports: every failure becomes a MypayError, never a bare
 * string or a wasm trap.
 */
export function makeApi(wasm) {
  const guard =
    (fn) =>
    (...args) => {
      try {
        return fn(...args);
      } catch (e) {
        throw toMypayError(e);
      }
    };

  const version = guard(() => wasm.version())();
  const encrypt = guard((json, key) => wasm.encrypt(json, key));
  const decrypt = guard((b64, key) => wasm.decrypt(b64, key));
  const buildRequest = guard((cmd, payload, options) => wasm.buildRequest(cmd, payload, options));
  const parseReply = guard((cmd, text, status) => wasm.parseReply(cmd, text, status));
  const validateOrder = guard((order) => wasm.validateOrder(order));
  const validateRefund = guard((refund) => wasm.validateRefund(refund));
  const parseNotification = guard((formBody) => {
    if (typeof URLSearchParams !== 'undefined' && formBody instanceof URLSearchParams) formBody = formBody.toString();
    return wasm.parseNotification(formBody);
  });
  const verifyNotification = guard((report, expected) => {
    if (typeof URLSearchParams !== 'undefined' && report instanceof URLSearchParams) report = report.toString();
    return wasm.verifyNotification(report, expected);
  });
  const statusClass = guard((code) => wasm.statusClass(code));
  const valueTables = guard(() => wasm.valueTables());
  const defaultUserAgent = `mypay-edge/${version}`;

  /** Puts the client's store_uid into a request that has none. */
  const withStore = (req, storeUid) => {
    if (req === null || typeof req !== 'object' || Array.isArray(req)) {
      throw new MypayError('invalid_argument', 'the request must be an object');
    }
    const missing = req.store_uid === undefined || req.store_uid === null || req.store_uid === '';
    return missing && storeUid !== undefined ? { ...req, store_uid: storeUid } : req;
  };

  const refuseProblems = (what, problems) => {
    if (problems.length === 0) return;
    const first = problems[0];
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw new MypayError('invalid_request', `the ${what} is not valid: ${first.path}: ${first.message}${more}`, {
      problems,
    });
  };

  /**
   * A client of MYPAY LINK's agent API for server-side code (Node, Workers).
   * It holds the agent key: never construct it in a browser.
   */
  class MypayClient {
    #key;
    #fetch;

    constructor(options = {}) {
      const { endpoint, agentUid, key, storeUid, fetch, userAgent, timeoutMs } = options ?? {};
      if (typeof endpoint !== 'string' || !/^https?:\/\/[^/]/i.test(endpoint)) {
        throw new MypayError('invalid_argument', 'endpoint must be the http(s) URL of the agent API');
      }
      if ((typeof agentUid !== 'string' && typeof agentUid !== 'number') || String(agentUid).trim() === '') {
        throw new MypayError('invalid_argument', 'agentUid is required');
      }
      if (typeof key !== 'string' || new TextEncoder().encode(key.trim()).length !== 32) {
        throw new MypayError('invalid_key', 'key must be the 32-character agent key');
      }
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
      this.userAgent = userAgent ?? defaultUserAgent;
      this.timeoutMs = timeout;
      this.#key = key.trim();
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

    async #call(cmd, payload) {
      const req = buildRequest(cmd, payload, { agentUid: this.agentUid, key: this.#key });
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

  return {
    version,
    encrypt,
    decrypt,
    buildRequest,
    parseReply,
    validateOrder,
    validateRefund,
    parseNotification,
    verifyNotification,
    statusClass,
    valueTables,
    MypayClient,
    MypayError,
  };
}
