// Types of mypay-edge: MYPAY LINK's agent API (PayPage orders in voucher
// mode, order query, refund, callback reports) over the crate's wasm build.
// The models follow src/models.rs field for field and the value tables
// src/codes.rs (js/test/types.test.mjs checks both).

// ---------------------------------------------------------------------------
// Value tables (『…』值內容, appendix 1 PFN, appendix 2 status codes).
// Each union lists the documented codes as they travel in JSON: tables the
// API text types as integer travel as numbers, the others as strings.

/**
 * A value-table code as a field holds it: a documented code, or one this
 * version does not know (kept as sent, never refused). Integer tables also
 * accept the code as a string on input.
 */
export type Code<T extends string | number> = T | (T extends number ? `${T}` | (number & {}) : never) | (string & {});

/** 『證號類型』 */
export type UserSnType = '1' | '2' | '3';
/** 『幣別類型』 */
export type Currency = 'TWD' | 'CNY';
/** 『自動換匯』 */
export type EnableDcc = 0 | 1;
/**
 * 『付款方式』 and appendix 1 (PFN). On input the appendix numbers are
 * accepted too (`27` ≡ `PION`).
 */
export type Pfn =
  | 'all'
  | 'MobilePayAll'
  | 'CREDITCARD'
  | 'CSTORECODE'
  | 'WEBATM'
  | 'E_COLLECTION'
  | 'UNIONPAY'
  | 'SVC'
  | 'ABROAD'
  | 'ALIPAY'
  | 'WECHAT'
  | 'DIRECTDEBIT'
  | 'LINEPAYON'
  | 'LINEPAYOFF'
  | 'WECHATOFF'
  | 'APPLEPAY'
  | 'GOOGLEPAY'
  | 'EACH'
  | 'C_INSTALLMENT'
  | 'C_REDEEM'
  | 'CARDLESS'
  | 'PION'
  | 'PIOFF'
  | 'AMEX'
  | 'JKOON'
  | 'JKOOFF'
  | 'ALIPAYOFF'
  | 'M_RECHARGE'
  | 'AFP'
  | 'CASH'
  | 'EASYWALLETON'
  | 'EASYWALLETOFF'
  | 'EASYCARD'
  | 'IPASS'
  | 'ICASH'
  | 'BARCODE';
/** 『啟用快速結帳』 */
export type EnableQuickpay = 0 | 1;
/** 『交易類型』 (request field `transaction_type`) */
export type TransactionType = 1 | 2;
/** 『電子發票是否開立狀態』 */
export type IssueInvoiceState = 0 | 1 | 2;
/** 『電子發票稅率別』 */
export type InvoiceRateType = 1 | 2 | 3;
/** 『電子發票開立類型』 */
export type InvoiceInputType = 1 | 2 | 3;
/** 『雲端發票類型』 */
export type InvoiceCloudType = '2' | '3' | '4';
/** 『電子發票欄位異動』 for the fields the API text types as string. */
export type InvoiceFieldLock = '0' | '1';
/** 『電子發票欄位異動』 for `invoice_b2b_address_force`, typed integer. */
export type InvoiceAddressLock = 0 | 1;
/** 『含不含簡訊費』 */
export type AgentSmsFeeType = 0 | 1;
/** 『含不含手續費類型』 */
export type AgentChargeFeeType = 0 | 1;
/** 『驗證折價券方式』 */
export type VoucherType = '0' | '1' | '2';
/** 『發票金額開立類型』 */
export type VoucherInvoiceType = '1' | '2';
/** 『信用卡別類型』 */
export type CardType = '0' | '1' | '2' | '3' | '4';
/** 『交易服務類型』 */
export type TransactionMode = 0 | 1 | 2;
/** 『金流供應商代碼』 */
export type SupplierCode =
  | 'A1' | 'A2' | 'B0' | 'B1' | 'B2' | 'B3' | 'B4' | 'B5' | 'B6' | 'B7' | 'B8' | 'B9'
  | 'BA' | 'BB' | 'BC' | 'BD' | 'BE' | 'BF' | 'BG' | 'S0' | 'S1' | 'S2' | 'T0' | 'T1'
  | 'W0' | 'W1' | 'W2' | 'W3' | 'W4' | 'W5' | 'W6' | 'W7' | 'W8' | 'W9' | 'E0';
