/**
 * A Pi restored from an older backup reuses local ids: SQLite gives a new row max(id) + 1, so
 * rows collected after the restore get ids the server already holds for other rows, and the
 * central mark (which wins) would skip them. Before pushing a table whose Pi mark is behind the
 * central one, the rows in between are compared with the server's by their time (and BSSID or
 * address): rows the server has are left alone, the others are given fresh ids above both the
 * central mark and every local id, so they are pushed like any new row. Nothing is sent twice,
 * nothing skipped.
 */
import type { DatabaseSync } from "node:sqlite";
import type { Sql } from "./connect.ts";
import type { SyncTable } from "./tables.ts";
import { toTimestamp } from "./tables.ts";

/** Per table: the Pi's time column and key, and the central ones they are compared with. */
const IDENTITY: Partial<
  Record<SyncTable, { local: string; central: string; join?: string }>
> = {
  wifi_sightings: {
    local: "SELECT s.id, s.seen_at AS t, n.bssid AS k FROM wifi_sightings s " +
      "JOIN wifi_networks n ON n.id = s.network_id WHERE s.id > ? AND s.id <= ? ORDER BY s.id LIMIT ?",
    central: "SELECT local_id, seen_at AS t, bssid AS k FROM wifi_sightings",
  },
  bluetooth_sightings: {
    local: "SELECT s.id, s.seen_at AS t, d.address AS k FROM bluetooth_sightings s " +
      "JOIN bluetooth_devices d ON d.id = s.device_id WHERE s.id > ? AND s.id <= ? ORDER BY s.id LIMIT ?",
    central: "SELECT local_id, seen_at AS t, address AS k FROM bluetooth_sightings",
  },
  gps_track: {
    local: "SELECT id, system_time AS t, '' AS k FROM gps_track WHERE id > ? AND id <= ? " +
      "ORDER BY id LIMIT ?",
    central: "SELECT local_id, system_time AS t, '' AS k FROM gps_track",
  },
  health_records: {
    local: "SELECT id, timestamp AS t, '' AS k FROM health_records WHERE id > ? AND id <= ? " +
      "ORDER BY id LIMIT ?",
    central: "SELECT local_id, recorded_at AS t, '' AS k FROM health_records",
  },
};

const CHUNK = 5000;

/**
 * Gives the Pi's rows of `table` with ids in (localMark, centralMark] that the server does not
 * hold fresh ids; returns how many.
 */
export async function renumberReusedIds(
  sql: Sql,
  db: DatabaseSync,
  table: SyncTable,
  device: string,
  localMark: number,
  centralMark: number,
): Promise<number> {
  const identity = IDENTITY[table];
  if (!identity || localMark >= centralMark) return 0;
  const select = db.prepare(identity.local);
  const reused: number[] = [];
  for (let from = localMark;;) {
    const rows = select.all(from, centralMark, CHUNK) as { id: number; t: unknown; k: string }[];
    if (rows.length === 0) break;
    const last = Number(rows[rows.length - 1].id);
    const held = await sql.unsafe(
      `${identity.central} WHERE device_id = $1 AND local_id > $2 AND local_id <= $3`,
      [device, from, last],
    );
    const central = new Map(
      held.map((r) => [Number(r.local_id), `${timeOf(r.t)}|${r.k ?? ""}`]),
    );
    for (const row of rows) {
      const local = `${timeOf(toTimestamp(row.t))}|${row.k ?? ""}`;
      if (central.get(Number(row.id)) !== local) reused.push(Number(row.id));
    }
    from = last;
  }
  if (reused.length === 0) return 0;
  const { top } = db.prepare(`SELECT coalesce(max(id), 0) AS top FROM ${table}`).get() as {
    top: number;
  };
  let next = Math.max(Number(top), centralMark) + 1;
  const move = db.prepare(`UPDATE ${table} SET id = ? WHERE id = ?`);
  const moveKey = db.prepare(
    "UPDATE source_rows SET row_id = ? WHERE table_name = ? AND row_id = ?",
  );
  db.exec("BEGIN IMMEDIATE");
  try {
    for (const id of reused) {
      move.run(next, id);
      moveKey.run(next, table, id);
      next++;
    }
    db.exec("COMMIT");
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
  return reused.length;
}

/** Milliseconds since the epoch of a time from either side, or "" when there is none. */
function timeOf(value: unknown): string {
  if (value instanceof Date) return String(value.getTime());
  if (typeof value === "string") return String(Date.parse(value));
  return "";
}
