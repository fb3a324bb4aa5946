-- The order lifecycle follows MYPAY's answers (src/order_state.rs):
--   * status gains `refund_pending`;
--   * `holds` says where the order's vouchers are (held / consumed / released),
--     so an expired order can keep them until MYPAY says it cannot be paid;
--   * `review_reason` says why an order needs a person;
--   * `wait` says what the deadline in `expires_at` means (page / limit / open);
--   * `report_seq` counts reports, so a query clears `report_pending` only
--     when no report arrived while it was asked;
--   * `last_answer_at` is when MYPAY last answered a query, `next_check_at`
--     when the cron job asks next; `last_reply` / `last_reply_event` let an
--     unchanged answer point at the event that holds it;
--   * `refund_state` gains `requested` and `unanswered`, `refund_since` when
--     it was set.
-- SQLite cannot change a CHECK constraint, so the table is rebuilt.
PRAGMA defer_foreign_keys = true;

CREATE TABLE orders_new (
  id              TEXT PRIMARY KEY,
  token           TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('created', 'pending', 'paid', 'failed', 'expired', 'refund_pending', 'refunded', 'needs_review')),
  review_reason   TEXT CHECK (review_reason IN ('voucher_conflict', 'paid_mismatch', 'pending_too_long', 'refund_unconfirmed')),
  holds           TEXT NOT NULL DEFAULT 'held' CHECK (holds IN ('held', 'consumed', 'released')),
  wait            TEXT NOT NULL DEFAULT 'page' CHECK (wait IN ('page', 'limit', 'open')),
  amount          INTEGER NOT NULL CHECK (amount > 0),
  subtotal        INTEGER NOT NULL,
  voucher_total   INTEGER NOT NULL,
  currency        TEXT NOT NULL DEFAULT 'TWD',
  customer_id     TEXT NOT NULL,
  pfn             TEXT,
  invoice         TEXT,
  mypay_uid       TEXT UNIQUE,
  mypay_key       TEXT,
  payment_url     TEXT,
  prc             TEXT,
  payment_pfn     TEXT,
  payment_message TEXT,
  payment_codes   TEXT,
  refund          TEXT,
  refund_state    TEXT CHECK (refund_state IN ('in_progress', 'requested', 'unanswered', 'done')),
  refund_since    INTEGER,
  report_pending  INTEGER NOT NULL DEFAULT 0,
  report_seq      INTEGER NOT NULL DEFAULT 0,
  version         INTEGER NOT NULL DEFAULT 0,
  last_transition TEXT,
  last_checked_at INTEGER,
  last_answer_at  INTEGER,
  next_check_at   INTEGER,
  last_reply      TEXT,                                -- the last query reply kept in full (key removed)
  last_reply_event INTEGER,                            -- its events row
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  expires_at      INTEGER NOT NULL,
  paid_at         INTEGER,
  refunded_at     INTEGER
);

INSERT INTO orders_new (id, token, status, review_reason, holds, wait, amount, subtotal, voucher_total, currency,
  customer_id, pfn, invoice, mypay_uid, mypay_key, payment_url, prc, payment_pfn, payment_message, payment_codes,
  refund, refund_state, refund_since, report_pending, report_seq, version, last_transition, last_checked_at,
  last_answer_at, next_check_at, created_at, updated_at, expires_at, paid_at, refunded_at)
SELECT id, token, status,
  CASE WHEN status = 'needs_review' THEN 'paid_mismatch' END,
  CASE WHEN status IN ('paid', 'refunded', 'needs_review') THEN 'consumed'
       WHEN status IN ('failed', 'expired') THEN 'released' ELSE 'held' END,
  'page', amount, subtotal, voucher_total, currency, customer_id, pfn, invoice, mypay_uid, mypay_key, payment_url,
  prc, payment_pfn, payment_message, payment_codes, refund, refund_state, NULL, report_pending, report_pending,
  version, last_transition, last_checked_at, last_checked_at,
  CASE WHEN status IN ('created', 'pending') OR report_pending = 1 THEN expires_at END,
  created_at, updated_at, expires_at, paid_at, refunded_at
FROM orders;

DROP TABLE orders;
ALTER TABLE orders_new RENAME TO orders;
CREATE INDEX orders_by_status ON orders (status, updated_at);
CREATE INDEX orders_by_created ON orders (created_at, id);
CREATE INDEX orders_report_pending ON orders (report_pending) WHERE report_pending = 1;
CREATE INDEX orders_next_check ON orders (next_check_at) WHERE next_check_at IS NOT NULL;

-- The test clock (TEST_CLOCK=1, only with a loopback MYPAY_ENDPOINT): an
-- offset added to the worker's time, so tests can jump over deadlines.
CREATE TABLE test_clock (
  id             INTEGER PRIMARY KEY CHECK (id = 1),
  offset_seconds INTEGER NOT NULL
);
