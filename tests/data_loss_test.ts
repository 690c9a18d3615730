/**
 * Migrations that would delete rows, on a database holding a real drive (`collect --demo`):
 * refused without --allow-data-loss, counted exactly, and their backup kept through pruning.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { cli, tempDir } from "./helpers/cli.ts";
import { databaseAt, logicalDump } from "./helpers/db.ts";
import { embeddedMigrationFiles } from "../src/migrate/embedded.ts";
const LATEST = embeddedMigrationFiles.length;

/** A database holding the demo drive (networks, devices, sightings, track). */
async function drive(dir: string): Promise<string> {
  const path = `${dir}/p.db`;
  const result = await cli("--db", path, "collect", "--demo", "--quiet");
  assert.equal(result.code, 0, result.stderr);
  return path;
}

function countOf(path: string, sql: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return Number(Object.values(db.prepare(sql).get()!)[0]);
  } finally {
    db.close();
  }
}

function dump(path: string): Record<string, string[]> {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return logicalDump(db);
  } finally {
    db.close();
  }
}

const backups = (dir: string) =>
  [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.includes(".bak-")).sort();

/** `1,234` as the messages write it. */
const n = (value: number) => value.toLocaleString("en-US");

/** The items of a refusal, largest first, from counts read independently of the migrator. */
function items(counts: [string, number][]): string {
  const total = counts.reduce((sum, [, c]) => sum + c, 0);
  const sorted = counts.filter(([, c]) => c > 0).sort((a, b) => b[1] - a[1]);
  return `${n(total)} rows: ${sorted.map(([t, c]) => `${t} ${n(c)}`).join(", ")}`;
}

Deno.test("migrate --to 1 on a drive is refused with exact counts, changes nothing and leaves no backup", async () => {
  using dir = tempDir();
  const path = await drive(dir.path);
  const sightings = countOf(path, "SELECT count(*) FROM wifi_sightings");
  const bt = countOf(path, "SELECT count(*) FROM bluetooth_sightings");
  const track = countOf(path, "SELECT count(*) FROM gps_track");
  const vendors = countOf(path, "SELECT count(*) FROM wifi_networks WHERE vendor IS NOT NULL");
  assert.ok(sightings > 0 && bt > 0 && track > 0 && vendors > 0);
  const before = dump(path);
  const result = await cli("--db", path, "migrate", "--to", "1");
  assert.equal(result.code, 2);
  assert.equal(result.stdout, "");
  const rows = sightings + bt + track;
  const listed = [
    ["wifi_sightings", sightings],
    ["bluetooth_sightings", bt],
    ["gps_track", track],
    [
      "wifi_networks.vendor",
      vendors,
    ],
  ] as [string, number][];
  assert.equal(
    result.stderr,
    `piwardrive: Migrating "${path}" down to version 1 would delete ${n(rows)} rows and ${
      n(vendors)
    } values: ${
      items(listed).replace(/^[^:]*: /, "")
    }; nothing was changed: rerun with --allow-data-loss (a backup is kept) or export first\n`,
  );
  assert.deepEqual(dump(path), before);
  assert.deepEqual(backups(dir.path), [], "the backup taken for the refused run is gone");

  // --to 0 drops every table: each one holding rows is named.
  const tables = ["wifi_networks", "bluetooth_devices", "wifi_sightings", "bluetooth_sightings"]
    .concat("gps_track", "health_records", "configuration")
    .map((t) => [t, countOf(path, `SELECT count(*) FROM ${t}`)] as [string, number]);
  const zero = await cli("--db", path, "migrate", "--to", "0");
  assert.equal(zero.code, 2);
  assert.equal(
    zero.stderr,
    `piwardrive: Migrating "${path}" down to version 0 would delete ${
      items(tables)
    }; nothing was changed: rerun with --allow-data-loss (a backup is kept) or export first\n`,
  );
  assert.deepEqual(dump(path), before);
});

