// Types of mypay-edge/init in the browser build (the `browser` condition):
// the browser build's API (./browser.d.ts) plus `init`.
export * from './browser.js';
export { init, type WasmInput } from '../init.js';
