/**
 * Reading a database's schema as comparable data, and the difference between two schemas
 * ("schema drift"). Two comparisons, one rule: tables are compared by structure (columns in
 * order with type, NOT NULL, default, primary key and generated flag; AUTOINCREMENT; foreign
 * keys) and indexes by their columns, uniqueness and partial flag, which explains a difference
 * in words; then every table, index, trigger and view the structure finds equal is compared by
 * its whole definition (`sqlite_master.sql` in the canonical form of `sql_normalise.ts`), which
 * sees what the pragmas do not carry: CHECK, COLLATE, generated expressions, partial-index
 * predicates, WITHOUT ROWID, STRICT and whatever SQLite adds later.
 */
import type { DatabaseSync } from "node:sqlite";
import { describeSqlDifference } from "./sql_normalise.ts";

export interface ColumnShape {
  name: string;
  type: string;
  notNull: boolean;
  default: string | null;
  primaryKey: number;
  /** 0 ordinary, 2 virtual generated, 3 stored generated (pragma table_xinfo "hidden"). */
  hidden: number;
}

/**
 * The tables that hold what was collected, summaries before the observations that refer to them:
 * the order import and sync read and write them in.
 */
export const OBSERVATION_TABLES = [
  "wifi_networks",
  "bluetooth_devices",
  "wifi_sightings",
  "bluetooth_sightings",
  "gps_track",
  "health_records",
] as const;

export interface TableShape {
  columns: ColumnShape[];
  autoincrement: boolean;
  foreignKeys: string[];
  /** `sqlite_master.sql` as stored. */
  sql: string;
}

export interface IndexShape {
  table: string;
  unique: boolean;
  partial: boolean;
  /** Key columns, `name ASC|DESC`; an expression shows as `<expr>`. */
  columns: string[];
  /** `sqlite_master.sql` as stored; null for the index of a UNIQUE or PRIMARY KEY constraint. */
  sql: string | null;
}

/** A database's schema; `sqlite_*` internals excluded. */
export interface SchemaSnapshot {
  tables: Record<string, TableShape>;
  indexes: Record<string, IndexShape>;
  /** Each trigger's `sqlite_master.sql`. */
  triggers: Record<string, string>;
  /** Each view's `sqlite_master.sql`. */
  views: Record<string, string>;
}

// The queries join the table-valued pragmas onto sqlite_master, so a snapshot takes four
// statements however many tables and indexes there are (verify's start-up feels each one).
const USER_OBJECT = "m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";
const USER_TABLE = `m.type = 'table' AND ${USER_OBJECT}`;
const READ = {
  objects: `SELECT m.type, m.name, m.sql FROM sqlite_master AS m WHERE ${USER_OBJECT}
    ORDER BY m.type, m.name`,
  columns: `SELECT m.name AS t, p.name, p.type, p."notnull" AS nn, p.dflt_value, p.pk, p.hidden
    FROM sqlite_master AS m, pragma_table_xinfo(m.name) AS p WHERE ${USER_TABLE}
    ORDER BY m.name, p.cid`,
  foreignKeys: `SELECT m.name AS t, p."table" AS parent, p."from" AS f, p."to" AS o,
      p.on_update, p.on_delete
    FROM sqlite_master AS m, pragma_foreign_key_list(m.name) AS p WHERE ${USER_TABLE}
    ORDER BY m.name, p.id, p.seq`,
  indexes: `SELECT m.name AS t, l.name, l."unique" AS u, l.partial, x.name AS col, x."desc" AS d
    FROM sqlite_master AS m, pragma_index_list(m.name) AS l, pragma_index_xinfo(l.name) AS x
    WHERE ${USER_TABLE} AND x.key = 1
    ORDER BY m.name, l.seq, x.seqno`,
};

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
  const objects = db.prepare(READ.objects).all() as {
    type: string;
    name: string;
    sql: string | null;
  }[];
  const indexSql = new Map<string, string | null>();
  for (const { type, name, sql } of objects) {
    if (type === "table") {
      snapshot.tables[name] = {
        columns: [],
        autoincrement: /\bAUTOINCREMENT\b/i.test(sql ?? ""),
        foreignKeys: [],
        sql: sql ?? "",
      };
    } else if (type === "index") indexSql.set(name, sql);
    else if (type === "trigger") snapshot.triggers[name] = sql ?? "";
    else if (type === "view") snapshot.views[name] = sql ?? "";
  }
  const columns = db.prepare(READ.columns).all() as {
    t: string;
    name: string;
    type: string;
    nn: number;
    dflt_value: string | null;
    pk: number;
    hidden: number;
  }[];
  for (const c of columns) {
    snapshot.tables[c.t].columns.push({
      name: c.name,
      type: c.type.toUpperCase(),
      notNull: c.nn === 1,
      default: c.dflt_value,
      primaryKey: c.pk,
      hidden: c.hidden,
    });
  }
  const foreignKeys = db.prepare(READ.foreignKeys).all() as {
    t: string;
    parent: string;
    f: string;
    o: string | null;
    on_update: string;
    on_delete: string;
  }[];
  for (const k of foreignKeys) {
    snapshot.tables[k.t].foreignKeys.push(
      `${k.f} -> ${k.parent}(${k.o ?? ""}) on update ${k.on_update} on delete ${k.on_delete}`,
    );
  }
  const indexColumns = db.prepare(READ.indexes).all() as {
    t: string;
    name: string;
    u: number;
    partial: number;
    col: string | null;
    d: number;
  }[];
  for (const row of indexColumns) {
    const index = snapshot.indexes[row.name] ??= {
      table: row.t,
      unique: row.u === 1,
      partial: row.partial === 1,
      columns: [],
      sql: indexSql.get(row.name) ?? null,
    };
    index.columns.push(`${row.col ?? "<expr>"} ${row.d ? "DESC" : "ASC"}`);
  }
  return snapshot;
}

