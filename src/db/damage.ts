/**
 * SQLite's integrity checks, with each problem put on the table or index it damages. The
 * checks speak of b-trees by root page ("Tree 21 page 21 cell 3: …"), and on some damage they
 * only throw "database disk image is malformed": the user needs to know which object it is, to
 * judge what is lost and what a restore brings back.
 */
import type { DatabaseSync } from "node:sqlite";
import { errorMessage } from "../errors.ts";
import { quoteName } from "../migrate/rebuild.ts";

/** `quick_check` (b-tree structure) or `integrity_check` (and index content). */
export type IntegrityPragma = "quick_check" | "integrity_check";

interface BTree {
  object: string;
  table: string;
  index: string | null;
}

/**
 * The problems `pragma` finds in `db`, at most `limit`, one line each naming the damaged object
 * (`table wifi_networks: …`, `index "idx_wifi_ssid": …`); empty when the file is clean.
 *
 * @example
 * ```ts
 * integrityProblems(db, "quick_check");
 * // ['table wifi_networks: Tree 21 page 21 cell 29: invalid page number 4294967295 (and 59 more)']
 * ```
 */
export function integrityProblems(
  db: DatabaseSync,
  pragma: IntegrityPragma,
  limit = 10,
): string[] {
  let trees: Map<number, BTree>;
  try {
    trees = readTrees(db);
  } catch (error) {
    return [`the schema cannot be read: ${errorMessage(error)}`];
  }
  const whole = run(db, `PRAGMA ${pragma}(100)`);
  if (whole.lines.length === 0 && whole.error === null) return [];
  const named = new Map<string, string[]>();
  const unnamed: string[] = [];
  for (const line of whole.lines) {
    const object = objectOf(line, trees);
    if (object) add(named, object, line);
    else unnamed.push(line);
  }
  if (whole.error !== null || unnamed.length > 0) {
    // Not every problem was put on an object: check each table (with its indexes) on its own.
    for (const table of new Set([...trees.values()].map((t) => t.table))) {
      const one = run(db, `PRAGMA ${pragma}(${quoteName(table)})`);
      if (one.lines.length === 0 && one.error === null) continue;
      const message = one.error ?? one.lines[0];
      const object = one.lines.map((l) => objectOf(l, trees)).find((o) => o) ??
        unreadable(db, table, trees) ?? `table ${table} or one of its indexes`;
      if (!named.has(object)) add(named, object, message);
    }
  }
  const out = [...named].map(([object, lines]) =>
    `${object}: ${lines[0]}${lines.length > 1 ? ` (and ${lines.length - 1} more)` : ""}`
  );
  // What no object explains stays as SQLite said it (a page never used, the freelist, …).
  if (named.size === 0 && whole.error !== null) out.push(whole.error);
  const unexplained = unnamed.filter((l) => !/^database disk image is malformed$/.test(l));
  const all = [...out, ...unexplained];
  // Never clean by accident: damage nobody could place is still damage.
  if (all.length === 0) all.push(whole.error ?? whole.lines[0]);
  return all.slice(0, limit);
}

function readTrees(db: DatabaseSync): Map<number, BTree> {
  const rows = db.prepare(
    "SELECT type, name, tbl_name, rootpage FROM sqlite_master WHERE rootpage > 0",
  ).all() as { type: string; name: string; tbl_name: string; rootpage: number }[];
  const trees = new Map<number, BTree>([[1, {
    object: "table sqlite_master",
    table: "sqlite_master",
    index: null,
  }]]);
  for (const r of rows) {
    trees.set(Number(r.rootpage), {
      object: r.type === "table" ? `table ${r.name}` : `index "${r.name}"`,
      table: r.tbl_name,
      index: r.type === "index" ? r.name : null,
    });
  }
  return trees;
}

/** The object a problem line is about, from "Tree N …" or "… index NAME". */
function objectOf(line: string, trees: Map<number, BTree>): string | null {
  const tree = /^Tree (\d+) /.exec(line) ?? /^On tree page (\d+) /.exec(line);
  if (tree) return trees.get(Number(tree[1]))?.object ?? null;
  const index = /\bindex (\S+)$/.exec(line);
  if (index) {
    const name = index[1];
    return [...trees.values()].find((t) => t.index === name)?.object ?? null;
  }
  return null;
}

/** Which b-tree of `table` cannot be read through: the table itself, else one of its indexes. */
function unreadable(db: DatabaseSync, table: string, trees: Map<number, BTree>): string | null {
  const fails = (sql: string) => {
    try {
      for (const _ of db.prepare(sql).iterate()) { /* read every row */ }
      return false;
    } catch (error) {
      // A partial index cannot serve a plain scan: that is no evidence of damage.
      return !/no query solution/.test(errorMessage(error));
    }
  };
  if (fails(`SELECT * FROM ${quoteName(table)} NOT INDEXED`)) return `table ${table}`;
  for (const t of trees.values()) {
    if (t.table !== table || t.index === null) continue;
    // SELECT * through the index reads every entry (count(*) would only count cells).
    if (fails(`SELECT * FROM ${quoteName(table)} INDEXED BY ${quoteName(t.index)}`)) {
      return t.object;
    }
  }
  return null;
}

/** The problem lines of a check, and the error it stopped on; rows before the error count. */
function run(db: DatabaseSync, sql: string): { lines: string[]; error: string | null } {
  const lines: string[] = [];
  try {
    // Row by row: on damage, the check may report rows and then fail (all() would lose them).
    for (const row of db.prepare(sql).iterate()) {
      for (const line of String(Object.values(row)[0]).split("\n")) {
        if (line !== "ok" && !line.startsWith("*** ")) lines.push(line);
      }
    }
    return { lines, error: null };
  } catch (error) {
    return { lines, error: errorMessage(error) };
  }
}

function add(map: Map<string, string[]>, key: string, line: string): void {
  const list = map.get(key);
  if (list) list.push(line);
  else map.set(key, [line]);
}
