-- Health marks: when the cron job last ran (`GET /admin/health`, `mypay doctor`).
CREATE TABLE health (
  name TEXT PRIMARY KEY,   -- 'cron'
  at   INTEGER NOT NULL    -- Unix seconds
);
