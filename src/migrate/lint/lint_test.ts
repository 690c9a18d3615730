import assert from "node:assert/strict";
import { embeddedMigrationFiles } from "../embedded.ts";
import { migrationChecksum } from "../checksum.ts";
import { type LintBaseline, lintMigrations, type LintReport } from "./mod.ts";
import shippedBaseline from "../../../migrations/lint-baseline.json" with { type: "json" };

const NEXT = embeddedMigrationFiles.length + 1;
const NEW = `${String(NEXT).padStart(4, "0")}_change.sql`;
const file = (up: string, down: string, verify = "SELECT 1;") =>
  `-- migrate:up\n${up}\n\n-- migrate:down\n${down}\n\n-- migrate:verify\n${verify}\n`;

/** Lints a new version on top of the shipped migrations. */
function lintNew(text: string, baseline?: LintBaseline, name = NEW): LintReport {
  return lintMigrations([...embeddedMigrationFiles, { name, text }], { baseline, only: [name] });
}
const codes = (report: LintReport) => [...new Set(report.findings.map((f) => f.code))].sort();
const codesOf = (up: string, down: string, verify?: string) =>
  codes(lintNew(file(up, down, verify)));

const GPS_TRACK_ROUND_TRIP = "ALTER TABLE gps_track ADD COLUMN fix_source TEXT;";
const GPS_TRACK_BACK = "ALTER TABLE gps_track DROP COLUMN fix_source;";

Deno.test("a plain additive migration is clean", () => {
  assert.deepEqual(codesOf(GPS_TRACK_ROUND_TRIP, GPS_TRACK_BACK), []);
});

Deno.test("drop-table: a table earlier migrations created, not one the same up part made", () => {
  const report = lintNew(file("DROP TABLE gps_track;", "SELECT 1;"));
  assert.deepEqual(codes(report).filter((c) => c === "drop-table"), ["drop-table"]);
  const f = report.findings.find((x) => x.code === "drop-table")!;
  assert.deepEqual([f.file, f.line, f.severity], [NEW, 2, "error"]);
  assert.equal(f.message, "The up part drops table gps_track, which earlier migrations created");
  assert.deepEqual(
    codesOf("CREATE TABLE scratch (x);\nDROP TABLE scratch;", "SELECT 1;"),
    [],
  );
});

Deno.test("drop-column: ALTER … DROP COLUMN and a rebuild that leaves a column out", () => {
  assert.ok(
    codesOf("ALTER TABLE wifi_networks DROP COLUMN ssid;", "SELECT 1;").includes("drop-column"),
  );
  // A virtual generated column holds no data.
  assert.ok(
    !codesOf("ALTER TABLE wifi_networks DROP COLUMN randomized;", "SELECT 1;").includes(
      "drop-column",
    ),
  );
  const rebuild = "-- migrate:rebuild configuration\nCREATE TABLE configuration (\n" +
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT UNIQUE NOT NULL, value TEXT NOT NULL,\n" +
    "  type TEXT DEFAULT 'string', updated_at TEXT DEFAULT CURRENT_TIMESTAMP);";
  const report = lintNew(file(rebuild, "SELECT 1;"));
  assert.ok(report.findings.some((f) =>
    f.code === "drop-column" &&
    f.message === "The rebuild of configuration leaves out column description, and its data"
  ));
});

Deno.test("unique-index-existing: on an existing column, not on a table the up part creates", () => {
  assert.deepEqual(
    codesOf(
      "CREATE UNIQUE INDEX IF NOT EXISTS idx_gps_time ON gps_track(system_time);",
      "DROP INDEX idx_gps_time;",
    ),
    ["unique-index-existing"],
  );
  assert.deepEqual(
    codesOf(
      "CREATE TABLE tags (name TEXT);\nCREATE UNIQUE INDEX idx_tags ON tags(name);",
      "DROP TABLE tags;",
    ),
    [],
  );
});

