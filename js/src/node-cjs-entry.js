// Node entry, bundled by scripts/build-js.sh into dist/index.cjs (CommonJS);
// dist/index.mjs re-exports it, so `import` and `require` share one instance.
// Reads the wasm from disk and instantiates it; then the API (api.js holds
// the list).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as wasm from './wasm/mypay_edge.js';
import { install } from './instance.js';

// `__dirname` is the folder of dist/index.cjs once bundled.
wasm.initSync({ module: readFileSync(join(__dirname, 'wasm', 'mypay_edge_bg.wasm')) });
install(wasm);

export * from './api.js';
