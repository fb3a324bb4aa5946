// Cloudflare Workers entry (`workerd` condition): wrangler imports the .wasm
// as a compiled WebAssembly.Module, instantiated synchronously at load.
import wasmModule from './wasm/mypay_edge_bg.wasm';
import * as wasm from './wasm/mypay_edge.js';
import { makeApi } from './api.js';

wasm.initSync({ module: wasmModule });

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
