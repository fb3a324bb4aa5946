-- The admin console: every reconciliation with MYPAY (the cron job's and the
-- admin's "run now") is kept, so the console can show the last runs and what
-- they found. `error` is set when a run could not complete.
CREATE TABLE reconcile_runs (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  source   TEXT NOT NULL CHECK (source IN ('cron', 'admin')),
  at       INTEGER NOT NULL,   -- Unix seconds, when it finished
  checked  INTEGER NOT NULL DEFAULT 0,
  updated  INTEGER NOT NULL DEFAULT 0,
  expired  INTEGER NOT NULL DEFAULT 0,
  released INTEGER NOT NULL DEFAULT 0,
  failed   INTEGER NOT NULL DEFAULT 0,
  error    TEXT
);
