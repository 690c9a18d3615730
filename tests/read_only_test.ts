/**
 * Reading without writing, and writers that say why they cannot: read-only commands leave nothing
 * beside the database and work in a read-only folder or on a read-only file; the lock file takes
 * the database's owner; a failed command leaves no lock; one collect per database; `config set`
 * creates nothing and `config get --json` gives typed values.
 */
import assert from "node:assert/strict";
import { cli, spawnCli, tempDir } from "./helpers/cli.ts";
import { databaseAt, fillBaselineRows } from "./helpers/db.ts";
import { namesIn, snapshotDir } from "./helpers/files.ts";
import { cliAsNobody, ignoreUnlessRoot, NOBODY, removeNobodyBundle } from "./helpers/as_user.ts";
import { writeReplay } from "./helpers/replay.ts";
import { embeddedMigrations } from "../src/migrate/mod.ts";

const LATEST = embeddedMigrations().length;

/** A current database with rows and one setting, closed cleanly (no -wal beside it). */
function cleanDatabase(path: string): void {
  const db = databaseAt(path, LATEST);
  fillBaselineRows(db, 30);
  db.close();
}

/** Every read-only command, with what its output must hold. */
function readers(out: string): { args: string[]; stdout: RegExp }[] {
  return [
    { args: ["migrate", "--verify"], stdout: /Verification passed: all 9 checks/ },
    { args: ["migrate", "--status"], stdout: new RegExp(`version ${LATEST};`) },
    { args: ["db", "stats"], stdout: /wifi_networks\s+30 rows/ },
    { args: ["db", "check"], stdout: /is sound/ },
    { args: ["db", "indexes"], stdout: /idx_/ },
    { args: ["export", "--format", "csv", "-o", out, "--quiet"], stdout: /^$/ },
    { args: ["config", "get", "k1"], stdout: /^v\n$/ },
    { args: ["config", "list"], stdout: /^k1 = v \(string\)\n$/ },
  ];
}

const WRITERS = [
  ["migrate"],
  ["config", "set", "k1", "w"],
  ["db", "vacuum"],
  ["db", "analyze"],
  ["collect", "--demo", "--quiet"],
];

Deno.test("read-only commands leave no -wal, -shm or .lock beside the database", async () => {
  using dir = tempDir();
  Deno.mkdirSync(`${dir.path}/data`);
  const path = `${dir.path}/data/p.db`;
  cleanDatabase(path);
  const before = snapshotDir(`${dir.path}/data`);
  for (const { args, stdout } of readers(`${dir.path}/out.csv`)) {
    const result = await cli("--db", path, ...args);
    assert.equal(result.code, 0, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stdout, stdout, args.join(" "));
    assert.deepEqual(snapshotDir(`${dir.path}/data`), before, args.join(" "));
  }
});

Deno.test({
  name: "a database on a read-only mount: readers work and leave nothing; writers say why",
  ignore: ignoreUnlessRoot(),
  fn: async () => {
    using dir = tempDir();
    const mount = `${dir.path}/ro`;
    Deno.mkdirSync(mount);
    const run = (args: string[]) => new Deno.Command(args[0], { args: args.slice(1) }).outputSync();
    if (!run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mount]).success) {
      if (Deno.env.get("CI") === "true") throw new Error("cannot mount a tmpfs");
      return; // no mount here: the folder case runs as nobody below
    }
    try {
      const path = `${mount}/p.db`;
      cleanDatabase(path);
      assert.ok(run(["mount", "-o", "remount,ro", mount]).success);
      const before = snapshotDir(mount);
      for (const { args, stdout } of readers(`${dir.path}/out.csv`)) {
        const result = await cli("--db", path, ...args);
        assert.equal(result.code, 0, `${args.join(" ")}: ${result.stderr}`);
        assert.match(result.stdout, stdout, args.join(" "));
      }
      for (const args of [...WRITERS, ["db", "restore", `${dir.path}/out.csv`]]) {
        const result = await cli("--db", path, ...args);
        assert.equal(result.code, 1, args.join(" "));
        assert.equal(
          result.stderr,
          `piwardrive: Cannot write database "${path}": the folder "${mount}" is read-only (Read-only file system (os error 30)); use a writable folder\n`,
          args.join(" "),
        );
      }
      assert.deepEqual(snapshotDir(mount), before);
    } finally {
      run(["umount", mount]);
    }
  },
});

