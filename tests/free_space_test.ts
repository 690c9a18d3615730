/**
 * `db backup` and `db restore` on real small file systems: the free-space refusal at its exact
 * margins (a tmpfs sized to the page), and a restore that fails half-way, which must leave the
 * database, the copy it kept and anything in its way as they were.
 *
 * Needs root (mount). Under CI=true a mount that fails is a failure; elsewhere the test says why
 * it did nothing and passes.
 */
import assert from "node:assert/strict";
import { cli, tempDir } from "./helpers/cli.ts";
import { databaseAt, fillBaselineRows } from "./helpers/db.ts";
import { embeddedMigrations } from "../src/migrate/mod.ts";

const LATEST = embeddedMigrations().length;
const MIB = 1048576;
// tmpfs counts space in pages of the machine's page size; `stat -f` says which.
const PAGE = Number(run(["stat", "-f", "-c", "%S", "/dev/shm"]).stdout.trim()) || 4096;

function run(args: string[]): { success: boolean; stdout: string; stderr: string } {
  const out = new Deno.Command(args[0], { args: args.slice(1), stdout: "piped", stderr: "piped" })
    .outputSync();
  const decoder = new TextDecoder();
  return {
    success: out.success,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

/**
 * Mounts `args` on `at` (a new folder, or an existing file), runs `body`, unmounts whatever happens. False when it
 * could not mount outside CI (the caller then skips); under CI=true that throws.
 */
async function withMount(
  args: string[],
  at: string,
  body: () => Promise<void>,
): Promise<boolean> {
  try {
    Deno.mkdirSync(at, { recursive: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error; // a file bound on itself
  }
  const mounted = run(["mount", ...args, at]);
  if (!mounted.success) {
    const why = `cannot mount ${args.join(" ")} on ${at}: ${mounted.stderr.trim()}`;
    if (Deno.env.get("CI") === "true") throw new Error(why);
    console.log(`skipped (not root?): ${why}`);
    return false;
  }
  try {
    await body();
  } finally {
    assert.ok(run(["umount", at]).success, `umount ${at}`);
  }
  return true;
}

/** Free bytes of the file system holding `dir`, read by `stat -f` (not by the code under test). */
function freeBytes(dir: string): number {
  const [avail, size] = run(["stat", "-f", "-c", "%a %S", dir]).stdout.trim().split(" ");
  return Number(avail) * Number(size);
}

function mib(bytes: number): string {
  return `${(bytes / MIB).toFixed(1)} MiB`;
}

function names(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

/** A current database with rows, closed cleanly: one file, its size a whole number of pages. */
function cleanDatabase(path: string): Uint8Array {
  const db = databaseAt(path, LATEST);
  fillBaselineRows(db, 30);
  db.close();
  return Deno.readFileSync(path);
}

Deno.test("db backup needs 10 % more than the database and 1 MiB free at the destination, to the page", async () => {
  using dir = tempDir();
  const db = `${dir.path}/p.db`;
  const bytes = cleanDatabase(db).length;
  const needed = Math.ceil(bytes * 1.1) + MIB;
  const enough = Math.ceil(needed / PAGE) * PAGE; // the smallest tmpfs that holds the margin
  assert.ok(
    enough - PAGE < needed && enough - PAGE > bytes,
    "one page less is short of the margin",
  );

  const short = `${dir.path}/short`;
  await withMount(["-t", "tmpfs", "-o", `size=${enough - PAGE}`, "tmpfs"], short, async () => {
    assert.equal(freeBytes(short), enough - PAGE);
    const refused = await cli("--db", db, "db", "backup", `${short}/copy.db`);
    assert.equal(refused.code, 1);
    assert.equal(refused.stdout, "");
    assert.equal(
      refused.stderr,
      `piwardrive: Not enough free disk space for the backup in "${short}": ${
        mib(enough - PAGE)
      } free, ${mib(needed)} needed; free some space or back up to another disk\n`,
    );
    assert.deepEqual(names(short), []);
  });

  // Exactly the margin is enough (10 % alone was not: this 176 KiB database's copy, leaving WAL
  // mode, briefly took eight pages more than that and failed with "disk I/O error").
  const fits = `${dir.path}/fits`;
  await withMount(["-t", "tmpfs", "-o", `size=${enough}`, "tmpfs"], fits, async () => {
    const written = await cli("--db", db, "db", "backup", `${fits}/copy.db`);
    assert.equal(written.code, 0, written.stderr);
    assert.equal(
      written.stdout,
      `backup written and checked: ${fits}/copy.db (${bytes} bytes)\n`,
    );
    assert.deepEqual(names(fits), ["copy.db"]);
    assert.equal(Deno.statSync(`${fits}/copy.db`).size, bytes);
  });
});

Deno.test("db restore needs the backup, the database and 1 MiB free beside the database, exactly", async () => {
  using dir = tempDir();
  const backup = `${dir.path}/b.db`;
  const backupBytes = cleanDatabase(backup).length;
  const original = cleanDatabase(`${dir.path}/source.db`);
  const needed = backupBytes + original.length + MIB;
  assert.equal(needed % PAGE, 0, "the sizes are whole pages, so the margin can be hit exactly");

  // At the check the tmpfs holds the database and the lock file, whose holder line takes a page.
  for (const [label, free] of [["short", needed - PAGE], ["exact", needed]] as const) {
    const mount = `${dir.path}/${label}`;
    const size = original.length + PAGE + free;
    await withMount(["-t", "tmpfs", "-o", `size=${size}`, "tmpfs"], mount, async () => {
      const db = `${mount}/p.db`;
      Deno.writeFileSync(db, original, { mode: 0o600 });
      assert.equal(freeBytes(mount), free + PAGE);
      const result = await cli("--db", db, "db", "restore", backup);
      if (label === "short") {
        assert.equal(result.code, 1);
        assert.equal(result.stdout, "");
        assert.equal(
          result.stderr,
          `piwardrive: Not enough free disk space for the restore in "${mount}": ${
            mib(free)
          } free, ${mib(needed)} needed; free some space first\n`,
        );
        assert.deepEqual(names(mount), ["p.db", "p.db.lock"]);
        assert.deepEqual(Deno.readFileSync(db), original);
      } else {
        assert.equal(result.code, 0, result.stderr);
        const kept = names(mount).find((n) => n.startsWith("p.db.replaced-"));
        assert.ok(kept, names(mount).join(", "));
        assert.equal(
          result.stdout,
          `previous database kept as ${mount}/${kept}\nrestored "${db}" from "${backup}" (schema version ${LATEST})\n`,
        );
        assert.deepEqual(names(mount), ["p.db", "p.db.lock", kept]);
        assert.deepEqual(Deno.readFileSync(`${mount}/${kept}`), original);
        assert.deepEqual(Deno.readFileSync(db), Deno.readFileSync(backup));
      }
    });
  }
});

Deno.test("a restore whose last step fails removes its staging copy and keeps the database and the kept copy", async () => {
  using dir = tempDir();
  const backup = `${dir.path}/b.db`;
  cleanDatabase(backup);
  const data = `${dir.path}/data`;
  Deno.mkdirSync(data);
  const db = `${data}/p.db`;
  const original = cleanDatabase(db);
  // A file bind-mounted on itself is a mount point: renaming the staging copy over it fails
  // (EBUSY) after the kept copy and the staging copy were written.
  await withMount(["--bind", db], db, async () => {
    const result = await cli("--db", db, "db", "restore", backup);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.match(
      result.stderr,
      /^piwardrive: Cannot restore "[^"]+\/p\.db" from "[^"]+\/b\.db": Device or resource busy \(os error 16\)[^\n]*\n$/,
    );
    assert.ok(result.stderr.startsWith(`piwardrive: Cannot restore "${db}" from "${backup}": `));
    const kept = names(data).find((n) => n.startsWith("p.db.replaced-"));
    assert.ok(kept, names(data).join(", "));
    assert.deepEqual(names(data), ["p.db", "p.db.lock", kept]);
    assert.deepEqual(Deno.readFileSync(db), original);
    assert.deepEqual(Deno.readFileSync(`${data}/${kept}`), original);
  });
});

Deno.test("a restore whose staging path is taken by a folder leaves that folder alone", async () => {
  using dir = tempDir();
  const backup = `${dir.path}/b.db`;
  cleanDatabase(backup);
  const db = `${dir.path}/p.db`;
  const original = cleanDatabase(db);
  // Not a file a dead run left (those are removed): someone else's, so never deleted.
  Deno.mkdirSync(`${dir.path}/.p.db.restoring`);
  const result = await cli("--db", db, "db", "restore", backup);
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "");
  assert.match(
    result.stderr,
    /^piwardrive: Cannot restore "[^"]+\/p\.db" from "[^"]+\/b\.db": File exists \(os error 17\)[^\n]*\n$/,
  );
  assert.ok(result.stderr.startsWith(`piwardrive: Cannot restore "${db}" from "${backup}": `));
  const kept = names(dir.path).find((n) => n.startsWith("p.db.replaced-"));
  assert.ok(kept, names(dir.path).join(", "));
  assert.deepEqual(names(dir.path), [".p.db.restoring", "b.db", kept, "p.db", "p.db.lock"].sort());
  assert.ok(Deno.statSync(`${dir.path}/.p.db.restoring`).isDirectory);
  assert.deepEqual(Deno.readFileSync(db), original);
  assert.deepEqual(Deno.readFileSync(`${dir.path}/${kept}`), original);
});

Deno.test("migrate refuses before its backup when the database's disk is short, and says --no-backup", async () => {
  using dir = tempDir();
  const source = `${dir.path}/old.db`;
  const db0 = databaseAt(source, LATEST - 1);
  fillBaselineRows(db0, 30);
  db0.close();
  const original = Deno.readFileSync(source);
  const mount = `${dir.path}/disk`;
  // The database and its lock line, and 1 MiB free: short of the backup's 110 % + 1 MiB.
  const size = original.length + PAGE + MIB;
  await withMount(["-t", "tmpfs", "-o", `size=${size}`, "tmpfs"], mount, async () => {
    const db = `${mount}/p.db`;
    Deno.writeFileSync(db, original, { mode: 0o600 });
    const result = await cli("--db", db, "migrate");
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      new RegExp(
        `^piwardrive: Not enough free disk space for a backup in "${mount}": [0-9.]+ MiB free, ${
          mib(Math.ceil(original.length * 1.1) + MIB).replace(".", "\\.")
        } needed; free some space or use --no-backup\\n$`,
      ),
    );
    assert.deepEqual(Deno.readFileSync(db), original);
    assert.ok(!names(mount).some((n) => n.includes(".bak-")), names(mount).join(", "));
  });
});
