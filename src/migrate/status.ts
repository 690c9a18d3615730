/** `migrate --status`: each version, applied when, checksum ok or modified, or pending. */
import type { DatabaseSync } from "node:sqlite";
import { openDatabase } from "../db/open.ts";
import { DatabaseMissingError } from "../errors.ts";
import { listBackups } from "../db/backup.ts";
import { readLedger } from "../db/ledger.ts";
import { compareLedger } from "../db/ledger_compare.ts";
import type { Migration } from "./parse.ts";

export interface VersionStatus {
  version: number;
  description: string;
  /** `unknown`: in the ledger but not in this binary (a newer database). */
  state: "applied" | "modified" | "pending" | "unknown";
  appliedAt: string | null;
  executionMs: number | null;
  adopted: boolean;
}

export interface StatusReport {
  database: string;
  exists: boolean;
  currentVersion: number;
  latestVersion: number;
  versions: VersionStatus[];
  /** Backups taken before runs that deleted rows: never pruned automatically, oldest first. */
  keptBackups: KeptBackup[];
}

export interface KeptBackup {
  path: string;
  /** The version the database had when it was copied. */
  version: number;
  /** When it was taken, UTC ISO-8601. */
  time: string;
  bytes: number;
}

/**
 * The status of every known and every applied version, read-only.
 *
 * @example
 * ```ts
 * migrationStatus("piwardrive.db", migrations).versions[0].state; // "applied"
 * ```
 */
export function migrationStatus(dbPath: string, migrations: Migration[]): StatusReport {
  let db: DatabaseSync | null = null;
  let exists = true;
  try {
    db = openDatabase(dbPath, { readOnly: true });
  } catch (error) {
    if (!(error instanceof DatabaseMissingError)) throw error;
    exists = false;
  }
  try {
    const ledger = db ? readLedger(db) : [];
    const rows = new Map(ledger.map((r) => [r.version, r]));
    const { current, findings } = compareLedger(ledger, migrations);
    const said = new Map(findings.flatMap((f) => "version" in f ? [[f.version, f.kind]] : []));
    const versions: VersionStatus[] = migrations.map((m) => {
      const row = rows.get(m.version);
      return {
        version: m.version,
        description: m.description,
        state: !row ? "pending" : said.get(m.version) === "checksum" ? "modified" : "applied",
        appliedAt: row?.appliedAt ?? null,
        executionMs: row?.executionMs ?? null,
        adopted: row?.adopted ?? false,
      };
    });
    // Applied versions this binary does not embed (newer, or missing from it).
    for (const row of ledger) {
      const kind = said.get(row.version);
      if (kind === "newer" || kind === "missing") {
        versions.push({
          version: row.version,
          description: row.description,
          state: "unknown",
          appliedAt: row.appliedAt,
          executionMs: row.executionMs,
          adopted: row.adopted,
        });
      }
    }
    return {
      database: dbPath,
      exists,
      currentVersion: current,
      latestVersion: migrations.length,
      versions,
      keptBackups: listBackups(dbPath).filter((b) => b.kept).map((b) => ({
        path: b.path,
        version: b.version,
        time: b.time,
        bytes: b.bytes,
      })),
    };
  } finally {
    db?.close();
  }
}