Deno.test({
  name: "as another user: a read-only folder and a read-only file are read; writers say which path",
  ignore: ignoreUnlessRoot(),
  fn: async () => {
    using dir = tempDir();
    Deno.chmodSync(dir.path, 0o755);
    const data = `${dir.path}/data`;
    Deno.mkdirSync(data);
    const path = `${data}/p.db`;
    cleanDatabase(path);
    const out = `${dir.path}/out`;
    Deno.mkdirSync(out);
    for (const p of [data, path, out]) Deno.chownSync(p, NOBODY.uid, NOBODY.gid);
    await using _bundle = { [Symbol.asyncDispose]: removeNobodyBundle };
    for (const readOnly of ["folder", "file"] as const) {
      Deno.chmodSync(data, readOnly === "folder" ? 0o555 : 0o755);
      Deno.chmodSync(path, readOnly === "file" ? 0o444 : 0o644);
      const before = snapshotDir(data);
      for (const { args, stdout } of readers(`${out}/${readOnly}.csv`)) {
        const result = await cliAsNobody(["--db", path, ...args]);
        assert.equal(result.code, 0, `${readOnly}: ${args.join(" ")}: ${result.stderr}`);
        assert.match(result.stdout, stdout, `${readOnly}: ${args.join(" ")}`);
      }
      const why = readOnly === "folder"
        ? `the folder "${data}" is read-only (Permission denied (os error 13); mode 0555, owner uid 65534, this process uid 65534); use a writable folder`
        : `the file is read-only (Permission denied (os error 13); mode 0444, owner uid 65534, this process uid 65534); make it writable first`;
      for (const args of WRITERS) {
        const result = await cliAsNobody(["--db", path, ...args]);
        assert.equal(result.code, 1, `${readOnly}: ${args.join(" ")}`);
        assert.equal(
          result.stderr,
          `piwardrive: Cannot write database "${path}": ${why}\n`,
          `${readOnly}: ${args.join(" ")}`,
        );
      }
      assert.deepEqual(snapshotDir(data), before, readOnly);
    }
  },
});

Deno.test({
  name: "the lock file made by root takes the database's owner and mode",
  ignore: ignoreUnlessRoot(),
  fn: async () => {
    using dir = tempDir();
    const path = `${dir.path}/p.db`;
    cleanDatabase(path);
    Deno.chownSync(path, NOBODY.uid, NOBODY.gid);
    Deno.chmodSync(path, 0o644);
    const up = await cli("--db", path, "migrate");
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /is up to date/);
    const lock = Deno.statSync(`${path}.lock`);
    assert.deepEqual([lock.uid, lock.gid, lock.mode! & 0o777], [NOBODY.uid, NOBODY.gid, 0o644]);
    // A lock left owned by root by an older run is given back.
    Deno.chownSync(`${path}.lock`, 0, 0);
    assert.equal((await cli("--db", path, "config", "set", "a", "1")).code, 0);
    assert.equal(Deno.statSync(`${path}.lock`).uid, NOBODY.uid);
  },
});

Deno.test("a writer given a file that is not a database leaves no .lock and changes nothing", async () => {
  using dir = tempDir();
  const path = `${dir.path}/notes.txt`;
  Deno.writeTextFileSync(path, "my notes, not a database\n".repeat(40));
  const before = snapshotDir(dir.path);
  for (const args of [...WRITERS, ["db", "restore", path]]) {
    const result = await cli("--db", path, ...args);
    assert.equal(result.code, 1, args.join(" "));
    assert.equal(
      result.stderr,
      `piwardrive: Cannot open database "${path}": file is not a SQLite database\n`,
      args.join(" "),
    );
    assert.deepEqual(snapshotDir(dir.path), before, args.join(" "));
  }
});

