/**
 * SQLite's integrity checks, with each problem put on the table or index it damages. The
 * checks speak of b-trees by root page ("Tree 21 page 21 cell 3: …"), and on some damage they
 * only throw "database disk image is malformed": the user needs to know which object it is, to
 * judge what is lost and what a restore brings back.
 */
import type { DatabaseSync } from "node:sqlite";
import { errorMessage } from "../errors.ts";

/** `quick_check` (b-tree structure) or `integrity_check` (and index content). */
export type IntegrityPragma = "quick_check" | "integrity_check";

interface BTree {
  object: string;
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
  const { lines, error } = run(db, `PRAGMA ${pragma}(100)`);
  const named = new Map<string, string[]>();
  // What no object explains stays as SQLite said it (a page never used, a check that stopped).
  const unexplained: string[] = [];
  for (const line of lines) {
    const object = objectOf(line, trees);
    if (!object) unexplained.push(line);
    else if (named.has(object)) named.get(object)!.push(line);
    else named.set(object, [line]);
  }
  if (error !== null) unexplained.push(error);
  const out = [...named].map(([object, problems]) =>
    `${object}: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ""}`
  );
  return [...out, ...unexplained].slice(0, limit);
}

function readTrees(db: DatabaseSync): Map<number, BTree> {
  const rows = db.prepare(
    "SELECT type, name, rootpage FROM sqlite_master WHERE rootpage > 0",
  ).all() as { type: string; name: string; rootpage: number }[];
  // (sqlite_master, page 1, is no row of its own: its problems stay as SQLite words them.)
  const trees = new Map<number, BTree>();
  for (const r of rows) {
    trees.set(Number(r.rootpage), {
      object: r.type === "table" ? `table ${r.name}` : `index "${r.name}"`,
      index: r.type === "index" ? r.name : null,
    });
  }
  return trees;
}

/** The object a problem line is about, from "Tree N …" or "… index NAME". */
function objectOf(line: string, trees: Map<number, BTree>): string | null {
  const tree = /^Tree (\d+) /.exec(line);
  if (tree) return trees.get(Number(tree[1]))?.object ?? null;
  const index = /\bindex (\S+)$/.exec(line);
  if (index) {
    const name = index[1];
    return [...trees.values()].find((t) => t.index === name)?.object ?? null;
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