/** 『交易類型定義』 (report field `trans_type`) */
export type TransType = 1 | 2 | 3;
/** 『閘道內容回傳格式類型』 */
export type ResultType = 0 | 1 | 2 | 3 | 4 | 5 | 6;
/** 『資料內容所屬支付名稱』 */
export type ResultContentType =
  | 'E_COLLECTION' | 'IBON' | 'FAMIPORT' | 'LIFEET' | 'WEBATM' | 'CREDITCARD' | 'UNIONPAY'
  | 'SVC' | 'ABROAD' | 'ALIPAY' | 'WECHAT' | 'LINEPAYON' | 'LINEPAYOFF' | 'WECHATOFF'
  | 'APPLEPAY' | 'GOOGLEPAY' | 'EACH' | 'CARDLESS' | 'PION' | 'PIOFF' | 'AMEX' | 'JKOON'
  | 'JKOOFF' | 'ALIPAYOFF' | 'M_RECHARGE' | 'EASYWALLETON' | 'EASYWALLETOFF' | 'AFP' | 'BARCODE';
/** 『有價票券發行者』 */
export type PaidVoucherIssuer = '1' | '2';
/** 『退款時票券金額是否歸還』: 1 to the store (default), 2 back to the shopper, 3 to the agent. */
export type RefundReturnType = '1' | '2' | '3';
/** 『免費票券發行者』 */
export type FreeVoucherIssuer = '1' | '2' | '3';
/** 『紅利資訊類型』 */
export type RedeemType = '1' | '2';
/** 『電子發票開立狀態類型』 */
export type InvoiceState = 0 | 1 | 2 | 3 | 4 | 5 | 6;
/** 『電子發票紙本列印標題類型』 */
export type InvoiceTitleType = 1 | 2;
/** 『電子發票列印類型』 */
export type InvoicePrintType = 0 | 1 | 2 | 3;
/** 『電子發票列印設備』 */
export type InvoicePrintDevice = 0 | 1;
/** 『電子發票退款時使用作廢或折讓』 */
export type RefundInvoiceState = '4' | '6';
/** 『是否為經銷商代收費模式』 */
export type IsAgentCharge = 0 | 1;
/** 退款類型 (`refund_type` of 『退款完成回傳資訊』) */
export type RefundType = '1' | '2' | '3';
/**
 * Appendix 2: 交易狀態代碼, the `prc` of reports and the `code` of replies.
 * 250, 600 paid; 290 paid but mismatched; 245, 247, 260, 265, 270, 275, 280,
 * 282, 284, A0001 pending; 300, 380, A0002 failed; 220 cancelled; 230 refunded;
 * 100, 200, 400, B200, B500 answer a call.
 */
export type StatusCode =
  | '100' | '200' | '220' | '230' | '245' | '247' | '250' | '260' | '265' | '270' | '275'
  | '280' | '282' | '284' | '290' | '300' | '380' | '400' | '600' | 'A0001' | 'A0002' | 'B200' | 'B500';

/** What a status code means for an order ({@link statusClass}). */
export type StatusClass =
  | 'paid'
  | 'paid_mismatch'
  | 'pending'
  | 'failed'
  | 'cancelled'
  | 'refunded'
  | 'call_result'
  | 'unknown';

