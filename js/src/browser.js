// Browser and bundler entry: fetches the wasm next to this file (bundlers
// follow `new URL(..., import.meta.url)`) and instantiates it before export.
import init, * as wasm from './wasm/mypay_edge.js';
import { makeApi } from './api.js';

await init({ module_or_path: new URL('./wasm/mypay_edge_bg.wasm', import.meta.url) });

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
