-- What `piwardrive sync` has pushed to each central server: per server (`target`, its
-- host:port/database) and table, the highest local id the server has stored. The server keeps
-- the same mark and its copy wins when they disagree (this one may come from an older backup);
-- this one lets `sync --dry-run` and `db stats` tell what is pending without a connection.

-- migrate:up
CREATE TABLE sync_state (
    target TEXT NOT NULL,
    table_name TEXT NOT NULL CHECK (table_name IN ('wifi_networks', 'bluetooth_devices',
        'wifi_sightings', 'bluetooth_sightings', 'gps_track', 'health_records')),
    last_local_id INTEGER NOT NULL CHECK (last_local_id >= 0),
    synced_at TEXT NOT NULL,
    PRIMARY KEY (target, table_name)
) WITHOUT ROWID;

-- migrate:down
DROP TABLE sync_state;

-- migrate:verify
SELECT count(*) = 1 FROM sqlite_master WHERE type = 'table' AND name = 'sync_state';