Deno.test("a second collect on the same database refuses at once, naming the first one's pid", async () => {
  using dir = tempDir();
  writeReplay(`${dir.path}/drive`, 400);
  const path = `${dir.path}/c.db`;
  assert.equal((await cli("--db", path, "migrate")).code, 0);
  const drive = ["collect", "--replay", `${dir.path}/drive`, "--interval", "200ms", "--json"];
  const first = spawnCli(["--db", path, ...drive]);
  try {
    const reader = first.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const { value } = await reader.read(); // the first committed tick: the lock is held
    assert.match(value ?? "", /"event":"tick"/);
    // Keep reading, so the first never blocks on a full pipe.
    const drained = (async () => {
      while (!(await reader.read()).done) { /* discard */ }
    })();
    const started = performance.now();
    // A bounded run: where two collects are let through, this one ends and the test fails.
    const second = await cli("--db", path, ...drive, "--duration", "3s");
    assert.equal(second.code, 1);
    assert.equal(
      second.stderr,
      `piwardrive: Another piwardrive collect (pid ${first.pid}) is already writing "${path}"; stop it first (systemctl stop piwardrive)\n`,
    );
    assert.ok(performance.now() - started < 2000, "refused without waiting");
    first.kill("SIGTERM");
    await drained;
  } finally {
    try {
      first.kill("SIGTERM");
    } catch { /* already stopped */ }
    await first.status;
    await first.stderr.cancel().catch(() => {});
  }
  // Once the first has stopped, a collect runs again.
  const again = await cli("--db", path, "collect", "--replay", `${dir.path}/drive`, "--once");
  assert.equal(again.code, 0, again.stderr);
});

Deno.test("config set on a mistyped --db creates nothing; config get --json gives typed values", async () => {
  using dir = tempDir();
  const typo = `${dir.path}/sub/pwiardrive.db`;
  const set = await cli("--db", typo, "config", "set", "a", "1");
  assert.equal(set.code, 1);
  assert.equal(
    set.stderr,
    `piwardrive: Cannot open database "${typo}": no such file; run \`piwardrive migrate\` to create it\n`,
  );
  assert.deepEqual(namesIn(dir.path), []);
  const unset = await cli("--db", typo, "config", "unset", "a");
  assert.equal(unset.code, 1);
  assert.deepEqual(namesIn(dir.path), []);

  const path = `${dir.path}/p.db`;
  assert.equal((await cli("--db", path, "migrate")).code, 0);
  const values: [string, string, string, unknown][] = [
    ["n", "42", "int", 42],
    ["f", "2.5", "float", 2.5],
    ["b", "yes", "bool", true],
    ["j", '{"a": [1, null]}', "json", { a: [1, null] }],
    ["s", "42", "string", "42"],
  ];
  for (const [key, value, type, typed] of values) {
    const json = await cli("--db", path, "config", "set", key, value, "--type", type, "--json");
    assert.deepEqual(JSON.parse(json.stdout).value, typed, `set ${key}`);
    const get = await cli("--db", path, "config", "get", key, "--json");
    assert.deepEqual(JSON.parse(get.stdout).value, typed, `get ${key}`);
    assert.equal(
      (await cli("--db", path, "config", "get", key)).stdout.trimEnd(),
      String(
        typeof typed === "object" ? JSON.stringify(typed) : typed,
      ),
    );
  }
  const list = JSON.parse((await cli("--db", path, "config", "list", "--json")).stdout);
  assert.deepEqual(list.map((e: { value: unknown }) => e.value), [
    true,
    2.5,
    { a: [1, null] },
    42,
    "42",
  ]);
});
