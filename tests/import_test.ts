/**
 * `piwardrive import` of piwardrive databases, the rules every source follows (read-only, once,
 * whole batches), and bad input: each refusal with its one line and exit code, nothing written.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { cli, spawnCli, tempDir } from "./helpers/cli.ts";
import { main } from "../src/cli/mod.ts";
import { databaseAt, fillBaselineRows } from "./helpers/db.ts";
import { embeddedMigrations } from "../src/migrate/mod.ts";
import { folderState, tableCounts } from "./helpers/import.ts";
import { generatedKismetLog, writeKismetLog } from "./helpers/kismet.ts";
import { mulberry32 } from "../scripts/lib/random.ts";

const LATEST = embeddedMigrations().length;
const APPENDED = ["wifi_sightings", "bluetooth_sightings", "gps_track", "health_records"];

/** A piwardrive database made by `collect --demo`, alone in its own folder. */
async function demoDatabase(dir: string): Promise<string> {
  Deno.mkdirSync(`${dir}/demo`);
  const path = `${dir}/demo/demo.db`;
  const result = await cli("--db", path, "collect", "--demo", "--quiet");
  assert.equal(result.code, 0, result.stderr);
  return path;
}

Deno.test("a database from collect --demo imports into another, once, and is not touched", async () => {
  using dir = tempDir();
  const source = await demoDatabase(dir.path);
  const sourceCounts = tableCounts(source);
  const before = await folderState(`${dir.path}/demo`);
  const db = `${dir.path}/p.db`;

  const dry = await cli("--db", db, "import", source, "--dry-run");
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^Would import ".*demo.db" \(piwardrive database at version \d+\) into/);
  assert.match(dry.stdout, /Dry run: nothing was written\n$/);
  assert.deepEqual([...Deno.readDirSync(dir.path)].map((e) => e.name), ["demo"]);

  const result = await cli("--db", db, "import", source, "--json");
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  const expected = Object.fromEntries(APPENDED.map((t) => [t, sourceCounts[t]]));
  assert.deepEqual(report.counts.imported, expected);
  assert.deepEqual(report.counts.networks, { new: sourceCounts.wifi_networks, merged: 0 });
  assert.deepEqual(report.counts.devices, { new: sourceCounts.bluetooth_devices, merged: 0 });
  const dryCounts = JSON.parse(
    (await cli("--db", `${dir.path}/none.db`, "import", source, "--dry-run", "--json")).stdout,
  ).counts;
  assert.deepEqual(dryCounts, report.counts, "the dry run reports what the import does");
  const counts = tableCounts(db);
  for (const table of [...APPENDED, "wifi_networks", "bluetooth_devices"]) {
    assert.equal(counts[table], sourceCounts[table], table);
  }
  // The same sightings, network by network.
  const sightings = (path: string) => {
    const d = new DatabaseSync(path, { readOnly: true });
    const rows = d.prepare(
      `SELECT n.bssid, s.seen_at, s.signal_dbm, s.gps_lat, s.gps_lon FROM wifi_sightings AS s
       JOIN wifi_networks AS n ON n.id = s.network_id ORDER BY n.bssid, s.seen_at, s.signal_dbm`,
    ).all().map((r) => Object.values(r));
    d.close();
    return rows;
  };
  assert.deepEqual(sightings(db), sightings(source));

  const again = await cli("--db", db, "import", source, "--json");
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(tableCounts(db), counts, "the second import added nothing");
  assert.equal(
    JSON.parse(again.stdout).counts.skipped["already imported"],
    APPENDED.reduce((sum, t) => sum + sourceCounts[t], 0),
  );
  assert.deepEqual(await folderState(`${dir.path}/demo`), before, "the source was never changed");
  assert.equal((await cli("--db", db, "migrate", "--verify")).code, 0);
  assert.equal((await cli("--db", db, "db", "stats")).code, 0);
  const rows = async (path: string, out: string) => {
    const result = await cli("--db", path, "export", "--format", "wigle", "-o", out);
    assert.equal(result.code, 0, result.stderr);
    return Deno.readTextFileSync(out).split("\n").slice(2).sort();
  };
  const imported = await rows(db, `${dir.path}/imported.csv`);
  assert.ok(imported.length > 100);
  assert.deepEqual(imported, await rows(source, `${dir.path}/original.csv`));
});

