/**
 * The three failures behind exit 3 are three error classes, each carrying what a caller needs:
 * a ledger that disagrees with the binary (tests/ledger_compare_test.ts), a schema that matches
 * no known version, and a damaged file.
 */
import assert from "node:assert/strict";
import { tempDir } from "./helpers/cli.ts";
import { databaseAt } from "./helpers/db.ts";
import {
  DamagedDatabaseError,
  LedgerMismatchError,
  SchemaMismatchError,
  VerificationError,
} from "../src/errors.ts";
import { embeddedMigrations, expectedSchemas, Migrator } from "../src/migrate/mod.ts";
import { restoreFrom } from "../src/db/maintenance.ts";

Deno.test("a ledger-less schema that matches no version: SchemaMismatchError with the closest version and its differences", () => {
  using dir = tempDir();
  const db = databaseAt(`${dir.path}/odd.db`, 2);
  db.exec("DROP TABLE schema_version; ALTER TABLE wifi_networks ADD COLUMN notes TEXT");
  const migrations = embeddedMigrations();
  try {
    assert.throws(
      () => new Migrator(db, migrations).adoptLegacySchema(expectedSchemas(migrations)),
      (e: unknown) => {
        assert.ok(e instanceof SchemaMismatchError);
        assert.ok(e instanceof VerificationError);
        assert.ok(!(e instanceof LedgerMismatchError));
        assert.equal(e.exitCode, 3);
        assert.equal(e.closestVersion, 2);
        assert.deepEqual(e.differences, ['table wifi_networks: column "notes" is not expected']);
        return true;
      },
    );
  } finally {
    db.close();
  }
});

Deno.test("a backup that is not a database: DamagedDatabaseError naming the backup", () => {
  using dir = tempDir();
  databaseAt(`${dir.path}/p.db`, 1).close();
  const bad = `${dir.path}/bad.backup`;
  Deno.writeTextFileSync(bad, "not a database at all, just text ".repeat(20));
  assert.throws(() => restoreFrom(`${dir.path}/p.db`, bad, embeddedMigrations()), (e: unknown) => {
    assert.ok(e instanceof DamagedDatabaseError);
    assert.ok(!(e instanceof SchemaMismatchError));
    assert.equal(e.exitCode, 3);
    assert.equal(e.path, bad);
    assert.match(e.message, /^Backup ".*bad\.backup" is not a sound database: /);
    return true;
  });
});
