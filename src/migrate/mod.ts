/**
 * Migrations: parsing `migrations/NNNN_description.sql`, checksums, the runner with its safety
 * rules and table-rebuild step, what a run deletes and whether it may, status, and `--verify`. The embedded list is what the binary
 * carries; tests can hand the runner any other list.
 */
import { loadMigrations, type Migration } from "./parse.ts";

export { migrationChecksum } from "./checksum.ts";
export { loadMigrations, type Migration, parseMigrationFile } from "./parse.ts";
export { expectedSchemas, MigrationFailedError, Migrator, type RunOptions } from "./migrator.ts";
export {
  DataLossError,
  type DataLossPermission,
  type DeletedData,
  describeDeleted,
} from "./data_loss.ts";
export { type MigrateOutcome, runMigrate } from "./run.ts";
export { type KeptBackup, migrationStatus, type StatusReport } from "./status.ts";
export { verifyDatabase, type VerifyReport } from "./verify.ts";

export { embeddedMigrations } from "./embedded.ts";

/** Migrations from a directory (development and tests: `--migrations-dir`). */
export function directoryMigrations(dir: string): Migration[] {
  const files = [...Deno.readDirSync(dir)]
    .filter((e) => e.isFile && e.name.endsWith(".sql"))
    .map((e) => ({ name: e.name, text: Deno.readTextFileSync(`${dir}/${e.name}`) }));
  return loadMigrations(files);
}
