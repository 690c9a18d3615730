/**
 * Reading a database's schema as comparable data, and the difference between two schemas
 * ("schema drift"). Tables are compared by structure (columns in order with type, NOT NULL,
 * default, primary key and generated flag; AUTOINCREMENT; foreign keys), indexes by their
 * columns, uniqueness and partial flag, triggers and views by their SQL with whitespace folded.
 */
import type { DatabaseSync } from "node:sqlite";

export interface ColumnShape {
  name: string;
  type: string;
  notNull: boolean;
  default: string | null;
  primaryKey: number;
  /** 0 ordinary, 2 virtual generated, 3 stored generated (pragma table_xinfo "hidden"). */
  hidden: number;
}

export interface TableShape {
  columns: ColumnShape[];
  autoincrement: boolean;
  foreignKeys: string[];
}

export interface IndexShape {
  table: string;
  unique: boolean;
  partial: boolean;
  /** Key columns, `name ASC|DESC`; an expression shows as `<expr>`. */
  columns: string[];
}

/** A database's schema; `sqlite_*` internals excluded. */
export interface SchemaSnapshot {
  tables: Record<string, TableShape>;
  indexes: Record<string, IndexShape>;
  triggers: Record<string, string>;
  views: Record<string, string>;
}

interface MasterRow {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}

/**
 * Reads the schema of `db`.
 *
 * @example
 * ```ts
 * const snapshot = readSchema(db);
 * Object.keys(snapshot.tables); // ["bluetooth_devices", "configuration", …]
 * ```
 */
export function readSchema(db: DatabaseSync): SchemaSnapshot {
  const snapshot: SchemaSnapshot = { tables: {}, indexes: {}, triggers: {}, views: {} };
  const rows = db.prepare(
    "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name",
  ).all() as unknown as MasterRow[];
  for (const row of rows) {
    if (row.type === "table") snapshot.tables[row.name] = readTable(db, row);
    else if (row.type === "trigger") snapshot.triggers[row.name] = foldSql(row.sql ?? "");
    else if (row.type === "view") snapshot.views[row.name] = foldSql(row.sql ?? "");
  }
  for (const table of Object.keys(snapshot.tables)) {
    const list = db.prepare('SELECT name, "unique" AS u, partial FROM pragma_index_list(?)')
      .all(table) as { name: string; u: number; partial: number }[];
    for (const index of list) {
      const columns = db.prepare(
        'SELECT name, "desc" AS d FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno',
      ).all(index.name) as { name: string | null; d: number }[];
      snapshot.indexes[index.name] = {
        table,
        unique: index.u === 1,
        partial: index.partial === 1,
        columns: columns.map((c) => `${c.name ?? "<expr>"} ${c.d ? "DESC" : "ASC"}`),
      };
    }
  }
  return snapshot;
}

function readTable(db: DatabaseSync, row: MasterRow): TableShape {
  const columns = db.prepare(
    'SELECT name, type, "notnull" AS nn, dflt_value, pk, hidden FROM pragma_table_xinfo(?) ORDER BY cid',
  ).all(row.name) as {
    name: string;
    type: string;
    nn: number;
    dflt_value: string | null;
    pk: number;
    hidden: number;
  }[];
  const foreignKeys = db.prepare(
    'SELECT "table" AS t, "from" AS f, "to" AS o, on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq',
  ).all(row.name) as {
    t: string;
    f: string;
    o: string | null;
    on_update: string;
    on_delete: string;
  }[];
  return {
    columns: columns.map((c) => ({
      name: c.name,
      type: c.type.toUpperCase(),
      notNull: c.nn === 1,
      default: c.dflt_value,
      primaryKey: c.pk,
      hidden: c.hidden,
    })),
    autoincrement: /\bAUTOINCREMENT\b/i.test(row.sql ?? ""),
    foreignKeys: foreignKeys.map((k) =>
      `${k.f} -> ${k.t}(${k.o ?? ""}) on update ${k.on_update} on delete ${k.on_delete}`
    ),
  };
}

