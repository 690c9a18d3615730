/**
 * The operator table's rows for the commands that run on the database rather than copy it:
 * `report -o`, `db salvage`, `import`, `export -o`, `upload --dry-run -o`, `migrate` (up, and down
 * with and without `--allow-data-loss`) and `collect`.
 */
import { DatabaseSync } from "node:sqlite";
import { NOBODY } from "../../tests/helpers/as_user.ts";
import { line, type OperatorCase, type TargetKind, TARGETS, type Trial } from "./operator_cases.ts";

/** A database holding a drive: sightings and track points that a down migration would drop. */
const withDrive: TargetKind = {
  name: "a database holding sightings and a track",
  make: (t) => {
    const db = new DatabaseSync(t.db);
    try {
      db.exec(`INSERT INTO wifi_sightings (network_id, seen_at, signal_dbm, gps_lat, gps_lon)
        SELECT id, first_seen, -60, 52.1, 0.1 FROM wifi_networks LIMIT 5;
        INSERT INTO gps_track (system_time, mode, lat, lon) VALUES
        ('2026-01-01T00:00:00Z', 3, 52.1, 0.1), ('2026-01-01T00:00:05Z', 3, 52.2, 0.1);
        PRAGMA wal_checkpoint(TRUNCATE)`);
    } finally {
      db.close();
    }
    return t.db;
  },
};

/**
 * A command that writes through the one output writer (`-o PATH`): writing a new file, or through a
 * device, is its job; replacing one is refused.
 */
const writeTo =
  (command: string, argv: string[]) =>
  (target: TargetKind, code: number, message: RegExp | null, extra: string[] = []) =>
    ({
      command,
      args: (t: Trial, path: string) => ["--db", t.db, ...argv, "-o", path, ...extra],
      target,
      expected: { code, message, mayChange: /^(out\.csv|null)$/ },
    }) satisfies OperatorCase;

const exportTo = writeTo("export -o", ["export", "--format", "csv"]);
/** `upload --dry-run -o`: the CSV it would send. */
const uploadTo = writeTo("upload --dry-run -o", ["upload", "--dry-run"]);
const reportTo = writeTo("report -o", ["report", "--quiet"]);

const exists = (what = "exists") => line(`Output file ".*" ${what}: use --force to replace it`);
const exported =
  /^exported \d+ rows as csv to ".*"; \d+ skipped without position, \d+ inside exclusion zones\n$/;

const fresh: TargetKind = { name: "a new file", make: (t) => `${t.dir}/out.csv` };

function keptBackupHoldsTheDrive(t: Trial): string | null {
  const kept = [...Deno.readDirSync(t.dir)].find((e) => /^live\.db\.bak-.*-keep$/.test(e.name));
  if (!kept) return "no kept backup beside the database";
  const db = new DatabaseSync(`${t.dir}/${kept.name}`, { readOnly: true });
  try {
    const { n } = db.prepare("SELECT count(*) AS n FROM gps_track").get() as { n: number };
    return n === 2 ? null : `the kept backup holds ${n} track points, not 2`;
  } finally {
    db.close();
  }
}

function stillSymlink(_t: Trial, target: string): string | null {
  return Deno.lstatSync(target).isSymlink ? null : `${target} is no longer a symlink`;
}

const salvageTo = (target: TargetKind) =>
  ({
    command: "db salvage",
    args: (t: Trial, path: string) => ["--db", t.db, "db", "salvage", path],
    target,
    expected: {
      code: 1,
      message: line(`Cannot salvage into ".*": the file already exists; give a new path`),
    },
  }) satisfies OperatorCase;

