// Browser and bundler entry: fetches the wasm next to this file (bundlers
// follow `new URL(..., import.meta.url)`), instantiates it, then exports the
// API (api.js holds the list).
import init, * as wasm from './wasm/mypay_edge.js';
import { install } from './instance.js';

await init({ module_or_path: new URL('./wasm/mypay_edge_bg.wasm', import.meta.url) });
install(wasm);

export * from './api.js';