/** The names of the value tables, as {@link valueTables} returns them. */
export interface ValueTables {
  UserSnType: UserSnType[];
  Currency: Currency[];
  EnableDcc: EnableDcc[];
  Pfn: Pfn[];
  EnableQuickpay: EnableQuickpay[];
  TransactionType: TransactionType[];
  IssueInvoiceState: IssueInvoiceState[];
  InvoiceRateType: InvoiceRateType[];
  InvoiceInputType: InvoiceInputType[];
  InvoiceCloudType: InvoiceCloudType[];
  InvoiceFieldLock: InvoiceFieldLock[];
  InvoiceAddressLock: InvoiceAddressLock[];
  AgentSmsFeeType: AgentSmsFeeType[];
  AgentChargeFeeType: AgentChargeFeeType[];
  VoucherType: VoucherType[];
  VoucherInvoiceType: VoucherInvoiceType[];
  CardType: CardType[];
  TransactionMode: TransactionMode[];
  SupplierCode: SupplierCode[];
  TransType: TransType[];
  ResultType: ResultType[];
  ResultContentType: ResultContentType[];
  PaidVoucherIssuer: PaidVoucherIssuer[];
  RefundReturnType: RefundReturnType[];
  FreeVoucherIssuer: FreeVoucherIssuer[];
  RedeemType: RedeemType[];
  InvoiceState: InvoiceState[];
  InvoiceTitleType: InvoiceTitleType[];
  InvoicePrintType: InvoicePrintType[];
  InvoicePrintDevice: InvoicePrintDevice[];
  RefundInvoiceState: RefundInvoiceState[];
  IsAgentCharge: IsAgentCharge[];
  RefundType: RefundType[];
  StatusCode: StatusCode[];
}

// ---------------------------------------------------------------------------
// Models. MYPAY mixes `900` and `"900"`, `95227` and `"95227"`: requests
// accept either (`Num`, `Id`); replies come back the way the API text's
// tables type each field (ids as strings, integers as numbers, `cost` of an
// order as a string).

/** A whole number, as a number or a string of digits. */
export type Num = number | string;
/** An identifier MYPAY sometimes sends as a number. */
export type Id = string | number;
/** Fields a reply or report carried that this version does not model. */
export type Extra = { [field: string]: unknown };

/** 『商品項目』: an item line (shipping travels as an item line too). */
export interface Item {
  id: Id;
  name: string;
  /** Unit price in whole TWD. */
  cost?: Num;
  /** Quantity. */
  amount?: Num;
  /** Line total: `cost` × `amount`. */
  total?: Num;
  image_url?: string;
}

/** 『有償票券項目』: a paid voucher (the shopper paid for it earlier). */
export interface PaidVoucher {
  product_id: string;
  serial_number: string;
  name: string;
  cost?: Num;
  issuer?: Code<PaidVoucherIssuer>;
  refund_return_type?: Code<RefundReturnType>;
}

/** 『無償票券項目』: a free voucher. */
export interface FreeVoucher {
  product_id: string;
  serial_number: string;
  name: string;
  cost?: Num;
  issuer?: Code<FreeVoucherIssuer>;
}

/** 『票券項目』: a voucher named by group and serial (in a refund). */
export interface VoucherRef {
  product_id: string;
  serial_number: string;
}

/** 『PayPage金流交易-折價券模式』: the encrypted body of `api/orders`. */
export interface OrderRequest {
  /** Filled in by {@link MypayClient} from its `storeUid` when absent. */
  store_uid?: Id;
  user_id: Id;
  user_name?: string;
  user_real_name?: string;
  user_english_name?: string;
  user_zipcode?: string;
  user_address?: string;
  user_sn_type?: Code<UserSnType>;
  user_sn?: string;
  user_phone?: string;
  user_cellphone_code?: string;
  user_cellphone?: string;
  user_email?: string;
  user_birthday?: string;
  /** Amount to pay = Σ item totals − Σ voucher costs. */
  cost: Num;
  currency?: Code<Currency>;
  enable_dcc?: Code<EnableDcc>;
  order_id: Id;
  ip: string;
  item?: Id;
  items: Item[];
  echo_0?: string;
  echo_1?: string;
  echo_2?: string;
  echo_3?: string;
  echo_4?: string;
  pfn?: Code<Pfn>;
  interface?: string;
  success_returl?: string;
  failure_returl?: string;
  limit_pay_days?: Num;
  enable_quickpay?: Code<EnableQuickpay>;
  transaction_type?: Code<TransactionType>;
  creditcard_installment?: string;
  each_code?: string;
  issue_invoice_state?: Code<IssueInvoiceState>;
  invoice_ratetype?: Code<InvoiceRateType>;
  invoice_input_type?: Code<InvoiceInputType>;
  invoice_cloud_type?: Code<InvoiceCloudType>;
  invoice_tax_id?: string;
  invoice_mobile_code?: string;
  invoice_natural_person?: string;
  invoice_m_post_zone?: string;
  invoice_m_address?: string;
  invoice_love_code?: string;
  invoice_b2b_title?: string;
  invoice_b2b_id?: string;
  invoice_b2b_address?: string;
  invoice_b2b_title_force?: Code<InvoiceFieldLock>;
  invoice_b2b_id_force?: Code<InvoiceFieldLock>;
  invoice_b2b_address_force?: Code<InvoiceAddressLock>;
  agent_sms_fee_type?: Code<AgentSmsFeeType>;
  agent_charge_fee_type?: Code<AgentChargeFeeType>;
  agent_charge_fee?: Num;
  is_agent_charge?: Code<IsAgentCharge>;
  voucher_type?: Code<VoucherType>;
  voucher_paid?: PaidVoucher[];
  voucher_free?: FreeVoucher[];
  voucher_invoice_type?: Code<VoucherInvoiceType>;
}

