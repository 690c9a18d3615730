/** Helpers for import tests: a folder's exact state, and the row count of every table. */
import { DatabaseSync } from "node:sqlite";
import { createHash } from "node:crypto";

/** Every entry of `dir` (sorted) with the SHA-256 of each file, as `source.content_hash` has it. */
export async function folderState(
  dir: string,
): Promise<{ names: string[]; hashes: Record<string, string> }> {
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  const hashes: Record<string, string> = {};
  for (const name of names) {
    const info = Deno.statSync(`${dir}/${name}`);
    if (!info.isFile) continue;
    const bytes = await Deno.readFile(`${dir}/${name}`);
    hashes[name] = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  }
  return { names, hashes };
}

/** Rows in every table of the database at `path`. */
export function tableCounts(path: string): Record<string, number> {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const tables = db.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
    ).all() as { name: string }[];
    return Object.fromEntries(
      tables.map(({ name }) => [
        name,
        Number(db.prepare(`SELECT count(*) AS n FROM "${name}"`).get()!.n),
      ]),
    );
  } finally {
    db.close();
  }
}
