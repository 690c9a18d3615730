/**
 * Schema drift, one kind per test: each made by editing the stored definition of one object in a
 * copy of a really migrated database (`PRAGMA writable_schema`, as an old tool or a person would),
 * and each expected finding written out by hand. `migrate --verify`, `--deep` and `db check` must
 * all exit 3 with exactly that finding.
 */
import assert from "node:assert/strict";
import { DatabaseSync, type DatabaseSyncOptions } from "node:sqlite";
import { cli, tempDir } from "./helpers/cli.ts";
import { databaseAt } from "./helpers/db.ts";
import { embeddedMigrations } from "../src/migrate/mod.ts";

const LATEST = embeddedMigrations().length;
const dir = tempDir();
const TEMPLATE = `${dir.path}/template.db`;
databaseAt(TEMPLATE, LATEST).close();
globalThis.addEventListener("unload", () => dir[Symbol.dispose]());

let copies = 0;

// SQLite's defensive mode (node:sqlite's default) forbids writable_schema; Deno's types do not
// list the option that turns it off yet.
const NOT_DEFENSIVE = { defensive: false } as unknown as DatabaseSyncOptions;

/** A copy of the migrated template with `from` replaced by `to` in the stored SQL of `name`. */
function drifted(name: string, from: string, to: string, template = TEMPLATE): string {
  const path = `${dir.path}/drift-${copies++}.db`;
  Deno.copyFileSync(template, path);
  const db = new DatabaseSync(path, NOT_DEFENSIVE);
  try {
    const { sql } = db.prepare("SELECT sql FROM sqlite_master WHERE name = ?").get(name) as {
      sql: string;
    };
    assert.ok(sql.includes(from), `${name} has no "${from}" to edit: ${sql}`);
    db.exec("PRAGMA writable_schema = ON");
    db.prepare("UPDATE sqlite_master SET sql = ? WHERE name = ?").run(sql.replace(from, to), name);
    db.exec("PRAGMA writable_schema = OFF");
  } finally {
    db.close();
  }
  return path;
}

/** Asserts that verify, verify --deep and db check all fail with exactly `findings`. */
async function assertDrift(
  path: string,
  findings: string[],
  ...extra: string[]
): Promise<void> {
  for (const deep of [[], ["--deep"]]) {
    const result = await cli("--db", path, ...extra, "migrate", "--verify", ...deep, "--json");
    const report = JSON.parse(result.stdout);
    const schema = report.checks.find((c: { check: string }) => c.check === "schema");
    assert.deepEqual(schema.findings, findings, `migrate --verify ${deep.join(" ")}`);
    assert.equal(result.code, 3, `migrate --verify ${deep.join(" ")} exit code`);
  }
  const check = await cli("--db", path, ...extra, "db", "check");
  const lines = check.stdout.split("\n");
  for (const finding of findings) assert.ok(lines.includes(`  schema: ${finding}`), check.stdout);
  assert.equal(check.code, 3, "db check exit code");
}

Deno.test("the untouched template passes, so every failure below is the edit's", async () => {
  const result = await cli("--db", drifted("gps_track", "mode", "mode"), "db", "check");
  assert.equal(result.code, 0, result.stdout);
});

/** One kind of drift: the object edited, the text replaced, and what verify must say. */
interface Drift {
  kind: string;
  object: string;
  from: string;
  to: string;
  findings: string[];
}

