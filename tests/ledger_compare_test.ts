/**
 * The ledger rules mean the same for every reader: each finding of `compareLedger` is pinned on
 * one database, and every caller (the migrator's plan, `--verify`, `--status`, the writers'
 * open, `ensureNotNewer`, restore) is asked about that same database.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { compareLedger, type LedgerFinding } from "../src/db/ledger_compare.ts";
import { readLedger } from "../src/db/ledger.ts";
import { restoreFrom } from "../src/db/maintenance.ts";
import { embeddedMigrations } from "../src/migrate/mod.ts";
import { Migrator } from "../src/migrate/migrator.ts";
import { verifyDatabase } from "../src/migrate/verify.ts";
import { migrationStatus } from "../src/migrate/status.ts";
import { ensureNotNewer, openCurrentDatabase } from "../src/cli/open_for_writing.ts";
import { LedgerMismatchError, SchemaNewerError } from "../src/errors.ts";
import { databaseAt } from "./helpers/db.ts";
import { tempDir } from "./helpers/cli.ts";

const migrations = embeddedMigrations();
const latest = migrations.length;

interface Case {
  name: string;
  /** Builds the database at `path` from one at `version`. */
  version: number;
  tamper?: string;
  findings: LedgerFinding[];
  /** What the migrator's plan to the latest version does: its versions, or the error it throws. */
  plan: number[] | {
    error: "newer" | "missing" | "checksum";
    versions: number[];
    message: RegExp;
  };
  /** The verify checks about the ledger that fail. */
  failing: string[];
  verifyExit: number;
  /** `--status` states by version, for the versions the case is about. */
  status: Record<number, string>;
  /** Whether ensureNotNewer and restore refuse it as newer. */
  newer: boolean;
  /**
   * A writer's open without migrating: only the ledger's versions count there (it opens a
   * database whose checksums differ, as it always has; `migrate` and `--verify` refuse those).
   */
  openForWriting: "opened" | "newer" | "refused";
}

const ledgerInsert = (version: number) =>
  `INSERT INTO schema_version (version, description, applied_at, checksum) ` +
  `VALUES (${version}, 'x', '2026-01-01T00:00:00Z', 'c')`;

const CASES: Case[] = [
  {
    name: "current",
    openForWriting: "opened",
    version: latest,
    findings: [],
    plan: [],
    failing: [],
    verifyExit: 0,
    status: { 1: "applied", [latest]: "applied" },
    newer: false,
  },
  {
    name: "newer",
    openForWriting: "newer",
    version: latest,
    tamper: ledgerInsert(latest + 1),
    findings: [{ kind: "newer", version: latest + 1 }],
    plan: {
      error: "newer",
      versions: [latest + 1],
      message: new RegExp(`version\\(s\\) ${latest + 1},`),
    },
    failing: ["newer"],
    verifyExit: 4,
    status: { [latest]: "applied", [latest + 1]: "unknown" },
    newer: true,
  },
  {
    // An applied version at or below the latest that the binary does not embed (here 0).
    name: "missing",
    openForWriting: "opened",
    version: latest,
    tamper: ledgerInsert(0),
    findings: [{ kind: "missing", version: 0 }],
    plan: { error: "missing", versions: [0], message: /Applied version\(s\) 0 are missing/ },
    failing: ["missing"],
    verifyExit: 3,
    status: { 0: "unknown", 1: "applied" },
    newer: false,
  },
  {
    name: "checksum",
    openForWriting: "opened",
    version: latest,
    tamper: "UPDATE schema_version SET checksum = 'edited' WHERE version = 2",
    findings: [{
      kind: "checksum",
      version: 2,
      applied: "edited",
      expected: migrations[1].checksum,
    }],
    plan: { error: "checksum", versions: [2], message: /0002 differ .*checksum mismatch/ },
    failing: ["checksums"],
    verifyExit: 3,
    status: { 1: "applied", 2: "modified" },
    newer: false,
  },
  {
    name: "gap",
    openForWriting: "refused",
    version: 5,
    tamper: "DELETE FROM schema_version WHERE version = 3",
    findings: [
      { kind: "gap", version: 3 },
      ...migrations.slice(5).map((m) => ({ kind: "pending" as const, version: m.version })),
    ],
    plan: [3, ...migrations.slice(5).map((m) => m.version)],
    failing: ["pending"],
    verifyExit: 3,
    status: { 3: "pending", 4: "applied" },
    newer: false,
  },
  {
    name: "pending",
    openForWriting: "refused",
    version: latest - 1,
    findings: [{ kind: "pending", version: latest }],
    plan: [latest],
    failing: ["pending"],
    verifyExit: 3,
    status: { [latest - 1]: "applied", [latest]: "pending" },
    newer: false,
  },
];