Deno.test("networks merge by BSSID: earliest first_seen, latest last_seen, the strongest located signal", async () => {
  using dir = tempDir();
  const source = `${dir.path}/a.db`;
  const target = `${dir.path}/b.db`;
  const insert = (path: string, row: unknown[]) => {
    const db = databaseAt(path, LATEST);
    db.prepare(
      `INSERT INTO wifi_networks (bssid, ssid, signal_strength, encryption, first_seen, last_seen,
         gps_lat, gps_lon, gps_accuracy) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(...row as never[]);
    db.close();
  };
  insert(source, [
    "b8:27:eb:00:00:01",
    "new name",
    -70,
    "WPA2-PSK",
    "2024-06-01T10:00:00.000Z",
    "2024-06-01T10:05:00.000Z",
    48.1,
    11.5,
    5,
  ]);
  insert(target, [
    "b8:27:eb:00:00:01",
    "old name",
    -60,
    "WPA-PSK",
    "2024-06-01T09:00:00.000Z",
    "2024-06-01T09:30:00.000Z",
    null,
    null,
    null,
  ]);
  const result = await cli("--db", target, "import", source, "--json");
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout).counts.networks, { new: 0, merged: 1 });
  const db = new DatabaseSync(target, { readOnly: true });
  assert.deepEqual({
    ...db.prepare(
      "SELECT ssid, signal_strength, encryption, first_seen, last_seen, gps_lat, gps_lon FROM wifi_networks",
    ).get(),
  }, {
    ssid: "new name",
    signal_strength: -70,
    encryption: "WPA2-PSK",
    first_seen: "2024-06-01T09:00:00.000Z",
    last_seen: "2024-06-01T10:05:00.000Z",
    gps_lat: 48.1,
    gps_lon: 11.5,
  });
  db.close();
});

Deno.test("an older piwardrive database (version 3, no sightings) is migrated in a private copy", async () => {
  using dir = tempDir();
  Deno.mkdirSync(`${dir.path}/old`);
  const source = `${dir.path}/old/v3.db`;
  const setup = databaseAt(source, 3);
  fillBaselineRows(setup, 40);
  const networks = Number(
    setup.prepare("SELECT count(DISTINCT bssid) AS n FROM wifi_networks").get()!.n,
  );
  const health = Number(setup.prepare("SELECT count(*) AS n FROM health_records").get()!.n);
  setup.close();
  const before = await folderState(`${dir.path}/old`);
  const result = await cli("--db", `${dir.path}/p.db`, "import", source);
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stdout,
    /note: source at version 3 migrated to \d+ in a private copy \(the file is unchanged\)/,
  );
  assert.match(result.stdout, new RegExp(`networks: ${networks} new, 0 merged`));
  assert.match(result.stdout, new RegExp(`health_records: ${health} rows`));
  assert.deepEqual(await folderState(`${dir.path}/old`), before);
});

Deno.test("bad input is refused with one line and its exit code, and nothing is written", async () => {
  using dir = tempDir();
  const db = `${dir.path}/target/p.db`;
  Deno.mkdirSync(`${dir.path}/target`);
  const text = `${dir.path}/notes.txt`;
  Deno.writeTextFileSync(text, "BSSID,SSID\n00:11:22:33:44:55,home\n");
  const cipher = `${dir.path}/app.db`;
  // What SQLCipher writes: no plaintext header, every page encrypted.
  Deno.writeFileSync(cipher, new Uint8Array(4096).map((_, i) => (i * 7919 + 13) % 251));
  const newer = `${dir.path}/newer.db`;
  databaseAt(newer, LATEST).exec(
    "INSERT INTO schema_version (version, description, applied_at, checksum) VALUES (99, 'future', '2030-01-01', 'sha256:00')",
  );
  const kismet = `${dir.path}/cut.kismet`;
  writeKismetLog(kismet, {
    version: 8,
    devices: [],
    packets: Array.from(
      { length: 400 },
      (_, i) => ({ ts: 1_700_000_000 + i, phy: "IEEE802.11", mac: "00:11:22:33:44:55" }),
    ),
  });
  const whole = Deno.readFileSync(kismet);
  Deno.writeFileSync(kismet, whole.subarray(0, 8192));
  const self = `${dir.path}/self.db`;
  databaseAt(self, LATEST).close();

  const cases: [string[], number, string][] = [
    [
      [text],
      1,
      `piwardrive: Cannot import "${text}": it is text, not a SQLite database (it starts "BSSID,SSID"); give a piwardrive database, PiWardrive's app.db or a Kismet .kismet log`,
    ],
    [
      [cipher],
      1,
      `piwardrive: Cannot import "${cipher}": it is not a SQLite database (4096 bytes without SQLite's header; an encrypted SQLCipher app.db looks like this: decrypt it first with its key); give a piwardrive database, PiWardrive's app.db or a Kismet .kismet log`,
    ],
    [
      [newer],
      4,
      `piwardrive: Cannot import "${newer}": its schema is newer than this binary (version(s) 99, this binary knows up to ${LATEST}); use a newer piwardrive`,
    ],
    [
      [kismet],
      1,
      `piwardrive: Cannot import "${kismet}": it is truncated: 8192 bytes, its header says ${whole.length}; copy the whole file again`,
    ],
    [
      [`${dir.path}/missing.kismet`],
      1,
      `piwardrive: Cannot import "${dir.path}/missing.kismet": no such file`,
    ],
  ];
  for (const [args, code, line] of cases) {
    const result = await cli("--db", db, "import", ...args);
    assert.equal(result.stderr, `${line}\n`, args.join(" "));
    assert.equal(result.code, code, args.join(" "));
    assert.deepEqual([...Deno.readDirSync(`${dir.path}/target`)], [], "nothing written");
  }
  const wrongKind = await cli("--db", db, "import", self, "--from", "kismet");
  assert.equal(wrongKind.code, 1);
  assert.equal(
    wrongKind.stderr,
    `piwardrive: Cannot import "${self}" as kismet: it is a piwardrive database; use --from piwardrive or --from auto\n`,
  );
  const selfBefore = tableCounts(self);
  const same = await cli("--db", self, "import", `${dir.path}/./self.db`);
  assert.equal(same.code, 2);
  assert.equal(
    same.stderr,
    `piwardrive: Cannot import "${dir.path}/./self.db" into itself: it is the database given by --db; give another --db\n`,
  );
  assert.deepEqual(tableCounts(self), selfBefore);
});

