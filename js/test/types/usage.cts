// The same declarations seen from CommonJS (`require`).
import mypay = require('mypay-edge');

const key = '2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG';
const s: string = mypay.decrypt(mypay.encrypt('{}', key), key);
const problems: mypay.Problem[] = mypay.validateOrder({ user_id: 'u', order_id: 'o', ip: '1.1.1.1', cost: 0, items: [] });
const client: mypay.MypayClient = new mypay.MypayClient({ endpoint: 'https://x', agentUid: 1, key });
const err = new mypay.MypayError('timeout', 'late');
const code: mypay.MypayErrorCode = err.code;
// mypay-edge/init and mypay-edge/storefront are ES modules: require(esm), which
// TypeScript allows with `module: nodenext`.
import withInit = require('mypay-edge/init');
import storefront = require('mypay-edge/storefront');
const ready: Promise<void> = withInit.init(new Uint8Array(0));
const final: boolean = storefront.isFinalStatus('paid');
export = { s, problems, client, code, ready, final };
