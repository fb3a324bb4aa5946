// mypay-edge/init in Node (`node` condition, so Deno too): the Node entry,
// which reads the wasm from disk as it is imported, plus an `init()` that
// has nothing left to do. Code written for mypay-edge/init runs unchanged.
export * from './index.mjs';

/** The wasm is already instantiated: resolves at once; `input` is not used. */
export async function init(input) {
  void input;
}
