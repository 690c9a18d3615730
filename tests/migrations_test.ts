/** The guide's "Testing Migrations", for real: every migration up, down and up again on data. */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { embeddedMigrationFiles } from "../src/migrate/embedded.ts";
import { embeddedMigrations, expectedSchemas, Migrator } from "../src/migrate/mod.ts";
import { diffSchema, readSchema } from "../src/db/schema.ts";
import { databaseAt, fillBaselineRows, logicalDump, storedColumns } from "./helpers/db.ts";
import { tempDir } from "./helpers/cli.ts";
import { ouiVendor } from "../src/oui/mod.ts";
import { archiveTables } from "../src/migrate/data_loss.ts";
import { pinnedSchemaName, pinnedSchemaText, SCHEMA_DIR } from "../scripts/generate/pin_schemas.ts";

const migrations = embeddedMigrations();
const expected = expectedSchemas(migrations);

Deno.test("the embedded migrations are exactly the files of migrations/", () => {
  const dir = new URL("../migrations/", import.meta.url);
  const onDisk = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".sql"))
    .sort();
  assert.deepEqual(embeddedMigrationFiles.map((f) => f.name), onDisk);
  for (const file of embeddedMigrationFiles) {
    assert.equal(file.text, Deno.readTextFileSync(new URL(file.name, dir)), file.name);
  }
});

Deno.test("each version's schema is the hand-checked one pinned in tests/fixtures/schema/", () => {
  const pinned = [...Deno.readDirSync(SCHEMA_DIR)].map((e) => e.name).sort();
  assert.deepEqual(pinned, migrations.map((m) => pinnedSchemaName(m.version)));
  const db = new DatabaseSync(":memory:");
  const migrator = new Migrator(db, migrations);
  for (const { version } of migrations) {
    const file = Deno.readTextFileSync(new URL(pinnedSchemaName(version), SCHEMA_DIR));
    // Both the replay verify expects and a database really migrated up to the version.
    assert.equal(pinnedSchemaText(expected(version)), file, `replay of version ${version}`);
    migrator.migrateTo(version);
    assert.equal(pinnedSchemaText(readSchema(db)), file, `database at version ${version}`);
  }
  db.close();
});

