/**
 * The embedded migrations as the build already parsed them, so a start (above all
 * `migrate --verify`, run at every boot) does not redo it: each file parsed into its steps and
 * verify queries, its checksum, and the expected schema of the latest version (the in-memory
 * replay of every migration). sqlx's `migrate!` embeds its migrations parsed and checksummed
 * at compile time for the same reason: on a cold start, tokenising and hashing 20 kB of SQL in
 * not-yet-compiled JavaScript costs more than everything else verify does.
 *
 * `scripts/generate/make_manifest.ts` (`deno task manifest`) writes `manifest.json`; a test fails when it
 * no longer matches the files. At run time it is used only when it holds exactly the embedded
 * files' text (a string comparison), and the schema only for migrations with exactly its
 * checksums; anything else is parsed, hashed and replayed as before, and
 * `migrate --verify --deep` always recomputes all of it.
 */
import type { SchemaSnapshot } from "../db/schema.ts";
import type { Migration } from "./parse.ts";
import data from "./manifest.json" with { type: "json" };

/** The contents of `manifest.json`. */
export interface MigrationManifest {
  /** Each file parsed, with the exact text it was parsed from. */
  migrations: (Migration & { text: string })[];
  /** The expected schema after versions 1…`version` of the migrations above. */
  schema: { version: number; snapshot: SchemaSnapshot };
}

/** An expected schema known in advance, valid for migrations with exactly these checksums. */
export interface PrecomputedSchema {
  version: number;
  checksums: string[];
  snapshot: SchemaSnapshot;
}

const MANIFEST = data as unknown as MigrationManifest;

/**
 * The build's parse of `files`, or undefined unless the manifest was made from exactly these
 * files (same names, same order, same text).
 *
 * @example
 * ```ts
 * precomputedMigrations(embeddedMigrationFiles)?.length; // 10, or undefined when stale
 * ```
 */
export function precomputedMigrations(
  files: readonly { name: string; text: string }[],
  manifest: MigrationManifest = MANIFEST,
): Migration[] | undefined {
  const known = manifest.migrations;
  if (known.length !== files.length) return undefined;
  for (let i = 0; i < files.length; i++) {
    if (known[i].fileName !== files[i].name || known[i].text !== files[i].text) return undefined;
  }
  return known.map(({ text: _, ...migration }) => migration);
}

/** The build-time expected schema of the latest version, with what it is valid for. */
export function precomputedSchema(manifest: MigrationManifest = MANIFEST): PrecomputedSchema {
  const { version, snapshot } = manifest.schema;
  return {
    version,
    checksums: manifest.migrations.slice(0, version).map((m) => m.checksum),
    snapshot,
  };
}
