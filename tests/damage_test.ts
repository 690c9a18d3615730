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
function damaged(name: string): string {
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
  assert.ok(page[0] === 13 || page[0] === 10, `${name}'s root page ${rootpage} is a leaf`);
  const cells = (page[3] << 8) | page[4];
  assert.ok(cells >= 20, `${name} has ${cells} cells on its root page`);
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
    assert.match(backup.stderr, /^piwardrive: Cannot back up to ".*": .+\n$/);
    assert.throws(() => Deno.statSync(destination), Deno.errors.NotFound);
  });
}
