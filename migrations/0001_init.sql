-- mypay-edge: the Worker's D1 schema. Money is integer TWD; times are Unix seconds (UTC).

CREATE TABLE products (
  id             TEXT PRIMARY KEY,
  name           TEXT NOT NULL,
  name_en        TEXT NOT NULL,
  description    TEXT NOT NULL DEFAULT '',
  description_en TEXT NOT NULL DEFAULT '',
  price          INTEGER NOT NULL CHECK (price > 0),
  currency       TEXT NOT NULL DEFAULT 'TWD' CHECK (currency = 'TWD'),
  image_url      TEXT,
  active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  sort           INTEGER NOT NULL DEFAULT 0
);

-- One row per voucher serial. `status` is what the admin sees; the guard
-- against double use is the primary key of `holds`.
CREATE TABLE vouchers (
  code               TEXT PRIMARY KEY,                 -- MYPAY serial_number
  kind               TEXT NOT NULL CHECK (kind IN ('paid', 'free')),
  product_id         TEXT NOT NULL CHECK (length(product_id) BETWEEN 1 AND 32), -- MYPAY voucher group
  name               TEXT NOT NULL,
  value              INTEGER NOT NULL CHECK (value > 0),
  issuer             TEXT NOT NULL,
  refund_return_type TEXT CHECK (refund_return_type IN ('1', '2', '3')),
  status             TEXT NOT NULL DEFAULT 'available' CHECK (status IN ('available', 'reserved', 'used')),
  order_id           TEXT,                             -- the order holding or using it
  refund_outcome     TEXT,                             -- stays_used | returned_to_shopper | value_to_agent
  expires_at         INTEGER,
  min_spend          INTEGER NOT NULL DEFAULT 0 CHECK (min_spend >= 0),
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL
);
CREATE INDEX vouchers_by_status ON vouchers (status, created_at);

CREATE TABLE orders (
  id              TEXT PRIMARY KEY,                    -- our order_id (ME…)
  token           TEXT NOT NULL,                       -- the shopper's bearer token
  status          TEXT NOT NULL CHECK (status IN ('created', 'pending', 'paid', 'failed', 'expired', 'refunded', 'needs_review')),
  amount          INTEGER NOT NULL CHECK (amount > 0), -- what the shopper pays (MYPAY cost)
  subtotal        INTEGER NOT NULL,
  voucher_total   INTEGER NOT NULL,
  currency        TEXT NOT NULL DEFAULT 'TWD',
  customer_id     TEXT NOT NULL,
  pfn             TEXT,                                -- requested payment method
  invoice         TEXT,                                -- JSON of the invoice choice
  mypay_uid       TEXT UNIQUE,
  mypay_key       TEXT,                                -- MYPAY's per-order key: never leaves the worker
  payment_url     TEXT,
  prc             TEXT,                                -- last confirmed status code
  payment_pfn     TEXT,
  payment_message TEXT,
  payment_codes   TEXT,                                -- JSON: store code / virtual account to pay with
  refund          TEXT,                                -- JSON of MYPAY's refund answer (key removed)
  refund_state    TEXT CHECK (refund_state IN ('in_progress', 'done')),
  report_pending  INTEGER NOT NULL DEFAULT 0,          -- a report awaits api/queryorder confirmation
  version         INTEGER NOT NULL DEFAULT 0,          -- bumped by every status change
  last_transition TEXT,                                -- nonce of the last status change (guards its voucher effects)
  last_checked_at INTEGER,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  expires_at      INTEGER NOT NULL,
  paid_at         INTEGER,
  refunded_at     INTEGER
);
CREATE INDEX orders_by_status ON orders (status, updated_at);
CREATE INDEX orders_by_created ON orders (created_at, id);
CREATE INDEX orders_report_pending ON orders (report_pending) WHERE report_pending = 1;

CREATE TABLE order_lines (
  order_id   TEXT NOT NULL REFERENCES orders (id),
  line_no    INTEGER NOT NULL,
  product_id TEXT NOT NULL,
  name       TEXT NOT NULL,
  name_en    TEXT NOT NULL,
  unit_price INTEGER NOT NULL,
  quantity   INTEGER NOT NULL CHECK (quantity > 0),
  total      INTEGER NOT NULL,
  PRIMARY KEY (order_id, line_no)
);

CREATE TABLE order_vouchers (
  order_id           TEXT NOT NULL REFERENCES orders (id),
  position           INTEGER NOT NULL,
  code               TEXT NOT NULL,
  kind               TEXT NOT NULL,
  product_id         TEXT NOT NULL,
  name               TEXT NOT NULL,
  value              INTEGER NOT NULL,
  issuer             TEXT NOT NULL,
  refund_return_type TEXT,
  PRIMARY KEY (order_id, code)
);

-- A voucher reserved (or spent) by an order. The primary key makes a voucher
-- held by one order at most; `kind` is NOT NULL so that inserting a hold on a
-- voucher that is not available (the subquery yields NULL) fails the whole
-- checkout batch.
CREATE TABLE holds (
  code       TEXT PRIMARY KEY REFERENCES vouchers (code),
  order_id   TEXT NOT NULL,
  kind       TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX holds_by_order ON holds (order_id);

-- Append-only log: every report (key redacted), transition, refund and
-- security event.
CREATE TABLE events (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id   TEXT,
  kind       TEXT NOT NULL,
  prc        TEXT,
  detail     TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX events_by_order ON events (order_id, id);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

CREATE TABLE idempotency_keys (
  key         TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  order_id    TEXT NOT NULL,
  status_code INTEGER,
  response    TEXT,
  created_at  INTEGER NOT NULL
);