Deno.test("not-null-no-default: ALTER ADD without a default, and a rebuild adding one", () => {
  assert.deepEqual(
    codesOf(
      "ALTER TABLE gps_track ADD COLUMN source TEXT NOT NULL;",
      "ALTER TABLE gps_track DROP COLUMN source;",
    ),
    ["not-null-no-default"],
  );
  assert.deepEqual(
    codesOf(
      "ALTER TABLE gps_track ADD COLUMN source TEXT NOT NULL DEFAULT 'gpsd';",
      "ALTER TABLE gps_track DROP COLUMN source;",
    ),
    [],
  );
});

const CONFIGURATION = (description: string, extra = "") =>
  "-- migrate:rebuild configuration\nCREATE TABLE configuration (\n" +
  "  id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT UNIQUE NOT NULL, value TEXT NOT NULL,\n" +
  `  type TEXT DEFAULT 'string', description ${description},\n` +
  `  updated_at TEXT DEFAULT CURRENT_TIMESTAMP${extra});`;

Deno.test("made-not-null: a rebuild that makes a nullable column NOT NULL", () => {
  assert.deepEqual(codesOf(CONFIGURATION("TEXT NOT NULL"), CONFIGURATION("TEXT")), [
    "made-not-null",
  ]);
  assert.deepEqual(codesOf(CONFIGURATION("TEXT"), CONFIGURATION("TEXT")), []);
});

Deno.test("check-added: ADD COLUMN with a CHECK, and a rebuild with a new CHECK", () => {
  assert.deepEqual(
    codesOf(
      "ALTER TABLE gps_track ADD COLUMN sats INTEGER CHECK (sats >= 0);",
      "ALTER TABLE gps_track DROP COLUMN sats;",
    ),
    ["check-added"],
  );
  assert.deepEqual(
    codesOf(CONFIGURATION("TEXT", ", CHECK (length(key) > 0)"), CONFIGURATION("TEXT")),
    ["check-added"],
  );
  // The same CHECKs as before (version 8's own) are no finding.
  assert.deepEqual(codesOf(CONFIGURATION("TEXT"), CONFIGURATION("TEXT")), []);
});

Deno.test("alter-unsupported: ALTER forms SQLite has not got, and ADD COLUMN ones it refuses on rows", () => {
  for (
    const up of [
      "ALTER TABLE wifi_networks ALTER COLUMN ssid SET NOT NULL;",
      "ALTER TABLE wifi_networks ADD CONSTRAINT c UNIQUE (bssid);",
      "ALTER TABLE gps_track ADD COLUMN noted TEXT DEFAULT CURRENT_TIMESTAMP;",
    ]
  ) {
    assert.ok(codesOf(up, "SELECT 1;").includes("alter-unsupported"), up);
  }
  assert.deepEqual(
    codesOf(
      "ALTER TABLE gps_track RENAME COLUMN speed_mps TO speed_m_s;",
      "ALTER TABLE gps_track RENAME COLUMN speed_m_s TO speed_mps;",
    ),
    [],
  );
});

Deno.test("stored-generated-alter: STORED by ALTER, not VIRTUAL", () => {
  const add = (kind: string) =>
    codesOf(
      `ALTER TABLE gps_track ADD COLUMN fixed INTEGER GENERATED ALWAYS AS (mode >= 2) ${kind};`,
      "ALTER TABLE gps_track DROP COLUMN fixed;",
    );
  assert.ok(add("STORED").includes("stored-generated-alter"));
  assert.deepEqual(add("VIRTUAL"), []);
});

Deno.test("rename-old-table: renaming the old table and creating it anew", () => {
  const up = "ALTER TABLE configuration RENAME TO configuration_old;\n" +
    CONFIGURATION("TEXT").replace(/^-- migrate:rebuild.*\n/, "") +
    "\nINSERT INTO configuration SELECT * FROM configuration_old;\nDROP TABLE configuration_old;";
  assert.ok(codesOf(up, "SELECT 1;").includes("rename-old-table"));
  assert.deepEqual(
    codesOf(
      "CREATE TABLE notes (x);\nALTER TABLE notes RENAME TO remarks;",
      "DROP TABLE remarks;",
    ),
    [],
  );
});

