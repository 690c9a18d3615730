-- One wifi_networks row per BSSID ("what we know about each network"). Duplicate rows are merged
-- into the row with the strongest signal (ties: the oldest row), which keeps its position and
-- takes the group's earliest first_seen and latest last_seen. Nothing is thrown away: every row of
-- a merged group is archived in wifi_networks_merged as it was, so the down part restores them.

-- migrate:up
CREATE TABLE wifi_networks_merged (
    id INTEGER PRIMARY KEY,
    merged_into INTEGER NOT NULL,
    kept INTEGER NOT NULL CHECK (kept IN (0, 1)),
    bssid TEXT NOT NULL,
    ssid TEXT,
    frequency INTEGER,
    signal_strength INTEGER,
    encryption TEXT,
    channel INTEGER,
    vendor TEXT,
    confidence_score INTEGER,
    first_seen TEXT,
    last_seen TEXT,
    gps_lat REAL,
    gps_lon REAL,
    gps_accuracy REAL,
    created_at TEXT
);

INSERT INTO wifi_networks_merged
SELECT w.id, k.keeper, w.id = k.keeper, w.bssid, w.ssid, w.frequency, w.signal_strength,
       w.encryption, w.channel, w.vendor, w.confidence_score, w.first_seen, w.last_seen,
       w.gps_lat, w.gps_lon, w.gps_accuracy, w.created_at
FROM wifi_networks AS w
JOIN (
    SELECT bssid, (
        SELECT id FROM wifi_networks AS b WHERE b.bssid = g.bssid
        ORDER BY b.signal_strength IS NULL, b.signal_strength DESC, b.id LIMIT 1
    ) AS keeper
    FROM wifi_networks AS g GROUP BY bssid HAVING count(*) > 1
) AS k ON k.bssid = w.bssid;

UPDATE wifi_networks SET
    first_seen = (SELECT min(m.first_seen) FROM wifi_networks_merged AS m WHERE m.merged_into = wifi_networks.id),
    last_seen = (SELECT max(m.last_seen) FROM wifi_networks_merged AS m WHERE m.merged_into = wifi_networks.id)
WHERE id IN (SELECT id FROM wifi_networks_merged WHERE kept = 1);

DELETE FROM wifi_networks WHERE id IN (SELECT id FROM wifi_networks_merged WHERE kept = 0);

DROP INDEX idx_wifi_bssid;
CREATE UNIQUE INDEX idx_wifi_bssid ON wifi_networks(bssid);

-- migrate:down
DROP INDEX idx_wifi_bssid;
CREATE INDEX idx_wifi_bssid ON wifi_networks(bssid);

UPDATE wifi_networks SET
    first_seen = (SELECT m.first_seen FROM wifi_networks_merged AS m WHERE m.id = wifi_networks.id),
    last_seen = (SELECT m.last_seen FROM wifi_networks_merged AS m WHERE m.id = wifi_networks.id)
WHERE id IN (SELECT id FROM wifi_networks_merged WHERE kept = 1);

INSERT INTO wifi_networks (id, bssid, ssid, frequency, signal_strength, encryption, channel, vendor,
    confidence_score, first_seen, last_seen, gps_lat, gps_lon, gps_accuracy, created_at)
SELECT id, bssid, ssid, frequency, signal_strength, encryption, channel, vendor, confidence_score,
    first_seen, last_seen, gps_lat, gps_lon, gps_accuracy, created_at
FROM wifi_networks_merged WHERE kept = 0;

DROP TABLE wifi_networks_merged;

-- migrate:verify
SELECT count(*) = 1 FROM pragma_index_list('wifi_networks') WHERE name = 'idx_wifi_bssid' AND "unique" = 1;
SELECT count(*) = 1 FROM sqlite_master WHERE type = 'table' AND name = 'wifi_networks_merged';
