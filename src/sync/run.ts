/**
 * One `piwardrive sync`: connect, make sure the central schema is current (migrating a server
 * never synced to), register the device, then push each table in batches above its mark. A batch
 * is one server transaction that inserts its rows, merges the summaries they refer to and moves
 * the central mark; the Pi's mark follows after the commit. Killed or cut off at any point, the
 * next run starts from the central mark, which is exact, and sends each row once.
 */
import type { DatabaseSync } from "node:sqlite";
import { hostname } from "node:os";
import { deviceId } from "../db/config.ts";
import { centralMigrations } from "./central_embedded.ts";
import { CentralMigrator } from "./central_migrator.ts";
import {
  classifyFailure,
  guardingClientRaces,
  openCentral,
  type Parameters,
  type Sql,
} from "./connect.ts";
import { resolvePassword } from "./password.ts";
import { type SyncTable, TABLE_SPECS, type TableSpec, toArrays } from "./tables.ts";
import type { SyncTarget } from "./target.ts";
import { renumberReusedIds } from "./restored.ts";

export const DEFAULT_BATCH_ROWS = 5000;

/** What a sync did (or, dry, would do) per table. */
export interface TableReport {
  /** Rows above the mark this run read from the Pi. */
  read: number;
  /** Rows the server stored (sightings, track, health) or merged (networks, devices). */
  sent: number;
  /** The mark after the run. */
  mark: number;
}

export interface SyncReport {
  database: string;
  target: string;
  deviceId: string;
  dryRun: boolean;
  /** Central versions this run applied. */
  migratedServer: number[];
  /**
   * Tables whose Pi mark differed from the central one (which was used), and how many rows
   * collected after a restore were given fresh ids because the server held theirs.
   */
  marksCorrected: { table: SyncTable; local: number; central: number; renumbered: number }[];
  tables: Record<SyncTable, TableReport>;
}

export interface SyncOptions {
  db: DatabaseSync;
  dbPath: string;
  target: SyncTarget;
  appVersion: string;
  dryRun?: boolean;
  batchRows?: number;
  /** Called after each committed batch (progress lines). */
  progress?: (table: SyncTable, mark: number) => void;
}

