/**
 * The central (PostgreSQL) migrations compiled into the program, like src/migrate/embedded.ts
 * for the Pi's: same file format, parser and checksums. A test checks this list against the
 * `migrations-pg/` directory; add a line here for every new file.
 */
import { loadMigrations, type Migration } from "../migrate/parse.ts";
import c0001 from "../../migrations-pg/0001_central_schema.sql" with { type: "text" };

/** Embedded central migration files, as `{ name, text }`. */
export const centralMigrationFiles: readonly { name: string; text: string }[] = [
  { name: "0001_central_schema.sql", text: c0001 },
];

let parsed: Migration[] | undefined;

/** The central migrations, parsed once. */
export function centralMigrations(): Migration[] {
  return parsed ??= loadMigrations([...centralMigrationFiles]);
}
