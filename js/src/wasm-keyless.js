// The wasm-bindgen functions the browser builds install: the ones that take
// no key. Importing them by name (not `import * as`) lets bundlers drop the
// glue of the key-taking ones (encrypt, decrypt, buildRequest, keyCount,
// retryDelay, …) from browser bundles.
export {
  parseReply,
  callPolicy,
  validateOrder,
  validateRefund,
  parseNotification,
  statusClass,
  valueTables,
  version,
} from './wasm/mypay_edge.js';
