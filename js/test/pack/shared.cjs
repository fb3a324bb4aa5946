// The API text's test key and sample order, for the packed-tarball consumers.
exports.KEY = '2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG';
exports.order = {
  store_uid: '289151880002',
  items: [{ id: '1', name: '好棒棒麻辣鍋湯包', cost: '1000', amount: '1', total: '1000' }],
  user_id: 'userid',
  order_id: '1234567890',
  ip: '192.168.0.1',
  pfn: '0',
  cost: 900,
  agent_sms_fee_type: 1,
  agent_charge_fee_type: 1,
  agent_charge_fee: 90,
  voucher_type: '1',
  voucher_paid: [{ product_id: 'P01', serial_number: 'P1635306439', name: '好食券', cost: 50, issuer: '1', refund_return_type: '3' }],
  voucher_free: [{ product_id: 'F01', serial_number: 'F1635306439', name: 'VIP免費券', cost: 50, issuer: '1' }],
  voucher_invoice_type: '1',
};
exports.nodeDecrypt = (crypto, b64, key) => {
  const raw = Buffer.from(b64, 'base64');
  const d = crypto.createDecipheriv('aes-256-cbc', Buffer.from(key), raw.subarray(0, 16));
  return Buffer.concat([d.update(raw.subarray(16)), d.final()]).toString('utf8');
};
