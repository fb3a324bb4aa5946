// Cloudflare Workers entry (`workerd` condition): wrangler imports the .wasm
// as a compiled WebAssembly.Module, instantiated synchronously at load; then
// the API (api.js holds the list).
import wasmModule from './wasm/mypay_edge_bg.wasm';
import * as wasm from './wasm/mypay_edge.js';
import { install } from './instance.js';

wasm.initSync({ module: wasmModule });
install(wasm);

export * from './api.js';
