-- WiGLE uploads. `upload_batches` is one file sent (or being sent) to WiGLE: its file name (unique,
-- the key under which WiGLE's transaction list is searched after a crash), how many sightings it
-- holds, the SHA-256 of its CSV records, its state and the transId WiGLE returned. A sighting's
-- `upload_batch` names the batch that carries it: set (state 'pending') in the transaction that
-- creates the batch, before anything is sent; the batch becomes 'sent' with its transId in one
-- transaction after WiGLE accepted it; a batch WiGLE refused becomes 'failed' and gives its rows
-- back (NULL). So the marker lives with the data: a copied database knows what it already sent.
-- The partial indexes hold only claimed rows: collect inserts NULL and never touches them.

-- migrate:up
CREATE TABLE upload_batches (
    id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
    sightings INTEGER NOT NULL,
    content_sha256 TEXT,
    bytes INTEGER,
    trans_id TEXT,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    message TEXT
);

ALTER TABLE wifi_sightings ADD COLUMN upload_batch INTEGER;
ALTER TABLE bluetooth_sightings ADD COLUMN upload_batch INTEGER;
CREATE INDEX idx_wifi_sightings_upload ON wifi_sightings(upload_batch, seen_at)
    WHERE upload_batch IS NOT NULL;
CREATE INDEX idx_bt_sightings_upload ON bluetooth_sightings(upload_batch, seen_at)
    WHERE upload_batch IS NOT NULL;

-- migrate:down
DROP INDEX idx_bt_sightings_upload;
DROP INDEX idx_wifi_sightings_upload;
ALTER TABLE bluetooth_sightings DROP COLUMN upload_batch;
ALTER TABLE wifi_sightings DROP COLUMN upload_batch;
DROP TABLE upload_batches;

-- migrate:verify
SELECT count(*) = 1 FROM sqlite_master WHERE type = 'table' AND name = 'upload_batches';
SELECT count(*) = 1 FROM pragma_table_info('wifi_sightings') WHERE name = 'upload_batch';
SELECT count(*) = 1 FROM pragma_table_info('bluetooth_sightings') WHERE name = 'upload_batch';
SELECT count(*) = 2 FROM sqlite_master
WHERE type = 'index' AND name IN ('idx_wifi_sightings_upload', 'idx_bt_sightings_upload');
