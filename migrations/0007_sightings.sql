-- Every sighting of a network or device: when, how strong, where. wifi_networks and
-- bluetooth_devices keep the summary; these keep the history (one row per scan result).
-- Times are UTC ISO-8601; `clock` says which clock gave seen_at: 'system' (the Pi's clock, which
-- may be wrong before NTP or GPS has set it: the Pi has no RTC) or 'gps' (a plausible GPS time,
-- used when the system clock was not set). Positions come only from a fresh fix of mode 2 or 3.

-- migrate:up
CREATE TABLE wifi_sightings (
    id INTEGER PRIMARY KEY,
    network_id INTEGER NOT NULL REFERENCES wifi_networks(id) ON DELETE CASCADE,
    seen_at TEXT NOT NULL,
    clock TEXT NOT NULL DEFAULT 'system' CHECK (clock IN ('system', 'gps')),
    ssid TEXT,
    frequency INTEGER,
    channel INTEGER,
    signal_dbm REAL CHECK (signal_dbm BETWEEN -120 AND 0),
    gps_lat REAL CHECK (gps_lat BETWEEN -90 AND 90),
    gps_lon REAL CHECK (gps_lon BETWEEN -180 AND 180),
    gps_alt REAL,
    gps_accuracy REAL
);
CREATE INDEX idx_wifi_sightings_network ON wifi_sightings(network_id, seen_at);
CREATE INDEX idx_wifi_sightings_seen_at ON wifi_sightings(seen_at);

CREATE TABLE bluetooth_sightings (
    id INTEGER PRIMARY KEY,
    device_id INTEGER NOT NULL REFERENCES bluetooth_devices(id) ON DELETE CASCADE,
    seen_at TEXT NOT NULL,
    clock TEXT NOT NULL DEFAULT 'system' CHECK (clock IN ('system', 'gps')),
    name TEXT,
    rssi_dbm INTEGER CHECK (rssi_dbm BETWEEN -127 AND 20),
    tx_power_dbm INTEGER,
    gps_lat REAL CHECK (gps_lat BETWEEN -90 AND 90),
    gps_lon REAL CHECK (gps_lon BETWEEN -180 AND 180),
    gps_alt REAL,
    gps_accuracy REAL
);
CREATE INDEX idx_bt_sightings_device ON bluetooth_sightings(device_id, seen_at);
CREATE INDEX idx_bt_sightings_seen_at ON bluetooth_sightings(seen_at);

-- migrate:down
DROP TABLE bluetooth_sightings;
DROP TABLE wifi_sightings;

-- migrate:verify
SELECT count(*) = 2 FROM sqlite_master
WHERE type = 'table' AND name IN ('wifi_sightings', 'bluetooth_sightings');
SELECT (SELECT count(*) FROM pragma_foreign_key_list('wifi_sightings') WHERE "table" = 'wifi_networks')
     + (SELECT count(*) FROM pragma_foreign_key_list('bluetooth_sightings') WHERE "table" = 'bluetooth_devices')
     = 2;
