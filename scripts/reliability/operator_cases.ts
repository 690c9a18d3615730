/**
 * The operator scenario's table: kinds of target an operator can give (made inside a trial
 * folder) and the cases, each { command, target, expected }. Add a row for a new command here.
 */
import { makeNode } from "../../tests/helpers/files.ts";
import { NOBODY } from "../../tests/helpers/as_user.ts";

/** The folder of one trial: the live database, an earlier backup of it, and room for targets. */
export interface Trial {
  dir: string;
  db: string;
  backup: string;
}

/** A kind of path an operator can give, made inside the trial folder. */
export interface TargetKind {
  name: string;
  /** Makes the target; returns the path to give the command (or null when it cannot be made). */
  make(trial: Trial): string | null;
  /** Run the command as `nobody` (root writes through read-only modes). */
  asNobody?: boolean;
  /** Root only (mknod, chown, mount). */
  needsRoot?: boolean;
}

/** What a case must show. */
export interface Expected {
  code: number;
  /** The one line on stderr (null: nothing on stderr). */
  message: RegExp | null;
  /** Names in the trial folder the command may replace or change (its documented job). */
  mayChange?: RegExp;
  /**
   * The database's rows: equal before and after (the default); "added", none lost (collect);
   * "deleted", the command's job is to delete some (a permitted down migration: `check` looks
   * for them in the kept backup).
   */
  rows?: "equal" | "added" | "deleted";
  /** A further check of what the command left; returns a failure or null. */
  check?(trial: Trial, target: string): string | null;
}

/** One row of the table: a command given a kind of target. */
export interface OperatorCase {
  command: string;
  /** The arguments after `piwardrive`, given the trial and the target path. */
  args(trial: Trial, target: string): string[];
  target: TargetKind;
  expected: Expected;
}

export const run = (args: string[]) =>
  new Deno.Command(args[0], { args: args.slice(1), stderr: "piped" }).outputSync();

/** Targets, by what the Proof section lists. */
export const TARGETS: Record<string, TargetKind> = {
  live: { name: "the live database", make: (t) => t.db },
  file: {
    name: "an existing regular file",
    make: (t) => (Deno.writeTextFileSync(`${t.dir}/notes.txt`, "keep\n"), `${t.dir}/notes.txt`),
  },
  backup: { name: "an earlier backup", make: (t) => t.backup },
  symlink: {
    name: "a symlink to a file",
    make: (t) => {
      Deno.writeTextFileSync(`${t.dir}/notes.txt`, "keep\n");
      Deno.symlinkSync(`${t.dir}/notes.txt`, `${t.dir}/link`);
      return `${t.dir}/link`;
    },
  },
  dangling: {
    name: "a dangling symlink",
    make: (t) => (Deno.symlinkSync(`${t.dir}/nowhere`, `${t.dir}/dangling`), `${t.dir}/dangling`),
  },
  fifo: {
    name: "a FIFO",
    make: (t) => (makeNode(["mkfifo", `${t.dir}/fifo`]), `${t.dir}/fifo`),
  },
  chardev: {
    name: "a character device (mknod)",
    needsRoot: true,
    make: (t) => (makeNode(["mknod", `${t.dir}/null`, "c", "1", "3"]), `${t.dir}/null`),
  },
  folder: { name: "a folder", make: (t) => (Deno.mkdirSync(`${t.dir}/folder`), `${t.dir}/folder`) },
  missing: { name: "a mistyped path", make: (t) => `${t.dir}/sub/pwiardrive.db` },
  linkedDb: {
    name: "a symlink to the database",
    make: (t) => (Deno.symlinkSync(t.db, `${t.dir}/alias.db`), `${t.dir}/alias.db`),
  },
  roFolder: {
    name: "a database in a read-only folder",
    asNobody: true,
    needsRoot: true,
    make: (t) => (handTo(t, 0o644), Deno.chmodSync(t.dir, 0o555), t.db),
  },
  roFile: {
    name: "a read-only database file",
    asNobody: true,
    needsRoot: true,
    make: (t) => (handTo(t, 0o444), t.db),
  },
  otherOwner: {
    name: "a database owned by another user, 0644",
    needsRoot: true,
    make: (t) => (Deno.chownSync(t.db, NOBODY.uid, NOBODY.gid), Deno.chmodSync(t.db, 0o644), t.db),
  },
  fullDisk: {
    name: "a path on a full tmpfs",
    needsRoot: true,
    make: (t) => fullTmpfs(t),
  },
};

/** Gives the trial folder and the database to nobody, the database with `mode`. */
function handTo(t: Trial, mode: number): void {
  for (const p of [t.dir, t.db, t.backup]) Deno.chownSync(p, NOBODY.uid, NOBODY.gid);
  Deno.chmodSync(t.db, mode);
}

/** Mounts made by the current trial; the runner unmounts them. */
export const mounts: string[] = [];

function fullTmpfs(t: Trial): string | null {
  const mount = `${t.dir}/full`;
  Deno.mkdirSync(mount);
  if (!run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mount]).success) return null;
  mounts.push(mount);
  const filler = new Uint8Array(4096);
  try {
    using f = Deno.openSync(`${mount}/filler`, { createNew: true, write: true });
    for (;;) f.writeSync(filler);
  } catch { /* full */ }
  return `${mount}/x.db`;
}

export const line = (text: string) => new RegExp(`^piwardrive: ${text}\n$`);
const refusedBackup = (kind: string) =>
  line(
    `Cannot back up to ".*": ${kind} already exists there; give a new file name \\(nothing was changed\\)`,
  );
const writeRefused = (why: string) => line(`Cannot write database ".*": ${why}`);
const notADatabase = line(`Cannot open database ".*": file is not a SQLite database`);

