-- Marks randomised (locally administered) addresses: bit 0x02 of the first octet, i.e. a second
-- hex digit of 2, 3, 6, 7, a, b, e or f. Phones and laptops make such addresses up; they have no
-- vendor (oui_vendor gives NULL) and one device may show many. Virtual generated columns: right
-- for every row, old or new, at no cost on write.

-- migrate:up
ALTER TABLE wifi_networks ADD COLUMN randomized INTEGER GENERATED ALWAYS AS (
    instr('2367abefABEF', substr(bssid, 2, 1)) > 0
) VIRTUAL;
ALTER TABLE bluetooth_devices ADD COLUMN randomized INTEGER GENERATED ALWAYS AS (
    instr('2367abefABEF', substr(address, 2, 1)) > 0
) VIRTUAL;

-- migrate:down
ALTER TABLE bluetooth_devices DROP COLUMN randomized;
ALTER TABLE wifi_networks DROP COLUMN randomized;

-- migrate:verify
SELECT count(*) = 1 FROM pragma_table_xinfo('wifi_networks') WHERE name = 'randomized' AND hidden = 2;
SELECT count(*) = 1 FROM pragma_table_xinfo('bluetooth_devices') WHERE name = 'randomized' AND hidden = 2;
