-- Abuse resistance at the edge:
--   * refused reports are counted per order and reason (the first and last
--     time), not written one row each: `order_id` is '' when the report names
--     no known order;
--   * an Idempotency-Key's entry keeps its order's token wrapped
--     (`token_wrapped`) and its answer without the token; `key` is now
--     SHA-256 of the client's address and the key (src/secrets.rs), so
--     entries written before are never matched again (they only served
--     retries) and are dropped;
--   * order tokens written from now on are SHA-256 digests (`sha256:…`).
CREATE TABLE report_refusals (
  order_id TEXT NOT NULL,
  reason   TEXT NOT NULL,
  count    INTEGER NOT NULL CHECK (count > 0),
  first_at INTEGER NOT NULL,
  last_at  INTEGER NOT NULL,
  PRIMARY KEY (order_id, reason)
);

DELETE FROM idempotency_keys;
ALTER TABLE idempotency_keys ADD COLUMN token_wrapped TEXT;