/** 『PayPage金流交易-折價券模式』回傳欄位: on success, `uid`, `key` and `url`. */
export interface OrderReply extends Extra {
  code: Code<StatusCode>;
  msg: string;
  /** MYPAY's order number: keep it with `key` to query and to check reports. */
  uid?: string;
  /** The order's transaction key (32 hex): the secret of its callback reports. */
  key?: string;
  /** The PayPage to send the shopper to. */
  url?: string;
}

/** 『交易查詢』: the encrypted body of `api/queryorder`. */
export interface QueryRequest {
  uid: Id;
  key: string;
}

/**
 * Fields shared by the query reply, the callback reports and the refund
 * report: one transaction as MYPAY describes it.
 */
export interface Transaction {
  uid?: string;
  key?: string;
  prc?: Code<StatusCode>;
  finishtime?: string;
  cardno?: string;
  acode?: string;
  card_type?: Code<CardType>;
  issuing_bank?: string;
  issuing_bank_uid?: string;
  is_agent_charge?: Code<IsAgentCharge>;
  transaction_mode?: Code<TransactionMode>;
  supplier_name?: string;
  supplier_code?: Code<SupplierCode>;
  order_id?: string;
  user_id?: string;
  /** Whole TWD, as a string. */
  cost?: string;
  currency?: Code<Currency>;
  actual_cost?: string;
  actual_currency?: Code<Currency>;
  voucher_paid?: PaidVoucher[];
  voucher_free?: FreeVoucher[];
  price?: string;
  actual_price?: string;
  recharge_code?: string;
  love_cost?: string;
  retmsg?: string;
  pfn?: Code<Pfn>;
  trans_type?: Code<TransType>;
  redeem?: string;
  payment_name?: string;
  nois?: string;
  group_id?: string;
  bank_id?: string;
  expired_date?: string;
  result_type?: Code<ResultType>;
  result_content_type?: Code<ResultContentType>;
  /** For store-code and virtual-account payments: the codes to pay with, as JSON text. */
  result_content?: string;
  echo_0?: string;
  echo_1?: string;
  echo_2?: string;
  echo_3?: string;
  echo_4?: string;
}

/** 『電子發票折讓資訊』 */
export interface InvoiceAllowance extends Extra {
  uid?: string;
  amount?: number;
  order_detail?: string;
}

/** The invoice fields of a query reply and of its refund entries. */
export interface InvoiceInfo {
  invoice_state?: Code<InvoiceState>;
  invoice_date?: string;
  invoice_wordtrack?: string;
  invoice_number?: string;
  invoice_rand_code?: string;
  invoice_seller_ban?: string;
  invoice_buyer_ban?: string;
  invoice_left_qrcode?: string;
  invoice_middle_barcode?: string;
  invoice_right_qrcode?: string;
  invoice_title_type?: Code<InvoiceTitleType>;
  invoice_title?: string;
  invoice_print_type?: Code<InvoicePrintType>;
  invoice_print_device?: Code<InvoicePrintDevice>;
  invoice_amount?: string;
  invoice_sales_amount?: string;
  invoice_tax_amount?: string;
  invoice_order_detail?: string;
  invoice_ratetype?: Code<InvoiceRateType>;
  invoice_input_type?: Code<InvoiceInputType>;
  invoice_allowance?: InvoiceAllowance[];
}

