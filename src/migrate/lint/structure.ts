/**
 * The structure checks: a file the runner can parse, with an up part, a down part that can undo
 * it and verify queries that prove it, and `-- lint:ignore` lines that say why.
 */
import { errorMessage } from "../../errors.ts";
import { parseMigrationFile } from "../parse.ts";
import type { LintSource } from "./source.ts";
import type { Finding, LintFile } from "./types.ts";

const PARTS = {
  up: "the change itself",
  down: "`migrate --to` needs it to go back",
  verify: "`migrate --verify` and the runner prove the migration took effect with it",
} as const;

/** Missing or empty sections, what else the runner's parser refuses, and bad ignore lines. */
export function structureChecks(file: LintFile, source: LintSource, codes: Set<string>): Finding[] {
  const findings: Finding[] = [];
  const at = (code: string, line: number, message: string, fix: string) =>
    findings.push({ code, severity: "error", file: file.name, line, message, fix });
  for (const part of ["up", "down", "verify"] as const) {
    const section = source[part];
    if (!section) {
      at(
        `${part}-missing`,
        1,
        `The file has no "-- migrate:${part}" section (${PARTS[part]})`,
        `add a "-- migrate:${part}" section`,
      );
    } else if (section.statements.length === 0) {
      at(
        `${part}-missing`,
        section.line,
        `The "-- migrate:${part}" section is empty (${PARTS[part]})`,
        `write the ${part} statements`,
      );
    }
  }
  if (findings.length === 0) {
    try {
      parseMigrationFile(file.name, file.text);
    } catch (error) {
      const message = errorMessage(error);
      at(
        "parse-error",
        Number(/line (\d+)/.exec(message)?.[1] ?? 1),
        message,
        'follow the file format of the README\'s "Writing a migration"',
      );
    }
  }
  for (const ignore of source.ignores) {
    if (!codes.has(ignore.code)) {
      at(
        "ignore-invalid",
        ignore.line,
        `"-- lint:ignore ${ignore.code}" names no lint check`,
        "name a check code as printed by `piwardrive migrate lint`",
      );
    } else if (ignore.reason === "") {
      at(
        "ignore-invalid",
        ignore.line,
        `"-- lint:ignore ${ignore.code}" gives no reason`,
        `say why: "-- lint:ignore ${ignore.code} <reason>"`,
      );
    }
  }
  return findings;
}

/** Versions must run 1, 2, 3… with one file each. */
export function sequenceChecks(sources: LintSource[]): Finding[] {
  const findings: Finding[] = [];
  const seen = new Map<number, string>();
  for (const s of sources) {
    if (s.version === null) continue;
    const other = seen.get(s.version);
    if (other) {
      findings.push({
        code: "parse-error",
        severity: "error",
        file: s.name,
        line: 1,
        message: `Version ${s.version} is also used by "${other}"`,
        fix: "give the new file the next free version",
      });
    }
    seen.set(s.version, s.name);
  }
  return findings;
}
