// mypay-edge/init in Cloudflare Workers (`workerd` condition): the Worker
// entry, which instantiates the wasm as it is imported, plus an `init()`
// that has nothing left to do. Code written for mypay-edge/init runs
// unchanged.
export * from './workerd.js';

/** The wasm is already instantiated: resolves at once; `input` is not used. */
export async function init(input) {
  void input;
}
