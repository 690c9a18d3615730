-- The guide's first migration: a vendor column on wifi_networks, and its index.

-- migrate:up
ALTER TABLE wifi_networks ADD COLUMN vendor TEXT;
CREATE INDEX idx_wifi_vendor ON wifi_networks(vendor);

-- migrate:down
DROP INDEX idx_wifi_vendor;
ALTER TABLE wifi_networks DROP COLUMN vendor;

-- migrate:verify
SELECT count(*) = 1 FROM pragma_table_info('wifi_networks') WHERE name = 'vendor' AND type = 'TEXT';
SELECT count(*) = 1 FROM sqlite_master WHERE type = 'index' AND name = 'idx_wifi_vendor';
