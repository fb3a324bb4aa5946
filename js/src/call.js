// How the API calls the wasm (not part of the public API).
import { toMypayError } from './errors.js';
import { assertInstalled } from './instance.js';

/** Runs `fn`: every failure becomes a MypayError, never a bare string or a wasm trap. */
export function call(fn) {
  assertInstalled();
  try {
    return fn();
  } catch (e) {
    throw toMypayError(e);
  }
}

/** A form body given as URLSearchParams. */
export const isParams = (v) => typeof URLSearchParams !== 'undefined' && v instanceof URLSearchParams;