Deno.test("an import killed at random points leaves whole batches, and a re-run completes it", async () => {
  using dir = tempDir();
  const source = `${dir.path}/big.kismet`;
  const total = 60_000;
  generatedKismetLog(source, total);
  const random = mulberry32(7);
  for (let trial = 0; trial < 5; trial++) {
    const db = `${dir.path}/p${trial}.db`;
    const child = spawnCli(["--db", db, "import", source]);
    const delay = 400 + Math.floor(random() * 2500);
    await new Promise((resolve) => setTimeout(resolve, delay));
    try {
      child.kill("SIGKILL");
    } catch {
      // it finished first: the checks below hold all the same
    }
    await child.output();
    let imported = 0;
    try {
      const d = new DatabaseSync(db);
      const tables = d.prepare("SELECT name FROM sqlite_master WHERE name = 'source_rows'").get();
      if (tables) {
        imported = Number(d.prepare("SELECT count(*) AS n FROM wifi_sightings").get()!.n);
        const keyed = Number(d.prepare("SELECT count(*) AS n FROM source_rows").get()!.n);
        const orphans = Number(
          d.prepare(
            "SELECT count(*) AS n FROM wifi_sightings WHERE id NOT IN (SELECT row_id FROM source_rows WHERE table_name = 'wifi_sightings')",
          ).get()!.n,
        );
        assert.equal(
          keyed,
          imported,
          `trial ${trial}: every row has its key and every key its row`,
        );
        assert.equal(orphans, 0);
        assert.equal(imported % 5000, 0, `trial ${trial}: whole batches only (${imported})`);
      }
      d.close();
    } catch (error) {
      if (!(error instanceof Error) || !/no such table|unable to open/.test(error.message)) {
        throw error;
      }
    }
    const rerun = await cli("--db", db, "import", source, "--json");
    assert.equal(rerun.code, 0, rerun.stderr);
    const counts = JSON.parse(rerun.stdout).counts;
    assert.equal(
      counts.imported.wifi_sightings,
      total - imported,
      `trial ${trial} after ${delay} ms`,
    );
    assert.equal(counts.skipped["already imported"] ?? 0, imported);
    assert.equal(tableCounts(db).wifi_sightings, total);
  }
});