Deno.test("version 1 is the design guide's baseline, exactly", () => {
  const db = new DatabaseSync(":memory:");
  new Migrator(db, migrations).migrateTo(1);
  const columns = (table: string) =>
    (db.prepare('SELECT name, type, "notnull" AS nn, dflt_value AS d, pk FROM pragma_table_info(?)')
      .all(table) as { name: string; type: string; nn: number; d: string | null; pk: number }[])
      .map((c) =>
        `${c.name} ${c.type}${c.nn ? " NOT NULL" : ""}${c.d ? ` DEFAULT ${c.d}` : ""}${
          c.pk ? " PK" : ""
        }`
      );
  assert.deepEqual(columns("health_records"), [
    "id INTEGER PK",
    "timestamp TEXT NOT NULL",
    "cpu_temp REAL",
    "cpu_percent REAL",
    "memory_percent REAL",
    "disk_percent REAL",
    "network_rx_bytes INTEGER",
    "network_tx_bytes INTEGER",
    "gps_lat REAL",
    "gps_lon REAL",
    "gps_accuracy REAL",
    "wifi_networks_count INTEGER",
    "bluetooth_devices_count INTEGER",
    "created_at TEXT DEFAULT CURRENT_TIMESTAMP",
  ]);
  assert.deepEqual(columns("wifi_networks"), [
    "id INTEGER PK",
    "bssid TEXT NOT NULL",
    "ssid TEXT",
    "frequency INTEGER",
    "signal_strength INTEGER",
    "encryption TEXT",
    "channel INTEGER",
    "first_seen TEXT",
    "last_seen TEXT",
    "gps_lat REAL",
    "gps_lon REAL",
    "gps_accuracy REAL",
    "created_at TEXT DEFAULT CURRENT_TIMESTAMP",
  ]);
  assert.deepEqual(columns("bluetooth_devices"), [
    "id INTEGER PK",
    "address TEXT NOT NULL",
    "name TEXT",
    "device_type TEXT",
    "rssi INTEGER",
    "manufacturer TEXT",
    "services TEXT",
    "first_seen TEXT",
    "last_seen TEXT",
    "gps_lat REAL",
    "gps_lon REAL",
    "gps_accuracy REAL",
    "created_at TEXT DEFAULT CURRENT_TIMESTAMP",
  ]);
  assert.deepEqual(columns("configuration"), [
    "id INTEGER PK",
    "key TEXT NOT NULL",
    "value TEXT NOT NULL",
    "type TEXT DEFAULT 'string'",
    "description TEXT",
    "updated_at TEXT DEFAULT CURRENT_TIMESTAMP",
  ]);
  const schema = readSchema(db);
  for (const t of ["health_records", "wifi_networks", "bluetooth_devices", "configuration"]) {
    assert.equal(schema.tables[t].autoincrement, true, `${t} AUTOINCREMENT`);
  }
  assert.equal(schema.indexes["sqlite_autoindex_configuration_1"].unique, true);
  const indexes = Object.entries(schema.indexes).filter(([n]) => n.startsWith("idx_"))
    .map(([n, i]) => `${n}(${i.columns.map((c) => c.split(" ")[0]).join(", ")})`).sort();
  assert.deepEqual(indexes, [
    "idx_bt_address(address)",
    "idx_bt_last_seen(last_seen)",
    "idx_bt_location(gps_lat, gps_lon)",
    "idx_bt_name(name)",
    "idx_config_key(key)",
    "idx_health_created_at(created_at)",
    "idx_health_timestamp(timestamp)",
    "idx_wifi_bssid(bssid)",
    "idx_wifi_last_seen(last_seen)",
    "idx_wifi_location(gps_lat, gps_lon)",
    "idx_wifi_ssid(ssid)",
  ]);
});

/** Columns a version fills where they are NULL, from the vendor of another column's address. */
const BACKFILLED: Record<number, Record<string, { column: string; from: string }>> = {
  9: {
    wifi_networks: { column: "vendor", from: "bssid" },
    bluetooth_devices: { column: "manufacturer", from: "address" },
  },
};

Deno.test("every migration goes up, down and up again with every row preserved exactly", () => {
  using dir = tempDir();
  const db = databaseAt(`${dir.path}/a.db`, 0);
  const migrator = new Migrator(db, migrations, { expectedSchema: expected });
  for (let v = 0; v < migrations.length; v++) {
    if (v === 1) fillBaselineRows(db, 400);
    const before = logicalDump(db);
    migrator.migrateTo(v + 1);
    assert.deepEqual(diffSchema(readSchema(db), expected(v + 1)), []);
    const up = logicalDump(db);
    // Up keeps every value of every column that existed before; a column the migration derives
    // (BACKFILLED) may only turn NULL into the vendor of the row's address.
    for (const table of Object.keys(before)) {
      const keep = storedColumns(db, table).filter((c) => before[table][0]?.includes(`"${c}"`));
      const backfill = BACKFILLED[v + 1]?.[table];
      const pick = (rows: string[], filled: boolean) =>
        rows.map((r) => {
          const row = JSON.parse(r);
          if (filled && backfill) row[backfill.column] ??= ouiVendor(row[backfill.from]);
          return JSON.stringify(keep.sort().map((c) => row[c]));
        });
      assert.deepEqual(
        pick(up[table] ?? [], false),
        pick(before[table], true),
        `${table} after up to ${v + 1}`,
      );
    }
    migrator.migrateTo(v);
    assert.deepEqual(logicalDump(db), before, `data after ${v + 1} → ${v}`);
    assert.deepEqual(diffSchema(readSchema(db), expected(v)), []);
    migrator.migrateTo(v + 1);
    assert.deepEqual(logicalDump(db), up, `data after ${v} → ${v + 1} again`);
  }
  db.close();
});

