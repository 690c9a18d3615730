/**
 * `export -o PATH` against every kind of path an operator may give: each case asserts the exit
 * code, the one-line message, the data rows of the database (a dump before and after), and that
 * no file that existed before was removed or replaced unless replacing it was the job. Cases
 * that need root (mknod, chown to nobody, mounts) are skipped with a message otherwise.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { ExitCode } from "../src/errors.ts";
import { cli, type CliResult, tempDir } from "./helpers/cli.ts";
import { driveDb, dump, snapshot } from "./helpers/drive_db.ts";

const ROOT = Deno.uid() === 0;
const NOBODY = 65534;

interface Drive {
  dir: string;
  db: string;
  /** The CSV export, as `-o` to a new file writes it. */
  csv: string;
  rows: string;
}

async function drive(dir: string, sightings = 50): Promise<Drive> {
  const db = await driveDb(dir, sightings);
  Deno.mkdirSync(`${dir}/ref`);
  const ref = await exportTo(db, `${dir}/ref/ref.csv`);
  assert.equal(ref.code, 0, ref.stderr);
  return { dir, db, csv: Deno.readTextFileSync(`${dir}/ref/ref.csv`), rows: dump(db) };
}

function exportTo(db: string, out: string, ...extra: string[]): Promise<CliResult> {
  return cli("--db", db, "export", "--format", "csv", "-o", out, ...extra);
}

const summary = (rows: number, out: string) =>
  `exported ${rows} rows as csv to "${out}"; 0 skipped without position, 0 inside exclusion zones\n`;

/** Runs the export, asserting its result, that the rows did not change, and what changed on disk. */
async function expectExport(
  d: Drive,
  out: string,
  extra: string[],
  expected: { code: number; stderr: string; changed: string[] },
  watched = d.dir,
): Promise<void> {
  const before = snapshot(watched);
  const result = await exportTo(d.db, out, ...extra);
  assert.deepEqual([result.code, result.stderr], [expected.code, expected.stderr], out);
  assert.equal(result.stdout, "");
  assert.equal(dump(d.db), d.rows);
  const after = snapshot(watched);
  const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((name) => before[name] !== after[name]).sort();
  assert.deepEqual(changed, expected.changed, `changed in ${watched}`);
}

function run(command: string, ...args: string[]): void {
  const result = new Deno.Command(command, { args, stderr: "piped" }).outputSync();
  assert.ok(
    result.success,
    `${command} ${args.join(" ")}: ${new TextDecoder().decode(result.stderr)}`,
  );
}

/** A tmpfs of `size` at `dir` (root and a kernel that lets us), or null with the reason. */
function mountTmpfs(dir: string, options: string): string | null {
  const result = new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", options, "tmpfs", dir],
    stderr: "piped",
  })
    .outputSync();
  if (result.success) return null;
  const why = new TextDecoder().decode(result.stderr).trim();
  if (Deno.env.get("CI")) throw new Error(`Cannot mount a tmpfs in CI: ${why}`);
  return why || "mount failed";
}

const one = (out: string, message: string) => `piwardrive: ${message.replace("%s", out)}\n`;

Deno.test("export -o the live database (or a link to it): refused with or without --force, database intact", async () => {
  using dir = tempDir();
  const d = await drive(dir.path);
  const message = one(d.db, `Output "%s" is the database itself: give another file`);
  await expectExport(d, d.db, [], { code: ExitCode.usage, stderr: message, changed: [] });
  await expectExport(d, d.db, ["--force"], { code: ExitCode.usage, stderr: message, changed: [] });
  Deno.symlinkSync(d.db, `${d.dir}/alias.db`);
  await expectExport(d, `${d.dir}/alias.db`, ["--force"], {
    code: ExitCode.usage,
    stderr: one(`${d.dir}/alias.db`, `Output "%s" is the database itself: give another file`),
    changed: [],
  });
  // While a reader holds it open, the database has a write-ahead log beside it.
  const reader = new DatabaseSync(d.db, { readOnly: true });
  reader.prepare("SELECT count(*) FROM wifi_sightings").get();
  try {
    for (const suffix of ["wal", "shm"]) {
      const side = `${d.db}-${suffix}`;
      assert.ok(Deno.lstatSync(side).isFile);
      await expectExport(d, side, ["--force"], {
        code: ExitCode.usage,
        stderr: one(side, `Output "%s" is the database's "${suffix}" file: give another file`),
        changed: [],
      });
    }
  } finally {
    reader.close();
  }
  assert.equal((await cli("--db", d.db, "migrate", "--verify")).code, 0);
});

