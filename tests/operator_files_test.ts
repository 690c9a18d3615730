/**
 * What an operator points `db backup`, `db vacuum` and `db restore` at: nothing that existed is
 * removed or replaced unless replacing it is the command's job, and a replaced database keeps its
 * identity (symlink, owner, group, mode, planner statistics).
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { cli, tempDir } from "./helpers/cli.ts";
import { databaseAt, fillBaselineRows, logicalDump } from "./helpers/db.ts";
import { makeNode, namesIn, snapshotDir } from "./helpers/files.ts";
import { ignoreUnlessRoot, NOBODY } from "./helpers/as_user.ts";
import { embeddedMigrations } from "../src/migrate/mod.ts";

const LATEST = embeddedMigrations().length;

function liveDatabase(dir: string, rows = 40): { path: string; dump: Record<string, string[]> } {
  const path = `${dir}/live.db`;
  const db = databaseAt(path, LATEST);
  fillBaselineRows(db, rows);
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const dump = logicalDump(db);
  db.close();
  return { path, dump };
}

/** Read with an ordinary connection: its close removes the -wal and -shm it made. */
function dumpOf(path: string): Record<string, string[]> {
  const db = new DatabaseSync(path);
  try {
    return logicalDump(db);
  } finally {
    db.close();
  }
}

/** Each existing target, how to make it, and the kind the refusal names. */
const EXISTING_TARGETS: { name: string; kind: string; make(dir: string, at: string): void }[] = [
  {
    name: "an earlier backup",
    kind: "a file",
    make: (dir, at) => Deno.copyFileSync(`${dir}/live.db`, at),
  },
  { name: "any file", kind: "a file", make: (_, at) => Deno.writeTextFileSync(at, "notes\n") },
  { name: "an empty folder", kind: "a folder", make: (_, at) => Deno.mkdirSync(at) },
  {
    name: "a symlink to a file",
    kind: "a symlink",
    make: (dir, at) => {
      Deno.writeTextFileSync(`${dir}/other.txt`, "keep me\n");
      Deno.symlinkSync(`${dir}/other.txt`, at);
    },
  },
  {
    name: "a dangling symlink",
    kind: "a symlink",
    make: (dir, at) => Deno.symlinkSync(`${dir}/nowhere`, at),
  },
  { name: "a FIFO", kind: "a FIFO", make: (_, at) => makeNode(["mkfifo", at]) },
];

for (const target of EXISTING_TARGETS) {
  Deno.test(`db backup refuses ${target.name} before writing a byte`, async () => {
    using dir = tempDir();
    const { path, dump } = liveDatabase(dir.path);
    const at = `${dir.path}/target`;
    target.make(dir.path, at);
    const before = snapshotDir(dir.path);
    const result = await cli("--db", path, "db", "backup", at);
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      `piwardrive: Cannot back up to "${at}": ${target.kind} already exists there; give a new file name (nothing was changed)\n`,
    );
    assert.deepEqual(snapshotDir(dir.path), before);
    assert.deepEqual(dumpOf(path), dump);
  });
}

Deno.test({
  name: "db backup refuses a character device made with mknod (root)",
  ignore: ignoreUnlessRoot(),
  fn: async () => {
    using dir = tempDir();
    const { path } = liveDatabase(dir.path, 5);
    const at = `${dir.path}/null`;
    makeNode(["mknod", "-m", "0666", at, "c", "1", "3"]); // a second /dev/null
    const before = snapshotDir(dir.path);
    const result = await cli("--db", path, "db", "backup", at);
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      `piwardrive: Cannot back up to "${at}": a character device already exists there; give a new file name (nothing was changed)\n`,
    );
    assert.deepEqual(snapshotDir(dir.path), before);
  },
});

Deno.test("db backup onto the live database, or a symlink to it, is refused by name", async () => {
  using dir = tempDir();
  const { path, dump } = liveDatabase(dir.path);
  Deno.symlinkSync(path, `${dir.path}/alias.db`);
  const before = snapshotDir(dir.path);
  for (const at of [path, `${dir.path}/alias.db`, `${dir.path}/./live.db`]) {
    const result = await cli("--db", path, "db", "backup", at);
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      `piwardrive: Cannot back up to "${at}": it is the database itself; give a new file name\n`,
    );
  }
  assert.deepEqual(snapshotDir(dir.path), before);
  assert.deepEqual(dumpOf(path), dump);
});

Deno.test("db backup into a missing folder names the folder", async () => {
  using dir = tempDir();
  const { path } = liveDatabase(dir.path, 3);
  const at = `${dir.path}/missing/dir/x.db`;
  const result = await cli("--db", path, "db", "backup", at);
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    `piwardrive: Cannot back up to "${at}": the folder "${dir.path}/missing/dir" does not exist; create it first\n`,
  );
  assert.deepEqual(namesIn(dir.path), ["live.db"]);
});

