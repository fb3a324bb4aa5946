// The API of the browser builds (the `browser`, `import` and `default`
// conditions of `mypay-edge` and `mypay-edge/init`): what takes no key
// (api-keyless.js), and in place of each name of api.js that takes a key, a
// stand-in that throws. The names stay so that bundlers' static export checks
// pass and the mistake surfaces as an error that says what to do instead,
// at the first call, rather than as "encrypt is not a function".
export * from './api-keyless.js';

const WHY = {
  encrypt: 'it takes the agent key',
  decrypt: 'it takes the agent key',
  buildRequest: 'it takes the agent key',
  MypayClient: 'it takes the agent key',
  verifyNotification: "it checks a report of MYPAY against the order's key, on your server's report URL",
};

function refusal(name) {
  return new Error(
    `mypay-edge: ${name} is server-side only (${WHY[name]}) and is not in the browser build of mypay-edge. ` +
      'Never ship the agent key to a browser: in the browser use mypay-edge/storefront, the client of your ' +
      "own mypay-edge Worker's JSON API; run the key-taking API in a Worker or in Node (the `workerd` and " +
      '`node` builds of mypay-edge).',
  );
}

export function encrypt() {
  throw refusal('encrypt');
}

export function decrypt() {
  throw refusal('decrypt');
}

export function buildRequest() {
  throw refusal('buildRequest');
}

export function verifyNotification() {
  throw refusal('verifyNotification');
}

export class MypayClient {
  constructor() {
    throw refusal('MypayClient');
  }
}
