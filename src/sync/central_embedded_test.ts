import assert from "node:assert/strict";
import { centralMigrationFiles, centralMigrations } from "./central_embedded.ts";

Deno.test("the embedded central migrations are exactly the files of migrations-pg/", () => {
  const dir = new URL("../../migrations-pg/", import.meta.url);
  const files = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".sql"))
    .map((e) => ({ name: e.name, text: Deno.readTextFileSync(new URL(e.name, dir)) }))
    .sort((a, b) => a.name.localeCompare(b.name));
  assert.deepEqual([...centralMigrationFiles], files);
  assert.deepEqual(centralMigrations().map((m) => m.version), files.map((_, i) => i + 1));
});
