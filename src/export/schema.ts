/** Whether a database holds the tables a reader needs. */
import type { DatabaseSync } from "node:sqlite";
import { PiwardriveError } from "../errors.ts";

/**
 * Refuses a database without every one of `tables` (an older schema needs `piwardrive migrate`);
 * the message starts with `cannot`, e.g. `Cannot export "p.db"`.
 */
export function ensureTables(
  db: DatabaseSync,
  tables: readonly string[],
  cannot: string,
): void {
  const present = new Set(
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) =>
      String(r.name)
    ),
  );
  const missing = tables.filter((t) => !present.has(t));
  if (missing.length > 0) {
    throw new PiwardriveError(
      `${cannot}: table(s) ${missing.join(", ")} missing; run \`piwardrive migrate\``,
    );
  }
}

/** The tables every export reads. */
export const EXPORT_TABLES = [
  "wifi_networks",
  "wifi_sightings",
  "bluetooth_devices",
  "bluetooth_sightings",
  "gps_track",
] as const;

/** Every existing table the export reads; an older schema needs `piwardrive migrate`. */
export function ensureExportSchema(db: DatabaseSync, dbPath: string): void {
  ensureTables(db, EXPORT_TABLES, `Cannot export "${dbPath}"`);
}
