/**
 * Database fixtures, built once per run through `Context.fixture` and shared by the sections:
 * copy a fixture before changing it. Every file is closed with its WAL checkpointed into it, so
 * a plain file copy is a complete database.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { openDatabase } from "../../src/db/open.ts";
import { embeddedMigrations, Migrator } from "../../src/migrate/mod.ts";
import type { Context } from "./lib.ts";

/** A database at `version`, empty, created with the embedded migrations (left open). */
export function openAtVersion(path: string, version: number): DatabaseSync {
  const db = openDatabase(path, { create: true });
  new Migrator(db, embeddedMigrations()).migrateTo(version);
  return db;
}

/** Checkpoints the WAL into the main file and closes, so the file alone can be copied. */
export function closeForCopy(db: DatabaseSync): void {
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.close();
}

/**
 * Runs `sql` in one transaction with `table`'s indexes dropped first and recreated from their own
 * SQL afterwards: a bulk insert is much faster, and the schema ends exactly as it was.
 */
export function withoutIndexes(db: DatabaseSync, table: string, sql: string): void {
  const indexes = db.prepare(
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
  ).all(table) as { name: string; sql: string }[];
  db.exec("BEGIN IMMEDIATE");
  try {
    for (const { name } of indexes) db.exec(`DROP INDEX "${name}"`);
    db.exec(sql);
    for (const { sql } of indexes) db.exec(sql);
    db.exec("COMMIT");
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}

/** What differs between the wifi_networks fixtures: SQL expressions over the row number `i`. */
export interface NetworkVariant {
  /** The BSSID's first three octets, `xx:xx:xx`. */
  prefix: string;
  /** The encryption label of rows with `i % 10 = 5`. */
  encryption5: string;
  vendor: string;
}

/** A dozen vendor OUIs (one of them randomised), a sixth of the rows without encryption known. */
const DOZEN_VENDORS: NetworkVariant = {
  prefix: `CASE i % 12 WHEN 0 THEN '3c:84:6a' WHEN 1 THEN 'f4:f2:6d' WHEN 2 THEN 'a0:b5:49'
    WHEN 3 THEN '00:1a:2b' WHEN 4 THEN 'dc:15:c8' WHEN 5 THEN '88:03:55'
    WHEN 6 THEN '70:3a:0e' WHEN 7 THEN 'b0:be:76' WHEN 8 THEN 'e0:28:6d'
    WHEN 9 THEN 'c8:0e:14' WHEN 10 THEN '44:4e:6d' ELSE '02:5c:1f' END`,
  encryption5: "NULL",
  vendor: `CASE i % 4 WHEN 0 THEN 'AVM GmbH' WHEN 1 THEN 'TP-LINK TECHNOLOGIES CO.,LTD.'
    WHEN 2 THEN NULL ELSE 'Arcadyan Corporation' END`,
};

/**
 * An SSID for row `i`: 5 % hidden, operator and router defaults, UTF-8 with an emoji; `quoted`
 * adds one in 97 with quotes and a comma (RFC 4180 quoting).
 */
export function ssidSql(quoted = false): string {
  return `CASE WHEN i % 20 = 0 THEN NULL${
    quoted ? `\n        WHEN i % 97 = 1 THEN printf('Joe''s "Guest", %d', i)` : ""
  }
        WHEN i % 7 = 0 THEN printf('Vodafone-%04X', i % 65536)
        WHEN i % 7 = 1 THEN printf('FRITZ!Box 7590 %s', char(65 + i % 26, 65 + (i / 26) % 26))
        WHEN i % 7 = 2 THEN printf('TP-Link_%04X', (i * 31) % 65536)
        WHEN i % 7 = 3 THEN 'eduroam'
        WHEN i % 7 = 4 THEN printf('Café ☕ %d', i % 100)
        ELSE printf('HomeNet-%d', i) END`;
}

/**
 * The INSERT of `rows` realistic `wifi_networks` rows (the columns of version 2 onwards) by one
 * recursive CTE: unique BSSIDs under the variant's prefixes, 5 % hidden SSIDs, 2.4 and 5 GHz
 * channels, the encryption labels the parser produces, ISO-8601 times over three months and
 * positions around Cambridge (2 % without).
 */
export function insertNetworksSql(rows: number, variant: NetworkVariant): string {
  return `
    INSERT INTO wifi_networks (bssid, ssid, frequency, signal_strength, encryption, channel,
      vendor, first_seen, last_seen, gps_lat, gps_lon, gps_accuracy, created_at)
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows}),
    g AS (
      SELECT i,
        (i * 10368889) & 16777215 AS low,
        CASE WHEN i % 5 < 3 THEN 1 + (i * 7) % 13 ELSE 36 + 4 * ((i * 3) % 8) END AS ch,
        1767225600 + (i * 7919) % 7776000 AS t0
      FROM n
    )
    SELECT
      printf('%s:%02x:%02x:%02x', ${variant.prefix}, low >> 16, (low >> 8) & 255, low & 255),
      ${ssidSql()},
      CASE WHEN ch <= 14 THEN 2407 + 5 * ch ELSE 5000 + 5 * ch END,
      -30 - (i * 37) % 65,
      CASE i % 10 WHEN 0 THEN 'WPA3-SAE/WPA2-PSK' WHEN 1 THEN 'Open' WHEN 2 THEN 'WPA2-EAP'
        WHEN 3 THEN 'WPA2-PSK/WPA-PSK' WHEN 4 THEN 'WEP' WHEN 5 THEN ${variant.encryption5}
        ELSE 'WPA2-PSK' END,
      ch,
      ${variant.vendor},
      strftime('%Y-%m-%dT%H:%M:%fZ', t0, 'unixepoch'),
      strftime('%Y-%m-%dT%H:%M:%fZ', t0 + (i * 13) % 86400, 'unixepoch'),
      CASE WHEN i % 50 = 0 THEN NULL ELSE 52.15 + ((i * 7) % 10000) * 0.00001 END,
      CASE WHEN i % 50 = 0 THEN NULL ELSE 0.08 + ((i * 11) % 10000) * 0.00001 END,
      CASE WHEN i % 50 = 0 THEN NULL ELSE 2.5 + (i % 40) * 0.5 END,
      strftime('%Y-%m-%d %H:%M:%S', t0, 'unixepoch')
    FROM g`;
}

/**
 * Fills `wifi_networks` (at version 2 or 3: vendor, no confidence_score) with `rows` rows of
 * `insertNetworksSql` under a dozen vendor OUIs, with vendors.
 */
export function fillWifiNetworks(db: DatabaseSync, rows: number): void {
  withoutIndexes(db, "wifi_networks", insertNetworksSql(rows, DOZEN_VENDORS));
}

/** Rows in the big wifi_networks fixtures. */
export function wifiRows(ctx: Context): number {
  return ctx.size(1_000_000, 50_000);
}

/** A database at version 3 with `wifiRows` networks (the state before the version-4 rebuild). */
export function wifiV3(ctx: Context): Promise<string> {
  return ctx.fixture("wifi-v3", () => {
    const path = ctx.path("wifi-v3.db");
    const rows = wifiRows(ctx);
    const started = performance.now();
    const db = openAtVersion(path, 3);
    fillWifiNetworks(db, rows);
    closeForCopy(db);
    ctx.log(
      `built ${rows} wifi_networks rows at version 3 in ${
        ((performance.now() - started) / 1000).toFixed(1)
      } s (${(Deno.statSync(path).size / 1048576).toFixed(0)} MB)`,
    );
    return Promise.resolve(path);
  });
}

/** The same networks at the latest version (migrated from `wifiV3`). */
export function wifiLatest(ctx: Context): Promise<string> {
  return ctx.fixture("wifi-latest", async () => {
    const path = ctx.path("wifi-latest.db");
    Deno.copyFileSync(await wifiV3(ctx), path);
    const db = openDatabase(path);
    new Migrator(db, embeddedMigrations()).migrateToLatest();
    closeForCopy(db);
    return path;
  });
}

/** An empty database at the latest version. */
export function emptyLatest(ctx: Context): Promise<string> {
  return ctx.fixture("empty-latest", () => {
    const path = ctx.path("empty-latest.db");
    closeForCopy(openAtVersion(path, embeddedMigrations().length));
    return Promise.resolve(path);
  });
}
