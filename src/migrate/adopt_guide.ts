/**
 * Databases built from the design guide itself. Its "Current Database Schema" declares
 * `wifi_networks.vendor` inline (after `channel`) but not `idx_wifi_vendor`; its Migration001
 * adds both by ALTER (vendor last, as our version 2 does); its runner keeps a four-column
 * `schema_version` (version, description, applied_at, checksum) whose version 1 is that vendor
 * migration and whose checksums are NULL. Each of those states is our version 1 or 2 but for the
 * column's position, the missing index and the ledger's shape, so it is adopted in place: the
 * table rebuilt with vendor last (every row kept), the index created, the guide's ledger replaced
 * by ours (its rows quoted in the reason), all in the adoption's transaction.
 */
import type { DatabaseSync } from "node:sqlite";
import { diffSchema, readSchema, type SchemaSnapshot, type TableShape } from "../db/schema.ts";
import { SchemaMismatchError } from "../errors.ts";
import { hasLedger } from "../db/ledger.ts";
import { rebuildTable } from "../db/rebuild.ts";

/** What adopting a database records, and the changes it makes first (none for an exact match). */
export interface Adoption {
  version: number;
  /** Said to the user and written into the adopted ledger rows. */
  reason: string;
  /** Run inside the adoption's transaction (foreign keys off), before our ledger is created. */
  apply?(db: DatabaseSync): void;
}

/** The reason recorded when a ledger-less schema equals a known version as it stands. */
export const EXACT_MATCH = "schema matched exactly";

const GUIDE_LEDGER = "version,description,applied_at,checksum";

/** Whether `db` keeps the guide's four-column ledger rather than piwardrive's. */
export function hasGuideLedger(db: DatabaseSync): boolean {
  const columns = db.prepare(
    "SELECT group_concat(name) AS c FROM (SELECT name FROM pragma_table_info('schema_version') ORDER BY cid)",
  ).get() as { c: string | null };
  return columns.c === GUIDE_LEDGER;
}

/**
 * The guide state `db` is in, or null when it is in none that needs more than the usual exact
 * match (piwardrive's own ledger, or no guide ledger and nothing to fix). A guide ledger beside
 * a schema that matches no guide state is refused with the differences.
 *
 * @example
 * ```ts
 * guideAdoption(db, expected)?.reason;
 * // "the design guide's schema with vendor declared inline (wifi_networks rebuilt with vendor last, …)"
 * ```
 */
export function guideAdoption(
  db: DatabaseSync,
  expected: (version: number) => SchemaSnapshot,
): Adoption | null {
  const guideLedger = hasLedger(db) && hasGuideLedger(db);
  if (hasLedger(db) && !guideLedger) return null;
  const live = readSchema(db);
  const tables = { ...live.tables };
  delete tables.schema_version;
  const indexes = { ...live.indexes };
  const wifi = tables.wifi_networks as TableShape | undefined;
  const vendorAt = wifi?.columns.findIndex((c) => c.name === "vendor") ?? -1;
  const moveVendor = vendorAt >= 0 && vendorAt !== wifi!.columns.length - 1;
  if (moveVendor) {
    const columns = wifi!.columns.filter((c) => c.name !== "vendor");
    // Judged as it will be after the rebuild: vendor last in the columns and in the text.
    tables.wifi_networks = {
      ...wifi!,
      columns: [...columns, wifi!.columns[vendorAt]],
      sql: vendorLastDdl(db),
    };
  }
  const addIndex = vendorAt >= 0 && indexes.idx_wifi_vendor === undefined;
  if (addIndex) indexes.idx_wifi_vendor = expected(2).indexes.idx_wifi_vendor;
  if (!guideLedger && !moveVendor && !addIndex) return null;

  const rows = guideLedger ? guideLedgerRows(db) : [];
  const version = Object.keys(tables).length === 0 ? 0 : vendorAt >= 0 ? 2 : 1;
  if (version > 0) {
    const diff = diffSchema({ ...live, tables, indexes }, withoutLedger(expected(version)));
    if (diff.length > 0) {
      if (!guideLedger) return null; // the usual path refuses it with the differences
      throw new SchemaMismatchError(
        version,
        diff,
        `Database has the design guide's schema_version ledger, but its schema matches none of ` +
          `the guide's states (closest: version ${version}): ${diff.join("; ")}`,
      );
    }
  }
  const parts = [
    version === 0
      ? "an empty database"
      : `the design guide's schema ${version === 2 ? "with" : "without"} vendor`,
  ];
  if (moveVendor) parts.push("vendor declared inline (wifi_networks rebuilt with vendor last)");
  if (addIndex) parts.push("idx_wifi_vendor missing (created)");
  if (guideLedger) {
    const listed = rows.map((r) =>
      `${r.version} "${r.description}" at ${r.applied_at} checksum ${r.checksum ?? "NULL"}`
    );
    parts.push(
      `the guide's schema_version ledger converted (${rows.length} row(s)${
        listed.length > 0 ? `: ${listed.join(", ")}` : ""
      })`,
    );
  }
  return {
    version,
    reason: parts.join("; "),
    apply(target) {
      if (guideLedger) target.exec("DROP TABLE schema_version");
      if (moveVendor) rebuildTable(target, "wifi_networks", vendorLastDdl(target));
      if (addIndex) target.exec("CREATE INDEX idx_wifi_vendor ON wifi_networks(vendor)");
      if (version === 0) return;
      const left = diffSchema(readSchema(target), withoutLedger(expected(version)));
      if (left.length > 0) {
        throw new Error(
          `adoption left a schema that differs from version ${version}: ${left.join("; ")}`,
        );
      }
    },
  };
}

function guideLedgerRows(db: DatabaseSync) {
  return db.prepare(
    "SELECT version, description, applied_at, checksum FROM schema_version ORDER BY version",
  )
    .all() as {
      version: number;
      description: string;
      applied_at: string;
      checksum: string | null;
    }[];
}

/** The live CREATE TABLE of wifi_networks with its inline `vendor TEXT` moved to the end. */
function vendorLastDdl(db: DatabaseSync): string {
  const { sql } = db.prepare(
    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'wifi_networks'",
  ).get() as { sql: string };
  const without = sql.replace(/\bvendor\s+TEXT\s*,/i, "");
  const end = without.lastIndexOf(")");
  return `${without.slice(0, end).trimEnd()},\n    vendor TEXT\n)`;
}

function withoutLedger(schema: SchemaSnapshot): SchemaSnapshot {
  const tables = { ...schema.tables };
  delete tables.schema_version;
  return { ...schema, tables };
}
