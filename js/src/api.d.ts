// ---------------------------------------------------------------------------
// The functions and classes of js/src/api.js (hand-written in
// js/src/api.d.ts; the types above are generated from the Rust).

/** The reply of each command, as {@link parseReply} returns it. */
export interface Replies {
  'api/orders': OrderReply;
  'api/queryorder': QueryReply;
  'api/refund': RefundReply;
}
export type Command = keyof Replies;

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

/**
 * How {@link MypayClient} repeats a failed `cmd` (the protocol crate's
 * policy): `api/orders` and `api/refund` never, `api/queryorder` on
 * transient failures.
 */
export declare function callPolicy(cmd: Command | (string & {})): CallPolicy;

/** Checks an order against the API text's rules; `[]` when it has no problem. */
export declare function validateOrder(order: OrderRequest): Problem[];

/** Checks a refund against the API text's rules; `[]` when it has no problem. */
export declare function validateRefund(refund: RefundRequest): Problem[];

/** Parses a callback report from its `application/x-www-form-urlencoded` body. */
export declare function parseNotification(formBody: string | URLSearchParams): Notification;

/**
 * Accepts a report only when it names the order: same uid and key (both
 * compared in constant time), and when given the same order_id and cost (a
 * refund report may leave those out). Returns `true` or throws a MypayError
 * (`uid_mismatch`, `key_mismatch`, `order_id_mismatch`, `cost_mismatch`,
 * `missing_field`; an empty field counts as missing). Reports are not
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

export interface MypayClientOptions {
  /** The agent API URL: `https://pay.usecase.cc/api/agent` (test), `https://ka.mypay.tw/api/agent` (live). */
  endpoint: string;
  /** 經銷商商務代號. */
  agentUid: Id;
  /**
   * The agent key. Server-side only: never ship it to a browser. During
   * MYPAY's yearly key rotation `[current, next]`: a call MYPAY cannot open
   * under the current key (code 100) is sent once more under the next.
   */
  key: AgentKey | [AgentKey, AgentKey];
  /** 特約商店商務代號, put into orders and refunds that have no `store_uid`. */
  storeUid?: Id;
  /** The fetch to use (default `globalThis.fetch`). */
  fetch?: (input: string, init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal }) => Promise<{ status: number; text(): Promise<string> }>;
  /** Sent with every call (MYPAY's firewall refuses requests without one); default `mypay-edge/<version>`. */
  userAgent?: string;
  /** Per attempt, including reading the answer; default 30000. */
  timeoutMs?: number;
}

/**
 * A client of MYPAY LINK's agent API for server-side code (Node, Workers).
 * It follows the protocol crate's call policy ({@link callPolicy}):
 * `createOrder` and `refund` are sent once, `queryOrder` is repeated on
 * transient failures.
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
  /** `api/queryorder`: the state of an order; repeated on transient failures. */
  queryOrder(query: QueryRequest): Promise<QueryReply>;
  /** `api/refund`: validated first, sent once. */
  refund(req: RefundRequest): Promise<RefundReply>;
  /** The settings without the key. */
  toJSON(): Omit<MypayClientOptions, 'key' | 'fetch'>;
}
