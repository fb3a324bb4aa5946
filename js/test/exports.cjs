// The export lists of each build of mypay-edge, as the tests expect them
// exactly (node import and require, workerd, the browser builds, the init
// entry). js/src/api-keyless.js, api.js and api-browser.js are what they check.

/** Safe in every build: none of these takes a key. */
const KEYLESS = [
  'MypayError',
  'callPolicy',
  'parseNotification',
  'parseReply',
  'statusClass',
  'validateOrder',
  'validateRefund',
  'valueTables',
  'version',
];
/**
 * What takes the agent key (or, verifyNotification, an order's MYPAY key):
 * the real thing on servers; in the browser builds a stand-in that throws an
 * Error naming mypay-edge/storefront.
 */
const KEYED = ['MypayClient', 'buildRequest', 'decrypt', 'encrypt', 'verifyNotification'];

/** Node (import and require) and workerd: the whole API. */
exports.SERVER = [...KEYLESS, ...KEYED].sort();
/** The names of the browser builds (KEYED as refusals). */
exports.BROWSER = [...KEYLESS, ...KEYED].sort();
/** mypay-edge/init: each build's list plus `init`. */
exports.SERVER_INIT = [...exports.SERVER, 'init'].sort();
exports.BROWSER_INIT = [...exports.BROWSER, 'init'].sort();
exports.KEYLESS = KEYLESS;
exports.KEYED = KEYED;
/** The message of each refusal names the package to use instead. */
exports.REFUSAL = /is server-side only .* not in the browser build of mypay-edge\. .*mypay-edge\/storefront/;
