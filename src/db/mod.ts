/**
 * The store: opening SQLite with the store's settings (WAL, synchronous=NORMAL, busy timeout,
 * foreign keys, 0600 files), schema snapshots and drift, checked online backups, the migration
 * lock, typed configuration, and the guide's maintenance (check, vacuum, analyze, stats,
 * index analysis, restore).
 */
export { BUSY_TIMEOUT_MS, openDatabase, type OpenOptions } from "./open.ts";
export { diffSchema, readSchema, type SchemaSnapshot } from "./schema.ts";
export { backupDatabase, KEEP_BACKUPS, pruneBackups, quickCheckFile } from "./backup.ts";
export { acquireMigrationLock, type HeldLock } from "./lock.ts";
export { canonicalValue, getConfig, listConfig, setConfig, unsetConfig } from "./config.ts";
export {
  analyzeDatabase,
  backupTo,
  checkIntegrity,
  databaseStats,
  indexUsage,
  restoreFrom,
} from "./maintenance.ts";
export { vacuumDatabase } from "./vacuum.ts";
export { APP_QUERIES } from "./queries.ts";