Deno.test("--dry-run says what a run would delete, per step and in all, and writes nothing anywhere", async () => {
  using dir = tempDir();
  const path = await drive(dir.path);
  const track = countOf(path, "SELECT count(*) FROM gps_track");
  const bytes = Deno.readFileSync(path);
  const tmp = `${dir.path}/tmp`;
  Deno.mkdirSync(tmp);
  const saved = Deno.env.get("TMPDIR");
  Deno.env.set("TMPDIR", tmp);
  try {
    const plan = await cli("--db", path, "migrate", "--dry-run", "--to", "7");
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(
      plan.stdout,
      new RegExp(
        `\\n {2}down 0008 gps track\\n {7}would delete ${n(track)} rows?: gps_track ${
          n(track)
        }\\n {8}DROP TABLE gps_track;\\n`,
      ),
    );
    assert.match(
      plan.stdout,
      new RegExp(
        `\\nWould delete ${n(track)} rows: gps_track ${
          n(track)
        }: refused without --allow-data-loss\\nDry run: nothing was changed\\n$`,
      ),
    );
    const json = JSON.parse(
      (await cli("--db", path, "migrate", "--dry-run", "--to", "7", "--allow-data-loss", "--json"))
        .stdout,
    );
    assert.equal(json.permitted, true);
    assert.deepEqual(json.deleted, [
      { table: "gps_track", column: null, count: track, archivedIn: null },
    ]);
    assert.deepEqual([...Deno.readDirSync(tmp)], [], "the rehearsal's copy is removed");
    Deno.env.set("TMPDIR", `${tmp}/missing`);
    const nowhere = await cli("--db", path, "migrate", "--dry-run", "--to", "7");
    assert.equal(nowhere.code, 1);
    assert.match(
      nowhere.stderr,
      /^piwardrive: Cannot copy ".*p\.db" into a temporary folder to count what the migration would delete: .*; set TMPDIR to a folder with room for a copy\n$/,
    );
  } finally {
    if (saved === undefined) Deno.env.delete("TMPDIR");
    else Deno.env.set("TMPDIR", saved);
  }
  assert.deepEqual(Deno.readFileSync(path), bytes);
  assert.deepEqual(backups(dir.path), []);
});

Deno.test("with --allow-data-loss the run goes ahead and its backup, holding every row, outlives pruning", async () => {
  using dir = tempDir();
  const path = await drive(dir.path);
  const before = dump(path);
  const result = await cli("--db", path, "migrate", "--to", "1", "--allow-data-loss");
  assert.equal(result.code, 0, result.stderr);
  const [kept] = backups(dir.path);
  assert.match(kept, new RegExp(`^p\\.db\\.bak-\\d{8}T\\d{6}\\.\\d{3}Z-v${LATEST}-keep$`));
  const keptPath = `${dir.path}/${kept}`;
  assert.match(
    result.stdout,
    new RegExp(
      `\\nDeleted [\\d,]+ rows and [\\d,]+ values: .*; the backup before it is kept: ${
        keptPath.replaceAll(".", "\\.")
      }\\n$`,
    ),
  );
  assert.equal(countOf(path, "SELECT count(*) FROM wifi_networks"), before.wifi_networks.length);
  assert.deepEqual(dump(keptPath), before, "the kept backup holds every row");
  const keptBytes = Deno.readFileSync(keptPath);

  // Four more runs, each backing up and pruning to the newest three.
  for (const args of [[], ["--to", "3"], [], ["--to", "2"]]) {
    const run = await cli("--db", path, "migrate", ...args);
    assert.equal(run.code, 0, `${args.join(" ")}: ${run.stderr}`);
  }
  const after = backups(dir.path);
  assert.equal(after.length, 4);
  assert.ok(after.includes(kept));
  assert.deepEqual(Deno.readFileSync(keptPath), keptBytes);

  const status = await cli("--db", path, "migrate", "--status");
  assert.equal(status.code, 0);
  const time = kept.replace(
    /^p\.db\.bak-(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)\.(\d{3})Z.*$/,
    "$1-$2-$3T$4:$5:$6.$7Z",
  );
  assert.match(
    status.stdout,
    new RegExp(
      `\\nKept backups \\(taken before runs that deleted rows; never pruned automatically\\):\\n {2}${
        keptPath.replaceAll(".", "\\.")
      } {2}version ${LATEST} {2}${time.replaceAll(".", "\\.")} {2}${n(keptBytes.length)} bytes\\n$`,
    ),
  );
  const json = JSON.parse((await cli("--db", path, "migrate", "--status", "--json")).stdout);
  assert.deepEqual(json.keptBackups, [
    { path: keptPath, version: LATEST, time, bytes: keptBytes.length },
  ]);
});

