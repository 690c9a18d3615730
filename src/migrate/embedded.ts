/**
 * The migrations compiled into the program. Static text imports put every file into the bundle
 * and the compiled binary, so nothing is read from disk at run time. A test checks this list
 * against the `migrations/` directory; add a line here for every new file.
 */
import { loadMigrations, type Migration } from "./parse.ts";
import { precomputedMigrations } from "./manifest.ts";
import m0001 from "../../migrations/0001_baseline.sql" with { type: "text" };
import m0002 from "../../migrations/0002_add_wifi_vendor.sql" with { type: "text" };
import m0003 from "../../migrations/0003_wifi_encryption_type.sql" with { type: "text" };
import m0004 from "../../migrations/0004_wifi_confidence_score.sql" with { type: "text" };
import m0005 from "../../migrations/0005_unique_wifi_bssid.sql" with { type: "text" };
import m0006 from "../../migrations/0006_unique_bluetooth_address.sql" with { type: "text" };
import m0007 from "../../migrations/0007_sightings.sql" with { type: "text" };
import m0008 from "../../migrations/0008_gps_track.sql" with { type: "text" };
import m0009 from "../../migrations/0009_backfill_vendors.sql" with { type: "text" };
import m0010 from "../../migrations/0010_randomized_macs.sql" with { type: "text" };
import m0011 from "../../migrations/0011_slow_queries.sql" with { type: "text" };
import m0012 from "../../migrations/0012_import_sources.sql" with { type: "text" };
import m0013 from "../../migrations/0013_uploads.sql" with { type: "text" };
import m0014 from "../../migrations/0014_sync_state.sql" with { type: "text" };

/** Embedded migration files, as `{ name, text }`. */
export const embeddedMigrationFiles: readonly { name: string; text: string }[] = [
  { name: "0001_baseline.sql", text: m0001 },
  { name: "0002_add_wifi_vendor.sql", text: m0002 },
  { name: "0003_wifi_encryption_type.sql", text: m0003 },
  { name: "0004_wifi_confidence_score.sql", text: m0004 },
  { name: "0005_unique_wifi_bssid.sql", text: m0005 },
  { name: "0006_unique_bluetooth_address.sql", text: m0006 },
  { name: "0007_sightings.sql", text: m0007 },
  { name: "0008_gps_track.sql", text: m0008 },
  { name: "0009_backfill_vendors.sql", text: m0009 },
  { name: "0010_randomized_macs.sql", text: m0010 },
  { name: "0011_slow_queries.sql", text: m0011 },
  { name: "0012_import_sources.sql", text: m0012 },
  { name: "0013_uploads.sql", text: m0013 },
  { name: "0014_sync_state.sql", text: m0014 },
];

const parsed = new Map<boolean, Migration[]>();

/**
 * The migrations compiled into this binary, once: as the build parsed and hashed them
 * (`manifest.json`) when it was made from exactly these files, else parsed and hashed here;
 * `precomputed: false` always does it here (`migrate --verify --deep`).
 */
export function embeddedMigrations(options: { precomputed?: boolean } = {}): Migration[] {
  const precomputed = options.precomputed !== false;
  let migrations = parsed.get(precomputed);
  if (!migrations) {
    migrations = (precomputed ? precomputedMigrations(embeddedMigrationFiles) : undefined) ??
      loadMigrations([...embeddedMigrationFiles]);
    parsed.set(precomputed, migrations);
  }
  return migrations;
}
