-- Outbound merchant webhooks (Standard Webhooks; src/worker/webhooks.rs).
--   * webhook_endpoints: the endpoints added through the admin API, each with
--     its own secret (whsec_…). The endpoint of the MERCHANT_WEBHOOK_URL
--     setting is not a row: its id is `setting` and its secret a Worker secret.
--   * webhook_deliveries: the outbox. `orders::execute` writes one row per
--     endpoint in the same D1 batch as the order's change, so a crash between
--     the change and the delivery loses nothing. `webhook_id` (msg_…) is the
--     message's id, the same on every retry and replay and for every endpoint.
--     `body` is frozen at the first attempt. `retry_base` is the attempt count
--     when the retry schedule last started (a replay starts it again).
CREATE TABLE webhook_endpoints (
  id         TEXT PRIMARY KEY,
  url        TEXT NOT NULL,
  secret     TEXT NOT NULL,
  enabled    INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL
);

CREATE TABLE webhook_deliveries (
  id               TEXT PRIMARY KEY,
  webhook_id       TEXT NOT NULL,
  endpoint_id      TEXT NOT NULL,
  url              TEXT NOT NULL,
  type             TEXT NOT NULL,
  order_id         TEXT NOT NULL,
  event_at         INTEGER NOT NULL,
  status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  retry_base       INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER,
  last_status_code INTEGER,
  last_error       TEXT,
  body             TEXT,
  created_at       INTEGER NOT NULL,
  delivered_at     INTEGER,
  UNIQUE (webhook_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_by_order ON webhook_deliveries (order_id, created_at);
CREATE INDEX webhook_deliveries_by_created ON webhook_deliveries (created_at, id);
