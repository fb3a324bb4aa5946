// Node entry, bundled by scripts/build-js.sh into dist/index.cjs (CommonJS);
// dist/index.mjs re-exports it, so `import` and `require` share one instance.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initSync } from './wasm/mypay_edge.js';
import * as wasm from './wasm/mypay_edge.js';
import { makeApi } from './api.js';

// `__dirname` is the folder of dist/index.cjs once bundled.
initSync({ module: readFileSync(join(__dirname, 'wasm', 'mypay_edge_bg.wasm')) });

export const {
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
} = makeApi(wasm);