/** 『交易查詢-退款資訊』 */
export interface RefundOrderInfo extends InvoiceInfo, Extra {
  uid?: string;
  prc?: Code<StatusCode>;
  cost?: string;
  currency?: Code<Currency>;
  actual_cost?: string;
  actual_currency?: Code<Currency>;
  voucher_paid?: PaidVoucher[];
  retmsg?: string;
  finishtime?: string;
  appropriation_date?: string;
}

/** 『交易查詢-取消資訊』 */
export interface CancelOrderInfo extends Extra {
  uid?: string;
  prc?: Code<StatusCode>;
  cost?: string;
  currency?: Code<Currency>;
  actual_cost?: string;
  actual_currency?: Code<Currency>;
  retmsg?: string;
  finishtime?: string;
}

/** 『交易查詢』回傳欄位: the full state of one order. */
export interface QueryReply extends Transaction, InvoiceInfo, Extra {
  appropriation_date?: string;
  refund_order?: RefundOrderInfo[];
  cancel_order?: CancelOrderInfo[];
  invoice_cloud_type?: Code<InvoiceCloudType>;
  invoice_mobile_code?: string;
  invoice_tax_id?: string;
  invoice_natural_person?: string;
  invoice_m_post_zone?: string;
  invoice_m_address?: string;
  invoice_love_code?: string;
  invoice_b2b_title?: string;
  invoice_b2b_id?: string;
  invoice_b2b_post_zone?: string;
  invoice_b2b_address?: string;
}

/** 『交易退款-折價券模式』: the encrypted body of `api/refund`. */
export interface RefundRequest {
  /** Filled in by {@link MypayClient} from its `storeUid` when absent. */
  store_uid?: Id;
  /** The order's transaction key. */
  key: string;
  /** The order's uid. */
  uid: Id;
  /** Amount refunded: in voucher mode, the whole amount the shopper paid. */
  cost: Num;
  /** Every paid voucher of the order (required in voucher mode). */
  voucher_paid?: VoucherRef[];
  invoice_state?: Code<RefundInvoiceState>;
  /** Refund lines; when sent, they sum to `cost`. */
  items?: Item[];
}

/** 『退款完成回傳資訊』 */
export interface RefundRowData extends Extra {
  uid?: string;
  refund_uid?: string;
  key?: string;
  prc?: Code<StatusCode>;
  finishtime?: string;
  order_id?: string;
  user_id?: string;
  cost?: string;
  currency?: Code<Currency>;
  actual_cost?: string;
  voucher_paid?: PaidVoucher[];
  actual_currency?: Code<Currency>;
  retmsg?: string;
  pfn?: Code<Pfn>;
  payment_name?: string;
  nois?: string;
  group_id?: string;
  refund_type?: Code<RefundType>;
  expected_refund_date?: string;
  echo_0?: string;
  echo_1?: string;
  echo_2?: string;
  echo_3?: string;
  echo_4?: string;
}

/** 『交易退款-折價券模式』回傳欄位 (`code` B200 on success). */
export interface RefundReply extends Extra {
  row_data?: RefundRowData;
  key?: string;
  uid?: string;
  code: Code<StatusCode>;
  msg: string;
}

/**
 * A callback report (主動回報): the plain form fields MYPAY posts to the
 * report URL. Answer `8888` once it is handled; reports come at least once.
 */
export interface Notification extends Transaction, Extra {
  refund_uid?: string;
  refund_type?: Code<RefundType>;
  expected_refund_date?: string;
}

/** The reply of each command, as {@link parseReply} returns it. */
export interface Replies {
  'api/orders': OrderReply;
  'api/queryorder': QueryReply;
  'api/refund': RefundReply;
}
export type Command = keyof Replies;

/** The kind of a {@link Problem}; stable strings. */
export type ProblemCode =
  | 'required'
  | 'too_long'
  | 'duplicate_serial'
  | 'line_total_mismatch'
  | 'cost_mismatch'
  | 'negative_amount'
  | 'invalid_quantity'
  | 'voucher_type_required'
  | 'agent_charge_conflict'
  | 'refund_not_full'
  | 'refund_vouchers_mismatch'
  | 'refund_items_mismatch'
  | 'amount_overflow';

