// Types of mypay-edge/init: the API of mypay-edge plus `init`.
export * from './index.js';

/**
 * What {@link init} instantiates: the URL of `mypay_edge_bg.wasm` (or its
 * string), a Request, a Response or a promise of one (`fetch(url)`), its
 * bytes, or a compiled `WebAssembly.Module`.
 */
export type WasmInput =
  | string
  | URL
  | Request
  | Response
  | PromiseLike<Response>
  | ArrayBuffer
  | ArrayBufferView
  | WebAssembly.Module;

/**
 * Instantiates the wasm; the API works once the promise resolves. In
 * browsers and bundlers `input` is required. In Node and Workers the wasm is
 * loaded as the module is imported: `init` resolves at once and ignores
 * `input`. Calling it again resolves at once.
 */
export declare function init(input: WasmInput): Promise<void>;
