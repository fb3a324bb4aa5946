// Types of mypay-edge/storefront: the browser client for a mypay-edge Worker's public API.

/** Order statuses (docs/http-api.md). */
export type OrderStatus = 'created' | 'pending' | 'paid' | 'failed' | 'expired' | 'refund_pending' | 'refunded' | 'needs_review';
export type FinalStatus = 'paid' | 'failed' | 'expired' | 'refunded' | 'needs_review';

export declare const FINAL_STATUSES: readonly FinalStatus[];
export declare function isFinalStatus(status: string): status is FinalStatus;

/** Payment methods (MYPAY PFN codes) a checkout may ask for; omit to let the payment page decide. */
export type Pfn = 'CREDITCARD' | 'CSTORECODE' | 'E_COLLECTION' | (string & {});

export interface Product {
  id: string;
  name: string;
  name_en?: string;
  /** Whole TWD. */
  price: number;
  currency: 'TWD' | (string & {});
  description?: string;
  description_en?: string;
  image_url?: string | null;
}

export interface CartItem {
  product_id: string;
  /** An integer 1..=99. */
  quantity: number;
}

export interface Cart {
  items: CartItem[];
  /** Voucher codes (serial numbers). */
  vouchers?: string[];
}

export interface QuoteLine {
  product_id: string;
  name: string;
  name_en?: string;
  unit_price: number;
  quantity: number;
  total: number;
}

export interface AppliedVoucher {
  code: string;
  /** `paid`: 有償票券 (voucher_paid); `free`: 無償票券 (voucher_free). */
  kind: 'paid' | 'free';
  name: string;
  value: number;
  issuer?: string;
}

export type VoucherRejection =
  | 'voucher_not_found'
  | 'voucher_used'
  | 'voucher_reserved'
  | 'voucher_expired'
  | 'voucher_duplicate'
  | 'voucher_min_spend'
  | 'voucher_exceeds_total'
  | (string & {});

export interface RejectedVoucher {
  code: string;
  reason: VoucherRejection;
  message: string;
}

export interface Quote {
  currency: string;
  lines: QuoteLine[];
  subtotal: number;
  vouchers: AppliedVoucher[];
  rejected_vouchers: RejectedVoucher[];
  voucher_total: number;
  amount: number;
}

export interface Customer {
  id?: string;
  name: string;
  email: string;
  phone: string;
  /** 真實姓名 (`user_real_name`): e-wallets need it. */
  real_name?: string;
  /** English name (`user_english_name`): e-wallets need it. */
  english_name?: string;
  /** Mobile country code, e.g. `886` (`user_cellphone_code`): e-wallets need it. */
  phone_country_code?: string;
  /** `user_sn_type`: 1 national id (default), 2 resident certificate, 3 passport. */
  sn_type?: '1' | '2' | '3' | 1 | 2 | 3;
  /** `user_sn`: the number of `sn_type`. */
  sn?: string;
  address?: string;
  zipcode?: string;
  /** `YYYY-MM-DD`. */
  birthday?: string;
}

export type Invoice =
  | { type: 'mobile'; mobile_code: string }
  | { type: 'donation'; love_code: string }
  /** `title` is kept for the merchant's records, never sent to MYPAY (paper invoices only). */
  | { type: 'tax_id'; tax_id: string; title?: string }
  /** 自然人憑證條碼: 2 capital letters and 14 digits. */
  | { type: 'natural_person'; natural_person_code: string }
  /** With an optional address for the paper copy of a winning invoice (both or neither). */
  | { type: 'email'; post_zone?: string; address?: string };

export interface CheckoutRequest extends Cart {
  customer: Customer;
  pfn?: Pfn;
  invoice?: Invoice;
  /** At most 5 merchant strings (`echo_0` … `echo_4`), each at most 100 characters. */
  echo?: string[];
}

export interface CheckoutOptions {
  /** At most 64 characters. A fresh UUID when omitted. */
  idempotencyKey?: string;
  /** The Turnstile widget's token, when the store asks for one (`storeConfig().turnstile_site_key`). */
  turnstileToken?: string;
  signal?: AbortSignal;
}

/** The store's public settings (`GET /api/config`). */
export interface StoreConfig {
  /** Cloudflare Turnstile's site key when checkout needs a challenge, else null. */
  turnstile_site_key: string | null;
  /** The methods a checkout may ask for; `wallet` ones need `wallet_fields`. */
  payment_methods?: { pfn: string; wallet: boolean }[];
  /** Whether `pfn` may be left out (or `all`): the shopper picks on MYPAY's page. */
  any_method?: boolean;
  /** The customer fields an e-wallet needs, as checkout paths (`customer.real_name`, …). */
  wallet_fields?: string[];
  /** Instalment counts offered and the banks (3-digit codes) of each. */
  installments?: { count: number; banks: string[] }[];
  currency?: string;
  limit_pay_days?: number;
  /** False when the store issues no e-invoice (then leave `invoice` out). */
  invoice?: boolean;
}