Deno.test("export -o an existing file: refused; --force replaces it, keeping its owner, group and mode", async () => {
  using dir = tempDir();
  const d = await drive(dir.path);
  const out = `${d.dir}/old.csv`;
  Deno.writeTextFileSync(out, "yesterday's export\n");
  Deno.chmodSync(out, 0o640);
  if (ROOT) Deno.chownSync(out, 0, 100);
  await expectExport(d, out, [], {
    code: ExitCode.runtime,
    stderr: one(out, `Output file "%s" exists: use --force to replace it`),
    changed: [],
  });
  const old = Deno.statSync(out);
  await expectExport(d, out, ["--force"], {
    code: ExitCode.ok,
    stderr: summary(50, out),
    changed: ["old.csv"],
  });
  const now = Deno.statSync(out);
  assert.equal(Deno.readTextFileSync(out), d.csv);
  assert.notEqual(now.ino, old.ino); // replaced whole (renamed into place), not rewritten
  assert.deepEqual([now.uid, now.gid, now.mode! & 0o7777], [old.uid, old.gid, 0o640]);
});

Deno.test("export -o an earlier backup: refused, the backup intact", async () => {
  using dir = tempDir();
  const d = await drive(dir.path);
  const backup = `${d.dir}/before.db`;
  const made = await cli("--db", d.db, "db", "backup", backup);
  assert.equal(made.code, 0, made.stderr);
  await expectExport(d, backup, [], {
    code: ExitCode.runtime,
    stderr: one(backup, `Output file "%s" exists: use --force to replace it`),
    changed: [],
  });
  assert.equal(dump(backup), d.rows);
});

Deno.test("export -o a symlink to a file: refused; --force replaces the file it points to and keeps the link", async () => {
  using dir = tempDir();
  const d = await drive(dir.path);
  Deno.mkdirSync(`${d.dir}/usb`);
  const target = `${d.dir}/usb/drive.csv`;
  Deno.writeTextFileSync(target, "old\n");
  Deno.chmodSync(target, 0o644);
  const link = `${d.dir}/latest.csv`;
  Deno.symlinkSync("usb/drive.csv", link);
  await expectExport(d, link, [], {
    code: ExitCode.runtime,
    stderr: one(
      link,
      `Output file "%s" links to "${target}", which exists: use --force to replace it`,
    ),
    changed: [],
  });
  await expectExport(d, link, ["--force"], {
    code: ExitCode.ok,
    stderr: summary(50, link),
    changed: [],
  });
  assert.equal(Deno.readLinkSync(link), "usb/drive.csv");
  assert.equal(Deno.readTextFileSync(target), d.csv);
  assert.equal(Deno.statSync(target).mode! & 0o7777, 0o644);
  assert.deepEqual([...Deno.readDirSync(`${d.dir}/usb`)].map((e) => e.name), ["drive.csv"]);
});

Deno.test("export -o a dangling symlink: refused; --force creates the file it points to, the link kept", async () => {
  using dir = tempDir();
  const d = await drive(dir.path);
  const link = `${d.dir}/latest.csv`;
  Deno.symlinkSync(`${d.dir}/new.csv`, link);
  await expectExport(d, link, [], {
    code: ExitCode.runtime,
    stderr: one(
      link,
      `Output "%s" is a link to "${d.dir}/new.csv", which does not exist: use --force to create it`,
    ),
    changed: [],
  });
  await expectExport(d, link, ["--force"], {
    code: ExitCode.ok,
    stderr: summary(50, link),
    changed: ["new.csv"],
  });
  assert.equal(Deno.readLinkSync(link), `${d.dir}/new.csv`);
  assert.equal(Deno.readTextFileSync(`${d.dir}/new.csv`), d.csv);
});

