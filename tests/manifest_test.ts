/** The build-time manifest: right for the embedded files, and never trusted for other input. */
import assert from "node:assert/strict";
import { buildManifest, MANIFEST_URL, manifestText } from "../scripts/generate/make_manifest.ts";
import { embeddedMigrationFiles, embeddedMigrations } from "../src/migrate/embedded.ts";
import { precomputedMigrations, precomputedSchema } from "../src/migrate/manifest.ts";
import { expectedSchemas } from "../src/migrate/migrator.ts";
import { loadMigrations } from "../src/migrate/parse.ts";

Deno.test("the committed manifest is what the embedded migrations give (else: deno task manifest)", () => {
  assert.equal(
    Deno.readTextFileSync(MANIFEST_URL),
    manifestText(buildManifest(embeddedMigrationFiles)),
    "src/migrate/manifest.json is stale: run `deno task manifest`",
  );
});

Deno.test("the embedded migrations are the same whether taken from the manifest or parsed here", () => {
  const fromManifest = precomputedMigrations(embeddedMigrationFiles);
  assert.ok(fromManifest, "the manifest does not match the embedded files");
  assert.deepEqual(fromManifest, loadMigrations([...embeddedMigrationFiles]));
  assert.deepEqual(embeddedMigrations(), embeddedMigrations({ precomputed: false }));
});

Deno.test("the manifest is used only for exactly the files it was made from", () => {
  const manifest = buildManifest(embeddedMigrationFiles);
  const files = [...embeddedMigrationFiles];
  assert.ok(precomputedMigrations(files, manifest));
  const withText = (i: number, text: string) => files.map((f, j) => j === i ? { ...f, text } : f);
  // One byte changed, a byte added, a file renamed, missing or added: parsed and hashed instead.
  assert.equal(
    precomputedMigrations(withText(1, files[1].text.replace("TEXT", "TEXt")), manifest),
    undefined,
  );
  assert.equal(precomputedMigrations(withText(9, `${files[9].text} `), manifest), undefined);
  assert.equal(
    precomputedMigrations(
      files.map((f, j) => j === 4 ? { ...f, name: "0005_other.sql" } : f),
      manifest,
    ),
    undefined,
  );
  assert.equal(precomputedMigrations(files.slice(0, 9), manifest), undefined);
  assert.equal(
    precomputedMigrations([...files, { name: "0011_next.sql", text: files[1].text }], manifest),
    undefined,
  );
});

Deno.test("the precomputed schema answers only for migrations with exactly its checksums", () => {
  const migrations = loadMigrations([...embeddedMigrationFiles]);
  const latest = migrations.length;
  const replayed = expectedSchemas(migrations)(latest);
  const precomputed = precomputedSchema();
  assert.equal(precomputed.version, latest);
  // The manifest's snapshot is the replay's, key order included (findings are listed in it).
  assert.equal(JSON.stringify(precomputed.snapshot), JSON.stringify(replayed));
  assert.equal(expectedSchemas(migrations, precomputed)(latest), precomputed.snapshot);

  // Another version 3 (a comment added): its checksum differs, so the replay answers.
  const other = loadMigrations(embeddedMigrationFiles.map((f, i) => ({
    ...f,
    text: i === 2 ? f.text.replace("-- migrate:up", "-- edited\n-- migrate:up") : f.text,
  })));
  const fake = { ...precomputed, snapshot: { tables: {}, indexes: {}, triggers: {}, views: {} } };
  assert.deepEqual(expectedSchemas(other, fake)(latest), replayed);
  assert.deepEqual(expectedSchemas(migrations, fake)(latest), fake.snapshot);
});