function stillSymlink(_t: Trial, target: string): string | null {
  return Deno.lstatSync(target).isSymlink ? null : `${target} is no longer a symlink`;
}

function ownedByNobody(t: Trial): string | null {
  const info = Deno.statSync(t.db);
  return info.uid === NOBODY.uid && info.gid === NOBODY.gid && (info.mode! & 0o777) === 0o644
    ? null
    : `owner ${info.uid}:${info.gid} mode ${(info.mode! & 0o777).toString(8)}, was nobody 0644`;
}

/** What a command whose job is to rewrite the live database may change: the file and its lock. */
const LIVE_DB = /^live\.db(\.lock)?$/;

/**
 * The command did its job through a symlink to the database (the link is still one) or on a
 * database another user owns (the owner and mode are still theirs).
 */
const keptIdentity = (k: "linkedDb" | "otherOwner"): Expected => ({
  code: 0,
  message: null,
  mayChange: LIVE_DB,
  check: k === "linkedDb" ? stillSymlink : ownedByNobody,
});

const backup = (t: TargetKind, message: RegExp): OperatorCase => ({
  command: "db backup",
  args: (trial, target) => ["--db", trial.db, "db", "backup", target],
  target: t,
  expected: { code: 1, message },
});

/** The table. */
export const CASES: OperatorCase[] = [
  backup(
    TARGETS.live,
    line(`Cannot back up to ".*": it is the database itself; give a new file name`),
  ),
  backup(
    TARGETS.linkedDb,
    line(`Cannot back up to ".*": it is the database itself; give a new file name`),
  ),
  backup(TARGETS.file, refusedBackup("a file")),
  backup(TARGETS.backup, refusedBackup("a file")),
  backup(TARGETS.symlink, refusedBackup("a symlink")),
  backup(TARGETS.dangling, refusedBackup("a symlink")),
  backup(TARGETS.fifo, refusedBackup("a FIFO")),
  backup(TARGETS.chardev, refusedBackup("a character device")),
  backup(TARGETS.folder, refusedBackup("a folder")),
  backup(
    TARGETS.missing,
    line(`Cannot back up to ".*": the folder ".*/sub" does not exist; create it first`),
  ),
  backup(
    TARGETS.fullDisk,
    line(
      `Not enough free disk space for the backup in ".*": .*; free some space or back up to another disk`,
    ),
  ),
  ...(["file", "backup", "symlink", "dangling", "fifo", "folder", "missing"] as const).map((k) => ({
    command: "db restore",
    args: (trial: Trial, target: string) => ["--db", trial.db, "db", "restore", target],
    target: TARGETS[k],
    expected: {
      code: k === "backup" ? 0 : k === "file" || k === "symlink" ? 3 : 1,
      message: k === "backup"
        ? null
        : k === "file" || k === "symlink"
        ? line(`Backup ".*" is not a sound database: file is not a database`)
        : k === "folder"
        ? line(`Cannot restore from ".*": it is a folder; give the path of a backup file`)
        : k === "fifo"
        ? line(`Cannot restore from ".*": it is a FIFO; give the path of a backup file`)
        : line(`Cannot restore from ".*": the file does not exist; give the path of a backup file`),
      // Restoring is its job: the database is replaced and the old one kept beside it.
      mayChange: k === "backup" ? LIVE_DB : undefined,
    },
  })),
  {
    command: "db restore",
    args: (trial) => ["--db", trial.db, "db", "restore", trial.db],
    target: TARGETS.live,
    expected: {
      code: 1,
      message: line(`Cannot restore from ".*": it is the database itself; give a backup file`),
    },
  },
  ...(["linkedDb", "otherOwner"] as const).flatMap((k) => [
    {
      command: "db vacuum",
      args: (_: Trial, target: string) => ["--db", target, "db", "vacuum"],
      target: TARGETS[k],
      expected: keptIdentity(k),
    },
    {
      command: "db restore",
      args: (t: Trial, target: string) => ["--db", target, "db", "restore", t.backup],
      target: TARGETS[k],
      expected: keptIdentity(k),
    },
  ]),
  ...(["db vacuum", "db restore", "config set"] as const).flatMap((command) =>
    (["roFolder", "roFile"] as const).map((k) => ({
      command,
      args: (t: Trial) => [
        "--db",
        t.db,
        ...(command === "config set" ? ["config", "set", "k", "v"] : command.split(" ")),
        ...(command === "db restore" ? [t.backup] : []),
      ],
      target: TARGETS[k],
      expected: {
        code: 1,
        message: writeRefused(
          k === "roFolder"
            ? `the folder ".*" is read-only \\(Permission denied \\(os error 13\\); mode 0555, owner uid 65534, this process uid 65534\\); use a writable folder`
            : `the file is read-only \\(Permission denied \\(os error 13\\); mode 0444, owner uid 65534, this process uid 65534\\); make it writable first`,
        ),
      },
    }))
  ),
  ...(["missing", "file", "folder", "fifo"] as const).map((k) => ({
    command: "config set",
    args: (_: Trial, target: string) => ["--db", target, "config", "set", "k", "v"],
    target: TARGETS[k],
    expected: {
      code: 1,
      message: k === "missing"
        ? line(`Cannot open database ".*": no such file; run \`piwardrive migrate\` to create it`)
        : k === "file"
        ? notADatabase
        : k === "folder"
        ? line(`Cannot open database ".*": it is a directory; give a file path with --db`)
        : line(
          `Cannot open database ".*": it is a FIFO, not a database file; give a file path with --db`,
        ),
    },
  })),
  {
    command: "config set",
    args: (_, target) => ["--db", target, "config", "set", "k", "v"],
    target: TARGETS.otherOwner,
    expected: keptIdentity("otherOwner"),
  },
];
