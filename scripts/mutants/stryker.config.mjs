// Stryker's configuration for `deno task mutants` (scripts/mutants/run.sh), one target at a time
// (MUTANTS_TARGET): the files or lines it mutates, and the `deno test` of the test files that
// prove them, run by Stryker's command runner once per mutant.
const PERMISSIONS =
  "--allow-read --allow-write --allow-env --allow-sys --allow-run --allow-net=127.0.0.1,localhost";

/** @type {Record<string, { mutate: string[]; tests: string[] }>} */
export const TARGETS = {
  checksum: {
    mutate: ["src/migrate/checksum.ts", "src/migrate/sha256.ts"],
    tests: [
      "src/migrate/checksum_test.ts",
      "src/migrate/sha256_test.ts",
      "src/migrate/sha256_length_test.ts",
      "tests/verify_test.ts",
    ],
  },
  verify: {
    mutate: ["src/migrate/verify.ts"],
    tests: [
      "tests/verify_test.ts",
      "tests/verify_checks_test.ts",
      "tests/drift_test.ts",
      "tests/damage_test.ts",
    ],
  },
  schema: {
    // The comparison (diffSchema and its helpers); readSchema is proven by the pinned schemas.
    mutate: ["src/db/schema.ts:164-272"],
    tests: [
      "tests/drift_test.ts",
      "tests/verify_test.ts",
      "tests/migrations_test.ts",
    ],
  },
  normalise: {
    mutate: ["src/db/sql_normalise.ts"],
    tests: [
      "src/db/sql_normalise_test.ts",
      "src/db/sql_normalise_mutants_test.ts",
      "tests/drift_test.ts",
      "tests/verify_test.ts",
      "tests/migrations_test.ts",
    ],
  },
  integrity: {
    // damage.ts, and checkIntegrity in maintenance.ts.
    mutate: ["src/db/damage.ts", "src/db/maintenance.ts:27-45"],
    tests: [
      "tests/damage_test.ts",
      "tests/verify_checks_test.ts",
      "tests/db_commands_test.ts",
    ],
  },
  backup: {
    // backup.ts, and backupTo and restoreFrom in maintenance.ts.
    mutate: ["src/db/backup.ts", "src/db/maintenance.ts:126-205"],
    tests: [
      "tests/damage_test.ts",
      "tests/restore_test.ts",
      "tests/backup_restore_test.ts",
      "tests/db_commands_test.ts",
      "tests/migrate_cli_test.ts",
      "tests/free_space_test.ts",
      "tests/restore_steps_test.ts",
    ],
  },
};

const name = process.env.MUTANTS_TARGET ?? "verify";
const target = TARGETS[name];
if (!target) {
  throw new Error(
    `Unknown MUTANTS_TARGET "${name}": one of ${Object.keys(TARGETS)}`,
  );
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "command",
  // --no-check: type-checking each mutant's copy would cost more than running its tests.
  commandRunner: {
    command: `deno test --no-check --quiet ${PERMISSIONS} ${target.tests.join(" ")}`,
  },
  mutate: target.mutate,
  coverageAnalysis: "off",
  concurrency: 1,
  // A mutant that loops (in sha256, say) is "timed out", which counts as detected.
  timeoutMS: 15000,
  // One folder per target, so two targets can run side by side.
  tempDirName: `.stryker-tmp/${name}`,
  cleanTempDir: true,
  ignorePatterns: [
    "dist",
    ".stryker-tmp",
    "scripts/mutants/node_modules",
    "scripts/mutants/reports",
  ],
  reporters: ["clear-text", "progress", "json"],
  jsonReporter: { fileName: `scripts/mutants/reports/${name}.json` },
  clearTextReporter: {
    allowColor: false,
    logTests: false,
    reportMutants: true,
  },
};
