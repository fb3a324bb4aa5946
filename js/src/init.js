// mypay-edge/init for browsers and bundlers (`browser`, `import` and
// `default` conditions): loads nothing by itself and has no top-level await.
// `await init(wasm)` instantiates the wasm given (a URL or its string, a
// Request, a Response or a promise of one, the bytes, or a compiled
// WebAssembly.Module); then the API (api-browser.js, as in the browser
// entry) works.
import initWasm from './wasm/mypay_edge.js';
import * as keyless from './wasm-keyless.js';
import { install, wasm } from './instance.js';

export * from './api-browser.js';

const INPUT =
  'a URL (or its string) of mypay_edge_bg.wasm, a Request, a Response (or a promise of one), its bytes ' +
  '(ArrayBuffer, typed array) or a WebAssembly.Module';

let loading;

/** Instantiates the wasm from `input`; resolves when the API is ready. */
export function init(input) {
  if (wasm !== undefined) return Promise.resolve();
  if (input === undefined || input === null || typeof input === 'boolean' || typeof input === 'number') {
    return Promise.reject(new TypeError(`mypay-edge: init(wasm) needs the wasm: ${INPUT}`));
  }
  loading ??= initWasm({ module_or_path: input }).then(
    () => install(keyless),
    (e) => {
      loading = undefined;
      throw e;
    },
  );
  return loading;
}
