/** Damaged files: reported (exit 3) by check and verify, never written to, and restorable. */
import assert from "node:assert/strict";
import { cli, cliProcess, tempDir } from "./helpers/cli.ts";
import { databaseAt, fillBaselineRows } from "./helpers/db.ts";
import { embeddedMigrations } from "../src/migrate/mod.ts";

/** Overwrites `count` random 64-byte runs past page 1 (seeded). */
function scribble(path: string, seed: number, count: number): void {
  const bytes = Deno.readFileSync(path);
  let state = seed;
  const rand = (n: number) => (state = (state * 1103515245 + 12345) % 2147483648) % n;
  for (let i = 0; i < count; i++) {
    const at = 4096 + rand(bytes.length - 4096 - 64);
    for (let k = 0; k < 64; k++) bytes[at + k] = rand(256);
  }
  Deno.writeFileSync(path, bytes);
}

const damages: [string, (path: string) => void][] = [
  ["random bytes in random pages", (p) => scribble(p, 7, 40)],
  [
    "truncated to half",
    (p) => Deno.truncateSync(p, Math.floor(Deno.statSync(p).size / 2 / 4096) * 4096),
  ],
  ["truncated mid-page", (p) => Deno.truncateSync(p, Deno.statSync(p).size - 1000)],
];

Deno.test("a damaged database: check and verify exit 3, migrate and collect write nothing, restore repairs", async () => {
  using dir = tempDir();
  const good = `${dir.path}/good.db`;
  const setup = databaseAt(good, embeddedMigrations().length);
  fillBaselineRows(setup, 3000);
  setup.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  setup.close();
  const backup = `${dir.path}/good.backup`;
  assert.equal((await cli("--db", good, "db", "backup", backup)).code, 0);
  for (const [name, damage] of damages) {
    const path = `${dir.path}/bad.db`;
    Deno.copyFileSync(good, path);
    damage(path);
    const damaged = Deno.readFileSync(path);
    for (const args of [["db", "check"], ["migrate", "--verify", "--deep"]]) {
      const result = await cliProcess(["--db", path, ...args]);
      assert.equal(result.code, 3, `${name}: ${args.join(" ")}: ${result.stdout}${result.stderr}`);
      assert.doesNotMatch(result.stdout + result.stderr, /\bat .*\.ts:\d+|Uncaught/, name);
    }
    for (const args of [["migrate"], ["collect", "--demo"], ["config", "set", "a", "b"]]) {
      const result = await cliProcess(["--db", path, ...args]);
      assert.equal(result.code, 1, `${name}: ${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, /damaged|malformed|not a (SQLite )?database|disk image/, name);
      assert.equal(result.stderr.trim().split("\n").length, 1, `${name}: ${result.stderr}`);
      assert.deepEqual(
        Deno.readFileSync(path),
        damaged,
        `${name}: ${args.join(" ")} wrote to the file`,
      );
    }
    const restore = await cli("--db", path, "db", "restore", backup);
    assert.equal(restore.code, 0, restore.stderr);
    assert.match(restore.stdout, /previous database kept as .*bad\.db\.replaced-\d{8}T\d{6}Z\n/);
    assert.equal((await cli("--db", path, "db", "check")).code, 0, name);
    for (const e of Deno.readDirSync(dir.path)) {
      if (e.name.startsWith("bad.db")) Deno.removeSync(`${dir.path}/${e.name}`);
    }
  }
});

Deno.test("db restore refuses a damaged backup and one newer than the binary", async () => {
  using dir = tempDir();
  const db = `${dir.path}/p.db`;
  assert.equal((await cli("--db", db, "migrate")).code, 0);
  const bad = `${dir.path}/bad.backup`;
  Deno.writeTextFileSync(bad, "not a database at all, just text ".repeat(20));
  const refused = await cli("--db", db, "db", "restore", bad);
  assert.equal(refused.code, 3);
  assert.match(refused.stderr, /^piwardrive: Backup ".*bad.backup" is not a sound database: /);
  const newer = `${dir.path}/newer.backup`;
  const n = databaseAt(newer, embeddedMigrations().length);
  n.exec(
    "INSERT INTO schema_version (version, description, applied_at) VALUES (99, 'future', 'x')",
  );
  n.close();
  const future = await cli("--db", db, "db", "restore", newer);
  assert.equal(future.code, 4);
  assert.match(future.stderr, /it has version\(s\) 99/);
});
