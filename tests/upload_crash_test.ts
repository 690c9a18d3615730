/**
 * `piwardrive upload` killed (SIGKILL, no cleanup) at each step of sending a batch, as real
 * processes running in the network worker the start task gives them: the next run sends exactly
 * the sightings WiGLE does not have yet, each once (the stand-in server counts rows by MAC and
 * time).
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { cliProcess, spawnCli, tempDir } from "./helpers/cli.ts";
import { WigleServer } from "./helpers/wigle_server.ts";
import { API_NAME, batches, TOKEN, uploadDb } from "./helpers/upload_db.ts";
import { networkHosts } from "../src/cli/network.ts";

function env(url: string): Record<string, string> {
  return {
    PIWARDRIVE_WIGLE_URL: url,
    PIWARDRIVE_WIGLE_TOKEN: TOKEN,
    PIWARDRIVE_UPLOAD_BACKOFF_MS: "10",
  };
}

function receivedOnce(server: WigleServer): string[] {
  assert.deepEqual([...server.rowCounts].filter(([, n]) => n !== 1), [], "rows sent twice");
  return [...server.rowCounts.keys()].sort();
}

async function killed(child: Deno.ChildProcess): Promise<void> {
  child.kill("SIGKILL");
  const status = await child.status;
  assert.equal(status.signal, "SIGKILL");
  await child.stdout.cancel();
  await child.stderr.cancel();
}

function pendingCount(path: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return Number(
      (db.prepare("SELECT count(*) AS n FROM upload_batches WHERE state = 'pending'").get() as {
        n: number;
      }).n,
    );
  } finally {
    db.close();
  }
}

/** The next run against a working server: everything arrives once, nothing stays pending. */
async function resumed(server: WigleServer, path: string, keys: string[]) {
  server.modes = ["success"];
  const next = await cliProcess(["--db", path, "upload"], { env: env(server.url) });
  assert.equal(next.code, 0, next.stderr);
  assert.ok(!(next.stdout + next.stderr).includes(TOKEN), "the token in the output");
  assert.deepEqual(receivedOnce(server), keys);
  assert.deepEqual(batches(path).map((b) => b.state), ["sent"]);
  assert.equal(batches(path)[0].trans_id, server.uploads.at(-1)!.transId);
  return next;
}

Deno.test("killed before the request reached WiGLE: the next run looks it up, then sends it once", async () => {
  using dir = tempDir();
  const { path, keys } = await uploadDb(dir.path);
  const server = new WigleServer(API_NAME, TOKEN);
  // A listener that accepts and never reads: the request never reaches any HTTP server.
  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const child = spawnCli(["--db", path, "upload"], {
      env: env(`http://127.0.0.1:${(silent.addr as Deno.NetAddr).port}`),
    });
    const connection = await silent.accept();
    assert.equal(pendingCount(path), 1); // recorded before the connection was made
    await killed(child);
    connection.close();
    const next = await resumed(server, path, keys);
    assert.equal(server.transactionRequests, 1); // looked up before sending again
    assert.equal(server.uploadRequests, 1);
    assert.match(next.stderr, /: sent 23 sightings/);
  } finally {
    silent.close();
    await server.close();
  }
});

Deno.test("killed in the middle of the body: WiGLE has nothing, the next run sends it once", async () => {
  using dir = tempDir();
  const { path, keys } = await uploadDb(dir.path);
  const server = new WigleServer(API_NAME, TOKEN);
  try {
    server.modes = ["partial"];
    const child = spawnCli(["--db", path, "upload"], { env: env(server.url) });
    await server.next("upload-body");
    await killed(child);
    assert.equal(server.uploads.length, 0);
    await resumed(server, path, keys);
    assert.equal(server.uploadRequests, 2);
  } finally {
    await server.close();
  }
});

Deno.test("killed after WiGLE took the file, before the database recorded it: not sent again", async () => {
  using dir = tempDir();
  const { path, keys } = await uploadDb(dir.path);
  const server = new WigleServer(API_NAME, TOKEN);
  try {
    // WiGLE has the file and lists it; the client is killed before it records the transId.
    server.modes = ["hold"];
    const child = spawnCli(["--db", path, "upload"], { env: env(server.url) });
    await server.next("upload-recorded");
    await killed(child);
    assert.equal(pendingCount(path), 1);
    const next = await resumed(server, path, keys);
    assert.equal(server.uploadRequests, 1); // found in the transaction list: no second upload
    assert.match(next.stderr, /already at WiGLE \(transId 20261202-00001\), not sent again/);
  } finally {
    await server.close();
  }
});

Deno.test("upload --dry-run -o - writes the would-be CSV to stdout and the summary to stderr", async () => {
  using dir = tempDir();
  const { path, keys } = await uploadDb(dir.path);
  const result = await cliProcess(["--db", path, "upload", "--dry-run", "-o", "-"], {
    env: env("http://127.0.0.1:9"),
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, "would upload 23 sightings, written to stdout; nothing sent\n");
  const rows = result.stdout.split("\n").slice(2, -1).map((l) => l.split(","));
  assert.deepEqual(rows.map((r) => `${r[0]}|${r[3]}`).sort(), keys);
  assert.deepEqual(batches(path), []);
});

Deno.test("upload's network permission names WiGLE's host, or the one PIWARDRIVE_WIGLE_URL names", () => {
  const saved = Deno.env.get("PIWARDRIVE_WIGLE_URL");
  try {
    Deno.env.delete("PIWARDRIVE_WIGLE_URL");
    assert.deepEqual(networkHosts(["--db", "x.db", "upload", "--status"]), ["api.wigle.net:443"]);
    Deno.env.set("PIWARDRIVE_WIGLE_URL", "http://127.0.0.1:8123/");
    assert.deepEqual(networkHosts(["upload"]), ["127.0.0.1:8123"]);
    Deno.env.set("PIWARDRIVE_WIGLE_URL", "https://proxy.example");
    assert.deepEqual(networkHosts(["upload"]), ["proxy.example:443"]);
    // Not an http(s) URL: no network at all, and the command reports the mistake.
    Deno.env.set("PIWARDRIVE_WIGLE_URL", "file:///etc/passwd");
    assert.equal(networkHosts(["upload"]), null);
    assert.equal(networkHosts(["export", "--format", "wigle"]), null);
  } finally {
    if (saved === undefined) Deno.env.delete("PIWARDRIVE_WIGLE_URL");
    else Deno.env.set("PIWARDRIVE_WIGLE_URL", saved);
  }
});

Deno.test("upload as a process uploads through its worker; a bad URL gets no network and exit 2", async () => {
  using dir = tempDir();
  const { path, keys } = await uploadDb(dir.path);
  const server = new WigleServer(API_NAME, TOKEN);
  try {
    const bad = await cliProcess(["--db", path, "upload"], {
      env: { ...env(server.url), PIWARDRIVE_WIGLE_URL: "http://user:pw@127.0.0.1:1/" },
    });
    assert.equal(bad.code, 2);
    assert.equal(
      bad.stderr,
      'piwardrive: PIWARDRIVE_WIGLE_URL "http://127.0.0.1:1" must be a plain http(s) URL without user, password, query or fragment\n',
    );
    const ok = await cliProcess(["--db", path, "upload"], { env: env(server.url) });
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(receivedOnce(server), keys);
  } finally {
    await server.close();
  }
});
