/**
 * The steps of `db restore` between the checks and the rename: what a dead run left is cleared,
 * the restored file takes the replaced one's owner and mode, and a missing folder is named.
 */
import assert from "node:assert/strict";
import { cli, tempDir } from "./helpers/cli.ts";
import { databaseAt, fillBaselineRows } from "./helpers/db.ts";
import { embeddedMigrations } from "../src/migrate/mod.ts";
import { restoreFrom } from "../src/db/maintenance.ts";
import { PiwardriveError } from "../src/errors.ts";

const LATEST = embeddedMigrations().length;

function cleanDatabase(path: string, rows: number): Uint8Array {
  const db = databaseAt(path, LATEST);
  fillBaselineRows(db, rows);
  db.close();
  return Deno.readFileSync(path);
}

function names(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

Deno.test({
  name:
    "db restore clears the staging file a dead run left, and the result keeps the replaced file's owner and mode",
  // Giving the file to nobody needs root; under CI the test must run.
  ignore: Deno.uid() !== 0 && Deno.env.get("CI") !== "true",
  fn: async () => {
    using dir = tempDir();
    const backup = `${dir.path}/b.db`;
    const restored = cleanDatabase(backup, 40);
    const db = `${dir.path}/p.db`;
    const original = cleanDatabase(db, 5);
    Deno.chmodSync(db, 0o640);
    Deno.chownSync(db, 65534, 65534); // nobody: what the service user would own
    Deno.writeTextFileSync(`${dir.path}/.p.db.restoring`, "half a copy from a run that died");

    const result = await cli("--db", db, "db", "restore", backup);
    assert.equal(result.code, 0, result.stderr);
    const kept = names(dir.path).find((n) => n.startsWith("p.db.replaced-"))!;
    assert.deepEqual(names(dir.path), ["b.db", "p.db", "p.db.lock", kept].sort());
    assert.deepEqual(Deno.readFileSync(db), restored);
    assert.deepEqual(Deno.readFileSync(`${dir.path}/${kept}`), original);
    for (const path of [db, `${dir.path}/${kept}`]) {
      const info = Deno.statSync(path);
      assert.equal(info.mode! & 0o7777, 0o640, path);
      assert.equal(info.uid, 65534, path);
      assert.equal(info.gid, 65534, path);
    }
  },
});

Deno.test("restoreFrom names a database folder that does not exist and creates nothing", () => {
  // The CLI's lock makes the folder first; a caller of restoreFrom without the lock gets this.
  using dir = tempDir();
  const backup = `${dir.path}/b.db`;
  cleanDatabase(backup, 3);
  const db = `${dir.path}/gone/p.db`;
  assert.throws(
    () => restoreFrom(db, backup, embeddedMigrations()),
    (error: unknown) => {
      assert.ok(error instanceof PiwardriveError);
      assert.equal(
        error.message,
        `Cannot restore "${db}" from "${backup}": the folder "${dir.path}/gone" does not exist; create it first`,
      );
      return true;
    },
  );
  assert.deepEqual(names(dir.path), ["b.db"]);
});
