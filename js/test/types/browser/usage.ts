// Compiled by `tsc -p js/test/types/browser` (scripts/test-js.sh): with the
// `browser` condition (`customConditions`), the types are the browser
// build's: the keyless API and every type, and no key-taking function.
import {
  validateOrder,
  validateRefund,
  parseReply,
  parseNotification,
  statusClass,
  valueTables,
  callPolicy,
  version,
  MypayError,
  encrypt,
  decrypt,
  buildRequest,
  verifyNotification,
  MypayClient,
  type OrderRequest,
  type OrderReply,
  type Problem,
  type StatusClass,
  type MypayErrorCode,
} from 'mypay-edge';
import { init, validateOrder as validateAfterInit, type WasmInput } from 'mypay-edge/init';
import * as withInit from 'mypay-edge/init';
import { createStorefront } from 'mypay-edge/storefront';

const order: OrderRequest = { user_id: 'u', order_id: 'o', ip: '1.1.1.1', cost: 0, items: [] };
const problems: Problem[] = validateOrder(order);
validateRefund({ uid: '1', key: 'k', cost: 1 });
const reply: OrderReply = parseReply('api/orders', '{}');
const cls: StatusClass = statusClass(parseNotification('prc=250').prc ?? '250');
const v: string = version;
const code: MypayErrorCode = new MypayError('timeout').code;
callPolicy('api/orders');
valueTables();

const inputs: WasmInput[] = [new URL('https://x/mypay_edge_bg.wasm'), '/mypay_edge_bg.wasm', fetch('/w.wasm'), new Uint8Array(8), new ArrayBuffer(8)];
async function start(): Promise<Problem[]> {
  await init(inputs[0]!);
  return validateAfterInit(order);
}
createStorefront({ baseUrl: '' });

// What the browser build does not have.
// @ts-expect-error: encrypt takes the agent key: not in the browser build
encrypt('{}', 'k');
// @ts-expect-error: decrypt takes the agent key
decrypt('x', 'k');
// @ts-expect-error: buildRequest takes the agent key
buildRequest('api/orders', order, { agentUid: 1, key: 'k' });
// @ts-expect-error: verifyNotification is for the server's report URL
verifyNotification('uid=1', { uid: '1', key: 'k' });
// @ts-expect-error: MypayClient takes the agent key
new MypayClient({ endpoint: 'https://x', agentUid: 1, key: 'k' });
// @ts-expect-error: nor through mypay-edge/init
withInit.encrypt('{}', 'k');
// @ts-expect-error: init needs the wasm
void init();

void [problems, reply, cls, v, code, start];
