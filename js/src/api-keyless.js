// The part of the API that takes no key: safe in every build, browsers
// included. api.js adds the key-taking part for servers; api-browser.js adds
// refusals in its place. Each list is written once, here and there.
import { MypayError } from './errors.js';
import { wasm, version } from './instance.js';
import { call, isParams } from './call.js';

export { MypayError, version };

export function parseReply(cmd, text, status) {
  return call(() => wasm.parseReply(cmd, text, status));
}

/** How MypayClient repeats a failed `cmd`: the protocol crate's policy. */
export function callPolicy(cmd) {
  return call(() => wasm.callPolicy(cmd));
}

export function validateOrder(order) {
  return call(() => wasm.validateOrder(order));
}

export function validateRefund(refund) {
  return call(() => wasm.validateRefund(refund));
}

export function parseNotification(formBody) {
  return call(() => wasm.parseNotification(isParams(formBody) ? formBody.toString() : formBody));
}

export function statusClass(code) {
  return call(() => wasm.statusClass(code));
}

export function valueTables() {
  return call(() => wasm.valueTables());
}
