-- The guide's data transformation: encryption_type (WPA3, WPA2, WPA, WEP, else Open) derived
-- from encryption. A virtual generated column rather than a column filled by UPDATE: SQLite
-- computes it from encryption on every read, so it is right for existing rows and for every row
-- written later, with no trigger and no extra write. An unknown (NULL) encryption gives NULL,
-- not "Open": an unknown network is not known to be open.

-- migrate:up
ALTER TABLE wifi_networks ADD COLUMN encryption_type TEXT GENERATED ALWAYS AS (
    CASE
        WHEN encryption IS NULL THEN NULL
        WHEN instr(upper(encryption), 'WPA3') > 0 THEN 'WPA3'
        WHEN instr(upper(encryption), 'WPA2') > 0 THEN 'WPA2'
        WHEN instr(upper(encryption), 'WPA') > 0 THEN 'WPA'
        WHEN instr(upper(encryption), 'WEP') > 0 THEN 'WEP'
        ELSE 'Open'
    END
) VIRTUAL;

-- migrate:down
ALTER TABLE wifi_networks DROP COLUMN encryption_type;

-- migrate:verify
SELECT count(*) = 1 FROM pragma_table_xinfo('wifi_networks')
WHERE name = 'encryption_type' AND hidden = 2;
