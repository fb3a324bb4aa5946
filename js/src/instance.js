// The wasm instance the API runs on. Each entry (browser.js, workerd.js,
// node-cjs-entry.js, init.js) instantiates the wasm its own way and installs
// it here; nothing in the API touches the wasm before that. Not part of the
// public API.

/** The wasm exports (js/bindings) the entry installed. */
export let wasm;
/** The package version, the bindings crate's (undefined until installed). */
export let version;

/** Called once by the entry, with the initialised wasm-bindgen exports it uses. */
export function install(exports) {
  wasm = exports;
  version = exports.version();
}

/**
 * Throws when no entry has installed the wasm yet: only `mypay-edge/init`
 * can get here, when its `init()` has not finished. A programming error,
 * so a plain Error, not a MypayError.
 */
export function assertInstalled() {
  if (wasm === undefined) {
    throw new Error(
      'mypay-edge: the wasm is not loaded yet: await init(wasm) from mypay-edge/init before calling the API',
    );
  }
}