const DRIFTS: Drift[] = [
  {
    kind: "a column's type",
    object: "wifi_networks",
    from: "bssid TEXT NOT NULL",
    to: "bssid BLOB NOT NULL",
    findings: ['table wifi_networks: column "bssid" type is "BLOB", expected "TEXT"'],
  },
  {
    kind: "NOT NULL dropped",
    object: "wifi_networks",
    from: "bssid TEXT NOT NULL",
    to: "bssid TEXT",
    findings: ['table wifi_networks: column "bssid" notNull is false, expected true'],
  },
  {
    kind: "a default",
    object: "wifi_networks",
    from: "confidence_score INTEGER DEFAULT 0",
    to: "confidence_score INTEGER DEFAULT 1",
    findings: ['table wifi_networks: column "confidence_score" default is "1", expected "0"'],
  },
  {
    kind: "the primary key",
    object: "bluetooth_devices_merged",
    from: "id INTEGER PRIMARY KEY",
    to: "id INTEGER",
    findings: ['table bluetooth_devices_merged: column "id" primaryKey is 0, expected 1'],
  },
  {
    kind: "a column's CHECK removed",
    object: "wifi_sightings",
    from: "signal_dbm REAL CHECK (signal_dbm BETWEEN -120 AND 0)",
    to: "signal_dbm REAL",
    findings: [
      'table wifi_sightings: definition differs: expected "signal_dbm REAL CHECK (signal_dbm BETWEEN -120 AND 0)", found "signal_dbm REAL"',
    ],
  },
  {
    kind: "a column's CHECK changed",
    object: "gps_track",
    from: "CHECK (mode BETWEEN 0 AND 3)",
    to: "CHECK (mode BETWEEN 0 AND 4)",
    findings: [
      'table gps_track: definition differs: expected "mode INTEGER NOT NULL CHECK (mode BETWEEN 0 AND 3)", found "mode INTEGER NOT NULL CHECK (mode BETWEEN 0 AND 4)"',
    ],
  },
  {
    kind: "a table CHECK removed",
    object: "gps_track",
    from: "CHECK ((lat IS NULL) = (lon IS NULL)),",
    to: "",
    findings: [
      'table gps_track: definition differs: expected "CHECK ((lat IS NULL) = (lon IS NULL))", found nothing',
    ],
  },
  {
    kind: "a collation",
    object: "wifi_networks",
    from: "ssid TEXT,",
    to: "ssid TEXT COLLATE NOCASE,",
    findings: [
      'table wifi_networks: definition differs: expected "ssid TEXT", found "ssid TEXT COLLATE NOCASE"',
    ],
  },
  {
    kind: "a generated column's expression",
    object: "wifi_networks",
    from: "ELSE 'Open'",
    to: "ELSE 'None'",
    findings: [
      `table wifi_networks: definition differs: expected "…instr(upper(encryption), 'WEP') > 0 THEN 'WEP' ELSE 'Open' END) VIRTUAL", found "…instr(upper(encryption), 'WEP') > 0 THEN 'WEP' ELSE 'None' END) VIRTUAL"`,
    ],
  },
  {
    kind: "a generated column VIRTUAL made STORED",
    object: "bluetooth_devices",
    from: ") VIRTUAL)",
    to: ") STORED)",
    findings: ['table bluetooth_devices: column "randomized" hidden is 3, expected 2'],
  },
  {
    kind: "a foreign key's target",
    object: "wifi_sightings",
    from: "REFERENCES wifi_networks(id)",
    to: "REFERENCES wifi_networks_merged(id)",
    findings: [
      "table wifi_sightings: foreign keys are [network_id -> wifi_networks_merged(id) on update NO ACTION on delete CASCADE], expected [network_id -> wifi_networks(id) on update NO ACTION on delete CASCADE]",
    ],
  },
  {
    kind: "a foreign key's action",
    object: "bluetooth_sightings",
    from: "ON DELETE CASCADE",
    to: "ON DELETE SET NULL",
    findings: [
      "table bluetooth_sightings: foreign keys are [device_id -> bluetooth_devices(id) on update NO ACTION on delete SET NULL], expected [device_id -> bluetooth_devices(id) on update NO ACTION on delete CASCADE]",
    ],
  },
  {
    kind: "two columns swapped",
    object: "gps_track",
    from: "alt_m REAL,\n    accuracy_m REAL,",
    to: "accuracy_m REAL,\n    alt_m REAL,",
    findings: [
      "table gps_track: columns are in the order (id, system_time, gps_time, gps_time_plausible, mode, lat, lon, accuracy_m, alt_m, speed_mps, track_deg), expected (id, system_time, gps_time, gps_time_plausible, mode, lat, lon, alt_m, accuracy_m, speed_mps, track_deg)",
    ],
  },
  {
    kind: "AUTOINCREMENT dropped",
    object: "configuration",
    from: "id INTEGER PRIMARY KEY AUTOINCREMENT",
    to: "id INTEGER PRIMARY KEY",
    findings: ["table configuration: AUTOINCREMENT is false, expected true"],
  },
  {
    kind: "an index's columns",
    object: "idx_wifi_location",
    from: "(gps_lat, gps_lon)",
    to: "(gps_lat, gps_accuracy)",
    findings: [
      'index "idx_wifi_location": columns are (gps_lat ASC, gps_accuracy ASC), expected (gps_lat ASC, gps_lon ASC)',
    ],
  },
  {
    kind: "an index's column order",
    object: "idx_bt_location",
    from: "(gps_lat, gps_lon)",
    to: "(gps_lon, gps_lat)",
    findings: [
      'index "idx_bt_location": columns are (gps_lon ASC, gps_lat ASC), expected (gps_lat ASC, gps_lon ASC)',
    ],
  },
  {
    kind: "an index's sort order",
    object: "idx_wifi_sightings_network",
    from: "(network_id, seen_at)",
    to: "(network_id, seen_at DESC)",
    findings: [
      'index "idx_wifi_sightings_network": columns are (network_id ASC, seen_at DESC), expected (network_id ASC, seen_at ASC)',
    ],
  },
  {
    kind: "an index's uniqueness",
    object: "idx_wifi_bssid",
    from: "CREATE UNIQUE INDEX",
    to: "CREATE INDEX",
    findings: ['index "idx_wifi_bssid": unique is false, expected true'],
  },
  {
    kind: "an index made partial",
    object: "idx_wifi_vendor",
    from: "(vendor)",
    to: "(vendor) WHERE vendor IS NOT NULL",
    findings: ['index "idx_wifi_vendor": partial is true, expected false'],
  },
  {
    kind: "an index's collation",
    object: "idx_wifi_ssid",
    from: "(ssid)",
    to: "(ssid COLLATE NOCASE)",
    findings: [
      'index "idx_wifi_ssid": definition differs: expected "ssid", found "ssid COLLATE NOCASE"',
    ],
  },
  {
    // (Dropping WITHOUT ROWID instead would damage the file: its b-tree is of the other kind.)
    kind: "STRICT added",
    object: "configuration",
    from: "updated_at TEXT DEFAULT CURRENT_TIMESTAMP\n)",
    to: "updated_at TEXT DEFAULT CURRENT_TIMESTAMP\n) STRICT",
    findings: ['table configuration: definition differs: expected nothing, found "STRICT"'],
  },
];

