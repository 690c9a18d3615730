/**
 * Parses migration files `NNNN_description.sql`. A file has three sections, each introduced by a
 * line of its own: `-- migrate:up`, `-- migrate:down`, `-- migrate:verify`, in that order. The
 * verify section holds queries that each return one row whose first column is 1 when the
 * migration has taken effect. Inside up/down, a `-- migrate:rebuild <table>` line before a
 * `CREATE TABLE <table> (…)` statement asks for the safe table-recreation procedure.
 */
import { migrationChecksum } from "./checksum.ts";
import { splitSql, type SqlStatement } from "./sql_split.ts";

/** A step of an up or down section. */
export type MigrationStep =
  | { kind: "sql"; sql: string; line: number }
  | { kind: "rebuild"; table: string; createSql: string; line: number };

/** A parsed migration file. */
export interface Migration {
  version: number;
  /** The file name, e.g. `0002_add_wifi_vendor.sql`. */
  fileName: string;
  /** From the file name: `add wifi vendor`. */
  description: string;
  /** `sha256:<hex>` of the normalised file text. */
  checksum: string;
  up: MigrationStep[];
  down: MigrationStep[];
  verify: SqlStatement[];
}

const FILE_NAME = /^(\d{4})_([a-z0-9]+(?:_[a-z0-9]+)*)\.sql$/;
const SECTION = /^--\s*migrate:(\S+)(.*)$/;
const REBUILD = /^--\s*migrate:rebuild\s+([A-Za-z_][A-Za-z0-9_]*)\s*$/m;
const SECTIONS = ["up", "down", "verify"] as const;

/** A migration file that does not follow the rules; names the file and the line. */
export class MigrationFileError extends SyntaxError {
  constructor(fileName: string, detail: string) {
    super(`Cannot parse migration file "${fileName}": ${detail}`);
    this.name = "MigrationFileError";
  }
}

/**
 * Parses one migration file.
 *
 * @example
 * ```ts
 * const m = parseMigrationFile(
 *   "0002_add_wifi_vendor.sql",
 *   "-- migrate:up\nALTER TABLE t ADD COLUMN v TEXT;\n-- migrate:down\nALTER TABLE t DROP COLUMN v;\n" +
 *     "-- migrate:verify\nSELECT count(*) = 1 FROM pragma_table_info('t') WHERE name = 'v';\n",
 * );
 * m.version; // 2
 * ```
 */
export function parseMigrationFile(fileName: string, text: string): Migration {
  const match = FILE_NAME.exec(fileName);
  if (!match) {
    throw new MigrationFileError(
      fileName,
      'the name must be "NNNN_description.sql" (four digits, lower-case words joined by "_")',
    );
  }
  const version = Number(match[1]);
  if (version < 1) throw new MigrationFileError(fileName, "versions start at 0001");

  const bodies = new Map<string, { text: string; firstLine: number }>();
  let current: string | null = null;
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((raw, index) => {
    const section = SECTION.exec(raw.trim());
    if (section && section[1] !== "rebuild") {
      const name = section[1];
      if (!(SECTIONS as readonly string[]).includes(name) || section[2].trim() !== "") {
        throw new MigrationFileError(
          fileName,
          `line ${index + 1}: unknown directive "${raw.trim()}"`,
        );
      }
      if (bodies.has(name)) {
        throw new MigrationFileError(
          fileName,
          `line ${index + 1}: duplicate "-- migrate:${name}" section`,
        );
      }
      const expected = SECTIONS[bodies.size];
      if (name !== expected) {
        throw new MigrationFileError(
          fileName,
          `line ${index + 1}: "-- migrate:${name}" must come after "-- migrate:${expected}"`,
        );
      }
      current = name;
      bodies.set(name, { text: "", firstLine: index + 2 });
      return;
    }
    if (current === null) {
      if (raw.trim() !== "" && !raw.trim().startsWith("--")) {
        throw new MigrationFileError(fileName, `line ${index + 1}: SQL before "-- migrate:up"`);
      }
      return;
    }
    const body = bodies.get(current)!;
    body.text += raw + "\n";
  });

  const statementsOf = (name: (typeof SECTIONS)[number]) => {
    const body = bodies.get(name);
    if (!body) throw new MigrationFileError(fileName, `missing "-- migrate:${name}" section`);
    const statements = splitSql(body.text).map((s) => ({
      ...s,
      line: s.line + body.firstLine - 1,
    }));
    if (statements.length === 0) {
      throw new MigrationFileError(fileName, `the "-- migrate:${name}" section is empty`);
    }
    return statements;
  };

  return {
    version,
    fileName,
    description: match[2].replaceAll("_", " "),
    checksum: migrationChecksum(text),
    up: toSteps(fileName, statementsOf("up")),
    down: toSteps(fileName, statementsOf("down")),
    verify: statementsOf("verify"),
  };
}

function toSteps(fileName: string, statements: SqlStatement[]): MigrationStep[] {
  return statements.map(({ sql, line }) => {
    const rebuild = REBUILD.exec(sql);
    if (!rebuild) return { kind: "sql", sql, line };
    const table = rebuild[1];
    const createSql = sql.replace(REBUILD, "").trim();
    const create = new RegExp(
      `^(?:--[^\\n]*\\n\\s*)*CREATE\\s+TABLE\\s+["\`\\[]?${table}["\`\\]]?\\s*\\(`,
      "i",
    );
    if (!create.test(createSql)) {
      throw new MigrationFileError(
        fileName,
        `line ${line}: "-- migrate:rebuild ${table}" must be followed by "CREATE TABLE ${table} (…)"`,
      );
    }
    return { kind: "rebuild", table, createSql, line };
  });
}

/**
 * Parses a set of migration files and checks they form the sequence 1, 2, … N.
 *
 * @example
 * ```ts
 * const migrations = loadMigrations([{ name: "0001_baseline.sql", text }]);
 * ```
 */
export function loadMigrations(files: { name: string; text: string }[]): Migration[] {
  const migrations = files.map((f) => parseMigrationFile(f.name, f.text))
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, index) => {
    if (m.version === index) {
      throw new MigrationFileError(m.fileName, `version ${m.version} is used by two files`);
    }
    if (m.version !== index + 1) {
      throw new MigrationFileError(
        m.fileName,
        `versions must run 1, 2, 3… without gaps: version ${index + 1} is missing`,
      );
    }
  });
  return migrations;
}
