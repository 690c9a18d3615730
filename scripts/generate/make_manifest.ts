/**
 * Writes `src/migrate/manifest.json` (shipped in the binary); run by `deno task manifest`.
 *
 * Build-time generator of `src/migrate/manifest.json`: every embedded migration parsed and
 * checksummed, with its text, and the expected schema of the latest version replayed in memory
 * (`src/migrate/manifest.ts` says how they are used). Run it after adding or editing a migration:
 *
 * ```sh
 * deno task manifest           # writes the file
 * deno task manifest --check   # writes nothing; exits 1 when the committed file is stale
 * ```
 */
import { embeddedMigrationFiles } from "../../src/migrate/embedded.ts";
import type { MigrationManifest } from "../../src/migrate/manifest.ts";
import { expectedSchemas } from "../../src/migrate/migrator.ts";
import { loadMigrations } from "../../src/migrate/parse.ts";

/** Where the manifest lives. */
export const MANIFEST_URL = new URL("../../src/migrate/manifest.json", import.meta.url);

/**
 * The manifest of `files`, everything computed from scratch (no earlier manifest is consulted).
 *
 * @example
 * ```ts
 * buildManifest(embeddedMigrationFiles).schema.version; // 10
 * ```
 */
export function buildManifest(
  files: readonly { name: string; text: string }[],
): MigrationManifest {
  const migrations = loadMigrations([...files]);
  const version = migrations.length;
  return {
    migrations: migrations.map((m) => ({
      ...m,
      text: files.find((f) => f.name === m.fileName)!.text,
    })),
    schema: { version, snapshot: expectedSchemas(migrations)(version) },
  };
}

/** The file's text: JSON with two-space indents, as `deno fmt` leaves it. */
export function manifestText(manifest: MigrationManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

if (import.meta.main) {
  const text = manifestText(buildManifest(embeddedMigrationFiles));
  const path = decodeURIComponent(MANIFEST_URL.pathname);
  if (Deno.args.includes("--check")) {
    let committed = "";
    try {
      committed = Deno.readTextFileSync(MANIFEST_URL);
    } catch { /* absent: stale */ }
    if (committed !== text) {
      console.error(`${path} is stale: run \`deno task manifest\``);
      Deno.exit(1);
    }
    console.log(`${path} is up to date`);
  } else {
    Deno.writeTextFileSync(MANIFEST_URL, text);
    console.log(`wrote ${path}`);
  }
}
