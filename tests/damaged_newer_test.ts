/**
 * A damaged file whose ledger seems to name a newer version is reported as damaged (exit 3), not
 * as "newer than this binary" (exit 4): the ledger of a broken file is not believed, and exit 4
 * would send the user looking for a newer piwardrive instead of a backup.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { cli, tempDir } from "./helpers/cli.ts";
import { databaseAt, fillBaselineRows } from "./helpers/db.ts";
import { embeddedMigrations } from "../src/migrate/embedded.ts";

Deno.test("db check and migrate --verify --deep: damage wins over a newer-looking ledger", async () => {
  using dir = tempDir();
  const path = `${dir.path}/p.db`;
  const db = databaseAt(path, embeddedMigrations().length);
  fillBaselineRows(db, 2000);
  db.exec("INSERT INTO schema_version (version, description, applied_at) VALUES (999, 'x', 'y')");
  db.exec("PRAGMA journal_mode = DELETE");
  const { rootpage } = db.prepare(
    "SELECT rootpage FROM sqlite_master WHERE name = 'idx_wifi_bssid'",
  ).get() as { rootpage: number };
  const { page_size } = db.prepare("PRAGMA page_size").get() as { page_size: number };
  db.close();
  // The index's root page: keep its header, scramble its cells.
  const file = Deno.openSync(path, { read: true, write: true });
  file.seekSync((rootpage - 1) * page_size + 200, Deno.SeekMode.Start);
  file.writeSync(new Uint8Array(page_size - 400).fill(0x5a));
  file.close();
  const probe = new DatabaseSync(path, { readOnly: true });
  assert.notEqual(Object.values(probe.prepare("PRAGMA quick_check").get()!)[0], "ok");
  probe.close();

  const check = await cli("--db", path, "db", "check");
  assert.equal(check.code, 3, check.stdout + check.stderr);
  assert.match(check.stdout, /^integrity_check: FAILED$/m);
  const verify = await cli("--db", path, "migrate", "--verify", "--deep");
  assert.equal(verify.code, 3, verify.stdout + verify.stderr);
  const plain = await cli("--db", path, "migrate", "--verify");
  assert.equal(plain.code, 4, "without --deep the damage is unseen and the ledger is believed");
});
