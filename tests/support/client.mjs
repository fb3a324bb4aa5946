// What every test client of the Worker sends besides its request, shared by
// tests/worker, tests/chaos and scripts/bench-worker.mjs.
import { createHash, randomBytes } from 'node:crypto';

/** Turnstile's dummy token (what its test site keys hand out). */
export const TURNSTILE_TOKEN = 'XXXX.DUMMY.TOKEN.XXXX';

/**
 * A client address for CF-Connecting-IP (wrangler dev keeps one a client
 * sends; Cloudflare sets it itself): the same for one Idempotency-Key (keys
 * belong to their client), else a fresh one per call, so that the
 * per-address rate limits (tests/worker/abuse.test.mjs) do not slow the
 * other tests.
 */
export function addressFor(key) {
  const b = key ? createHash('sha256').update(key).digest() : randomBytes(2);
  return `198.18.${b[0]}.${b[1] || 1}`;
}

/** `headers` (any case) over the defaults above, lower-cased. */
export function clientHeaders(userAgent, headers = {}) {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    'user-agent': userAgent,
    'cf-connecting-ip': addressFor(lower['idempotency-key']),
    'cf-turnstile-response': TURNSTILE_TOKEN,
    ...lower,
  };
}
