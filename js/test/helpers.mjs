// Shared fixtures of the node:test suites: the API text's test agent, its
// sample order, and its Node sample's encrypt function (copied verbatim).
import crypto from 'node:crypto';

export const TEST_AGENT_UID = '518169081001';
export const TEST_KEY = '2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG';
export const TEST_STORE_UID = '289151880002';

/** The API text's Node sample order (AgentVoucher.prototype.getRawData). */
export function sampleOrder() {
  return {
    store_uid: TEST_STORE_UID,
    items: [
      {
        id: '1',
        name: '好棒棒麻辣鍋湯包',
        cost: '1000',
        amount: '1',
        total: '1000',
      },
    ],
    user_id: 'userid',
    order_id: '1234567890',
    ip: '192.168.0.1',
    pfn: '0',
    cost: 900,
    agent_sms_fee_type: 1,
    agent_charge_fee_type: 1,
    agent_charge_fee: 90,
    voucher_type: '1',
    voucher_paid: [
      {
        product_id: 'P01',
        serial_number: 'P1635306439',
        name: '好食券',
        cost: 50,
        issuer: '1',
        refund_return_type: '3',
      },
    ],
    voucher_free: [
      {
        product_id: 'F01',
        serial_number: 'F1635306439',
        name: 'VIP免費券',
        cost: 50,
        issuer: '1',
      },
    ],
    voucher_invoice_type: '1',
  };
}

// --- Verbatim from the API text's Node sample (PayPage金流交易-折價券模式) ---
function AgentVoucher() {}
/**
 * AES 256 加密
 */
AgentVoucher.prototype.encrypt = function (fields, key) {
    let eData = JSON.stringify(fields);
    const blockSize = 16;
    const iv = crypto.randomBytes(blockSize);
    const encryptor = crypto.createCipheriv('aes-256-cbc', key, iv);
    let tmpCipher = encryptor.update(Buffer.from(eData));
    let finalCipher = encryptor.final();
    const tempData = Buffer.concat([tmpCipher, finalCipher], tmpCipher.length + finalCipher.length);
    let data = Buffer.concat([iv, tempData], iv.length + tempData.length).toString('base64');
    return data;
};
// --- end of the verbatim copy ---

const sample = new AgentVoucher();
/** The Node sample's encrypt: `JSON.stringify(fields)` under `key`. */
export const sampleEncrypt = (fields, key) => sample.encrypt(fields, key);

/** Node's own crypto opening `base64(IV ‖ AES-256-CBC(text))`. */
export function nodeDecrypt(b64, key) {
  const raw = Buffer.from(b64, 'base64');
  const d = crypto.createDecipheriv('aes-256-cbc', Buffer.from(key, 'utf8'), raw.subarray(0, 16));
  return Buffer.concat([d.update(raw.subarray(16)), d.final()]).toString('utf8');
}
