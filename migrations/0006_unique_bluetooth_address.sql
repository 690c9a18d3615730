-- One bluetooth_devices row per address ("what we know about each device"), merged the way
-- version 5 merges WiFi networks: into the row with the strongest RSSI (ties: the oldest row),
-- with the group's earliest first_seen and latest last_seen; every row of a merged group is
-- archived in bluetooth_devices_merged, so the down part restores them exactly.

-- migrate:up
CREATE TABLE bluetooth_devices_merged (
    id INTEGER PRIMARY KEY,
    merged_into INTEGER NOT NULL,
    kept INTEGER NOT NULL CHECK (kept IN (0, 1)),
    address TEXT NOT NULL,
    name TEXT,
    device_type TEXT,
    rssi INTEGER,
    manufacturer TEXT,
    services TEXT,
    first_seen TEXT,
    last_seen TEXT,
    gps_lat REAL,
    gps_lon REAL,
    gps_accuracy REAL,
    created_at TEXT
);

INSERT INTO bluetooth_devices_merged
SELECT d.id, k.keeper, d.id = k.keeper, d.address, d.name, d.device_type, d.rssi, d.manufacturer,
       d.services, d.first_seen, d.last_seen, d.gps_lat, d.gps_lon, d.gps_accuracy, d.created_at
FROM bluetooth_devices AS d
JOIN (
    SELECT address, (
        SELECT id FROM bluetooth_devices AS b WHERE b.address = g.address
        ORDER BY b.rssi IS NULL, b.rssi DESC, b.id LIMIT 1
    ) AS keeper
    FROM bluetooth_devices AS g GROUP BY address HAVING count(*) > 1
) AS k ON k.address = d.address;

UPDATE bluetooth_devices SET
    first_seen = (SELECT min(m.first_seen) FROM bluetooth_devices_merged AS m WHERE m.merged_into = bluetooth_devices.id),
    last_seen = (SELECT max(m.last_seen) FROM bluetooth_devices_merged AS m WHERE m.merged_into = bluetooth_devices.id)
WHERE id IN (SELECT id FROM bluetooth_devices_merged WHERE kept = 1);

DELETE FROM bluetooth_devices WHERE id IN (SELECT id FROM bluetooth_devices_merged WHERE kept = 0);

DROP INDEX idx_bt_address;
CREATE UNIQUE INDEX idx_bt_address ON bluetooth_devices(address);

-- migrate:down
DROP INDEX idx_bt_address;
CREATE INDEX idx_bt_address ON bluetooth_devices(address);

UPDATE bluetooth_devices SET
    first_seen = (SELECT m.first_seen FROM bluetooth_devices_merged AS m WHERE m.id = bluetooth_devices.id),
    last_seen = (SELECT m.last_seen FROM bluetooth_devices_merged AS m WHERE m.id = bluetooth_devices.id)
WHERE id IN (SELECT id FROM bluetooth_devices_merged WHERE kept = 1);

INSERT INTO bluetooth_devices (id, address, name, device_type, rssi, manufacturer, services,
    first_seen, last_seen, gps_lat, gps_lon, gps_accuracy, created_at)
SELECT id, address, name, device_type, rssi, manufacturer, services, first_seen, last_seen,
    gps_lat, gps_lon, gps_accuracy, created_at
FROM bluetooth_devices_merged WHERE kept = 0;

DROP TABLE bluetooth_devices_merged;

-- migrate:verify
SELECT count(*) = 1 FROM pragma_index_list('bluetooth_devices') WHERE name = 'idx_bt_address' AND "unique" = 1;
SELECT count(*) = 1 FROM sqlite_master WHERE type = 'table' AND name = 'bluetooth_devices_merged';