for (const drift of DRIFTS) {
  Deno.test(`drift: ${drift.kind}`, async () => {
    await assertDrift(drifted(drift.object, drift.from, drift.to), drift.findings);
  });
}

// The product's schema has no trigger, view or partial index yet: a test-only migration source
// has one of each, so a missing or changed one can be shown too.
const SOURCE = `${dir.path}/m`;
Deno.mkdirSync(SOURCE);
Deno.writeTextFileSync(
  `${SOURCE}/0001_objects.sql`,
  `-- migrate:up
CREATE TABLE t (a INTEGER, b INTEGER);
CREATE INDEX i_positive ON t(a) WHERE a > 0;
CREATE TRIGGER t_mark AFTER INSERT ON t BEGIN
  UPDATE t SET b = 1 WHERE rowid = new.rowid;
END;
CREATE VIEW v_marked AS SELECT a FROM t WHERE b = 1;
CREATE TABLE p (id INTEGER PRIMARY KEY);
CREATE TABLE c (x INTEGER REFERENCES p(id), y INTEGER REFERENCES p(id) ON DELETE CASCADE);
-- migrate:down
DROP TABLE c;
DROP TABLE p;
DROP VIEW v_marked;
DROP TABLE t;
-- migrate:verify
SELECT count(*) = 1 FROM sqlite_master WHERE name = 't';
`,
);
const OBJECTS = `${dir.path}/objects.db`;
assert.equal((await cli("--db", OBJECTS, "--migrations-dir", SOURCE, "migrate")).code, 0);

/** A copy of `template` with `ddl` run on it by an ordinary connection. */
function altered(ddl: string, template = TEMPLATE): string {
  const path = `${dir.path}/drift-${copies++}.db`;
  Deno.copyFileSync(template, path);
  const db = new DatabaseSync(path);
  db.exec(ddl);
  db.close();
  return path;
}

Deno.test("drift: a partial index's predicate", async () => {
  await assertDrift(
    drifted("i_positive", "WHERE a > 0", "WHERE a >= 0", OBJECTS),
    ['index "i_positive": definition differs: expected "WHERE a > 0", found "WHERE a >= 0"'],
    "--migrations-dir",
    SOURCE,
  );
});

Deno.test("drift: a trigger's body", async () => {
  await assertDrift(
    drifted("t_mark", "SET b = 1", "SET b = 2", OBJECTS),
    [
      'trigger "t_mark": definition differs: expected "UPDATE t SET b = 1 WHERE ROWID = new.ROWID", found "UPDATE t SET b = 2 WHERE ROWID = new.ROWID"',
    ],
    "--migrations-dir",
    SOURCE,
  );
});

