/**
 * The design guide's own databases migrate in place: its "Current Database Schema" verbatim
 * (vendor inline, no idx_wifi_vendor), without vendor, after its Migration001 (vendor by ALTER),
 * each with or without its four-column schema_version whose checksums are NULL.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { cli, tempDir } from "./helpers/cli.ts";
import { embeddedMigrations } from "../src/migrate/mod.ts";

const LATEST = embeddedMigrations().length;
const fixture = (name: string) =>
  Deno.readTextFileSync(new URL(`./fixtures/design_guide/${name}`, import.meta.url));
const GUIDE_SCHEMA = fixture("current_schema.sql");
const GUIDE_LEDGER = fixture("schema_version.sql");
/** The guide's "Data Integrity Testing" rows. */
const GUIDE_ROWS = [
  ["00:11:22:33:44:55", "TestNetwork", 2437, -50],
  ["AA:BB:CC:DD:EE:FF", "AnotherNetwork", 5180, -60],
] as const;
const MIGRATION_001 = "Add vendor column to wifi_networks table";

interface GuideDb {
  vendor: "inline" | "none" | "migration001";
  ledger: boolean;
  /** The guide's `CREATE INDEX IF NOT EXISTS idx_wifi_vendor` on the verbatim schema. */
  vendorIndex?: boolean;
}

function buildGuideDb(path: string, state: GuideDb): void {
  const db = new DatabaseSync(path);
  const schema = state.vendor === "inline" ? GUIDE_SCHEMA : GUIDE_SCHEMA.replace(
    "    vendor TEXT,\n",
    "",
  );
  assert.notEqual(schema.includes("vendor TEXT"), state.vendor !== "inline");
  db.exec(schema);
  if (state.ledger) db.exec(GUIDE_LEDGER);
  if (state.vendor === "migration001") {
    db.exec("ALTER TABLE wifi_networks ADD COLUMN vendor TEXT");
    db.exec("CREATE INDEX idx_wifi_vendor ON wifi_networks(vendor)");
    if (state.ledger) {
      db.prepare("INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)")
        .run(1, MIGRATION_001, "2025-07-01T10:00:00.123456");
    }
  }
  if (state.vendorIndex) {
    db.exec("CREATE INDEX IF NOT EXISTS idx_wifi_vendor ON wifi_networks(vendor)");
  }
  const insert = db.prepare(
    "INSERT INTO wifi_networks (bssid, ssid, frequency, signal_strength) VALUES (?, ?, ?, ?)",
  );
  for (const row of GUIDE_ROWS) insert.run(...row);
  db.prepare("INSERT INTO bluetooth_devices (address, name, rssi) VALUES (?, ?, ?)")
    .run("11:22:33:44:55:66", "Phone", -70);
  db.prepare("INSERT INTO health_records (timestamp, cpu_temp) VALUES (?, ?)")
    .run("2025-07-01T10:00:00", 48.5);
  db.close();
}

function rowsOf(path: string) {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return {
      wifi: db.prepare(
        "SELECT bssid, ssid, frequency, signal_strength FROM wifi_networks ORDER BY id",
      ).all().map((r) => Object.values(r)),
      bt: db.prepare("SELECT address, name, rssi FROM bluetooth_devices").all().map((r) =>
        Object.values(r)
      ),
      health: db.prepare("SELECT timestamp, cpu_temp FROM health_records").all().map((r) =>
        Object.values(r)
      ),
      schema: db.prepare("SELECT type, name, sql FROM sqlite_master ORDER BY name").all()
        .map((r) => Object.values(r)),
    };
  } finally {
    db.close();
  }
}

function ledgerOf(path: string) {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db.prepare("SELECT version, adopted, description FROM schema_version ORDER BY version")
      .all().map((r) => [r.version, r.adopted, r.description]);
  } finally {
    db.close();
  }
}

const CASES: { state: GuideDb; version: number; reason: string }[] = [
  {
    state: { vendor: "inline", ledger: false },
    version: 2,
    reason: "the design guide's schema with vendor; vendor declared inline (wifi_networks " +
      "rebuilt with vendor last); idx_wifi_vendor missing (created)",
  },
  {
    state: { vendor: "inline", ledger: true, vendorIndex: true },
    version: 2,
    reason: "the design guide's schema with vendor; vendor declared inline (wifi_networks " +
      "rebuilt with vendor last); the guide's schema_version ledger converted (0 row(s))",
  },
  {
    state: { vendor: "none", ledger: true },
    version: 1,
    reason: "the design guide's schema without vendor; the guide's schema_version ledger " +
      "converted (0 row(s))",
  },
  {
    state: { vendor: "migration001", ledger: true },
    version: 2,
    reason: "the design guide's schema with vendor; the guide's schema_version ledger converted " +
      `(1 row(s): 1 "${MIGRATION_001}" at 2025-07-01T10:00:00.123456 checksum NULL)`,
  },
];

