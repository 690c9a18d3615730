/**
 * Damage that still opens: one b-tree page of a table, or of an index, overwritten in a copy of a
 * real database (the page found from sqlite_master.rootpage and the page size). `db check` and
 * `migrate --verify --deep` must exit 3 naming the object, `db restore` must refuse the file as a
 * backup, and `db backup` must refuse to write a backup from it.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { cli, tempDir } from "./helpers/cli.ts";
import { databaseAt, fillBaselineRows } from "./helpers/db.ts";
import { embeddedMigrations } from "../src/migrate/mod.ts";
import { integrityProblems } from "../src/db/damage.ts";

const dir = tempDir();
globalThis.addEventListener("unload", () => dir[Symbol.dispose]());
const SOUND = `${dir.path}/sound.db`;
{
  const db = databaseAt(SOUND, embeddedMigrations().length);
  fillBaselineRows(db, 30);
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.close();
}
let copies = 0;

/**
 * A copy of the sound database with the cell content of `name`'s root page overwritten with
 * 0xFF (the page header and the file header stay intact, so the file opens).
 */
function damaged(name: string, leaf = true): string {
  const probe = new DatabaseSync(SOUND, { readOnly: true });
  const { rootpage } = probe.prepare("SELECT rootpage FROM sqlite_master WHERE name = ?")
    .get(name) as { rootpage: number };
  const { page_size: pageSize } = probe.prepare("PRAGMA page_size").get() as {
    page_size: number;
  };
  probe.close();
  const bytes = Deno.readFileSync(SOUND);
  const page = bytes.subarray((rootpage - 1) * pageSize, rootpage * pageSize);
  // A leaf page (13: table, 10: index): its cells are the rows, or the index entries.
  // A leaf page (13: table, 10: index) holds the rows, or the index entries; an interior page
  // (5: table) holds the pointers to its children.
  assert.equal(page[0], leaf ? (name.startsWith("idx_") ? 10 : 13) : 5, `${name}'s root page`);
  const contentStart = (page[5] << 8) | page[6];
  page.fill(0xff, contentStart);
  const path = `${dir.path}/damaged-${copies++}.db`;
  Deno.writeFileSync(path, bytes);
  return path;
}

