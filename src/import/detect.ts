/**
 * What a source file is, from its content alone (never its name): a Kismet log has the `KISMET`
 * table; a piwardrive database has `wifi_networks` with `bssid` (the design guide's tables, with
 * or without a ledger); the original PiWardrive's app.db has its detection tables, `ap_cache`,
 * or `health_records` keyed by `timestamp`.
 */
import type { DatabaseSync } from "node:sqlite";
import { PiwardriveError } from "../errors.ts";
import type { SourceKind } from "./records.ts";

/** The tables of `db` (internal ones left out), sorted. */
export function tablesOf(db: DatabaseSync): string[] {
  return (db.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
  ).all() as { name: string }[]).map((r) => r.name);
}

function columnsOf(db: DatabaseSync, table: string): string[] {
  return (db.prepare("SELECT name FROM pragma_table_info(?)").all(table) as { name: string }[])
    .map((r) => r.name);
}

/** The kind `db` holds, or null when it is none of them. */
export function detectKind(db: DatabaseSync): SourceKind | null {
  const tables = new Set(tablesOf(db));
  if (tables.has("KISMET") && tables.has("devices")) return "kismet";
  if (tables.has("wifi_networks") && columnsOf(db, "wifi_networks").includes("bssid")) {
    return "piwardrive";
  }
  if (["wifi_detections", "bluetooth_detections", "ap_cache"].some((t) => tables.has(t))) {
    return "piwardrive-legacy";
  }
  if (tables.has("health_records")) {
    const pk = db.prepare("SELECT name FROM pragma_table_info('health_records') WHERE pk = 1")
      .all() as { name: string }[];
    if (pk.length === 1 && pk[0].name === "timestamp") return "piwardrive-legacy";
  }
  return null;
}

/**
 * The kind to read `db` as: what it holds, which must agree with `--from` when given.
 *
 * @example
 * ```ts
 * sourceKind(db, path, "auto"); // "kismet"
 * ```
 */
export function sourceKind(db: DatabaseSync, path: string, from: SourceKind | "auto"): SourceKind {
  const found = detectKind(db);
  if (found === null) {
    const tables = tablesOf(db);
    throw new PiwardriveError(
      `Cannot import "${path}": it is a SQLite database with ${
        tables.length === 0
          ? "no tables"
          : `tables ${tables.slice(0, 12).join(", ")}${tables.length > 12 ? ", …" : ""}`
      }, none of a piwardrive database, PiWardrive's app.db or a Kismet log`,
    );
  }
  if (from !== "auto" && from !== found) {
    throw new PiwardriveError(
      `Cannot import "${path}" as ${from}: it is a ${
        describeKind(found)
      }; use --from ${found} or --from auto`,
    );
  }
  return found;
}

export function describeKind(kind: SourceKind): string {
  return kind === "kismet"
    ? "Kismet log"
    : kind === "piwardrive"
    ? "piwardrive database"
    : "PiWardrive app.db";
}
