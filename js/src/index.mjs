// Node ESM entry: the CommonJS build re-exported, so that `import` and
// `require` in one process share one wasm instance and one MypayError class.
import cjs from './index.cjs';

export const {
  version,
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
  MypayClient,
  MypayError,
} = cjs;