/** The sqlite3 command-line shell's own verdict, independent of the code under test. */
async function sqlite3Verdict(path: string): Promise<string> {
  const output = await new Deno.Command("sqlite3", {
    args: ["-readonly", path, "PRAGMA integrity_check;"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return new TextDecoder().decode(output.stdout).trim() || "error";
}

for (
  const [kind, name, object] of [
    ["table", "wifi_networks", "table wifi_networks"],
    ["index", "idx_wifi_ssid", 'index "idx_wifi_ssid"'],
  ]
) {
  Deno.test(`a damaged ${kind} page: db check and verify --deep exit 3 naming ${name}`, async () => {
    const path = damaged(name);
    assert.notEqual(await sqlite3Verdict(path), "ok");
    const check = await cli("--db", path, "db", "check");
    assert.equal(check.code, 3, check.stdout);
    const lines = check.stdout.split("\n");
    assert.equal(lines[0], "integrity_check: FAILED");
    assert.ok(lines[1].startsWith(`  ${object}: `), lines[1]);
    const deep = await cli("--db", path, "migrate", "--verify", "--deep", "--json");
    assert.equal(deep.code, 3);
    const open = JSON.parse(deep.stdout).checks[0];
    assert.equal(open.status, "fail");
    assert.ok(open.findings[0].startsWith(`quick_check: ${object}: `), open.findings[0]);
  });

  Deno.test(`a damaged ${kind} page: db restore refuses it as a backup and changes nothing`, async () => {
    const path = damaged(name);
    const live = `${dir.path}/live-${copies++}.db`;
    Deno.copyFileSync(SOUND, live);
    const before = Deno.readFileSync(live);
    const restore = await cli("--db", live, "db", "restore", path);
    assert.equal(restore.code, 3);
    assert.match(restore.stderr, /^piwardrive: Backup ".*" is not a sound database: .+\n$/);
    assert.deepEqual(Deno.readFileSync(live), before);
    assert.deepEqual(
      [...Deno.readDirSync(dir.path)].map((e) => e.name)
        .filter((n) => n.startsWith(`live-${copies - 1}.db.`) && !n.endsWith(".lock")),
      [],
    );
  });

  Deno.test(`a damaged ${kind} page: db backup writes no backup of it`, async () => {
    const path = damaged(name);
    const destination = `${dir.path}/backup-${copies++}.db`;
    const backup = await cli("--db", path, "db", "backup", destination);
    assert.notEqual(backup.code, 0);
    assert.ok(
      backup.stderr.startsWith(
        `piwardrive: Cannot back up to "${destination}": the copy fails quick_check: ${object}: `,
      ),
      backup.stderr,
    );
    assert.throws(() => Deno.statSync(destination), Deno.errors.NotFound);
  });
}

/** The root page of `name` in the sound database. */
function root(name: string): number {
  const db = new DatabaseSync(SOUND, { readOnly: true });
  try {
    return (db.prepare("SELECT rootpage FROM sqlite_master WHERE name = ?").get(name) as {
      rootpage: number;
    }).rootpage;
  } finally {
    db.close();
  }
}

function problems(path: string, pragma: "quick_check" | "integrity_check", limit?: number) {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return integrityProblems(db, pragma, limit);
  } finally {
    db.close();
  }
}

Deno.test("integrity problems: one line per damaged object, with how many more it has", () => {
  assert.deepEqual(problems(SOUND, "quick_check"), []);
  assert.deepEqual(problems(SOUND, "integrity_check"), []);
  const t = root("wifi_networks");
  assert.deepEqual(problems(damaged("wifi_networks"), "quick_check"), [
    `table wifi_networks: Tree ${t} page ${t} cell 29: invalid page number 4294967295 (and 55 more)`,
    "database disk image is malformed",
  ]);
  const i = root("idx_wifi_ssid");
  const index = damaged("idx_wifi_ssid");
  for (const pragma of ["quick_check", "integrity_check"] as const) {
    assert.deepEqual(problems(index, pragma), [
      `index "idx_wifi_ssid": Tree ${i} page ${i} cell 29: Extends off end of page (and 29 more)`,
    ]);
  }
});

Deno.test("integrity problems: an interior page lost, its indexes' counts, pages left unused", () => {
  const path = damaged("bluetooth_devices", false);
  const t = root("bluetooth_devices");
  const all = [
    `table bluetooth_devices: Tree ${t} page ${t} cell 0: Extends off end of page`,
    'index "idx_bt_address": wrong # of entries in index idx_bt_address',
    'index "idx_bt_location": wrong # of entries in index idx_bt_location',
    'index "idx_bt_last_seen": wrong # of entries in index idx_bt_last_seen',
    'index "idx_bt_name": wrong # of entries in index idx_bt_name',
  ];
  const found = problems(path, "integrity_check");
  assert.deepEqual(found.slice(0, 5), all);
  assert.equal(found.length, 6);
  assert.match(found[5], /^Page \d+: never used$/);
  assert.deepEqual(problems(path, "integrity_check", 2), all.slice(0, 2));
  assert.deepEqual(problems(path, "quick_check"), found);
});

Deno.test("integrity problems: a schema that cannot be read says so", () => {
  const bytes = Deno.readFileSync(SOUND);
  const page = bytes.subarray(100, 4096); // page 1: sqlite_master, after the file header
  page.fill(0xff, ((page[5] << 8) | page[6]) - 100);
  const path = `${dir.path}/schema-${copies++}.db`;
  Deno.writeFileSync(path, bytes);
  assert.deepEqual(problems(path, "quick_check"), [
    "the schema cannot be read: database disk image is malformed",
  ]);
});

Deno.test("db check: damage in a child table is named, and foreign_key_check says it cannot read it", async () => {
  const bytes = Deno.readFileSync(SOUND);
  const r = root("wifi_sightings");
  bytes[(r - 1) * 4096] = 0xff; // the page type: no b-tree page at all
  const path = `${dir.path}/child-${copies++}.db`;
  Deno.writeFileSync(path, bytes);
  const check = await cli("--db", path, "db", "check");
  assert.equal(check.code, 3);
  const lines = check.stdout.split("\n");
  const fk = lines.indexOf("foreign_key_check: FAILED");
  assert.ok(lines.slice(1, fk).some((l) => l.startsWith("  table wifi_sightings: ")), check.stdout);
  assert.equal(lines[fk + 1], "  cannot read the database: database disk image is malformed");
  // verify without --deep reads no rows until foreign_key_check: the check that met it says so.
  const verify = await cli("--db", path, "migrate", "--verify", "--json");
  assert.equal(verify.code, 3);
  const failed = (JSON.parse(verify.stdout).checks as { check: string; status: string }[])
    .filter((c) => c.status !== "pass");
  assert.deepEqual(failed, [{
    check: "foreign_keys",
    status: "fail",
    findings: ["cannot read the database: database disk image is malformed"],
  }]);
});

Deno.test("integrity problems: a check that stops with an error keeps what it found and says why", () => {
  const real = new DatabaseSync(damaged("idx_wifi_ssid"), { readOnly: true });
  // The check's rows, then an error, as when it meets worse damage half-way.
  const stopping = {
    prepare(sql: string) {
      const statement = real.prepare(sql);
      if (!sql.startsWith("PRAGMA")) return statement;
      return {
        *iterate() {
          yield* statement.iterate();
          throw new Error("disk I/O error");
        },
      };
    },
  } as unknown as DatabaseSync;
  const i = root("idx_wifi_ssid");
  assert.deepEqual(integrityProblems(stopping, "quick_check"), [
    `index "idx_wifi_ssid": Tree ${i} page ${i} cell 29: Extends off end of page (and 29 more)`,
    "disk I/O error",
  ]);
  real.close();
});

Deno.test("db check is read-only: a rollback-journal file (a backup) keeps every byte", async () => {
  const backup = `${dir.path}/backup-${copies++}.db`;
  assert.equal((await cli("--db", SOUND, "db", "backup", backup)).code, 0);
  const before = Deno.readFileSync(backup);
  assert.equal(before[18], 1, "a rollback-journal file");
  const check = await cli("--db", backup, "db", "check");
  assert.equal(check.code, 0, check.stdout);
  assert.deepEqual(Deno.readFileSync(backup), before);
});
