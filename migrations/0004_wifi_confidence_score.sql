-- The guide's complex change: confidence_score through the full table recreation (new table,
-- copy, drop, rename, recreate every index), done by the runner's rebuild step: foreign keys off
-- outside the transaction, foreign_key_check before commit, the old table never renamed. The
-- columns take the guide's order; encryption_type (version 3) stays last.

-- migrate:up
-- migrate:rebuild wifi_networks
CREATE TABLE wifi_networks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    bssid TEXT NOT NULL,
    ssid TEXT,
    frequency INTEGER,
    signal_strength INTEGER,
    encryption TEXT,
    channel INTEGER,
    vendor TEXT,
    confidence_score INTEGER DEFAULT 0,
    first_seen TEXT,
    last_seen TEXT,
    gps_lat REAL,
    gps_lon REAL,
    gps_accuracy REAL,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP,
    encryption_type TEXT GENERATED ALWAYS AS (
        CASE
            WHEN encryption IS NULL THEN NULL
            WHEN instr(upper(encryption), 'WPA3') > 0 THEN 'WPA3'
            WHEN instr(upper(encryption), 'WPA2') > 0 THEN 'WPA2'
            WHEN instr(upper(encryption), 'WPA') > 0 THEN 'WPA'
            WHEN instr(upper(encryption), 'WEP') > 0 THEN 'WEP'
            ELSE 'Open'
        END
    ) VIRTUAL
);

-- migrate:down
-- migrate:rebuild wifi_networks
CREATE TABLE wifi_networks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    bssid TEXT NOT NULL,
    ssid TEXT,
    frequency INTEGER,
    signal_strength INTEGER,
    encryption TEXT,
    channel INTEGER,
    first_seen TEXT,
    last_seen TEXT,
    gps_lat REAL,
    gps_lon REAL,
    gps_accuracy REAL,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP,
    vendor TEXT,
    encryption_type TEXT GENERATED ALWAYS AS (
        CASE
            WHEN encryption IS NULL THEN NULL
            WHEN instr(upper(encryption), 'WPA3') > 0 THEN 'WPA3'
            WHEN instr(upper(encryption), 'WPA2') > 0 THEN 'WPA2'
            WHEN instr(upper(encryption), 'WPA') > 0 THEN 'WPA'
            WHEN instr(upper(encryption), 'WEP') > 0 THEN 'WEP'
            ELSE 'Open'
        END
    ) VIRTUAL
);

-- migrate:verify
SELECT count(*) = 1 FROM pragma_table_info('wifi_networks')
WHERE name = 'confidence_score' AND type = 'INTEGER' AND dflt_value = '0';
SELECT count(*) = 5 FROM sqlite_master
WHERE type = 'index' AND tbl_name = 'wifi_networks'
  AND name IN ('idx_wifi_bssid', 'idx_wifi_ssid', 'idx_wifi_last_seen', 'idx_wifi_location',
               'idx_wifi_vendor');
