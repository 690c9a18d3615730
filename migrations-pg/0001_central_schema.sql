-- The central PostgreSQL + PostGIS schema that `piwardrive sync` fills from many Pis. Each Pi is
-- a device (`sync_devices`, its random id from the Pi's configuration table). Rows it sends keep
-- their Pi-local id and are keyed by (device_id, local_id), so a row sent twice is stored once.
-- `sync_marks` holds, per device and table, the highest local id stored: it moves in the same
-- transaction as the rows, so it is exact after a kill or a cut connection. Networks and
-- Bluetooth devices are merged across Pis by BSSID / address: earliest first_seen, latest
-- last_seen, strongest signal and the position where it was strongest. Positions are
-- geography(Point, 4326) with GiST indexes, for distance and coverage queries in metres.

-- migrate:up
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE sync_devices (
    device_id uuid PRIMARY KEY,
    hostname text,
    first_sync_at timestamptz NOT NULL DEFAULT now(),
    last_sync_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sync_marks (
    device_id uuid NOT NULL REFERENCES sync_devices(device_id),
    table_name text NOT NULL CHECK (table_name IN
        ('wifi_networks', 'bluetooth_devices', 'wifi_sightings', 'bluetooth_sightings',
         'gps_track', 'health_records')),
    last_local_id bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, table_name)
);

CREATE TABLE networks (
    bssid text PRIMARY KEY,
    ssid text,
    frequency integer,
    channel integer,
    encryption text,
    vendor text,
    first_seen timestamptz,
    last_seen timestamptz,
    best_signal_dbm real,
    best_position geography(Point, 4326),
    best_accuracy_m real
);
CREATE INDEX networks_best_position_gist ON networks USING gist (best_position);

CREATE TABLE bt_devices (
    address text PRIMARY KEY,
    name text,
    device_type text,
    manufacturer text,
    first_seen timestamptz,
    last_seen timestamptz,
    best_rssi_dbm real,
    best_position geography(Point, 4326),
    best_accuracy_m real
);
CREATE INDEX bt_devices_best_position_gist ON bt_devices USING gist (best_position);

CREATE TABLE wifi_sightings (
    device_id uuid NOT NULL REFERENCES sync_devices(device_id),
    local_id bigint NOT NULL,
    bssid text NOT NULL REFERENCES networks(bssid),
    seen_at timestamptz,
    clock text,
    ssid text,
    frequency integer,
    channel integer,
    signal_dbm real,
    position geography(Point, 4326),
    alt_m real,
    accuracy_m real,
    PRIMARY KEY (device_id, local_id)
);
CREATE INDEX wifi_sightings_position_gist ON wifi_sightings USING gist (position);
CREATE INDEX wifi_sightings_bssid ON wifi_sightings (bssid, seen_at);

CREATE TABLE bluetooth_sightings (
    device_id uuid NOT NULL REFERENCES sync_devices(device_id),
    local_id bigint NOT NULL,
    address text NOT NULL REFERENCES bt_devices(address),
    seen_at timestamptz,
    clock text,
    name text,
    rssi_dbm integer,
    tx_power_dbm integer,
    position geography(Point, 4326),
    alt_m real,
    accuracy_m real,
    PRIMARY KEY (device_id, local_id)
);
CREATE INDEX bluetooth_sightings_position_gist ON bluetooth_sightings USING gist (position);
CREATE INDEX bluetooth_sightings_address ON bluetooth_sightings (address, seen_at);

CREATE TABLE gps_track (
    device_id uuid NOT NULL REFERENCES sync_devices(device_id),
    local_id bigint NOT NULL,
    system_time timestamptz,
    gps_time timestamptz,
    gps_time_plausible boolean NOT NULL,
    mode smallint NOT NULL,
    position geography(Point, 4326),
    alt_m real,
    accuracy_m real,
    speed_mps real,
    track_deg real,
    PRIMARY KEY (device_id, local_id)
);
CREATE INDEX gps_track_position_gist ON gps_track USING gist (position);

CREATE TABLE health_records (
    device_id uuid NOT NULL REFERENCES sync_devices(device_id),
    local_id bigint NOT NULL,
    recorded_at timestamptz,
    cpu_temp real,
    cpu_percent real,
    memory_percent real,
    disk_percent real,
    network_rx_bytes bigint,
    network_tx_bytes bigint,
    position geography(Point, 4326),
    wifi_networks_count integer,
    bluetooth_devices_count integer,
    PRIMARY KEY (device_id, local_id)
);

-- migrate:down
DROP TABLE health_records;
DROP TABLE gps_track;
DROP TABLE bluetooth_sightings;
DROP TABLE wifi_sightings;
DROP TABLE bt_devices;
DROP TABLE networks;
DROP TABLE sync_marks;
DROP TABLE sync_devices;

-- migrate:verify
SELECT count(*) = 8 FROM information_schema.tables
WHERE table_schema = current_schema()
  AND table_name IN ('sync_devices', 'sync_marks', 'networks', 'bt_devices', 'wifi_sightings',
                     'bluetooth_sightings', 'gps_track', 'health_records');
SELECT count(*) = 5 FROM pg_indexes
WHERE schemaname = current_schema() AND indexdef LIKE '%USING gist%'
  AND indexname IN ('networks_best_position_gist', 'bt_devices_best_position_gist',
                    'wifi_sightings_position_gist', 'bluetooth_sightings_position_gist',
                    'gps_track_position_gist');