/** SQL with runs of whitespace folded to one space, for comparing triggers and views. */
export function foldSql(sql: string): string {
  return sql.replace(/\s+/g, " ").replace(/\s*([(),;])\s*/g, "$1").trim();
}

/**
 * Every difference between a live schema and the expected one, one line each, naming the object.
 *
 * @example
 * ```ts
 * diffSchema(readSchema(db), expected);
 * // ['table wifi_networks: column "notes" is not expected', 'index "idx_wifi_vendor" is missing']
 * ```
 */
export function diffSchema(live: SchemaSnapshot, expected: SchemaSnapshot): string[] {
  const out: string[] = [];
  diffNamed(out, "table", live.tables, expected.tables, (name, a, b) => diffTable(out, name, a, b));
  diffNamed(out, "index", live.indexes, expected.indexes, (name, a, b) => {
    if (a.table !== b.table) {
      out.push(`index "${name}": is on table ${a.table}, expected ${b.table}`);
    }
    if (a.unique !== b.unique) {
      out.push(`index "${name}": unique is ${a.unique}, expected ${b.unique}`);
    }
    if (a.partial !== b.partial) {
      out.push(`index "${name}": partial is ${a.partial}, expected ${b.partial}`);
    }
    if (a.columns.join(", ") !== b.columns.join(", ")) {
      out.push(
        `index "${name}": columns are (${a.columns.join(", ")}), expected (${
          b.columns.join(", ")
        })`,
      );
    }
  });
  diffNamed(out, "trigger", live.triggers, expected.triggers, (name, a, b) => {
    if (a !== b) out.push(`trigger "${name}": definition differs from the expected one`);
  });
  diffNamed(out, "view", live.views, expected.views, (name, a, b) => {
    if (a !== b) out.push(`view "${name}": definition differs from the expected one`);
  });
  return out;
}

function diffNamed<T>(
  out: string[],
  kind: string,
  live: Record<string, T>,
  expected: Record<string, T>,
  compare: (name: string, live: T, expected: T) => void,
): void {
  for (const name of Object.keys(expected)) {
    if (!(name in live)) out.push(`${kind} "${name}" is missing`);
  }
  for (const name of Object.keys(live)) {
    if (!(name in expected)) out.push(`${kind} "${name}" is not expected`);
    else compare(name, live[name], expected[name]);
  }
}

function diffTable(out: string[], table: string, live: TableShape, expected: TableShape): void {
  const liveByName = new Map(live.columns.map((c) => [c.name, c]));
  const expectedByName = new Map(expected.columns.map((c) => [c.name, c]));
  for (const column of expected.columns) {
    if (!liveByName.has(column.name)) {
      out.push(`table ${table}: column "${column.name}" is missing`);
    }
  }
  for (const column of live.columns) {
    const want = expectedByName.get(column.name);
    if (!want) {
      out.push(`table ${table}: column "${column.name}" is not expected`);
      continue;
    }
    for (const key of ["type", "notNull", "default", "primaryKey", "hidden"] as const) {
      if (column[key] !== want[key]) {
        out.push(
          `table ${table}: column "${column.name}" ${key} is ${
            JSON.stringify(column[key])
          }, expected ${JSON.stringify(want[key])}`,
        );
      }
    }
  }
  const liveOrder = live.columns.map((c) => c.name).filter((n) => expectedByName.has(n));
  const wantOrder = expected.columns.map((c) => c.name).filter((n) => liveByName.has(n));
  if (liveOrder.join() !== wantOrder.join()) {
    out.push(
      `table ${table}: columns are in the order (${liveOrder.join(", ")}), expected (${
        wantOrder.join(", ")
      })`,
    );
  }
  if (live.autoincrement !== expected.autoincrement) {
    out.push(
      `table ${table}: AUTOINCREMENT is ${live.autoincrement}, expected ${expected.autoincrement}`,
    );
  }
  if (live.foreignKeys.join("; ") !== expected.foreignKeys.join("; ")) {
    out.push(
      `table ${table}: foreign keys are [${live.foreignKeys.join("; ")}], expected [${
        expected.foreignKeys.join("; ")
      }]`,
    );
  }
}