Deno.test("drift: a view's query", async () => {
  await assertDrift(
    drifted("v_marked", "b = 1", "b = 0", OBJECTS),
    [
      'view "v_marked": definition differs: expected "CREATE VIEW v_marked AS SELECT a FROM t WHERE b = 1", found "CREATE VIEW v_marked AS SELECT a FROM t WHERE b = 0"',
    ],
    "--migrations-dir",
    SOURCE,
  );
});

Deno.test("drift: one of two foreign keys", async () => {
  await assertDrift(
    drifted("c", "ON DELETE CASCADE", "ON DELETE SET NULL", OBJECTS),
    [
      "table c: foreign keys are [y -> p(id) on update NO ACTION on delete SET NULL; x -> p(id) on update NO ACTION on delete NO ACTION], expected [y -> p(id) on update NO ACTION on delete CASCADE; x -> p(id) on update NO ACTION on delete NO ACTION]",
    ],
    "--migrations-dir",
    SOURCE,
  );
});

Deno.test("drift: an index moved to another table", async () => {
  // By DDL: an edited definition naming a table created after it would not even open.
  await assertDrift(
    altered("DROP INDEX i_positive; CREATE INDEX i_positive ON c(x) WHERE x > 0", OBJECTS),
    [
      'index "i_positive": is on table c, expected t',
      'index "i_positive": columns are (x ASC), expected (a ASC)',
    ],
    "--migrations-dir",
    SOURCE,
  );
});

Deno.test("drift: a missing trigger and a missing view", async () => {
  await assertDrift(
    altered("DROP TRIGGER t_mark; DROP VIEW v_marked", OBJECTS),
    ['trigger "t_mark" is missing', 'view "v_marked" is missing'],
    "--migrations-dir",
    SOURCE,
  );
});

Deno.test("drift: an extra trigger and an extra view", async () => {
  await assertDrift(
    altered(`CREATE TRIGGER wifi_touch AFTER UPDATE ON wifi_networks BEGIN SELECT 1; END;
      CREATE VIEW open_networks AS SELECT bssid FROM wifi_networks WHERE encryption_type = 'Open'`),
    ['trigger "wifi_touch" is not expected', 'view "open_networks" is not expected'],
  );
});

Deno.test("only lexical differences are not drift: quoting, case, spacing and comments", async () => {
  const path = drifted(
    "gps_track",
    "CREATE TABLE gps_track (\n    id INTEGER PRIMARY KEY,",
    'create table [GPS_TRACK] ( -- written by hand\n "id" integer primary key,',
  );
  const result = await cli("--db", path, "migrate", "--verify");
  assert.equal(result.code, 0, result.stdout);
  // But a column name's case is not lexical: result columns (and so exports) are named with it.
  await assertDrift(
    drifted("gps_track", "    id INTEGER PRIMARY KEY,", "    Id INTEGER PRIMARY KEY,"),
    [
      'table gps_track: column "id" is missing',
      'table gps_track: column "Id" is not expected',
    ],
  );
});

Deno.test("adoption decides by the same rule: lexical differences adopted, a lost CHECK refused", async () => {
  const ledgerless = altered("DROP TABLE schema_version");
  const lexical = drifted(
    "gps_track",
    "CREATE TABLE gps_track (\n    id INTEGER PRIMARY KEY,",
    'CREATE TABLE "gps_track" (\n  "id" integer PRIMARY KEY, -- older code wrote it so',
    ledgerless,
  );
  const adopted = await cli("--db", lexical, "migrate", "--no-backup");
  assert.equal(adopted.code, 0, adopted.stderr);
  assert.match(adopted.stdout, new RegExp(`^Adopted ".*" at version ${LATEST} \\(schema matched`));

  const lost = drifted("gps_track", ",\n    CHECK (mode >= 2 OR lat IS NULL)", "", ledgerless);
  const refused = await cli("--db", lost, "migrate", "--no-backup");
  assert.equal(refused.code, 3, refused.stderr);
  assert.equal(
    refused.stderr,
    `piwardrive: Database has tables but no schema_version ledger, and its schema matches no known version (closest: version ${LATEST}): table gps_track: definition differs: expected "CHECK (mode >= 2 OR lat IS NULL)", found nothing\n`,
  );
  assert.equal(
    new DatabaseSync(lost).prepare(
      "SELECT count(*) AS n FROM sqlite_master WHERE name = 'schema_version'",
    )
      .get()!.n,
    0,
  );
});
