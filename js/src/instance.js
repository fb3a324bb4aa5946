// The wasm instance the API runs on. Each entry (browser.js, workerd.js,
// node-cjs-entry.js) instantiates the wasm its own way and installs it here
// before it exports the API (api.js); nothing in api.js touches the wasm
// before that. Not part of the public API.

/** The wasm exports (js/bindings). */
export let wasm;
/** The package version, the bindings crate's. */
export let version;

/** Called once by the entry, with the initialised wasm-bindgen module. */
export function install(exports) {
  wasm = exports;
  version = exports.version();
}