Deno.test("not-in-transaction: PRAGMA foreign_keys, journal_mode and VACUUM", () => {
  // VACUUM also fails the replay ("cannot VACUUM from within a transaction").
  assert.deepEqual(codesOf(`VACUUM;\n${GPS_TRACK_ROUND_TRIP}`, GPS_TRACK_BACK), [
    "not-in-transaction",
    "up-fails",
  ]);
  for (const up of ["PRAGMA foreign_keys = OFF;", "PRAGMA journal_mode = DELETE;"]) {
    assert.deepEqual(codesOf(`${up}\n${GPS_TRACK_ROUND_TRIP}`, GPS_TRACK_BACK), [
      "not-in-transaction",
    ], up);
  }
  assert.deepEqual(codesOf(`PRAGMA user_version;\n${GPS_TRACK_ROUND_TRIP}`, GPS_TRACK_BACK), []);
});

Deno.test("index-not-idempotent: a bare CREATE INDEX in an up part that could run again", () => {
  assert.deepEqual(
    codesOf("CREATE INDEX idx_gps_mode ON gps_track(mode);", "DROP INDEX idx_gps_mode;"),
    ["index-not-idempotent"],
  );
  assert.deepEqual(
    codesOf(
      "CREATE INDEX IF NOT EXISTS idx_gps_mode ON gps_track(mode);",
      "DROP INDEX idx_gps_mode;",
    ),
    [],
  );
  // An up part with an ALTER cannot run twice anyway.
  assert.deepEqual(
    codesOf(
      `${GPS_TRACK_ROUND_TRIP}\nCREATE INDEX idx_fix ON gps_track(fix_source);`,
      `DROP INDEX idx_fix;\n${GPS_TRACK_BACK}`,
    ),
    [],
  );
});

Deno.test("up-missing, down-missing, verify-missing and parse-error", () => {
  assert.deepEqual(codes(lintNew(`-- migrate:up\n${GPS_TRACK_ROUND_TRIP}\n`)), [
    "down-missing",
    "verify-missing",
  ]);
  const empty = codes(
    lintNew(
      `-- migrate:up\n${GPS_TRACK_ROUND_TRIP}\n-- migrate:down\n-- migrate:verify\nSELECT 1;\n`,
    ),
  );
  assert.deepEqual(empty, ["down-missing"]);
  assert.deepEqual(
    codes(
      lintNew(
        file(GPS_TRACK_ROUND_TRIP, GPS_TRACK_BACK),
        undefined,
        `${String(NEXT).padStart(4, "0")}_Bad-Name.sql`,
      ),
    ),
    ["parse-error"],
  );
});

Deno.test("verify-scans: a verify query that reads a table's rows", () => {
  const report = lintNew(
    file(
      GPS_TRACK_ROUND_TRIP,
      GPS_TRACK_BACK,
      "SELECT count(*) >= 0 FROM gps_track WHERE fix_source IS NULL;",
    ),
  );
  assert.deepEqual(report.findings.map((f) => [f.code, f.severity, f.line]), [[
    "verify-scans",
    "warning",
    8,
  ]]);
  assert.deepEqual(
    codesOf(
      GPS_TRACK_ROUND_TRIP,
      GPS_TRACK_BACK,
      "SELECT count(*) = 1 FROM pragma_table_info('gps_track') WHERE name = 'fix_source';",
    ),
    [],
  );
});

Deno.test("down-not-inverse: replaying up then down must give the previous schema back", () => {
  const report = lintNew(
    file(
      `${GPS_TRACK_ROUND_TRIP}\nCREATE INDEX idx_fix ON gps_track(fix_source);`,
      "DROP INDEX idx_fix;",
    ),
  );
  const f = report.findings.find((x) => x.code === "down-not-inverse")!;
  assert.equal(f.line, 5);
  assert.match(
    f.message,
    new RegExp(`^The down part does not restore the schema of version ${NEXT - 1}: .*fix_source`),
  );
});