Deno.test("export -o a FIFO: written through to its reader, with or without --force; the FIFO stays", async () => {
  using dir = tempDir();
  const d = await drive(dir.path);
  const fifo = `${d.dir}/pipe`;
  run("mkfifo", fifo);
  for (const extra of [[], ["--force"]]) {
    const reader = new Deno.Command("cat", { args: [fifo], stdout: "piped" }).spawn();
    await expectExport(d, fifo, extra, {
      code: ExitCode.ok,
      stderr: summary(50, fifo),
      changed: [],
    });
    assert.equal(new TextDecoder().decode((await reader.output()).stdout), d.csv);
    assert.ok(Deno.lstatSync(fifo).isFifo);
  }
});

Deno.test({
  name: "export -o a character device made with mknod: written through, still the same device",
  ignore: !ROOT,
  fn: async () => {
    using dir = tempDir();
    const d = await drive(dir.path);
    const device = `${d.dir}/null`;
    run("mknod", device, "c", "1", "3"); // what /dev/null is
    for (const extra of [[], ["--force"]]) {
      await expectExport(d, device, extra, {
        code: ExitCode.ok,
        stderr: summary(50, device),
        changed: [],
      });
      const i = Deno.lstatSync(device);
      assert.ok(i.isCharDevice);
      assert.equal(i.rdev, Deno.lstatSync("/dev/null").rdev);
    }
  },
});

Deno.test("export -o a folder: refused with or without --force, its files untouched", async () => {
  using dir = tempDir();
  const d = await drive(dir.path);
  const folder = `${d.dir}/exports`;
  Deno.mkdirSync(folder);
  Deno.writeTextFileSync(`${folder}/a.csv`, "a\n");
  for (const extra of [[], ["--force"]]) {
    await expectExport(d, folder, extra, {
      code: ExitCode.runtime,
      stderr: one(folder, `Output "%s" is a directory: give a file`),
      changed: [],
    });
    await expectExport(d, folder, extra, {
      code: ExitCode.runtime,
      stderr: one(folder, `Output "%s" is a directory: give a file`),
      changed: [],
    }, folder);
  }
});

Deno.test("export -o into a read-only folder: one line naming the path, nothing left behind", async () => {
  using dir = tempDir();
  const d = await drive(dir.path);
  const folder = `${d.dir}/ro`;
  Deno.mkdirSync(folder);
  Deno.writeTextFileSync(`${folder}/old.csv`, "old\n");
  // Root writes into a 0555 folder regardless: a read-only mount is what stops it.
  if (ROOT) {
    const why = mountTmpfs(folder, "size=64k");
    if (why !== null) return console.log(`skipped: cannot mount a tmpfs here (${why})`);
    Deno.writeTextFileSync(`${folder}/old.csv`, "old\n");
    run("mount", "-o", "remount,ro", folder);
  } else {
    Deno.chmodSync(folder, 0o555);
  }
  const reason = ROOT ? "Read-only file system (os error 30)" : "Permission denied (os error 13)";
  try {
    await expectExport(d, `${folder}/new.csv`, [], {
      code: ExitCode.runtime,
      stderr: one(`${folder}/new.csv`, `Cannot write "%s": ${reason}`),
      changed: [],
    }, folder);
    await expectExport(d, `${folder}/old.csv`, ["--force"], {
      code: ExitCode.runtime,
      stderr: one(`${folder}/old.csv`, `Cannot write "%s": ${reason}`),
      changed: [],
    }, folder);
  } finally {
    if (ROOT) run("umount", folder);
    else Deno.chmodSync(folder, 0o755);
  }
});