for (const { state, version, reason } of CASES) {
  Deno.test(`a guide database (vendor ${state.vendor}, ${state.ledger ? "with" : "without"} its ledger) migrates in place at version ${version}`, async () => {
    using dir = tempDir();
    const db = `${dir.path}/guide.db`;
    buildGuideDb(db, state);
    const before = rowsOf(db);
    const bytes = Deno.readFileSync(db);

    const dry = await cli("--db", db, "migrate", "--dry-run");
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(
      dry.stdout.split("\n")[0],
      `Would adopt "${db}" at version ${version} (${reason})`,
    );
    assert.match(dry.stdout, new RegExp(`Plan for ".*" from version ${version} to ${LATEST}:`));
    assert.deepEqual(Deno.readFileSync(db), bytes, "the dry run wrote nothing");

    const result = await cli("--db", db, "migrate");
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.split("\n")[0], `Adopted "${db}" at version ${version} (${reason})`);
    assert.match(result.stderr, new RegExp(`adopted at version ${version}: `));
    const after = rowsOf(db);
    assert.deepEqual(after.wifi, before.wifi);
    assert.deepEqual(after.wifi, GUIDE_ROWS.map((r) => [...r]));
    assert.deepEqual(after.bt, before.bt);
    assert.deepEqual(after.health, before.health);
    const migrations = embeddedMigrations();
    assert.deepEqual(
      ledgerOf(db),
      migrations.map((m) =>
        m.version <= version
          ? [m.version, 1, `${m.description} (adopted: ${reason})`]
          : [m.version, 0, m.description]
      ),
    );
    // The file as it was is kept: the adoption changed tables.
    const backups = [...Deno.readDirSync(dir.path)].filter((e) => e.name.includes(".bak-"));
    assert.equal(backups.length, 1);
    const verify = await cli("--db", db, "migrate", "--verify");
    assert.equal(verify.code, 0, verify.stdout);
    assert.match((await cli("--db", db, "migrate")).stdout, /is up to date/);
  });
}

Deno.test("the guide's schema without vendor and without a ledger is version 1 exactly", async () => {
  using dir = tempDir();
  const db = `${dir.path}/guide.db`;
  buildGuideDb(db, { vendor: "none", ledger: false });
  const result = await cli("--db", db, "migrate");
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    result.stdout.split("\n")[0],
    `Adopted "${db}" at version 1 (schema matched exactly)`,
  );
  assert.equal(ledgerOf(db)[0][2], "baseline (adopted: schema matched exactly)");
});

Deno.test("a guide ledger beside a schema that is none of the guide's states is refused, unchanged", async () => {
  using dir = tempDir();
  const db = `${dir.path}/odd.db`;
  buildGuideDb(db, { vendor: "inline", ledger: true });
  const raw = new DatabaseSync(db);
  raw.exec("ALTER TABLE bluetooth_devices ADD COLUMN notes TEXT");
  raw.close();
  const before = rowsOf(db);
  const result = await cli("--db", db, "migrate");
  assert.equal(result.code, 3);
  assert.equal(
    result.stderr,
    "piwardrive: Database has the design guide's schema_version ledger, but its schema matches " +
      'none of the guide\'s states (closest: version 2): table bluetooth_devices: column "notes" is not expected\n',
  );
  // Opening for writing switched the file to WAL mode (as for every refused file): its schema
  // and rows are what matter, and no backup was made.
  assert.deepEqual(rowsOf(db), before);
  assert.deepEqual(
    [...Deno.readDirSync(dir.path)].map((e) => e.name).filter((n) =>
      !/-(wal|shm)$|\.lock$/.test(n)
    ),
    ["odd.db"],
  );
});

Deno.test("a verbatim guide database without its ledger and with an extra column is still refused with the differences", async () => {
  using dir = tempDir();
  const db = `${dir.path}/odd.db`;
  buildGuideDb(db, { vendor: "inline", ledger: false });
  const raw = new DatabaseSync(db);
  raw.exec("ALTER TABLE wifi_networks ADD COLUMN notes TEXT");
  raw.close();
  const before = rowsOf(db);
  const result = await cli("--db", db, "migrate");
  assert.equal(result.code, 3);
  assert.match(
    result.stderr,
    /^piwardrive: Database has tables but no schema_version ledger, and its schema matches no known version \(closest: version \d+\): .*column "notes" is not expected/,
  );
  assert.deepEqual(rowsOf(db), before);
});
