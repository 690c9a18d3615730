-- The guide's "populating new columns": wifi_networks.vendor and, where empty,
-- bluetooth_devices.manufacturer from the IEEE OUI table built into piwardrive (the SQL function
-- oui_vendor(mac), registered on every connection; NULL for randomised MACs). New rows are
-- enriched as they are stored. oui_backfilled remembers which rows this migration filled, so the
-- down part clears exactly those (and only while they still hold the looked-up value).

-- migrate:up
CREATE TABLE oui_backfilled (
    table_name TEXT NOT NULL CHECK (table_name IN ('wifi_networks', 'bluetooth_devices')),
    row_id INTEGER NOT NULL,
    PRIMARY KEY (table_name, row_id)
) WITHOUT ROWID;

INSERT INTO oui_backfilled (table_name, row_id)
SELECT 'wifi_networks', id FROM wifi_networks
WHERE vendor IS NULL AND oui_vendor(bssid) IS NOT NULL;
INSERT INTO oui_backfilled (table_name, row_id)
SELECT 'bluetooth_devices', id FROM bluetooth_devices
WHERE manufacturer IS NULL AND oui_vendor(address) IS NOT NULL;

UPDATE wifi_networks SET vendor = oui_vendor(bssid)
WHERE id IN (SELECT row_id FROM oui_backfilled WHERE table_name = 'wifi_networks');
UPDATE bluetooth_devices SET manufacturer = oui_vendor(address)
WHERE id IN (SELECT row_id FROM oui_backfilled WHERE table_name = 'bluetooth_devices');

-- migrate:down
UPDATE wifi_networks SET vendor = NULL
WHERE id IN (SELECT row_id FROM oui_backfilled WHERE table_name = 'wifi_networks')
  AND vendor IS oui_vendor(bssid);
UPDATE bluetooth_devices SET manufacturer = NULL
WHERE id IN (SELECT row_id FROM oui_backfilled WHERE table_name = 'bluetooth_devices')
  AND manufacturer IS oui_vendor(address);
DROP TABLE oui_backfilled;

-- migrate:verify
-- The lookup this migration and every later write rely on is registered. (Its answers are the
-- unit tests' business; calling it here would load the vendor table on every verify.)
SELECT count(*) = 1 FROM pragma_function_list WHERE name = 'oui_vendor' AND narg = 1;
SELECT count(*) = 1 FROM sqlite_master WHERE type = 'table' AND name = 'oui_backfilled';