Deno.test("up-fails and down-fails: the runner's own replay", () => {
  const up = codes(lintNew(file("ALTER TABLE no_such ADD COLUMN x TEXT;", "SELECT 1;")));
  assert.deepEqual(up, ["up-fails"]);
  const down = lintNew(file(GPS_TRACK_ROUND_TRIP, "DROP TABLE no_such;"));
  assert.deepEqual(down.findings.map((f) => [f.code, f.line]), [["down-fails", 5]]);
  // A verify query that does not hold is an up part that fails.
  assert.deepEqual(codesOf(GPS_TRACK_ROUND_TRIP, GPS_TRACK_BACK, "SELECT 0;"), ["up-fails"]);
});

Deno.test("lint:ignore accepts a finding with its reason; no reason, unknown code or unused are findings", () => {
  const drop = "DROP TABLE gps_track;";
  const accepted = lintNew(
    file(`-- lint:ignore drop-table the track moved to gps_fixes (0011)\n${drop}`, "SELECT 1;"),
  );
  assert.ok(!codes(accepted).includes("drop-table"));
  assert.deepEqual(
    accepted.accepted.filter((a) => a.code === "drop-table").map((a) => [a.acceptedBy, a.reason]),
    [["ignore", "the track moved to gps_fixes (0011)"]],
  );
  const noReason = lintNew(file(`-- lint:ignore drop-table\n${drop}`, "SELECT 1;"));
  assert.ok(codes(noReason).includes("drop-table") && codes(noReason).includes("ignore-invalid"));
  assert.ok(
    codes(
      lintNew(
        file(`-- lint:ignore no-such-check because\n${GPS_TRACK_ROUND_TRIP}`, GPS_TRACK_BACK),
      ),
    ).includes("ignore-invalid"),
  );
  assert.deepEqual(
    codes(
      lintNew(
        file(`-- lint:ignore drop-table not needed\n${GPS_TRACK_ROUND_TRIP}`, GPS_TRACK_BACK),
      ),
    ),
    ["ignore-unused"],
  );
});

Deno.test("released-edited: a released file's text changed; nothing accepts it", () => {
  const original = embeddedMigrationFiles[7];
  const baseline: LintBaseline = {
    released: { [original.name]: migrationChecksum(original.text) },
    accepted: [{ file: original.name, code: "released-edited", reason: "tidying" }],
  };
  const edited = original.text.replace(
    "-- The GPS track",
    "-- lint:ignore released-edited tidy\n-- The GPS track",
  );
  const files = embeddedMigrationFiles.map((f) => f === original ? { ...f, text: edited } : f);
  const report = lintMigrations(files, { baseline, only: [original.name] });
  assert.deepEqual(report.findings.filter((f) => f.code === "released-edited").length, 1);
  assert.deepEqual(report.accepted, []);
  const clean = lintMigrations([...embeddedMigrationFiles], { baseline, only: [original.name] });
  assert.deepEqual(codes(clean), []);
});

Deno.test("the shipped migrations: clean with their baseline; without it, two errors", () => {
  const report = lintMigrations([...embeddedMigrationFiles], { baseline: shippedBaseline });
  assert.deepEqual(report.findings, []);
  assert.deepEqual(report.accepted.map((a) => `${a.file}:${a.line} ${a.code}`), [
    "0005_unique_wifi_bssid.sql:48 unique-index-existing",
    "0006_unique_bluetooth_address.sql:45 unique-index-existing",
  ]);
  const bare = lintMigrations([...embeddedMigrationFiles]);
  assert.equal(bare.errors, 2);
});

Deno.test("baseline-invalid: an entry without a reason, or for a file that is not released", () => {
  const baseline: LintBaseline = {
    released: {
      "0005_unique_wifi_bssid.sql": shippedBaseline.released["0005_unique_wifi_bssid.sql"],
    },
    accepted: [
      { file: "0005_unique_wifi_bssid.sql", code: "unique-index-existing", reason: " " },
      {
        file: "0006_unique_bluetooth_address.sql",
        code: "unique-index-existing",
        reason: "merged",
      },
    ],
  };
  const report = lintMigrations([...embeddedMigrationFiles], { baseline });
  assert.deepEqual(
    report.findings.map((f) => f.code),
    ["unique-index-existing", "unique-index-existing", "baseline-invalid", "baseline-invalid"],
  );
});
