// Browser and bundler entry (`browser`, `import` and `default` conditions):
// fetches the wasm next to this file (bundlers follow
// `new URL(..., import.meta.url)`), instantiates it with a top-level await,
// then exports the keyless API and refusals for the key-taking names
// (api-browser.js). mypay-edge/init is the same API with no top-level await.
import initWasm from './wasm/mypay_edge.js';
import * as keyless from './wasm-keyless.js';
import { install } from './instance.js';

await initWasm({ module_or_path: new URL('./wasm/mypay_edge_bg.wasm', import.meta.url) });
install(keyless);

export * from './api-browser.js';