Deno.test("db vacuum and db restore of a symlinked database replace its target; the link stays", async () => {
  using dir = tempDir();
  Deno.mkdirSync(`${dir.path}/data`);
  const real = `${dir.path}/data/real.db`;
  const db = databaseAt(real, LATEST);
  fillBaselineRows(db, 300);
  db.exec("DELETE FROM health_records WHERE id % 2 = 0");
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const dump = logicalDump(db);
  db.close();
  const link = `${dir.path}/piwardrive.db`;
  Deno.symlinkSync(real, link);
  const vacuum = await cli("--db", link, "db", "vacuum");
  assert.equal(vacuum.code, 0, vacuum.stderr);
  assert.ok(Deno.lstatSync(link).isSymlink, "the database path is still a symlink");
  assert.equal(Deno.readLinkSync(link), real);
  assert.deepEqual(dumpOf(real), dump);
  assert.equal(namesIn(`${dir.path}/data`).filter((n) => !n.endsWith(".lock")).join(), "real.db");

  const backup = `${dir.path}/b.db`;
  assert.equal((await cli("--db", link, "db", "backup", backup)).code, 0);
  const w = new DatabaseSync(real);
  w.exec("DELETE FROM wifi_networks");
  w.close();
  const restore = await cli("--db", link, "db", "restore", backup);
  assert.equal(restore.code, 0, restore.stderr);
  assert.ok(Deno.lstatSync(link).isSymlink, "restore keeps the symlink");
  assert.deepEqual(dumpOf(real), dump);
  // The copy of what restore replaced sits beside the real file.
  assert.equal(
    namesIn(`${dir.path}/data`).filter((n) => n.startsWith("real.db.replaced-")).length,
    1,
  );
});

Deno.test({
  name: "db vacuum and db restore as root keep another user's owner, group and mode",
  ignore: ignoreUnlessRoot(),
  fn: async () => {
    using dir = tempDir();
    const { path, dump } = liveDatabase(dir.path, 60);
    Deno.chownSync(path, NOBODY.uid, NOBODY.gid);
    Deno.chmodSync(path, 0o640);
    const identity = () => {
      const info = Deno.statSync(path);
      return { uid: info.uid, gid: info.gid, mode: info.mode! & 0o7777 };
    };
    const expected = { uid: NOBODY.uid, gid: NOBODY.gid, mode: 0o640 };
    assert.equal((await cli("--db", path, "db", "vacuum")).code, 0);
    assert.deepEqual(identity(), expected);
    const lock = Deno.statSync(`${path}.lock`);
    assert.deepEqual([lock.uid, lock.gid, lock.mode! & 0o777], [NOBODY.uid, NOBODY.gid, 0o640]);
    const backup = `${dir.path}/b.db`;
    assert.equal((await cli("--db", path, "db", "backup", backup)).code, 0);
    const restore = await cli("--db", path, "db", "restore", backup);
    assert.equal(restore.code, 0, restore.stderr);
    assert.deepEqual(identity(), expected);
    assert.deepEqual(dumpOf(path), dump);
    const kept = namesIn(dir.path).find((n) => n.startsWith("live.db.replaced-"))!;
    const keptInfo = Deno.statSync(`${dir.path}/${kept}`);
    assert.deepEqual([keptInfo.uid, keptInfo.mode! & 0o777], [NOBODY.uid, 0o640]);
  },
});

Deno.test("db vacuum keeps the ANALYZE statistics (sqlite_stat1)", async () => {
  using dir = tempDir();
  const { path } = liveDatabase(dir.path, 200);
  assert.equal((await cli("--db", path, "db", "analyze")).code, 0);
  const stats = (p: string) => {
    const db = new DatabaseSync(p);
    try {
      return db.prepare("SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY tbl, idx").all();
    } finally {
      db.close();
    }
  };
  const before = stats(path);
  assert.ok(before.length > 5, `${before.length} statistics rows`);
  const vacuum = await cli("--db", path, "db", "vacuum");
  assert.equal(vacuum.code, 0, vacuum.stderr);
  assert.deepEqual(stats(path), before);
  assert.equal((await cli("--db", path, "migrate", "--verify")).code, 0);
});

Deno.test("db restore of a missing file or a folder says so", async () => {
  using dir = tempDir();
  const { path, dump } = liveDatabase(dir.path, 10);
  const missing = `${dir.path}/no-such.backup`;
  const gone = await cli("--db", path, "db", "restore", missing);
  assert.equal(gone.code, 1);
  assert.equal(
    gone.stderr,
    `piwardrive: Cannot restore from "${missing}": the file does not exist; give the path of a backup file\n`,
  );
  Deno.mkdirSync(`${dir.path}/folder`);
  const folder = await cli("--db", path, "db", "restore", `${dir.path}/folder`);
  assert.equal(folder.code, 1);
  assert.equal(
    folder.stderr,
    `piwardrive: Cannot restore from "${dir.path}/folder": it is a folder; give the path of a backup file\n`,
  );
  assert.deepEqual(dumpOf(path), dump);
  assert.deepEqual(namesIn(dir.path), ["folder", "live.db", "live.db.lock"]);
});

Deno.test("db restore through a dangling symlink creates its target; the link stays a link", async () => {
  using dir = tempDir();
  const { path, dump } = liveDatabase(dir.path, 10);
  const backup = `${dir.path}/b.db`;
  assert.equal((await cli("--db", path, "db", "backup", backup)).code, 0);
  Deno.mkdirSync(`${dir.path}/data`);
  const link = `${dir.path}/link.db`;
  Deno.symlinkSync("data/real.db", link);
  const result = await cli("--db", link, "db", "restore", backup);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(Deno.lstatSync(link).isSymlink);
  assert.deepEqual(dumpOf(`${dir.path}/data/real.db`), dump);
  Deno.removeSync(`${dir.path}/data/real.db`);
  Deno.removeSync(`${dir.path}/data`);
  const missing = await cli("--db", link, "db", "restore", backup);
  assert.equal(missing.code, 1);
  assert.equal(
    missing.stderr,
    `piwardrive: Cannot restore "${link}" from "${backup}": the folder "${dir.path}/data" does not exist; create it first\n`,
  );
  assert.ok(Deno.lstatSync(link).isSymlink);
});