/** One thing wrong with a request. */
export interface Problem {
  /** Where: `order_id`, `items[1].total`, `voucher_paid[0].serial_number`. */
  path: string;
  code: ProblemCode;
  message: string;
}

// ---------------------------------------------------------------------------
// Errors.

/** The `code` of a {@link MypayError}. */
export type MypayErrorCode =
  /** An argument has the wrong type or shape. */
  | 'invalid_argument'
  /** The agent key is not 32 bytes. */
  | 'invalid_key'
  /** A text argument is over 8 Mi characters. */
  | 'input_too_large'
  /** Bad base64, bad length, bad padding or not UTF-8: deliberately one case. */
  | 'decrypt_failed'
  /** The platform gave no random bytes for the IV. */
  | 'no_entropy'
  /** MYPAY refused the call: see `mypayCode` and `mypayMsg`. */
  | 'mypay_error'
  /** MYPAY (or a firewall in front of it) answered with something that is not JSON: see `status`. */
  | 'upstream_not_json'
  /** JSON, but not the documented shape. */
  | 'upstream_malformed'
  /** A callback form body that cannot be read. */
  | 'invalid_form'
  /** The request breaks the API text's rules: see `problems`. */
  | 'invalid_request'
  | 'uid_mismatch'
  | 'key_mismatch'
  | 'order_id_mismatch'
  | 'cost_mismatch'
  /** The report lacks a field that is checked: see `field`. */
  | 'missing_field'
  /** No answer within `timeoutMs` (for createOrder: the order may exist). */
  | 'timeout'
  /** The request did not reach MYPAY or the answer did not arrive. */
  | 'network_error'
  /** A bug in mypay-edge. */
  | 'internal_error';

/** Every failure of mypay-edge. */
export declare class MypayError extends Error {
  constructor(code: MypayErrorCode | (string & {}), message?: string, details?: Partial<MypayErrorDetails> & { cause?: unknown });
  readonly name: 'MypayError';
  readonly code: MypayErrorCode;
  /** MYPAY's own `code` (`100`, `400`, `B500`, ...) when it refused a call. */
  readonly mypayCode?: string;
  /** MYPAY's own `msg`. */
  readonly mypayMsg?: string;
  /** The HTTP status of a reply that was not JSON (403: a firewall page). */
  readonly status?: number;
  /** The start of such a reply. */
  readonly snippet?: string;
  /** The missing report field (`missing_field`). */
  readonly field?: string;
  /** What is wrong with the request (`invalid_request`). */
  readonly problems?: Problem[];
}
export interface MypayErrorDetails {
  mypayCode: string;
  mypayMsg: string;
  status: number;
  snippet: string;
  field: string;
  problems: Problem[];
}

// ---------------------------------------------------------------------------
// Functions.

/** The package version. */
export declare const version: string;

/**
 * An agent key: the 32-character string MYPAY issued. Where a key opens data,
 * `[current, next]` is accepted during MYPAY's yearly key rotation.
 */
export type AgentKey = string;

/**
 * Encrypts as appendix 4 says: `base64(IV ‖ AES-256-CBC(json))` with a fresh
 * random IV. A string is encrypted as is; any other value is
 * `JSON.stringify`d first (as the API text's Node sample does).
 */
export declare function encrypt(json: string | object, key: AgentKey): string;

/** Opens what {@link encrypt} (or MYPAY, or any of the API text's samples) encrypted. */
export declare function decrypt(b64: string, key: AgentKey | [AgentKey, AgentKey]): string;

export interface RequestOptions {
  /** 經銷商商務代號. */
  agentUid: Id;
  key: AgentKey;
}

/** An agent API call, ready for `fetch(endpoint, {method, headers: {'content-type': contentType}, body})`. */
export interface BuiltRequest {
  method: 'POST';
  contentType: 'application/x-www-form-urlencoded';
  /** `agent_uid=…&service=…&encry_data=…`, both encrypted fields with their own IV. */
  body: string;
}