const LEDGER_CHECKS = ["newer", "missing", "checksums", "pending"];

for (const c of CASES) {
  Deno.test(`ledger finding "${c.name}" means the same to every caller`, async () => {
    using dir = tempDir();
    const path = join(dir.path, "db.sqlite");
    const db = databaseAt(path, c.version);
    if (c.tamper) db.exec(c.tamper);
    const ledger = readLedger(db);

    assert.deepEqual(compareLedger(ledger, migrations).findings, c.findings);

    const migrator = new Migrator(db, migrations);
    if (Array.isArray(c.plan)) {
      assert.deepEqual(migrator.plan().map((s) => s.migration.version), c.plan);
    } else {
      const { error, versions, message } = c.plan;
      assert.throws(() => migrator.plan(), (e: unknown) => {
        if (error === "newer") {
          assert.ok(e instanceof SchemaNewerError);
          assert.deepEqual(e.unknownVersions, versions);
        } else {
          assert.ok(e instanceof LedgerMismatchError);
          assert.equal(e.kind, error);
          assert.deepEqual(e.versions, versions);
          assert.equal(e.exitCode, 3);
        }
        assert.match((e as Error).message, message);
        return true;
      });
    }
    db.close();

    const report = verifyDatabase(path, migrations);
    const failing = report.checks.filter((k) => k.status === "fail").map((k) => k.check);
    assert.deepEqual(failing.filter((k) => LEDGER_CHECKS.includes(k)), c.failing);
    assert.equal(report.exitCode, c.verifyExit);

    const status = migrationStatus(path, migrations);
    for (const [version, state] of Object.entries(c.status)) {
      assert.equal(status.versions.find((v) => v.version === Number(version))?.state, state);
    }

    const refusedAsNewer = (fn: () => unknown) => {
      try {
        fn();
        return false;
      } catch (error) {
        return error instanceof SchemaNewerError;
      }
    };
    assert.equal(refusedAsNewer(() => ensureNotNewer(path, { db: path })), c.newer);

    const io = { out: () => {}, err: () => {} };
    let opened: Case["openForWriting"];
    try {
      const handle = await openCurrentDatabase({ db: path }, io as never, {
        migrate: false,
        quiet: true,
      });
      handle.close();
      opened = "opened";
    } catch (error) {
      opened = error instanceof SchemaNewerError ? "newer" : "refused";
    }
    assert.equal(opened, c.openForWriting);

    const target = join(dir.path, "restored.sqlite");
    const restored = (() => {
      try {
        return restoreFrom(target, path, migrations).version;
      } catch (error) {
        return error instanceof SchemaNewerError ? "newer" : `error: ${error}`;
      }
    })();
    assert.equal(restored, c.newer ? "newer" : compareLedger(ledger, migrations).current);
  });
}

Deno.test("a missing ledger is its own finding, and nothing else is said", () => {
  assert.deepEqual(compareLedger(null, migrations), {
    latest,
    current: 0,
    findings: [{ kind: "no_ledger" }],
  });
  // An empty ledger is not a missing one: everything is pending.
  assert.deepEqual(
    compareLedger([], migrations).findings.map((f) => f.kind),
    migrations.map(() => "pending"),
  );
});
