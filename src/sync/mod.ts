/**
 * `piwardrive sync`: pushes what the Pi has not yet pushed to a central PostgreSQL + PostGIS
 * server, whose schema is versioned by its own migrations (`migrations-pg/`, same format and
 * ledger rules as the Pi's). `target.ts` parses the URL, `password.ts` finds the password,
 * `connect.ts` opens the client and names failures, `central_migrator.ts` runs the central
 * migrations, `tables.ts` says what each table reads and writes, `run.ts` does a sync.
 */
export { parseTarget, syncHosts, type SyncTarget } from "./target.ts";
export { DEFAULT_BATCH_ROWS, runSync, type SyncReport, withCentral } from "./run.ts";
export { type CentralCheck, CentralSchemaError } from "./central_migrator.ts";
export { centralMigrationFiles, centralMigrations } from "./central_embedded.ts";
export { SYNC_TABLES } from "./tables.ts";