/** Builds the POST of an agent API call; does no I/O. */
export declare function buildRequest(cmd: 'api/orders', payload: OrderRequest, options: RequestOptions): BuiltRequest;
export declare function buildRequest(cmd: 'api/queryorder', payload: QueryRequest, options: RequestOptions): BuiltRequest;
export declare function buildRequest(cmd: 'api/refund', payload: RefundRequest, options: RequestOptions): BuiltRequest;
export declare function buildRequest(cmd: string, payload: object, options: RequestOptions): BuiltRequest;

/**
 * Parses MYPAY's answer to `cmd`. Returns the result, or throws a MypayError:
 * `mypay_error` (with `mypayCode`, `mypayMsg`) when MYPAY refused the call,
 * `upstream_not_json` (with `status`) for a firewall page and the like,
 * `upstream_malformed` otherwise.
 * @param status the HTTP status (default 200)
 */
export declare function parseReply<C extends Command>(cmd: C, text: string, status?: number): Replies[C];

/** Checks an order against the API text's rules; `[]` when it has no problem. */
export declare function validateOrder(order: OrderRequest): Problem[];

/** Checks a refund against the API text's rules; `[]` when it has no problem. */
export declare function validateRefund(refund: RefundRequest): Problem[];

/** Parses a callback report from its `application/x-www-form-urlencoded` body. */
export declare function parseNotification(formBody: string | URLSearchParams): Notification;

/** What the order a report is checked against is known to be. */
export interface ExpectedReport {
  /** The order's uid, from {@link OrderReply}. */
  uid: Id;
  /** The order's transaction key, from {@link OrderReply}: compared in constant time. */
  key: string;
  orderId?: Id;
  /** The amount the shopper was to pay. */
  cost?: Num;
}

/**
 * Accepts a report only when it names the order: same uid, same key
 * (constant-time), and when given the same order_id and cost. Returns `true`
 * or throws a MypayError (`uid_mismatch`, `key_mismatch`,
 * `order_id_mismatch`, `cost_mismatch`, `missing_field`). Reports are not
 * signed: confirm with {@link MypayClient.queryOrder} before fulfilling.
 */
export declare function verifyNotification(
  report: Notification | string | URLSearchParams,
  expected: ExpectedReport,
): true;

/** What a status code (`prc`, `code`) means for an order. */
export declare function statusClass(code: Code<StatusCode> | number): StatusClass;

/** The documented codes of every value table. */
export declare function valueTables(): ValueTables;

// ---------------------------------------------------------------------------
// Client.

export interface MypayClientOptions {
  /** The agent API URL: `https://pay.usecase.cc/api/agent` (test), `https://ka.mypay.tw/api/agent` (live). */
  endpoint: string;
  /** 經銷商商務代號. */
  agentUid: Id;
  /** The agent key. Server-side only: never ship it to a browser. */
  key: AgentKey;
  /** 特約商店商務代號, put into orders and refunds that have no `store_uid`. */
  storeUid?: Id;
  /** The fetch to use (default `globalThis.fetch`). */
  fetch?: (input: string, init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal }) => Promise<{ status: number; text(): Promise<string> }>;
  /** Sent with every call (MYPAY's firewall refuses requests without one); default `mypay-edge/<version>`. */
  userAgent?: string;
  /** Per call, including reading the answer; default 30000. */
  timeoutMs?: number;
}

/**
 * A client of MYPAY LINK's agent API for server-side code (Node, Workers).
 * Calls are never retried.
 */
export declare class MypayClient {
  constructor(options: MypayClientOptions);
  readonly endpoint: string;
  readonly agentUid: string;
  readonly storeUid?: string;
  readonly userAgent: string;
  readonly timeoutMs: number;
  /** `api/orders`: validated first (`invalid_request` with `problems`), sent once. */
  createOrder(order: OrderRequest): Promise<OrderReply>;
  /** `api/queryorder`: the state of an order. */
  queryOrder(query: QueryRequest): Promise<QueryReply>;
  /** `api/refund`: validated first, sent once. */
  refund(req: RefundRequest): Promise<RefundReply>;
  /** The settings without the key. */
  toJSON(): Omit<MypayClientOptions, 'key' | 'fetch'>;
}