export interface CheckoutResult {
  order_id: string;
  /** Secret of this order: keep it, never put it in a URL you share. */
  token: string;
  amount: number;
  currency: string;
  payment_url: string;
  expires_at: string;
  /** The Idempotency-Key that was sent (not part of the JSON body). */
  readonly idempotencyKey: string;
}

export interface PaymentInfo {
  pfn?: string | null;
  prc?: string | null;
  message?: string | null;
  /** Store code (ibon, FamiPort, …: PinCode, BarCode1..3, LimitDate) or virtual account (PinCode, BankCode, LimitDate). */
  codes?: ({ type?: string } & Record<string, string | undefined>) | null;
}

export interface Order {
  order_id: string;
  status: OrderStatus;
  amount: number;
  currency: string;
  lines: QuoteLine[];
  vouchers: AppliedVoucher[];
  subtotal: number;
  voucher_total: number;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
  paid_at: string | null;
  refunded_at?: string | null;
  payment_url?: string | null;
  payment?: PaymentInfo | null;
  /** What refunds have returned so far. */
  refunded_amount?: number;
  /** The invoice choice and, once MYPAY's query has them, its status, number, date and carrier. */
  invoice?: {
    choice: Invoice | null;
    status: 'none' | 'pending' | 'issued' | 'failed' | 'voided' | 'allowance' | null;
    number: string | null;
    date: string | null;
    carrier: Record<string, string | null> | null;
  } | null;
}

export interface WaitOptions {
  /** Give up (StorefrontError `timeout`, `details` = the last order) after this long. No limit when omitted. */
  timeoutMs?: number;
  /** Called with the order each time its status, `updated_at` or payment changes. */
  onUpdate?: (order: Order) => void;
  /** Aborting rejects with StorefrontError `aborted`. */
  signal?: AbortSignal;
  /** Delay before the second poll; default 1000. */
  initialDelayMs?: number;
  /** Backoff factor; default 1.5. */
  factor?: number;
  /** Longest delay between polls; default 10000. */
  maxDelayMs?: number;
}

export interface StorefrontOptions {
  /** The Worker's origin, e.g. `https://shop.example`; `''` (default) for the page's own origin. */
  baseUrl?: string;
  /** A fetch implementation; default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** How many times `checkout` retries a network failure with the same key; default 3. */
  checkoutRetries?: number;
}

export interface Storefront {
  listProducts(options?: { signal?: AbortSignal }): Promise<Product[]>;
  /** The store's public settings: Turnstile, payment methods, instalments, currency. */
  storeConfig(options?: { signal?: AbortSignal }): Promise<StoreConfig>;
  /** Prices a cart without side effects; vouchers that do not apply are in `rejected_vouchers`. */
  quote(cart: Cart, options?: { signal?: AbortSignal }): Promise<Quote>;
  /** Creates the order; retries network failures (and `idempotency_in_progress`) with the same Idempotency-Key. */
  checkout(order: CheckoutRequest, options?: CheckoutOptions): Promise<CheckoutResult>;
  orderStatus(orderId: string, token: string, options?: { signal?: AbortSignal }): Promise<Order>;
  /** Polls (backoff 1 s × 1.5 up to 10 s) until the order is paid, failed, expired, refunded or needs_review. */
  waitForFinal(orderId: string, token: string, options?: WaitOptions): Promise<Order>;
}

export type StorefrontErrorCode =
  | 'network_error'
  | 'aborted'
  | 'timeout'
  | 'bad_response'
  | 'http_error'
  | 'no_crypto'
  | 'bad_json'
  | 'invalid_request'
  | 'unknown_product'
  | 'invalid_quantity'
  | 'empty_cart'
  | 'voucher_unavailable'
  | 'idempotency_key_reused'
  | 'idempotency_in_progress'
  | 'origin_not_allowed'
  | 'not_found'
  | 'method_not_allowed'
  | 'internal_error'
  | 'order_not_found'
  | 'body_too_large'
  | 'upstream_error'
  | 'upstream_unavailable'
  | 'upstream_timeout'
  | 'config_error'
  | (string & {});

export declare class StorefrontError extends Error {
  constructor(code: string, message?: string, init?: { status?: number; details?: unknown; cause?: unknown });
  readonly name: 'StorefrontError';
  /** The Worker's stable error code, or the client's own (status 0). */
  code: StorefrontErrorCode;
  /** HTTP status; 0 when no answer came. */
  status: number;
  /** The error's `details` (e.g. the rejected vouchers of `voucher_unavailable`). */
  details?: unknown;
  /** On errors of `checkout`: the key that was sent, to retry the same order. */
  idempotencyKey?: string;
  /** On upstream errors of `checkout`: the order the Worker kept (as `failed`). */
  orderId?: string;
}

export declare function newIdempotencyKey(): string;
export declare function createStorefront(options?: StorefrontOptions): Storefront;
export default createStorefront;
