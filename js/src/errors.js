// MypayError: every failure of mypay-edge, with a stable `code`.

/**
 * A failure of mypay-edge. `code` is stable (`invalid_key`, `decrypt_failed`,
 * `mypay_error`, `key_mismatch`, ...); `mypayCode` / `mypayMsg` are MYPAY's
 * own `code` and `msg` when MYPAY refused a call; `status` is the HTTP status
 * of a reply that was not JSON; `problems` lists what is wrong with a request.
 */
export class MypayError extends Error {
  constructor(code, message, details = {}) {
    super(message || code, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'MypayError';
    this.code = code;
    for (const k of DETAIL_KEYS) {
      if (details[k] !== undefined) this[k] = details[k];
    }
  }
}

const DETAIL_KEYS = ['mypayCode', 'mypayMsg', 'status', 'snippet', 'field', 'problems'];

/** Turns anything the wasm layer (or a runtime) threw into a MypayError. */
export function toMypayError(e) {
  if (e instanceof MypayError) return e;
  if (e !== null && typeof e === 'object' && e.name === 'MypayError' && typeof e.code === 'string') {
    const err = new MypayError(e.code, e.message, e);
    return err;
  }
  if (typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError) {
    return new MypayError('internal_error', `mypay-edge: the wasm module failed (${e.message})`, { cause: e });
  }
  const message = e instanceof Error ? e.message : String(e);
  return new MypayError('internal_error', `mypay-edge: ${message}`, { cause: e });
}
