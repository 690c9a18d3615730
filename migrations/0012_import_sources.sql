-- Where imported rows came from. `source` is one file brought in by `piwardrive import` (another
-- piwardrive database, the original PiWardrive's app.db or a Kismet log): its kind, its file name,
-- the SHA-256 of its bytes and when it was imported; a file imported again (same bytes) is the
-- same source. `source_rows` gives every imported row a key derived from its content (a Kismet
-- packet's MAC, id and CRC; a sighting's MAC, time and signal…), unique across all sources, so
-- importing a file twice, a Kismet log that has grown since, or two files holding the same rows
-- adds each row once, and each imported sighting, track point and health record can be traced
-- to its file. Collected rows have no entry.

-- migrate:up
CREATE TABLE source (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('piwardrive', 'piwardrive-legacy', 'kismet')),
    file_name TEXT NOT NULL,
    content_hash TEXT NOT NULL UNIQUE,
    imported_at TEXT NOT NULL
);

CREATE TABLE source_rows (
    source_key TEXT PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES source(id),
    table_name TEXT NOT NULL
        CHECK (table_name IN ('wifi_sightings', 'bluetooth_sightings', 'gps_track', 'health_records')),
    row_id INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX idx_source_rows_row ON source_rows(table_name, row_id);

-- migrate:down
DROP TABLE source_rows;
DROP TABLE source;

-- migrate:verify
SELECT count(*) = 2 FROM sqlite_master WHERE type = 'table' AND name IN ('source', 'source_rows');
SELECT count(*) = 1 FROM pragma_index_list('source_rows') WHERE name = 'idx_source_rows_row';
