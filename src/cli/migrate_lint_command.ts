/**
 * `piwardrive migrate lint [FILES…]`: the migration rules checked before a file ships. Reads the
 * embedded migrations (with their baseline), `--migrations-dir`, or the given files (their
 * directory gives the earlier versions and the baseline). Exit 0 clean (warnings allowed), 3 on
 * an error-level finding, 2 on a bad path.
 */
import { Command } from "@commander-js/extra-typings";
import { ExitCode, UsageError } from "../errors.ts";
import { embeddedMigrationFiles } from "../migrate/embedded.ts";
import { type LintBaseline, type LintFile, lintMigrations } from "../migrate/lint/mod.ts";
import embeddedBaseline from "../../migrations/lint-baseline.json" with { type: "json" };
import type { GlobalOptions, Io } from "./context.ts";
import { jsonOption } from "./options.ts";

/** The baseline's file name, beside the migrations. */
export const BASELINE_FILE = "lint-baseline.json";

/**
 * The `migrate lint` sub-command; `exit` receives 3 when a migration breaks a rule.
 * `io` takes its output, `globals()` gives the program's global options (`--db`, `--debug`,
 * `--migrations-dir`) when the action runs.
 *
 * @example
 * ```ts
 * program.addCommand(migrateLintCommand(io, () => program.opts()));
 * ```
 */
export function migrateLintCommand(
  io: Io,
  globals: () => GlobalOptions,
  exit: (code: number) => void,
) {
  return new Command("lint")
    .description("check migration files against the rules for writing them")
    .argument("[files...]", "files to check (default: every migration)")
    .addOption(jsonOption())
    .action((paths, options, command) => {
      // `migrate` has a --json of its own, which commander gives to the parent when both match.
      const json = options.json || command.parent?.opts().json === true;
      const { files, baseline, only } = lintInput(paths, globals().migrationsDir);
      const report = lintMigrations(files, { baseline, baselineName: BASELINE_FILE, only });
      const status = report.errors > 0 ? "failed" : "ok";
      if (json) io.out(JSON.stringify({ status, ...report }, null, 2));
      else {
        for (const f of report.findings) {
          io.out(`${f.file}:${f.line}: ${f.severity} ${f.code}: ${f.message}`);
          io.out(`    fix: ${f.fix}`);
        }
        io.out(
          `${report.files.length} migration file(s) linted: ${report.errors} error(s), ` +
            `${report.warnings} warning(s), ${report.accepted.length} accepted on purpose`,
        );
      }
      exit(report.errors > 0 ? ExitCode.verificationFailed : ExitCode.ok);
    });
}

function lintInput(
  paths: string[],
  migrationsDir: string | undefined,
): { files: LintFile[]; baseline: LintBaseline; only?: string[] } {
  if (paths.length === 0 && migrationsDir === undefined) {
    return { files: [...embeddedMigrationFiles], baseline: embeddedBaseline };
  }
  if (paths.length === 0) return { ...readDirectory(migrationsDir!), only: undefined };
  const dirs = new Set(paths.map(dirOf));
  if (dirs.size > 1) {
    throw new UsageError(
      `Cannot lint files of ${dirs.size} directories at once: give the files of one migrations directory`,
    );
  }
  const given = paths.map((path) => {
    if (!path.endsWith(".sql")) throw new UsageError(`Cannot lint "${path}": not a .sql file`);
    return { name: path.slice(dirOf(path).length + 1), text: readText(path) };
  });
  const { files, baseline } = readDirectory([...dirs][0]);
  const names = new Set(given.map((f) => f.name));
  return {
    files: [...files.filter((f) => !names.has(f.name)), ...given],
    baseline,
    only: [...names],
  };
}

function readDirectory(dir: string): { files: LintFile[]; baseline: LintBaseline } {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new UsageError(`Cannot read migrations directory "${dir}": not found`);
    }
    throw error;
  }
  const files = entries.filter((e) => e.isFile && /^\d{4}_.*\.sql$/.test(e.name))
    .map((e) => ({ name: e.name, text: readText(`${dir}/${e.name}`) }));
  const baselinePath = `${dir}/${BASELINE_FILE}`;
  let baseline: LintBaseline = { released: {}, accepted: [] };
  try {
    baseline = { ...baseline, ...JSON.parse(Deno.readTextFileSync(baselinePath)) };
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new UsageError(
        `Cannot read lint baseline "${baselinePath}": ${(error as Error).message}`,
      );
    }
  }
  return { files, baseline };
}

function readText(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new UsageError(`Cannot lint "${path}": no such file`);
    }
    throw error;
  }
}

function dirOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "." : slash === 0 ? "" : path.slice(0, slash);
}
