-- The baseline schema of the design guide: device health, WiFi networks, Bluetooth devices and
-- configuration, with the guide's indexes. wifi_networks has no vendor column yet (version 2).

-- migrate:up
CREATE TABLE health_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    timestamp TEXT NOT NULL,
    cpu_temp REAL,
    cpu_percent REAL,
    memory_percent REAL,
    disk_percent REAL,
    network_rx_bytes INTEGER,
    network_tx_bytes INTEGER,
    gps_lat REAL,
    gps_lon REAL,
    gps_accuracy REAL,
    wifi_networks_count INTEGER,
    bluetooth_devices_count INTEGER,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP
);

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
    created_at TEXT DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE bluetooth_devices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    address TEXT NOT NULL,
    name TEXT,
    device_type TEXT,
    rssi INTEGER,
    manufacturer TEXT,
    services TEXT, -- JSON array of service UUIDs
    first_seen TEXT,
    last_seen TEXT,
    gps_lat REAL,
    gps_lon REAL,
    gps_accuracy REAL,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE configuration (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT UNIQUE NOT NULL,
    value TEXT NOT NULL,
    type TEXT DEFAULT 'string',
    description TEXT,
    updated_at TEXT DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_health_timestamp ON health_records(timestamp);
CREATE INDEX idx_health_created_at ON health_records(created_at);

CREATE INDEX idx_wifi_bssid ON wifi_networks(bssid);
CREATE INDEX idx_wifi_ssid ON wifi_networks(ssid);
CREATE INDEX idx_wifi_last_seen ON wifi_networks(last_seen);
CREATE INDEX idx_wifi_location ON wifi_networks(gps_lat, gps_lon);

CREATE INDEX idx_bt_address ON bluetooth_devices(address);
CREATE INDEX idx_bt_name ON bluetooth_devices(name);
CREATE INDEX idx_bt_last_seen ON bluetooth_devices(last_seen);
CREATE INDEX idx_bt_location ON bluetooth_devices(gps_lat, gps_lon);

CREATE INDEX idx_config_key ON configuration(key);

-- migrate:down
DROP TABLE configuration;
DROP TABLE bluetooth_devices;
DROP TABLE wifi_networks;
DROP TABLE health_records;

-- migrate:verify
SELECT count(*) = 4 FROM sqlite_master
WHERE type = 'table'
  AND name IN ('health_records', 'wifi_networks', 'bluetooth_devices', 'configuration');
SELECT count(*) = 11 FROM sqlite_master
WHERE type = 'index'
  AND name IN (
    'idx_health_timestamp', 'idx_health_created_at', 'idx_wifi_bssid', 'idx_wifi_ssid',
    'idx_wifi_last_seen', 'idx_wifi_location', 'idx_bt_address', 'idx_bt_name',
    'idx_bt_last_seen', 'idx_bt_location', 'idx_config_key'
  );
