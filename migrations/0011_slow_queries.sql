-- Slow statements of the application: each one that took longer than the `slow_query_ms` setting
-- (default 250), with when, how long, its SQL and its query-plan summary. A ring of the newest
-- 100: the writer deletes older rows as it adds one, so the table stays small on a Pi that runs
-- for months. `piwardrive db stats` shows them.

-- migrate:up
CREATE TABLE slow_queries (
    id INTEGER PRIMARY KEY,
    recorded_at TEXT NOT NULL,
    duration_ms REAL NOT NULL CHECK (duration_ms >= 0),
    sql TEXT NOT NULL,
    plan TEXT
);

-- migrate:down
DROP TABLE slow_queries;

-- migrate:verify
SELECT count(*) = 1 FROM sqlite_master WHERE type = 'table' AND name = 'slow_queries';
