/**
 * The layers of src/: cli → {collect, migrate, export, import, report, upload, sync} →
 * {db, collectors} → parsers. Every relative import (static, dynamic or re-export) of every
 * file under src/ is resolved to the folder it lands in; an import may go down or stay within
 * its own layer, never up. src/errors.ts, src/paths.ts and src/oui/ are leaves anyone may use.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

const SRC = normalize(join(dirname(fileURLToPath(import.meta.url)), "..", "src"));

/** The layer of each top-level part of src/: higher imports lower. */
const LAYER: Record<string, number> = {
  cli: 4,
  collect: 3,
  migrate: 3,
  export: 3,
  import: 3,
  report: 3,
  upload: 3,
  sync: 3,
  db: 2,
  collectors: 2,
  parsers: 1,
  // Shared leaves: they import nothing of the project above them.
  "errors.ts": 0,
  "paths.ts": 0,
  "paths_test.ts": 0,
  oui: 0,
};

const IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g;

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* sourceFiles(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

function partOf(root: string, path: string): string {
  return relative(root, path).split(/[\\/]/)[0];
}

/** Every import under `root` (laid out like src/) that runs from a lower layer up. */
function wrongWayImports(root = SRC): string[] {
  const wrong: string[] = [];
  for (const file of sourceFiles(root)) {
    const from = partOf(root, file);
    for (const match of Deno.readTextFileSync(file).matchAll(IMPORT)) {
      const target = normalize(join(dirname(file), match[1]));
      if (relative(root, target).startsWith("..")) {
        // Data (deno.json, migrations/*.sql) may be embedded; code outside src/ is for tests only.
        if (target.endsWith(".ts") && !file.endsWith("_test.ts")) {
          wrong.push(`${relative(root, file)} imports ${match[1]}, code outside src/`);
        }
        continue;
      }
      const to = partOf(root, target);
      if (from === to) continue;
      if (!(from in LAYER) || !(to in LAYER)) {
        wrong.push(`${relative(root, file)} → ${to}: a part of src/ with no layer`);
      } else if (LAYER[to] > LAYER[from]) {
        wrong.push(`${relative(root, file)} (${from}) imports ${match[1]} (${to}), a higher layer`);
      }
    }
  }
  return wrong.sort();
}

Deno.test("every part of src/ has a layer", () => {
  const parts = [...Deno.readDirSync(SRC)].map((e) => e.name).filter((n) => !(n in LAYER));
  assertEquals(parts, []);
});

Deno.test("no import in src/ runs from a lower layer up", () => {
  assertEquals(wrongWayImports(), []);
});

Deno.test("the layer check sees an upward import, static or dynamic", () => {
  const root = Deno.makeTempDirSync();
  try {
    // Laid out like src/ so the same rules apply: a db file reaching into migrate.
    const fake = join(root, "src");
    Deno.mkdirSync(join(fake, "db"), { recursive: true });
    Deno.mkdirSync(join(fake, "migrate"));
    Deno.writeTextFileSync(join(fake, "migrate", "x.ts"), "export const x = 1;\n");
    Deno.writeTextFileSync(
      join(fake, "db", "y.ts"),
      'import { x } from "../migrate/x.ts";\nconst z = await import("../migrate/x.ts");\n',
    );
    const found = wrongWayImports(fake);
    assertEquals(found.length, 2);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