Deno.test("rows inserted at version 1 are identical after migrating to the latest (the guide's integrity test)", () => {
  const db = new DatabaseSync(":memory:");
  const migrator = new Migrator(db, migrations);
  migrator.migrateTo(1);
  const rows = [["00:11:22:33:44:55", "TestNetwork", 2437, -50], [
    "AA:BB:CC:DD:EE:FF",
    "AnotherNetwork",
    5180,
    -60,
  ]];
  for (const r of rows) {
    db.prepare(
      "INSERT INTO wifi_networks (bssid, ssid, frequency, signal_strength) VALUES (?, ?, ?, ?)",
    ).run(...r as [string, string, number, number]);
  }
  migrator.migrateToLatest();
  const after = db.prepare(
    "SELECT bssid, ssid, frequency, signal_strength FROM wifi_networks ORDER BY id",
  )
    .all().map((r) => Object.values(r));
  assert.deepEqual(after, rows);
});

Deno.test("version 3 derives encryption_type for old rows and for rows written later", () => {
  const db = new DatabaseSync(":memory:");
  const migrator = new Migrator(db, migrations);
  migrator.migrateTo(2);
  let n = 0;
  const insert = (e: string | null) =>
    db.prepare("INSERT INTO wifi_networks (bssid, encryption) VALUES (?, ?)").run(`b${n++}`, e);
  for (const e of ["WPA3-SAE/WPA2-PSK", "wpa2-psk", "WPA-PSK", "WEP", "Open", null]) insert(e);
  migrator.migrateToLatest();
  insert("WPA2-EAP");
  db.exec("UPDATE wifi_networks SET encryption = 'WEP' WHERE encryption = 'Open'");
  assert.deepEqual(
    db.prepare("SELECT encryption_type FROM wifi_networks ORDER BY id").all().map((r) =>
      r.encryption_type
    ),
    ["WPA3", "WPA2", "WPA", "WEP", "WEP", null, "WPA2"],
  );
});

Deno.test("the rebuild of version 4 keeps ids, the AUTOINCREMENT counter and every index", () => {
  const db = new DatabaseSync(":memory:");
  const migrator = new Migrator(db, migrations, { expectedSchema: expected });
  migrator.migrateTo(3);
  for (let i = 0; i < 10; i++) {
    db.prepare("INSERT INTO wifi_networks (bssid) VALUES (?)").run(`b${i}`);
  }
  db.exec("DELETE FROM wifi_networks WHERE id > 5");
  migrator.migrateTo(4);
  assert.deepEqual(
    { ...db.prepare("SELECT max(id) AS m, count(*) AS c FROM wifi_networks").get() },
    {
      m: 5,
      c: 5,
    },
  );
  db.exec("INSERT INTO wifi_networks (bssid) VALUES ('new')");
  assert.equal(db.prepare("SELECT id FROM wifi_networks WHERE bssid = 'new'").get()!.id, 11);
  assert.equal(
    db.prepare("SELECT confidence_score FROM wifi_networks WHERE bssid = 'new'").get()!
      .confidence_score,
    0,
  );
  const indexes = db.prepare("SELECT name FROM pragma_index_list('wifi_networks') ORDER BY name")
    .all().map((r) => r.name);
  assert.deepEqual(indexes, [
    "idx_wifi_bssid",
    "idx_wifi_last_seen",
    "idx_wifi_location",
    "idx_wifi_ssid",
    "idx_wifi_vendor",
  ]);
  assert.equal(
    db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name LIKE '_rebuild_%'").get()!.n,
    0,
  );
});

