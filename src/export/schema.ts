/** Whether a database holds what the export reads. */
import type { DatabaseSync } from "node:sqlite";
import { PiwardriveError } from "../errors.ts";

/** Every existing table the export reads; an older schema needs `piwardrive migrate`. */
export function ensureExportSchema(db: DatabaseSync, dbPath: string): void {
  const needed = [
    "wifi_networks",
    "wifi_sightings",
    "bluetooth_devices",
    "bluetooth_sightings",
    "gps_track",
  ];
  const present = new Set(
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) =>
      String(r.name)
    ),
  );
  const missing = needed.filter((t) => !present.has(t));
  if (missing.length > 0) {
    throw new PiwardriveError(
      `Cannot export "${dbPath}": table(s) ${
        missing.join(", ")
      } missing; run \`piwardrive migrate\``,
    );
  }
}
