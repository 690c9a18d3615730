/**
 * Recognising the statement forms the checks care about, from folded SQL (`foldSql`). Names
 * come back lower-cased: SQLite compares identifiers without regard to case.
 */

const NAME = String.raw`((?:[A-Za-z_][A-Za-z0-9_$]*\.)?[A-Za-z_][A-Za-z0-9_$]*)`;

export interface AlterTable {
  table: string;
  /** `add`/`drop` a column, `rename` the table or a column, or a form SQLite has not got. */
  action: "add" | "drop" | "rename-table" | "rename-column" | "other";
  /** The column added or dropped. */
  column?: string;
  /** The added column's definition after its name. */
  definition?: string;
  /** The new name of a renamed table. */
  newName?: string;
  /** What followed `ALTER TABLE <name>`, for messages. */
  rest: string;
}

/** `ALTER TABLE …` taken apart, or null for any other statement. */
export function alterTable(code: string): AlterTable | null {
  const m = new RegExp(String.raw`^ALTER TABLE ${NAME} (.*)$`, "i").exec(code);
  if (!m) return null;
  const table = bare(m[1]);
  const rest = m[2];
  let a: RegExpExecArray | null;
  if ((a = new RegExp(String.raw`^ADD (?:COLUMN )?${NAME}(.*)$`, "i").exec(rest))) {
    const column = bare(a[1]);
    // ADD CONSTRAINT / ADD PRIMARY KEY / ADD UNIQUE / ADD CHECK / ADD FOREIGN look like a column.
    if (!/^COLUMN /i.test(rest) && /^(constraint|primary|unique|check|foreign)$/.test(column)) {
      return { table, action: "other", rest };
    }
    return { table, action: "add", column, definition: a[2].trim(), rest };
  }
  if ((a = new RegExp(String.raw`^DROP (?:COLUMN )?${NAME}$`, "i").exec(rest))) {
    const column = bare(a[1]);
    if (!/^COLUMN /i.test(rest) && /^(constraint|primary|unique|check|foreign)$/.test(column)) {
      return { table, action: "other", rest };
    }
    return { table, action: "drop", column, rest };
  }
  if ((a = new RegExp(String.raw`^RENAME TO ${NAME}$`, "i").exec(rest))) {
    return { table, action: "rename-table", newName: bare(a[1]), rest };
  }
  if (new RegExp(String.raw`^RENAME (?:COLUMN )?${NAME} TO ${NAME}$`, "i").test(rest)) {
    return { table, action: "rename-column", rest };
  }
  return { table, action: "other", rest };
}

/** `DROP TABLE [IF EXISTS] name` → name. */
export function droppedTable(code: string): string | null {
  const m = new RegExp(String.raw`^DROP TABLE (?:IF EXISTS )?${NAME}$`, "i").exec(code);
  return m ? bare(m[1]) : null;
}

export interface CreateIndex {
  name: string;
  table: string;
  unique: boolean;
  ifNotExists: boolean;
  /** The indexed column names (expressions left out). */
  columns: string[];
}

/** `CREATE [UNIQUE] INDEX …` taken apart. */
export function createIndex(code: string): CreateIndex | null {
  const m = new RegExp(
    String.raw`^CREATE (UNIQUE )?INDEX (IF NOT EXISTS )?${NAME} ON ${NAME} ?\((.*)\)`,
    "i",
  ).exec(code);
  if (!m) return null;
  const columns = m[5].split(",").map((c) => c.trim().split(" ")[0])
    .filter((c) => /^[A-Za-z_][A-Za-z0-9_$]*$/.test(c)).map(bare);
  return {
    unique: m[1] !== undefined,
    ifNotExists: m[2] !== undefined,
    name: bare(m[3]),
    table: bare(m[4]),
    columns,
  };
}

/** `CREATE [TEMP] TABLE|VIEW|TRIGGER [IF NOT EXISTS] name`: kind, name, guarded. */
export function createObject(
  code: string,
): { kind: string; name: string; ifNotExists: boolean } | null {
  const m = new RegExp(
    String
      .raw`^CREATE (?:TEMP |TEMPORARY )?(?:VIRTUAL )?(TABLE|VIEW|TRIGGER) (IF NOT EXISTS )?${NAME}`,
    "i",
  ).exec(code);
  return m ? { kind: m[1].toLowerCase(), name: bare(m[3]), ifNotExists: m[2] !== undefined } : null;
}

/** The first keyword, upper-cased. */
export function verb(code: string): string {
  return (/^[A-Za-z]+/.exec(code)?.[0] ?? "").toUpperCase();
}

function bare(name: string): string {
  return name.replace(/^main\./i, "").toLowerCase();
}