/** The rows. */
export const RUN_CASES: OperatorCase[] = [
  reportTo(fresh, 0, null),
  reportTo(TARGETS.live, 2, line(`Output ".*" is the database itself: give another file`), [
    "--force",
  ]),
  reportTo(TARGETS.file, 1, exists()),
  reportTo(TARGETS.backup, 1, exists()),
  reportTo(TARGETS.folder, 1, line(`Output ".*" is a directory: give a file`)),
  ...(["live", "file", "backup", "symlink", "folder"] as const).map((k) => salvageTo(TARGETS[k])),
  {
    command: "import",
    args: (t) => ["--db", t.db, "import", t.db],
    target: TARGETS.live,
    expected: {
      code: 2,
      message: line(
        `Cannot import ".*" into itself: it is the database given by --db; give another --db`,
      ),
    },
  },
  exportTo(fresh, 0, exported),
  exportTo(
    TARGETS.live,
    2,
    line(`Output ".*" is the database itself: give another file`),
    ["--force"],
  ),
  exportTo(TARGETS.file, 1, exists()),
  exportTo(TARGETS.backup, 1, exists()),
  exportTo(TARGETS.symlink, 1, exists(`links to ".*", which exists`)),
  exportTo(TARGETS.chardev, 0, exported),
  exportTo(TARGETS.folder, 1, line(`Output ".*" is a directory: give a file`)),
  exportTo(TARGETS.missing, 1, line(`Cannot write ".*": .*`)),
  exportTo(TARGETS.fullDisk, 1, line(`Cannot write ".*": .*`)),
  uploadTo(fresh, 0, null),
  uploadTo(TARGETS.live, 2, line(`Output ".*" is the database itself: give another file`), [
    "--force",
  ]),
  uploadTo(TARGETS.file, 1, exists()),
  uploadTo(TARGETS.backup, 1, exists()),
  uploadTo(TARGETS.symlink, 1, exists(`links to ".*", which exists`)),
  uploadTo(TARGETS.chardev, 0, null),
  uploadTo(TARGETS.folder, 1, line(`Output ".*" is a directory: give a file`)),
  {
    command: "migrate --to 6",
    args: (t) => ["--db", t.db, "migrate", "--to", "6"],
    target: withDrive,
    expected: {
      code: 2,
      message: line(
        `Migrating ".*" down to version 6 would delete \\d+ rows.*nothing was changed: rerun with --allow-data-loss .*`,
      ),
    },
  },
  {
    command: "migrate --to 6 --allow-data-loss",
    args: (t) => ["--db", t.db, "migrate", "--to", "6", "--allow-data-loss"],
    target: withDrive,
    expected: {
      code: 0,
      message: /^backup kept \(this run deleted rows; never pruned automatically\): .*-keep\n$/,
      // Deleting what it named is its job (the rows are checked in the kept backup instead).
      mayChange: /^live\.db(\.lock|\.bak-.*)?$/,
      rows: "deleted" as const,
      check: keptBackupHoldsTheDrive,
    },
  },
  ...(["linkedDb", "otherOwner"] as const).map((k) => ({
    command: "migrate --to 6 --allow-data-loss",
    args: (_: Trial, target: string) => [
      "--db",
      target,
      "migrate",
      "--to",
      "6",
      "--allow-data-loss",
    ],
    target: TARGETS[k],
    expected: {
      code: 0,
      // The baseline rows hold nothing below version 7: the run deletes none, keeps no backup.
      message: /^backup written and checked: .*\.bak-[^/]*\n$/,
      mayChange: /^(live|alias)\.db(\.lock|\.bak-.*)?$/,
      rows: "deleted" as const,
      check: k === "linkedDb" ? stillSymlink : ownerKept,
    },
  })),
  ...(["folder", "file", "fifo"] as const).flatMap((k) =>
    (["migrate", "collect"] as const).map((command) => ({
      command,
      args: (_: Trial, target: string) => [
        "--db",
        target,
        ...(command === "collect" ? ["collect", "--demo", "--once", "--quiet"] : ["migrate"]),
      ],
      target: TARGETS[k],
      expected: {
        code: 1,
        message: k === "folder"
          ? line(`Cannot open database ".*": it is a directory; give a file path with --db`)
          : k === "file"
          ? line(`Cannot open database ".*": file is not a SQLite database`)
          : line(
            `Cannot open database ".*": it is a FIFO, not a database file; give a file path with --db`,
          ),
      },
    }))
  ),
  ...(["roFolder", "roFile"] as const).flatMap((k) =>
    (["migrate --to 6", "collect"] as const).map((command) => ({
      command,
      args: (t: Trial) => [
        "--db",
        t.db,
        ...(command === "collect" ? ["collect", "--demo", "--once"] : ["migrate", "--to", "6"]),
      ],
      target: TARGETS[k],
      expected: {
        code: 1,
        message: line(`Cannot write database ".*": the (folder ".*"|file) is read-only .*`),
      },
    }))
  ),
  ...(["linkedDb", "otherOwner"] as const).map((k) => ({
    command: "collect",
    args: (_: Trial, target: string) => ["--db", target, "collect", "--demo", "--once"],
    target: TARGETS[k],
    expected: {
      code: 0,
      message: /^collect stopped after 1 tick\(s\); database ".*"\n$/,
      mayChange: /^live\.db(\.lock|\.collect\.lock|-wal|-shm)?$/,
      rows: "added" as const, // collecting adds rows: that none is lost is still checked
      check: k === "linkedDb" ? stillSymlink : ownerKept,
    },
  })),
];

function ownerKept(t: Trial): string | null {
  const info = Deno.statSync(t.db);
  return info.uid === NOBODY.uid && (info.mode! & 0o777) === 0o644
    ? null
    : `owner ${info.uid} mode ${(info.mode! & 0o777).toString(8)}, was nobody 0644`;
}
