// Compiled by `tsc -p js/test/types` (scripts/test-js.sh): the declarations
// describe the API as used from ESM, and refuse what the API refuses.
import {
  encrypt,
  decrypt,
  buildRequest,
  parseReply,
  validateOrder,
  validateRefund,
  parseNotification,
  verifyNotification,
  statusClass,
  valueTables,
  callPolicy,
  version,
  MypayClient,
  MypayError,
  type OrderRequest,
  type OrderReply,
  type QueryReply,
  type RefundRequest,
  type RefundReply,
  type Notification,
  type Item,
  type PaidVoucher,
  type FreeVoucher,
  type VoucherRef,
  type Problem,
  type Pfn,
  type StatusCode,
  type StatusClass,
  type MypayErrorCode,
  type ExpectedReport,
  type RequestOptions,
  type BuiltRequest,
  type CallPolicy,
  type Transaction,
  type InvoiceInfo,
  type ValueTables,
} from 'mypay-edge';
import type { Cart } from 'mypay-edge/storefront';

const key = '2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG';
const item: Item = { id: '1', name: '好棒棒麻辣鍋湯包', cost: '1000', amount: '1', total: '1000' };
const paid: PaidVoucher = { product_id: 'P01', serial_number: 'P1635306439', name: '好食券', cost: 50, issuer: '1', refund_return_type: '3' };
const free: FreeVoucher = { product_id: 'F01', serial_number: 'F1635306439', name: 'VIP免費券', cost: 50, issuer: '1' };
const order: OrderRequest = {
  store_uid: '289151880002',
  items: [item],
  user_id: 'userid',
  order_id: '1234567890',
  ip: '192.168.0.1',
  pfn: '0',
  cost: 900,
  agent_sms_fee_type: 1,
  agent_charge_fee_type: 1,
  agent_charge_fee: 90,
  voucher_type: '1',
  voucher_paid: [paid],
  voucher_free: [free],
  voucher_invoice_type: '1',
};
const pfn: Pfn = 'CREDITCARD';
const sc: StatusCode = 'A0001';
const b64: string = encrypt(JSON.stringify(order), key);
const b64b: string = encrypt(order, key);
const text: string = decrypt(b64, [key, key]);
const req = buildRequest('api/orders', order, { agentUid: 518169081001, key });
const body: string = req.body;
const ct: 'application/x-www-form-urlencoded' = req.contentType;
const r1: OrderReply = parseReply('api/orders', '{}');
const uid: string | undefined = r1.uid;
const r2: QueryReply = parseReply('api/queryorder', '{}', 200);
const prc = r2.prc;
const r3: RefundReply = parseReply('api/refund', '{}');
const problems: Problem[] = validateOrder(order);
const refund: RefundRequest = { uid: '1', key: 'k', cost: 900, voucher_paid: [{ product_id: 'P01', serial_number: 'S' } satisfies VoucherRef] };
validateRefund(refund);
const note: Notification = parseNotification('uid=1');
const ok: true = verifyNotification(note, { uid: note.uid ?? '', key: 'k', orderId: '1', cost: 900 });
const cls: StatusClass = statusClass(prc ?? '250');
const tables = valueTables();
const pfns: Pfn[] = tables.Pfn;
const v: string = version;

const policy: CallPolicy = callPolicy('api/queryorder');
const attempts: number = policy.retry.kind === 'transient' ? policy.retry.attempts * policy.retry.backoff_ms : 0;
const codes: MypayErrorCode[] = ['malformed_envelope', 'bad_json', 'timeout', 'network_error', 'invalid_request'];
const expected: ExpectedReport = { uid: 95227, key: 'k', orderId: 1, cost: '900' };
const opts: RequestOptions = { agentUid: '518169081001', key };
const built: BuiltRequest = buildRequest('api/queryorder', { uid: 1, key: 'k' }, opts);
const tx: Transaction = note;
const inv: InvoiceInfo = r2;
const allTables: ValueTables = tables;
new MypayClient({ endpoint: 'https://pay.usecase.cc/api/agent', agentUid: 1, key: [key, key] });
const client = new MypayClient({ endpoint: 'https://pay.usecase.cc/api/agent', agentUid: '518169081001', key, storeUid: '289151880002', timeoutMs: 5000 });
new MypayClient({ endpoint: 'https://pay.usecase.cc/api/agent', agentUid: 1, key, fetch: globalThis.fetch, userAgent: 'shop/1.0' });
async function flow(): Promise<void> {
  const created = await client.createOrder(order);
  const q = await client.queryOrder({ uid: created.uid ?? '', key: created.key ?? '' });
  const rf = await client.refund({ uid: q.uid ?? '', key: q.key ?? '', cost: 900 });
  rf.code satisfies string;
}
try {
  void flow();
} catch (e) {
  if (e instanceof MypayError) {
    const c: MypayErrorCode = e.code;
    const m: string | undefined = e.mypayCode;
    const s: number | undefined = e.status;
    const p: Problem[] | undefined = e.problems;
    void [c, m, s, p];
  }
}
const cart: Cart = { items: [{ product_id: 'p', quantity: 1 }] };

// What the types refuse.
// @ts-expect-error: a refund needs uid
const badRefund: RefundRequest = { key: 'k', cost: 1 };
// @ts-expect-error: items is a list
const badOrder: OrderRequest = { ...order, items: item };
// @ts-expect-error: the client needs a key
new MypayClient({ endpoint: 'https://x', agentUid: '1' });
// @ts-expect-error: no such status class
const badClass: StatusClass = 'done';
// @ts-expect-error: problems have a path
const badProblem: Problem = { code: 'required', message: 'x' };
// @ts-expect-error: no such error code
const badCode: MypayErrorCode = 'bad_code';
// @ts-expect-error: a policy's retry has a kind
const badPolicy: CallPolicy = { retry: { attempts: 1 } };

void [pfn, sc, b64b, text, body, ct, uid, r3, problems, ok, cls, pfns, v, cart, badRefund, badOrder, badClass, badProblem];
void [attempts, codes, expected, built, tx, inv, allTables, badCode, badPolicy];
