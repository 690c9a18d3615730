/**
 * `piwardrive import`: observations from another piwardrive database, the original PiWardrive's
 * app.db or a Kismet log, into ours. The source is opened read-only and never changed
 * (`source_file.ts`), classified by its content (`detect.ts`), read in batches by the reader of
 * its kind (`piwardrive.ts`, `legacy.ts`, `kismet.ts`) and written one transaction per batch
 * with a key per row (`writer.ts`), so a killed import leaves whole batches and a second import
 * of the same rows adds nothing.
 */
import type { DatabaseSync } from "node:sqlite";
import { errorMessage, PiwardriveError, UsageError } from "../errors.ts";
import { openDatabase } from "../db/open.ts";
import { loadOuiTable } from "../oui/mod.ts";
import { type OpenedSource, openSourceFile } from "./source_file.ts";
import { sourceKind } from "./detect.ts";
import { piwardriveReader } from "./piwardrive.ts";
import { kismetReader } from "./kismet.ts";
import { legacyReader } from "./legacy.ts";
import { type ImportCounts, ImportWriter } from "./writer.ts";
import type { SourceKind, SourceReader } from "./records.ts";

export { SOURCE_KINDS, type SourceKind } from "./records.ts";
export type { ImportCounts } from "./writer.ts";

export interface ImportOptions {
  sourcePath: string;
  dbPath: string;
  from?: SourceKind | "auto";
  dryRun?: boolean;
  /** IANA zone of the local times in an app.db's health_records (default: this machine's). */
  sourceTimeZone?: string;
  /** Opens the target for writing, created and migrated (the CLI's shared-lock open). */
  openTarget: () => Promise<{ db: DatabaseSync; close(): void }>;
  /** Called after each batch with how far through the source it is, 0…1. */
  progress?: (fraction: number) => void;
}

export interface ImportReport {
  source: string;
  database: string;
  kind: SourceKind;
  describe: string;
  contentHash: string;
  dryRun: boolean;
  notes: string[];
  counts: ImportCounts;
}

/**
 * Imports the file at `sourcePath` into the database at `dbPath`.
 *
 * @example
 * ```ts
 * const report = await runImport({ sourcePath: "Kismet-1.kismet", dbPath, openTarget });
 * report.counts.imported.wifi_sightings; // 1234
 * ```
 */
export async function runImport(options: ImportOptions): Promise<ImportReport> {
  ensureNotTheTarget(options.sourcePath, options.dbPath);
  const source = openSourceFile(options.sourcePath);
  let reader: SourceReader | null = null;
  let target: { db: DatabaseSync | null; close(): void } | null = null;
  try {
    ensureSound(source);
    const kind = sourceKind(source.db, options.sourcePath, options.from ?? "auto");
    await loadOuiTable();
    reader = kind === "kismet"
      ? kismetReader(source)
      : kind === "piwardrive"
      ? await piwardriveReader(source)
      : legacyReader(source, options.sourceTimeZone ?? machineTimeZone());
    const notes = [...reader.notes];
    if (source.copiedBecause) notes.unshift(`read from a private copy: ${source.copiedBecause}`);
    target = options.dryRun ? openReadOnly(options.dbPath) : await options.openTarget();
    const writer = new ImportWriter(
      target.db,
      { kind, fileName: source.fileName, contentHash: source.contentHash },
      { dryRun: options.dryRun },
    );
    for (const batch of reader.batches()) {
      writer.write(batch);
      options.progress?.(batch.progress);
    }
    return {
      source: options.sourcePath,
      database: options.dbPath,
      kind,
      describe: reader.describe,
      contentHash: source.contentHash,
      dryRun: options.dryRun ?? false,
      notes,
      counts: writer.counts,
    };
  } finally {
    target?.close();
    reader?.close();
    source.close();
  }
}

/** The zone this machine's local times are in (the default for an app.db's local times). */
export function machineTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** The same file as `--db` (by identity, whatever the path says) is refused before anything. */
function ensureNotTheTarget(sourcePath: string, dbPath: string): void {
  let same = false;
  try {
    const a = Deno.statSync(sourcePath);
    const b = Deno.statSync(dbPath);
    same = a.dev === b.dev && a.ino === b.ino;
  } catch {
    return; // either is missing: the source's own check says so
  }
  if (same) {
    throw new UsageError(
      `Cannot import "${sourcePath}" into itself: it is the database given by --db; give another --db`,
    );
  }
}

function ensureSound(source: OpenedSource): void {
  let problems: string[];
  try {
    problems = (source.db.prepare("PRAGMA quick_check(3)").all() as { quick_check: string }[])
      .map((r) => r.quick_check).filter((r) => r !== "ok");
  } catch (error) {
    problems = [errorMessage(error)];
  }
  if (problems.length > 0) {
    throw new PiwardriveError(
      `Cannot import "${source.path}": it is damaged (quick_check: ${
        problems[0].split("\n")[0]
      }); nothing was written`,
    );
  }
}

/** The dry run reads the target if it exists, at whatever version; nothing is created. */
function openReadOnly(dbPath: string): { db: DatabaseSync | null; close(): void } {
  try {
    Deno.statSync(dbPath);
  } catch {
    return { db: null, close() {} };
  }
  const db = openDatabase(dbPath, { readOnly: true });
  return { db, close: () => db.close() };
}