Deno.test("a source whose -wal holds committed rows, or with a hot journal, is read from a private copy", async () => {
  using dir = tempDir();
  // WAL: rows committed by a writer still running, not yet checkpointed into the file.
  Deno.mkdirSync(`${dir.path}/wal`);
  const walSource = `${dir.path}/wal/live.db`;
  databaseAt(walSource, LATEST).close();
  const writer = new DatabaseSync(walSource);
  writer.exec("PRAGMA wal_autocheckpoint = 0");
  writer.exec(
    `INSERT INTO wifi_networks (bssid, first_seen, last_seen) VALUES ('b8:27:eb:00:00:09', '2024-06-01T10:00:00.000Z', '2024-06-01T10:00:00.000Z');
     INSERT INTO wifi_sightings (network_id, seen_at, signal_dbm) VALUES (last_insert_rowid(), '2024-06-01T10:00:00.000Z', -50)`,
  );
  assert.ok(Deno.statSync(`${walSource}-wal`).size > 0);
  const walBefore = await folderState(`${dir.path}/wal`);
  const fromWal = await cli("--db", `${dir.path}/a.db`, "import", walSource, "--json");
  const walAfter = await folderState(`${dir.path}/wal`);
  writer.close();
  assert.equal(fromWal.code, 0, fromWal.stderr);
  const walReport = JSON.parse(fromWal.stdout);
  assert.equal(walReport.counts.imported.wifi_sightings, 1);
  assert.match(walReport.notes[0], /^read from a private copy: it is in WAL mode/);
  assert.deepEqual(walAfter, walBefore, "the file, its -wal and -shm are as the writer left them");

  // A hot journal: a copy of a log taken in the middle of a transaction that deleted every
  // packet; SQLite must roll it back (on our copy) before reading.
  const log = `${dir.path}/k.kismet`;
  generatedKismetLog(log, 3000);
  Deno.mkdirSync(`${dir.path}/crash`);
  const crashed = `${dir.path}/crash/k.kismet`;
  const db = new DatabaseSync(log);
  db.exec("PRAGMA journal_mode = DELETE; PRAGMA cache_size = 1; BEGIN; DELETE FROM packets");
  Deno.copyFileSync(log, crashed);
  Deno.copyFileSync(`${log}-journal`, `${crashed}-journal`);
  db.exec("ROLLBACK");
  db.close();
  const crashBefore = await folderState(`${dir.path}/crash`);
  const fromCrash = await cli("--db", `${dir.path}/b.db`, "import", crashed, "--json");
  assert.equal(fromCrash.code, 0, fromCrash.stderr);
  const crashReport = JSON.parse(fromCrash.stdout);
  assert.equal(
    crashReport.notes[0],
    "read from a private copy: a hot journal beside it must be rolled back",
  );
  assert.equal(crashReport.counts.imported.wifi_sightings, 3000);
  assert.deepEqual(await folderState(`${dir.path}/crash`), crashBefore);
});

Deno.test("a terminal gets a progress line, cleared before the summary", async () => {
  using dir = tempDir();
  const source = `${dir.path}/k.kismet`;
  generatedKismetLog(source, 40_000);
  const status: string[] = [];
  const out: string[] = [];
  const code = await main(["--db", `${dir.path}/p.db`, "import", source], {
    out: (t) => out.push(t),
    err: () => {},
    status: (line) => status.push(line),
    isTerminal: true,
  });
  assert.equal(code, 0);
  assert.ok(status.length >= 2, `${status.length} status lines`);
  for (const line of status.slice(0, -1)) {
    assert.match(line, new RegExp(`^importing ${source}: \\d{1,3} %$`));
  }
  assert.equal(status.at(-1), "");
  assert.match(out[0], /^Imported ".*k\.kismet" \(Kismet 2023\.00\.GIT log, db_version 8\)/);
});
