/**
 * `piwardrive sync` against a real PostgreSQL 15 + PostGIS cluster started for this file: every
 * refusal with its line and exit code (writing nothing), the password sources, the network
 * worker's one host, the central schema's migrations (older, newer, modified, up and down, two
 * runners at once), and TLS.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { START_PERMISSIONS, tempDir } from "./helpers/cli.ts";
import { driveDb } from "./helpers/drive_db.ts";
import { parseMigrationFile } from "../src/migrate/parse.ts";
import { CentralMigrator, type CentralSchemaError } from "../src/sync/central_migrator.ts";
import { centralMigrations } from "../src/sync/central_embedded.ts";
import { openCentral } from "../src/sync/connect.ts";
import { parseTarget } from "../src/sync/target.ts";
import { freePort, postgresAvailable } from "./helpers/postgres.ts";
import { fileCluster, oneLine, PASSWORD, sync } from "./helpers/sync.ts";

const ignore = !postgresAvailable();
const cluster = fileCluster();
const { pg, centralDb } = cluster;

Deno.test({
  name: "sync: refusals are one line with their own exit code, and write nothing",
  ignore,
  async fn() {
    using dir = tempDir();
    const central = await centralDb();
    const c = await pg();
    const pi = await driveDb(dir.path, 50);
    const nothingWritten = async () => {
      assert.equal(await c.psql(central.name, "SELECT to_regclass('schema_version') IS NULL"), "t");
      const db = new DatabaseSync(pi, { readOnly: true });
      assert.equal(db.prepare("SELECT count(*) AS n FROM sync_state").get()!.n, 0);
      assert.equal(
        db.prepare("SELECT count(*) AS n FROM configuration WHERE key = 'device_id'").get()!.n,
        0,
      );
      db.close();
    };
    // Wrong password: 7.
    Deno.env.set("PGPASSWORD", "wrong");
    let r = await sync(pi, central.url);
    Deno.env.set("PGPASSWORD", PASSWORD);
    assert.equal(r.code, 7, r.stderr);
    assert.equal(
      oneLine(r),
      `piwardrive: PostgreSQL at 127.0.0.1:${c.port} refused user "pw": password authentication failed for user "pw"; check the password (PGPASSWORD, ~/.pgpass or PIWARDRIVE_PG_PASSWORD_FILE) and pg_hba.conf`,
    );
    assert.ok(!r.stderr.includes("wrong"));
    // Nobody listening: 6.
    const port = freePort();
    r = await sync(pi, `postgres://pw@127.0.0.1:${port}/${central.name}`);
    assert.equal(r.code, 6, r.stderr);
    assert.equal(
      oneLine(r),
      `piwardrive: Cannot reach PostgreSQL at 127.0.0.1:${port}: connection refused; check the --to host and port, then run sync again (it resumes where it stopped)`,
    );
    // TLS required from a server without it: 7; disable and prefer work without it.
    r = await sync(pi, `${central.url}?sslmode=require`);
    assert.equal(r.code, 7, r.stderr);
    assert.match(
      oneLine(r),
      /^piwardrive: PostgreSQL at .* did not set up TLS as sslmode=require requires: /,
    );
    // A password in the URL: 2, and the password is never printed.
    r = await sync(pi, `postgres://pw:hunter2@127.0.0.1:${c.port}/${central.name}`);
    assert.equal(r.code, 2);
    assert.match(
      oneLine(r),
      /^piwardrive: The --to URL holds a password: remove it and put it in PGPASSWORD/,
    );
    assert.ok(!r.stderr.includes("hunter2") && !r.stdout.includes("hunter2"));
    await nothingWritten();

    for (const mode of ["disable", "prefer"]) {
      r = await sync(pi, `${central.url}?sslmode=${mode}`, "--dry-run");
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /wifi_sightings: 50 rows to send/);
    }
    await nothingWritten();

    // A newer central schema: 8, nothing sent.
    assert.equal((await sync(pi, central.url)).code, 0);
    await c.psql(
      central.name,
      "INSERT INTO schema_version (version, description, applied_at) VALUES (2, 'future', 'now')",
    );
    const db = new DatabaseSync(pi);
    db.exec(
      "INSERT INTO wifi_sightings (network_id, seen_at) SELECT network_id, seen_at FROM wifi_sightings LIMIT 5",
    );
    db.close();
    r = await sync(pi, central.url);
    assert.equal(r.code, 8, r.stderr);
    assert.equal(
      oneLine(r),
      `piwardrive: Central schema at 127.0.0.1:${c.port}/${central.name} is newer than this binary: it has version(s) 2, this binary knows up to 1; use a newer piwardrive`,
    );
    assert.equal(await c.psql(central.name, "SELECT count(*) FROM wifi_sightings"), "50");
    r = await sync(pi, central.url, "--verify");
    assert.equal(r.code, 8);
    // A modified central migration: 8 for sync, 3 for --verify-server.
    await c.psql(central.name, "DELETE FROM schema_version WHERE version = 2");
    await c.psql(central.name, "UPDATE schema_version SET checksum = 'sha256:00'");
    r = await sync(pi, central.url);
    assert.equal(r.code, 8, r.stderr);
    assert.match(oneLine(r), /0001_central_schema\.sql \(checksum mismatch\)/);
    r = await sync(pi, central.url, "--verify-server");
    assert.equal(r.code, 3);
    assert.match(r.stdout, /^FAIL checksums: modified: 0001_central_schema\.sql$/m);
    assert.equal(await c.psql(central.name, "SELECT count(*) FROM wifi_sightings"), "50");
  },
});

Deno.test({
  name: "sync: the password from PIWARDRIVE_PG_PASSWORD_FILE or ~/.pgpass, files only when 0600",
  ignore,
  async fn() {
    using dir = tempDir();
    const central = await centralDb();
    const c = await pg();
    const pi = await driveDb(dir.path, 10);
    Deno.env.delete("PGPASSWORD");
    const home = Deno.env.get("HOME");
    try {
      Deno.env.set("HOME", dir.path);
      let r = await sync(pi, central.url, "--dry-run");
      assert.equal(r.code, 7, r.stderr);
      assert.match(oneLine(r), /asks for a password and none was given/);

      const file = `${dir.path}/pw`;
      Deno.writeTextFileSync(file, `${PASSWORD}\n`, { mode: 0o644 });
      Deno.chmodSync(file, 0o644);
      Deno.env.set("PIWARDRIVE_PG_PASSWORD_FILE", file);
      r = await sync(pi, central.url, "--dry-run");
      assert.equal(r.code, 1);
      assert.equal(
        oneLine(r),
        `piwardrive: Password file "${file}" has mode 0644: others may read it; run chmod 600 "${file}"`,
      );
      Deno.chmodSync(file, 0o600);
      r = await sync(pi, central.url, "--dry-run");
      assert.equal(r.code, 0, r.stderr);
      Deno.env.delete("PIWARDRIVE_PG_PASSWORD_FILE");

      const escaped = PASSWORD.replaceAll(":", "\\:");
      Deno.writeTextFileSync(
        `${dir.path}/.pgpass`,
        `127.0.0.1:${c.port}:other:pw:nope\n*:${c.port}:${central.name}:pw:${escaped}\n`,
        { mode: 0o600 },
      );
      r = await sync(pi, central.url, "--json");
      assert.equal(r.code, 0, r.stderr);
      assert.ok(!r.stdout.includes("s3cret"));
    } finally {
      Deno.env.delete("PIWARDRIVE_PG_PASSWORD_FILE");
      if (home) Deno.env.set("HOME", home);
      Deno.env.set("PGPASSWORD", PASSWORD);
    }
  },
});

Deno.test({
  name: "sync: its worker reaches the --to host and port only (a real process)",
  ignore,
  async fn() {
    const c = await pg();
    const other = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const otherPort = (other.addr as Deno.NetAddr).port;
    try {
      const output = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--quiet",
          ...START_PERMISSIONS,
          fileURLToPath(new URL("./fixtures/network/probe.ts", import.meta.url)),
          "--hosts",
          String(c.port),
          String(otherPort),
        ],
        env: {
          PROBE_ARGS: JSON.stringify(["--db", "x.db", "sync", "--to", c.url("postgres")]),
        },
        stdin: "null",
      }).output();
      assert.equal(
        new TextDecoder().decode(output.stdout),
        `hosts: 127.0.0.1:${c.port}\nworker ${c.port}: connected\nworker ${otherPort}: NotCapable\n`,
      );
    } finally {
      other.close();
    }
  },
});

const EXTRA = parseMigrationFile(
  "0002_extra.sql",
  "-- migrate:up\nCREATE TABLE extra (x integer);\n-- migrate:down\nDROP TABLE extra;\n" +
    "-- migrate:verify\nSELECT count(*) = 1 FROM information_schema.tables WHERE table_name = 'extra';\n",
);

Deno.test({
  name: "sync: an older central schema is refused (8) until migrated; two runners migrate once",
  ignore,
  async fn() {
    const central = await centralDb();
    const target = parseTarget(central.url);
    const clients = [0, 1, 2].map(() => openCentral(target, PASSWORD));
    try {
      const [old, a, b] = clients;
      assert.deepEqual(
        await new CentralMigrator(old, centralMigrations(), "t", target.key).migrateToLatest(),
        [1],
      );
      const newer = [...centralMigrations(), EXTRA];
      await assert.rejects(
        new CentralMigrator(a, newer, "t", target.key).ensureReady(),
        (error: CentralSchemaError) => {
          assert.equal(error.exitCode, 8);
          assert.equal(
            error.message,
            `Central schema at ${target.key} is at version 1, this binary needs 2: run \`piwardrive sync --migrate-server\` (it migrates the server for every Pi)`,
          );
          return true;
        },
      );
      const c = await pg();
      assert.equal(await c.psql(central.name, "SELECT count(*) FROM schema_version"), "1");
      const applied = await Promise.all(
        [a, b].map((sql) => new CentralMigrator(sql, newer, "t", target.key).migrateToLatest()),
      );
      assert.deepEqual(applied.flat(), [2]);
      const checks = await new CentralMigrator(old, newer, "t", target.key).verify();
      assert.ok(checks.every((check) => check.ok), JSON.stringify(checks));
      assert.equal(checks.length, 5);
    } finally {
      await Promise.all(clients.map((sql) => sql.end()));
    }
  },
});

Deno.test({
  name: "sync --migrate-server [VERSION]: up, down to 0 and up again; down refused over rows",
  ignore,
  async fn() {
    using dir = tempDir();
    const central = await centralDb();
    const c = await pg();
    const pi = await driveDb(dir.path, 30);
    const server = (...args: string[]) => sync(pi, central.url, "--migrate-server", ...args);
    let r = await server();
    assert.deepEqual([r.code, r.stdout], [
      0,
      `Migrated the central schema at 127.0.0.1:${c.port}/${central.name}: applied version(s) 1\n`,
    ]);
    r = await server("0");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      await c.psql(
        central.name,
        "SELECT count(*) || ' ' || (to_regclass('networks') IS NULL) FROM schema_version",
      ),
      "0 true",
    );
    assert.equal((await server()).code, 0);
    assert.equal((await sync(pi, central.url)).code, 0);
    r = await server("0");
    assert.equal(r.code, 2);
    assert.equal(
      oneLine(r),
      `piwardrive: Refusing to revert 0001_central_schema.sql at 127.0.0.1:${c.port}/${central.name}: table wifi_sightings holds 30 rows, which it would delete; nothing was changed`,
    );
    assert.equal(await c.psql(central.name, "SELECT count(*) FROM wifi_sightings"), "30");
    assert.equal((await sync(pi, central.url, "--verify")).code, 0);
  },
});

Deno.test({
  name:
    "sync: TLS when the server offers it (prefer, require); verify-full refuses a self-signed one",
  ignore,
  async fn() {
    const c = await pg();
    using dir = tempDir();
    const central = await centralDb();
    const pi = await driveDb(dir.path, 20);
    // A self-signed certificate in the data folder, TLS switched on by a reload.
    const data = `${c.dir}/data`;
    const made = await new Deno.Command("openssl", {
      args: [
        "req",
        "-new",
        "-x509",
        "-days",
        "1",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        `${data}/test.key`,
        "-out",
        `${data}/test.crt`,
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.ok(made.success, new TextDecoder().decode(made.stderr));
    if (Deno.uid() === 0) {
      const { uid, gid } = Deno.statSync(data);
      for (const f of ["test.key", "test.crt"]) Deno.chownSync(`${data}/${f}`, uid!, gid!);
    }
    Deno.chmodSync(`${data}/test.key`, 0o600);
    const reload = async (sql: string) => {
      for (const s of sql.split(";").filter((x) => x.trim())) await c.psql("postgres", s);
      await c.psql("postgres", "SELECT pg_reload_conf()");
      await new Promise((resolve) => setTimeout(resolve, 300));
    };
    await reload(
      `ALTER SYSTEM SET ssl_cert_file = 'test.crt'; ALTER SYSTEM SET ssl_key_file = 'test.key';
      ALTER SYSTEM SET ssl = on; ALTER SYSTEM SET log_connections = on`,
    );
    try {
      for (const mode of ["prefer", "require"]) {
        const r = await sync(pi, `${central.url}?sslmode=${mode}`, "--dry-run");
        assert.equal(r.code, 0, r.stderr);
      }
      const log = Deno.readTextFileSync(`${c.dir}/run/log`);
      const tls = log.split("\n").filter((l) =>
        l.includes(`database=${central.name} application_name=piwardrive sync SSL enabled`)
      );
      assert.equal(tls.length, 2, log.slice(-2000));
      const r = await sync(pi, `${central.url}?sslmode=verify-full`, "--dry-run");
      assert.equal(r.code, 7, r.stderr);
      assert.match(
        oneLine(r),
        /^piwardrive: PostgreSQL at .* did not set up TLS as sslmode=verify-full requires: .*certificate/,
      );
    } finally {
      await reload("ALTER SYSTEM RESET ssl; ALTER SYSTEM RESET log_connections");
    }
  },
});

Deno.test({
  name: "sync: (last) stop the cluster",
  ignore,
  async fn() {
    await cluster.stop();
  },
});