Deno.test("merging duplicates: migrate refuses without the flag, collect goes ahead and keeps the backup", async () => {
  using dir = tempDir();
  const setup = (name: string) => {
    const db = databaseAt(`${dir.path}/${name}`, 4);
    const wifi = db.prepare(
      "INSERT INTO wifi_networks (bssid, ssid, signal_strength) VALUES (?, ?, ?)",
    );
    wifi.run("aa:aa:aa:aa:aa:aa", "a", -70);
    wifi.run("aa:aa:aa:aa:aa:aa", "a", -40);
    wifi.run("aa:aa:aa:aa:aa:aa", "a", -50);
    db.close();
    return `${dir.path}/${name}`;
  };
  const plain = setup("plain.db");
  const before = dump(plain);
  const refused = await cli("--db", plain, "migrate");
  assert.equal(refused.code, 2);
  assert.equal(
    refused.stderr,
    `piwardrive: Migrating "${plain}" up to version ${LATEST} would delete 2 rows: wifi_networks 2 (archived in wifi_networks_merged); nothing was changed: rerun with --allow-data-loss (a backup is kept) or export first\n`,
  );
  assert.deepEqual(dump(plain), before);

  const collected = setup("collect.db");
  const networks = dump(collected).wifi_networks;
  const run = await cli("--db", collected, "collect", "--demo", "--once", "--quiet");
  assert.equal(run.code, 0, run.stderr);
  assert.equal(countOf(collected, "SELECT count(*) FROM wifi_networks_merged"), 3);
  const kept = backups(dir.path);
  assert.equal(kept.length, 1);
  assert.match(kept[0], /^collect\.db\.bak-.*-v4-keep$/);
  assert.deepEqual(dump(`${dir.path}/${kept[0]}`).wifi_networks, networks);
});

Deno.test("collect refuses a migration that deletes rows it does not archive, and says how to go on", async () => {
  using dir = tempDir();
  const path = await drive(dir.path);
  const source = `${dir.path}/migrations`;
  Deno.mkdirSync(source);
  for (const m of embeddedMigrationFiles) Deno.writeTextFileSync(`${source}/${m.name}`, m.text);
  Deno.writeTextFileSync(
    `${source}/${String(LATEST + 1).padStart(4, "0")}_forget_track.sql`,
    "-- migrate:up\nDELETE FROM gps_track;\n-- migrate:down\nSELECT 1;\n-- migrate:verify\nSELECT 1;\n",
  );
  const track = countOf(path, "SELECT count(*) FROM gps_track");
  const before = dump(path);
  const result = await cli("--db", path, "--migrations-dir", source, "collect", "--demo", "--once");
  assert.equal(result.code, 2);
  assert.equal(
    result.stderr,
    `piwardrive: Migrating "${path}" up to version ${LATEST + 1} would delete ${
      n(track)
    } rows: gps_track ${
      n(track)
    }; nothing was changed: export what you need, then run \`piwardrive migrate --allow-data-loss\` (a backup is kept)\n`,
  );
  assert.deepEqual(dump(path), before);
  assert.deepEqual(backups(dir.path), []);
});