Deno.test("versions 5 and 6 merge duplicates (best signal, earliest first, latest last) and restore them on down", () => {
  const db = new DatabaseSync(":memory:");
  const migrator = new Migrator(db, migrations, { expectedSchema: expected });
  migrator.migrateTo(4);
  const wifi = db.prepare(
    "INSERT INTO wifi_networks (bssid, ssid, signal_strength, first_seen, last_seen, gps_lat, gps_lon) VALUES (?, ?, ?, ?, ?, ?, ?)",
  );
  wifi.run("aa:aa:aa:aa:aa:aa", "a1", -70, "2026-01-02T00:00:00Z", "2026-01-02T00:05:00Z", 1, 1);
  wifi.run("aa:aa:aa:aa:aa:aa", "a2", -40, "2026-01-03T00:00:00Z", "2026-01-03T00:01:00Z", 2, 2);
  wifi.run(
    "aa:aa:aa:aa:aa:aa",
    "a3",
    null,
    "2026-01-01T00:00:00Z",
    "2026-01-09T00:00:00Z",
    null,
    null,
  );
  wifi.run("bb:bb:bb:bb:bb:bb", "b", -60, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", 3, 3);
  const bt = db.prepare(
    "INSERT INTO bluetooth_devices (address, name, rssi, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)",
  );
  bt.run("AA:BB:CC:00:00:01", "x", -80, "2026-01-05T00:00:00Z", "2026-01-05T00:00:00Z");
  bt.run("AA:BB:CC:00:00:01", "y", -50, "2026-01-06T00:00:00Z", "2026-01-06T00:00:00Z");
  const before = logicalDump(db);
  // A merge removes rows from their table: refused unless allowed, even though archived.
  assert.throws(
    () => migrator.migrateTo(6),
    {
      name: "DataLossError",
      message:
        "Migrating up to version 6 would delete 3 rows: wifi_networks 2 (archived in wifi_networks_merged), bluetooth_devices 1 (archived in bluetooth_devices_merged); nothing was changed",
    },
  );
  assert.deepEqual(logicalDump(db), before);
  const steps = migrator.migrateTo(6, { allowDataLoss: "archived" });
  assert.deepEqual(steps.map((s) => s.deleted), [
    [{ table: "wifi_networks", column: null, count: 2, archivedIn: "wifi_networks_merged" }],
    [{
      table: "bluetooth_devices",
      column: null,
      count: 1,
      archivedIn: "bluetooth_devices_merged",
    }],
  ]);
  assert.deepEqual(
    db.prepare(
      "SELECT id, bssid, ssid, signal_strength, first_seen, last_seen, gps_lat FROM wifi_networks ORDER BY id",
    )
      .all().map((r) => ({ ...r })),
    [
      {
        id: 2,
        bssid: "aa:aa:aa:aa:aa:aa",
        ssid: "a2",
        signal_strength: -40,
        first_seen: "2026-01-01T00:00:00Z",
        last_seen: "2026-01-09T00:00:00Z",
        gps_lat: 2,
      },
      {
        id: 4,
        bssid: "bb:bb:bb:bb:bb:bb",
        ssid: "b",
        signal_strength: -60,
        first_seen: "2026-01-01T00:00:00Z",
        last_seen: "2026-01-01T00:00:00Z",
        gps_lat: 3,
      },
    ],
  );
  assert.deepEqual(
    { ...db.prepare("SELECT id, name, first_seen, last_seen FROM bluetooth_devices").get() },
    { id: 2, name: "y", first_seen: "2026-01-05T00:00:00Z", last_seen: "2026-01-06T00:00:00Z" },
  );
  assert.throws(
    () => wifi.run("bb:bb:bb:bb:bb:bb", "dup", -1, null, null, null, null),
    /UNIQUE constraint failed/,
  );
  // Down puts the archived rows back: nothing is deleted, so nothing needs allowing.
  assert.deepEqual(migrator.migrateTo(4).map((s) => s.deleted), [undefined, undefined]);
  assert.deepEqual(logicalDump(db), before);
});

Deno.test("version 9 backfills vendors from the embedded OUI table, skips random MACs, and its down clears only what it filled", () => {
  const db = new DatabaseSync(":memory:");
  const migrator = new Migrator(db, migrations, { expectedSchema: expected });
  migrator.migrateTo(8);
  const wifi = db.prepare("INSERT INTO wifi_networks (bssid, vendor) VALUES (?, ?)");
  wifi.run("b8:27:eb:12:34:56", null);
  wifi.run("da:a1:19:00:00:01", null); // locally administered: randomised
  wifi.run("dc:a6:32:00:00:02", "Kept As Written");
  db.prepare("INSERT INTO bluetooth_devices (address, manufacturer) VALUES (?, ?)").run(
    "B8:27:EB:00:00:09",
    null,
  );
  const before = logicalDump(db);
  migrator.migrateTo(9);
  const vendors = db.prepare("SELECT bssid, vendor FROM wifi_networks ORDER BY id").all().map((
    r,
  ) => ({ ...r }));
  assert.deepEqual(vendors, [
    { bssid: "b8:27:eb:12:34:56", vendor: "Raspberry Pi Foundation" },
    { bssid: "da:a1:19:00:00:01", vendor: null },
    { bssid: "dc:a6:32:00:00:02", vendor: "Kept As Written" },
  ]);
  assert.equal(
    db.prepare("SELECT manufacturer FROM bluetooth_devices").get()!.manufacturer,
    "Raspberry Pi Foundation",
  );
  migrator.migrateTo(8);
  assert.deepEqual(logicalDump(db), before);
});

Deno.test("version 10 marks randomised (locally administered) addresses", () => {
  const db = new DatabaseSync(":memory:");
  new Migrator(db, migrations).migrateTo(10);
  const insert = db.prepare("INSERT INTO wifi_networks (bssid) VALUES (?)");
  for (
    const mac of [
      "b8:27:eb:00:00:01",
      "da:a1:19:00:00:02",
      "02:00:00:00:00:03",
      "F6:00:00:00:00:04",
      "00:00:0c:00:00:05",
    ]
  ) {
    insert.run(mac);
  }
  db.prepare("INSERT INTO bluetooth_devices (address) VALUES (?), (?)").run(
    "7A:11:22:33:44:55",
    "00:1B:63:00:00:01",
  );
  assert.deepEqual(
    db.prepare("SELECT randomized FROM wifi_networks ORDER BY id").all().map((r) => r.randomized),
    [0, 1, 1, 1, 0],
  );
  assert.deepEqual(
    db.prepare("SELECT randomized FROM bluetooth_devices ORDER BY id").all().map((r) =>
      r.randomized
    ),
    [1, 0],
  );
});

Deno.test("a dropped column's values count unless they are its default, a hand-added one too", () => {
  const db = new DatabaseSync(":memory:");
  const migrator = new Migrator(db, migrations, { expectedSchema: expected });
  migrator.migrateTo(4);
  db.exec("INSERT INTO wifi_networks (bssid) VALUES ('a'), ('b'), ('c')");
  // confidence_score holds its default 0 everywhere: going below 4 loses nothing.
  assert.deepEqual(migrator.migrateTo(3).map((s) => s.deleted), [undefined]);
  migrator.migrateTo(4);
  db.exec("UPDATE wifi_networks SET confidence_score = 7 WHERE bssid = 'a'");
  db.exec("ALTER TABLE wifi_networks ADD COLUMN notes TEXT");
  db.exec("UPDATE wifi_networks SET notes = 'parked car' WHERE bssid IN ('b', 'c')");
  const before = logicalDump(db);
  assert.throws(() => migrator.migrateTo(3), {
    name: "DataLossError",
    message:
      "Migrating down to version 3 would delete 3 values: wifi_networks.notes 2, wifi_networks.confidence_score 1; nothing was changed",
  });
  assert.deepEqual(logicalDump(db), before);
});

Deno.test("the tables migrations keep for their own down parts are exactly the merge archives and oui_backfilled", () => {
  assert.deepEqual(
    migrations.map((m) => [m.version, archiveTables(m)] as const).filter(([, t]) => t.length > 0),
    [[5, ["wifi_networks_merged"]], [6, ["bluetooth_devices_merged"]], [9, ["oui_backfilled"]]],
  );
});
