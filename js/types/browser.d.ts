// Types of the browser build of mypay-edge (the `browser` condition; in
// TypeScript, `"customConditions": ["browser"]`): every type of the package,
// the functions that take no key, and in place of each key-taking name a
// value of type `never`, so that using one does not compile.
export type * from '../index.js';
export {
  MypayError,
  version,
  parseReply,
  callPolicy,
  validateOrder,
  validateRefund,
  parseNotification,
  statusClass,
  valueTables,
} from '../index.js';

/**
 * @deprecated Not in the browser build: it takes the agent key, which must
 * never reach a browser. Throws. Use `mypay-edge/storefront` in the browser.
 */
export declare const encrypt: never;
/**
 * @deprecated Not in the browser build: it takes the agent key, which must
 * never reach a browser. Throws. Use `mypay-edge/storefront` in the browser.
 */
export declare const decrypt: never;
/**
 * @deprecated Not in the browser build: it takes the agent key, which must
 * never reach a browser. Throws. Use `mypay-edge/storefront` in the browser.
 */
export declare const buildRequest: never;
/**
 * @deprecated Not in the browser build: it checks MYPAY's reports against
 * the order's key, on your server's report URL. Throws.
 */
export declare const verifyNotification: never;
/**
 * @deprecated Not in the browser build: it takes the agent key, which must
 * never reach a browser. Throws. Use `mypay-edge/storefront` in the browser.
 */
export declare const MypayClient: never;