/** Runs a sync; failures of the server come back as one-line errors with sync's exit codes. */
export async function runSync(options: SyncOptions): Promise<SyncReport> {
  const { target } = options;
  const { password } = resolvePassword(target);
  const sql = openCentral(target, password);
  try {
    return await guardingClientRaces(() => syncWith(sql, options));
  } catch (error) {
    throw classifyFailure(error, target, password !== undefined);
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

/** Opens the central server, runs `use`, closes it; failures as in {@link runSync}. */
export async function withCentral<T>(
  target: SyncTarget,
  use: (sql: Sql, migrator: CentralMigrator) => Promise<T>,
  appVersion: string,
): Promise<T> {
  const { password } = resolvePassword(target);
  const sql = openCentral(target, password);
  try {
    return await guardingClientRaces(() =>
      use(sql, new CentralMigrator(sql, centralMigrations(), appVersion, target.key))
    );
  } catch (error) {
    throw classifyFailure(error, target, password !== undefined);
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

async function syncWith(sql: Sql, options: SyncOptions): Promise<SyncReport> {
  const { db, target, dryRun = false } = options;
  const batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
  const migrator = new CentralMigrator(sql, centralMigrations(), options.appVersion, target.key);
  let device = deviceId(db, false);
  let migratedServer: number[] = [];
  let central = new Map<string, number>();
  if (dryRun) {
    const ledger = await migrator.readLedger();
    if (ledger !== null && ledger.length > 0) {
      await migrator.ensureReady();
      if (device) central = await centralMarks(sql, device);
    }
  } else {
    migratedServer = await migrator.ensureReady();
    // Made only once the server has been reached and accepted: a failed sync writes nothing.
    device = deviceId(db, true);
    await sql`INSERT INTO sync_devices (device_id, hostname) VALUES (${device}, ${hostname()})
      ON CONFLICT (device_id) DO UPDATE SET last_sync_at = now(), hostname = EXCLUDED.hostname`;
    central = await centralMarks(sql, device!);
  }
  const local = localMarks(db, target.key);
  const report: SyncReport = {
    database: options.dbPath,
    target: target.key,
    deviceId: device ?? "(none yet: made by the first sync)",
    dryRun,
    migratedServer,
    marksCorrected: [],
    tables: {} as Record<SyncTable, TableReport>,
  };
  for (const spec of TABLE_SPECS) {
    const centralMark = central.get(spec.table) ?? 0;
    const localMark = local.get(spec.table) ?? 0;
    const summary = spec.table === "wifi_networks" || spec.table === "bluetooth_devices";
    // Summaries merge idempotently: from the lower mark, rows made after a restore are not missed.
    const start = summary ? Math.min(localMark, centralMark) : centralMark;
    if (dryRun) {
      report.tables[spec.table] = pending(db, spec, start);
      continue;
    }
    const renumbered = summary
      ? 0
      : await renumberReusedIds(sql, db, spec.table, device!, localMark, centralMark);
    // A Pi whose ids are all below the server's mark (restored, nothing new yet) keeps its own
    // top id as its mark, so the rows it makes next are compared with the server's, not skipped.
    const top = localTop(db, spec.table);
    if (renumbered > 0 || localMark !== Math.min(centralMark, top)) {
      report.marksCorrected.push({
        table: spec.table,
        local: localMark,
        central: centralMark,
        renumbered,
      });
    }
    const pushed = await pushTable(sql, db, spec, device!, start, batchRows, (mark) => {
      saveLocalMark(db, target.key, spec.table, mark);
      options.progress?.(spec.table, mark);
    });
    report.tables[spec.table] = pushed;
    saveLocalMark(
      db,
      target.key,
      spec.table,
      Math.min(Math.max(pushed.mark, centralMark), localTop(db, spec.table)),
    );
  }
  return report;
}

function localTop(db: DatabaseSync, table: string): number {
  const row = db.prepare(`SELECT coalesce(max(id), 0) AS top FROM ${table}`).get() as {
    top: number;
  };
  return Number(row.top);
}

function pending(db: DatabaseSync, spec: TableSpec, mark: number): TableReport {
  const row = db.prepare(`SELECT count(*) AS n FROM ${spec.table} WHERE id > ?`).get(mark) as {
    n: number;
  };
  return { read: Number(row.n), sent: 0, mark };
}

async function pushTable(
  sql: Sql,
  db: DatabaseSync,
  spec: TableSpec,
  device: string,
  startMark: number,
  batchRows: number,
  committed: (mark: number) => void,
): Promise<TableReport> {
  const select = db.prepare(spec.select);
  const refers = spec.refers ? db.prepare(spec.refers.select) : null;
  const summaryOf = spec.refers ? TABLE_SPECS.find((s) => s.table === spec.refers!.table)! : null;
  // Summaries are keyed centrally by BSSID / address, everything else by its local id.
  const keepId = spec.table !== "wifi_networks" && spec.table !== "bluetooth_devices";
  const report: TableReport = { read: 0, sent: 0, mark: startMark };
  // Summaries already merged by this run: the Pi's summary row does not change under it, so a
  // network referred to by every batch is merged once, not once per batch.
  const merged = new Set<number>();
  for (;;) {
    const rows = select.all(report.mark, batchRows) as Record<string, unknown>[];
    if (rows.length === 0) return report;
    const last = Number(rows[rows.length - 1].id);
    const referred = refers
      ? (refers.all(report.mark, last) as Record<string, unknown>[]).filter((r) =>
        !merged.has(Number(r.id))
      )
      : [];
    const sent = await sql.begin(async (tx) => {
      if (summaryOf && referred.length > 0) {
        await tx.unsafe(
          summaryOf.insert,
          toArrays(referred, summaryOf.columns, false) as Parameters,
        );
      }
      const arrays = toArrays(rows, spec.columns, keepId);
      const result = await tx.unsafe(
        spec.insert,
        (keepId ? [device, ...arrays] : arrays) as Parameters,
      );
      await tx`INSERT INTO sync_marks (device_id, table_name, last_local_id)
        VALUES (${device}, ${spec.table}, ${last})
        ON CONFLICT (device_id, table_name) DO UPDATE
        SET last_local_id = GREATEST(sync_marks.last_local_id, EXCLUDED.last_local_id),
            updated_at = now()`;
      return result.count;
    });
    for (const r of referred) merged.add(Number(r.id));
    report.read += rows.length;
    report.sent += sent;
    report.mark = last;
    committed(last);
  }
}

async function centralMarks(sql: Sql, device: string): Promise<Map<string, number>> {
  const rows = await sql`SELECT table_name, last_local_id FROM sync_marks
    WHERE device_id = ${device}`;
  return new Map(rows.map((r) => [String(r.table_name), Number(r.last_local_id)]));
}

function localMarks(db: DatabaseSync, target: string): Map<string, number> {
  const rows = db.prepare("SELECT table_name, last_local_id FROM sync_state WHERE target = ?")
    .all(target) as { table_name: string; last_local_id: number }[];
  return new Map(rows.map((r) => [r.table_name, Number(r.last_local_id)]));
}

function saveLocalMark(db: DatabaseSync, target: string, table: SyncTable, mark: number): void {
  db.prepare(
    `INSERT INTO sync_state (target, table_name, last_local_id, synced_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (target, table_name) DO UPDATE
     SET last_local_id = excluded.last_local_id, synced_at = excluded.synced_at`,
  ).run(target, table, mark, new Date().toISOString());
}
