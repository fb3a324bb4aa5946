// The same declarations seen from CommonJS (`require`).
import mypay = require('mypay-edge');

const key = '2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG';
const s: string = mypay.decrypt(mypay.encrypt('{}', key), key);
const problems: mypay.Problem[] = mypay.validateOrder({ user_id: 'u', order_id: 'o', ip: '1.1.1.1', cost: 0, items: [] });
const client: mypay.MypayClient = new mypay.MypayClient({ endpoint: 'https://x', agentUid: 1, key });
const err = new mypay.MypayError('timeout', 'late');
const code: mypay.MypayErrorCode = err.code;
export = { s, problems, client, code };
