// Compiled by `tsc -p js/test/types/bundler` (scripts/test-js.sh):
// TypeScript's `bundler` resolution with no custom condition (as a Worker
// project's tsconfig has it) sees the `import` condition's types: the whole
// API, as the `workerd` build has it. Browser projects that want the
// browser build's types add `"customConditions": ["browser"]` (see ../browser).
import { encrypt, decrypt, MypayClient, validateOrder } from 'mypay-edge';
import { init, buildRequest } from 'mypay-edge/init';

const key = '2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG';
const s: string = decrypt(encrypt('{}', key), key);
const client = new MypayClient({ endpoint: 'https://pay.usecase.cc/api/agent', agentUid: 1, key });
async function f(): Promise<string> {
  await init(new Uint8Array(0));
  return buildRequest('api/queryorder', { uid: 1, key: 'k' }, { agentUid: 1, key }).body;
}
validateOrder({ user_id: 'u', order_id: 'o', ip: '1.1.1.1', cost: 0, items: [] });
void [s, client, f];