/**
 * Every difference between a live schema and the expected one, one line each, naming the object.
 *
 * @example
 * ```ts
 * diffSchema(readSchema(db), expected);
 * // ['table wifi_networks: column "notes" is not expected', 'index "idx_wifi_vendor" is missing',
 * //  'table gps_track: definition differs: expected "CHECK (mode >= 2 OR lat IS NULL)", found nothing']
 * ```
 */
export function diffSchema(live: SchemaSnapshot, expected: SchemaSnapshot): string[] {
  // The usual answer, found natively: walking the snapshots in cold JavaScript costs a verify
  // more than reading them. (Equal text means equal schemas; unequal text is walked below.)
  if (JSON.stringify(live) === JSON.stringify(expected)) return [];
  const out: string[] = [];
  diffNamed(out, "table", live.tables, expected.tables, (name, a, b) => {
    diffTable(out, name, a, b);
  });
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
  diffNamed(out, "trigger", live.triggers, expected.triggers, () => {});
  diffNamed(out, "view", live.views, expected.views, () => {});
  return out;
}

/**
 * Missing and unexpected objects of one kind; each object in both goes to `compare`, and when
 * that found nothing, its definitions are compared as text (one finding per object: the words
 * when the structure explains the difference, else the first clauses that differ).
 */
function diffNamed<T extends { sql: string | null } | string>(
  out: string[],
  kind: string,
  live: Record<string, T>,
  expected: Record<string, T>,
  compare: (name: string, live: T, expected: T) => void,
): void {
  for (const name of Object.keys(expected)) {
    if (!(name in live)) out.push(`${kind} "${name}" is missing`);
  }
  const sqlOf = (o: T) => typeof o === "string" ? o : o.sql ?? "";
  for (const name of Object.keys(live)) {
    if (!(name in expected)) {
      out.push(`${kind} "${name}" is not expected`);
      continue;
    }
    const before = out.length;
    compare(name, live[name], expected[name]);
    const [found, want] = [sqlOf(live[name]), sqlOf(expected[name])];
    if (out.length > before || found === want) continue;
    const difference = describeSqlDifference(want, found);
    // Named as the structured findings name it: `table t: …`, `index "i": …`.
    const object = kind === "table" ? `table ${name}` : `${kind} "${name}"`;
    if (difference) out.push(`${object}: definition differs: ${difference}`);
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
