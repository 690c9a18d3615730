/**
 * Writes `tests/fixtures/schema/vNNNN.sql` (test fixtures, never shipped); run by `deno task generate:schemas`.
 *
 * Writes `tests/fixtures/schema/vNNNN.sql`: the expected schema of every version, replayed from
 * the embedded migrations, as the canonical text of each object (`src/db/sql_normalise.ts`), one
 * statement a line, ordered by kind and name. `tests/migrations_test.ts` compares the replay with
 * these files, so they are the hand-checked record of what each version is: regenerate them only
 * on purpose (after adding a migration), and read the diff before committing it.
 *
 * ```sh
 * deno run --allow-read --allow-write scripts/generate/pin_schemas.ts
 * ```
 */
import { embeddedMigrations } from "../../src/migrate/embedded.ts";
import { expectedSchemas } from "../../src/migrate/migrator.ts";
import type { SchemaSnapshot } from "../../src/db/schema.ts";
import { normaliseSql } from "../../src/db/sql_normalise.ts";

/** Where the pinned schemas live. */
export const SCHEMA_DIR = new URL("../../tests/fixtures/schema/", import.meta.url);

/** The file name of `version`'s pinned schema. */
export function pinnedSchemaName(version: number): string {
  return `v${String(version).padStart(4, "0")}.sql`;
}

/**
 * The canonical text of a schema: every table, index, trigger and view with a stored definition
 * (a UNIQUE constraint's own index has none), by kind then name.
 *
 * @example
 * ```ts
 * pinnedSchemaText(expectedSchemas(migrations)(1)).split("\n")[0];
 * // "CREATE TABLE bluetooth_devices(id INTEGER PRIMARY KEY AUTOINCREMENT, …);"
 * ```
 */
export function pinnedSchemaText(schema: SchemaSnapshot): string {
  const objects: [string, string | null][] = [
    ...Object.entries(schema.tables).map(([n, t]) => [`table ${n}`, t.sql] as [string, string]),
    ...Object.entries(schema.indexes).map(([n, i]) => [`index ${n}`, i.sql] as [string, string]),
    ...Object.entries(schema.triggers).map(([n, s]) => [`trigger ${n}`, s] as [string, string]),
    ...Object.entries(schema.views).map(([n, s]) => [`view ${n}`, s] as [string, string]),
  ];
  return objects
    .filter(([, sql]) => sql !== null)
    .sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
    .map(([, sql]) => `${normaliseSql(sql!)};\n`)
    .join("");
}

if (import.meta.main) {
  const migrations = embeddedMigrations({ precomputed: false });
  const expected = expectedSchemas(migrations);
  Deno.mkdirSync(SCHEMA_DIR, { recursive: true });
  for (let version = 1; version <= migrations.length; version++) {
    const url = new URL(pinnedSchemaName(version), SCHEMA_DIR);
    Deno.writeTextFileSync(url, pinnedSchemaText(expected(version)));
    console.log(`wrote ${decodeURIComponent(url.pathname)}`);
  }
}