Deno.test("export -o a read-only file: refused; --force replaces it and it stays read-only", async () => {
  using dir = tempDir();
  const d = await drive(dir.path);
  const out = `${d.dir}/kept.csv`;
  Deno.writeTextFileSync(out, "keep me\n");
  Deno.chmodSync(out, 0o444);
  await expectExport(d, out, [], {
    code: ExitCode.runtime,
    stderr: one(out, `Output file "%s" exists: use --force to replace it`),
    changed: [],
  });
  await expectExport(d, out, ["--force"], {
    code: ExitCode.ok,
    stderr: summary(50, out),
    changed: ["kept.csv"],
  });
  assert.equal(Deno.readTextFileSync(out), d.csv);
  assert.equal(Deno.statSync(out).mode! & 0o7777, 0o444);
});

Deno.test({
  name:
    "export -o a file owned by nobody (0644), as root: refused; --force replaces it, still nobody's and 0644",
  ignore: !ROOT,
  fn: async () => {
    using dir = tempDir();
    const d = await drive(dir.path);
    const out = `${d.dir}/service.csv`;
    Deno.writeTextFileSync(out, "the service's export\n");
    Deno.chownSync(out, NOBODY, NOBODY);
    Deno.chmodSync(out, 0o644);
    await expectExport(d, out, [], {
      code: ExitCode.runtime,
      stderr: one(out, `Output file "%s" exists: use --force to replace it`),
      changed: [],
    });
    await expectExport(d, out, ["--force"], {
      code: ExitCode.ok,
      stderr: summary(50, out),
      changed: ["service.csv"],
    });
    const i = Deno.statSync(out);
    assert.deepEqual([i.uid, i.gid, i.mode! & 0o7777], [NOBODY, NOBODY, 0o644]);
    assert.equal(Deno.readTextFileSync(out), d.csv);
  },
});

Deno.test({
  name: "export -o on a full tmpfs: one line naming the path, no partial file, the old file intact",
  ignore: !ROOT && !Deno.env.get("CI"),
  fn: async () => {
    using dir = tempDir();
    const d = await drive(dir.path, 300); // 43 KB of CSV: fits the 64 KB tmpfs once emptied
    const mnt = `${d.dir}/full`;
    Deno.mkdirSync(mnt);
    const why = mountTmpfs(mnt, "size=64k");
    if (why !== null) return console.log(`skipped: cannot mount a tmpfs here (${why})`);
    try {
      Deno.writeTextFileSync(`${mnt}/old.csv`, "old\n");
      const filler = new Deno.Command("dd", {
        args: ["if=/dev/zero", `of=${mnt}/filler`, "bs=4k"],
        stderr: "null",
      })
        .outputSync();
      assert.equal(filler.success, false); // stopped by ENOSPC: the tmpfs is full
      const reason = "No space left on device (os error 28)";
      await expectExport(d, `${mnt}/new.csv`, [], {
        code: ExitCode.runtime,
        stderr: one(`${mnt}/new.csv`, `Cannot write "%s": ${reason}`),
        changed: [],
      }, mnt);
      await expectExport(d, `${mnt}/old.csv`, ["--force"], {
        code: ExitCode.runtime,
        stderr: one(`${mnt}/old.csv`, `Cannot write "%s": ${reason}`),
        changed: [],
      }, mnt);
      // Room again: the same export goes through.
      Deno.removeSync(`${mnt}/filler`);
      await expectExport(d, `${mnt}/old.csv`, ["--force"], {
        code: ExitCode.ok,
        stderr: summary(300, `${mnt}/old.csv`),
        changed: ["old.csv"],
      }, mnt);
    } finally {
      run("umount", mnt);
    }
  },
});

Deno.test({
  name:
    "export -o a block device made with mknod: refused without --force (a disk is not an export)",
  ignore: !ROOT,
  fn: async () => {
    using dir = tempDir();
    const d = await drive(dir.path);
    const disk = `${d.dir}/disk`;
    run("mknod", disk, "b", "7", "250"); // a loop device number; never opened here
    await expectExport(d, disk, [], {
      code: ExitCode.runtime,
      stderr: one(disk, `Output "%s" is a block device (a disk): use --force to write over it`),
      changed: [],
    });
    assert.ok(Deno.lstatSync(disk).isBlockDevice);
  },
});
