/**
 * `piwardrive upload` against a stand-in for WiGLE's API (tests/helpers/wigle_server.ts): every
 * answer WiGLE can give, and what the database and WiGLE hold afterwards. The server counts each
 * row by MAC and time, so a sighting sent twice or never is seen.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { addSightings, batches } from "./helpers/upload_db.ts";
import { claimed, receivedOnce, setup } from "./helpers/upload_env.ts";
import { WIGLE_HEADER } from "../src/export/wigle.ts";
import { claimBatch, newClaimCursor } from "../src/upload/batches.ts";

Deno.test("upload sends every positioned sighting once and records WiGLE's transId", async () => {
  await using t = await setup();
  const result = await t.upload("--donate");
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "uploaded 23 sightings in 1 file(s) to WiGLE\n");
  assert.deepEqual(receivedOnce(t.server), t.keys);
  assert.deepEqual(t.server.rejections, []);
  assert.equal(t.server.uploads[0].donate, true);
  const [batch] = batches(t.db);
  assert.equal(batch.state, "sent");
  assert.equal(batch.trans_id, t.server.uploads[0].transId);
  assert.equal(batch.file_name, t.server.uploads[0].fileName);
  assert.equal(batch.sightings, 23);
  assert.match(String(batch.content_sha256), /^[0-9a-f]{64}$/);
  // Nothing new: nothing is sent, not even an empty file.
  const again = await t.upload();
  assert.equal(again.code, 0, again.stderr);
  assert.equal(
    again.stderr,
    "nothing to upload: no sighting with a position that was not sent yet\n",
  );
  assert.equal(t.server.uploadRequests, 1);
  // New sightings later: only they are sent.
  const later = addSightings(t.db, 100, 5);
  const third = await t.upload("--json");
  assert.equal(third.code, 0, third.stderr);
  assert.equal(JSON.parse(third.stdout).sightings, 5);
  assert.deepEqual(receivedOnce(t.server), [...t.keys, ...later].sort());
  assert.equal(t.server.uploads[1].donate, false);
});

Deno.test("upload splits above --max-rows into files of at most that many sightings", async () => {
  await using t = await setup();
  const result = await t.upload("--max-rows", "7");
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(t.server.uploads.map((u) => u.rows.length), [7, 7, 7, 2]);
  assert.deepEqual(receivedOnce(t.server), t.keys);
  assert.deepEqual(batches(t.db).map((b) => b.state), ["sent", "sent", "sent", "sent"]);
});

Deno.test("a refused file is marked failed and its sightings are sent by the next run", async () => {
  await using t = await setup();
  t.server.modes = ["refuse", "success"];
  const refused = await t.upload();
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /^piwardrive: WiGLE refused piwardrive-\d{8}T\d{6}Z-[0-9a-f]{8}\.csv\.gz: http:\/\/127\.0\.0\.1:\d+\/api\/v2\/file\/upload: WiGLE says "Upload refused for this test"; its sightings stay queued for the next run\n$/,
  );
  assert.deepEqual(batches(t.db).map((b) => b.state), ["failed"]);
  assert.equal(claimed(t.db), 0);
  const next = await t.upload();
  assert.equal(next.code, 0, next.stderr);
  assert.deepEqual(receivedOnce(t.server), t.keys);
  assert.deepEqual(batches(t.db).map((b) => b.state), ["failed", "sent"]);
});

for (const mode of ["429", "500"] as const) {
  Deno.test(`HTTP ${mode} is retried with backoff within the run`, async () => {
    await using t = await setup();
    t.server.modes = [mode, mode, "success"];
    const result = await t.upload();
    assert.equal(result.code, 0, result.stderr);
    assert.equal(t.server.uploadRequests, 3);
    assert.deepEqual(receivedOnce(t.server), t.keys);
  });
}

for (const mode of ["429", "500", "hang"] as const) {
  Deno.test(`WiGLE answering ${mode} every time: exit 5, the queue intact, the next run sends it`, async () => {
    await using t = await setup();
    t.server.modes = [mode];
    const result = await t.upload("--retries", "2", "--timeout", "1");
    assert.equal(result.code, 5, result.stderr);
    const last = result.stderr.trim().split("\n").at(-1)!;
    assert.match(
      last,
      /^piwardrive: WiGLE unreachable after 3 attempts \(.+\); the queue is intact: run `piwardrive upload` again later$/,
    );
    assert.deepEqual(batches(t.db).map((b) => b.state), ["pending"]);
    assert.equal(claimed(t.db), 23);
    assert.equal(t.server.rowCounts.size, 0);
    t.server.modes = ["success"];
    const next = await t.upload();
    assert.equal(next.code, 0, next.stderr);
    assert.deepEqual(receivedOnce(t.server), t.keys);
    assert.deepEqual(batches(t.db).map((b) => b.state), ["sent"]);
  });
}

Deno.test("no server at all: exit 5 and the next run sends everything once", async () => {
  await using t = await setup();
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (closed.addr as Deno.NetAddr).port;
  closed.close();
  Deno.env.set("PIWARDRIVE_WIGLE_URL", `http://127.0.0.1:${port}`);
  const result = await t.upload("--retries", "1");
  assert.equal(result.code, 5, result.stderr);
  Deno.env.set("PIWARDRIVE_WIGLE_URL", t.server.url);
  const next = await t.upload();
  assert.equal(next.code, 0, next.stderr);
  assert.deepEqual(receivedOnce(t.server), t.keys);
});

Deno.test("a connection dropped after WiGLE took the file: found by name, not sent again", async () => {
  await using t = await setup();
  t.server.modes = ["drop", "success"];
  const result = await t.upload();
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /already at WiGLE \(transId 20261202-00001\), not sent again/);
  assert.equal(t.server.uploadRequests, 1);
  assert.deepEqual(receivedOnce(t.server), t.keys);
  assert.deepEqual(batches(t.db).map((b) => [b.state, b.trans_id]), [["sent", "20261202-00001"]]);
});

Deno.test("a malformed answer: exit 1, batch pending, looked up and sent by the next run", async () => {
  await using t = await setup();
  t.server.modes = ["malformed", "success"];
  const result = await t.upload();
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /^piwardrive: WiGLE's answer for piwardrive-\S+\.csv\.gz is not what its API returns \(.*HTTP 200 with a body that is not JSON\); the batch stays pending and is looked up by name at the next run\n$/,
  );
  assert.deepEqual(batches(t.db).map((b) => b.state), ["pending"]);
  const lookups = t.server.transactionRequests;
  const next = await t.upload();
  assert.equal(next.code, 0, next.stderr);
  assert.equal(t.server.transactionRequests, lookups + 1);
  assert.deepEqual(receivedOnce(t.server), t.keys);
});

Deno.test("--since sends the newer sightings; the older ones go with a later run", async () => {
  await using t = await setup();
  const since = await t.upload("--since", "2024-06-01T10:00:15Z");
  assert.equal(since.code, 0, since.stderr);
  assert.equal(t.server.uploads[0].rows.length, 5 + 3); // seconds 15–19 and the 10:30 Bluetooth
  const rest = await t.upload();
  assert.equal(rest.code, 0, rest.stderr);
  assert.deepEqual(receivedOnce(t.server), t.keys);
});

Deno.test("--dry-run -o writes the would-be CSV and sends and records nothing", async () => {
  await using t = await setup();
  const out = `${t.dir}/would.csv`;
  const result = await t.upload("--dry-run", "-o", out);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `would upload 23 sightings, written to "${out}"; nothing sent\n`);
  const lines = Deno.readTextFileSync(out).split("\n");
  assert.match(lines[0], /^WigleWifi-1\.6,appRelease=piwardrive-/);
  assert.equal(lines[1], WIGLE_HEADER);
  assert.equal(lines.length, 2 + 23 + 1);
  assert.equal(t.server.uploadRequests + t.server.transactionRequests, 0);
  assert.deepEqual(batches(t.db), []);
  // The export's output rules: an existing file is not replaced without --force.
  const again = await t.upload("--dry-run", "-o", out);
  assert.equal(again.code, 1);
  assert.equal(
    again.stderr,
    `piwardrive: Output file "${out}" exists: use --force to replace it\n`,
  );
  assert.equal((await t.upload("--dry-run", "-o", out, "--force")).code, 0);
});

Deno.test("--status lists batches with WiGLE's processing status, also as JSON", async () => {
  await using t = await setup();
  t.server.modes = ["success", "refuse"];
  assert.equal((await t.upload("--max-rows", "20")).code, 1);
  const status = await t.upload("--status");
  assert.equal(status.code, 0, status.stderr);
  const lines = status.stdout.trim().split("\n");
  assert.match(
    lines[0],
    /^sent {4}piwardrive-\S+\.csv\.gz: 20 sightings, transId 20261202-00001, WiGLE: D 100% \(20 new of 20\)$/,
  );
  assert.match(lines[1], /^failed {2}piwardrive-\S+\.csv\.gz: 3 sightings: .*Upload refused/);
  assert.equal(
    lines[2],
    "1 sent, 0 pending, 1 failed; 3 sightings with a position not uploaded yet",
  );
  const json = JSON.parse((await t.upload("--status", "--json")).stdout);
  assert.deepEqual(json.batches.map((b: { state: string }) => b.state), ["sent", "failed"]);
  assert.equal(json.batches[0].wigle.status, "D");
  assert.deepEqual(json.wigle, { checked: true });
});

Deno.test("a database with no positioned sighting sends nothing", async () => {
  await using t = await setup();
  const db = new DatabaseSync(t.db);
  db.exec(
    "UPDATE wifi_sightings SET gps_lat = NULL; UPDATE bluetooth_sightings SET gps_lon = 0, gps_lat = 0",
  );
  db.close();
  const result = await t.upload();
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    result.stderr,
    "nothing to upload: no sighting with a position that was not sent yet\n",
  );
  assert.equal(t.server.uploadRequests + t.server.transactionRequests, 0);
  assert.deepEqual(batches(t.db), []);
});

Deno.test("--status offline lists the batches and says why WiGLE's status is missing", async () => {
  await using t = await setup();
  assert.equal((await t.upload()).code, 0);
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (closed.addr as Deno.NetAddr).port;
  closed.close();
  Deno.env.set("PIWARDRIVE_WIGLE_URL", `http://127.0.0.1:${port}`);
  const status = await t.upload("--status");
  assert.equal(status.code, 0, status.stderr);
  const lines = status.stdout.trim().split("\n");
  assert.match(lines[0], /^sent {4}piwardrive-\S+\.csv\.gz: 23 sightings, transId 20261202-00001$/);
  assert.equal(
    lines[1],
    "1 sent, 0 pending, 0 failed; 0 sightings with a position not uploaded yet",
  );
  assert.match(
    lines[2],
    new RegExp(`^WiGLE status not read: http://127\\.0\\.0\\.1:${port}/api/v2/file/transactions: `),
  );
});

Deno.test("a pending batch whose sightings were deleted is not sent", async () => {
  await using t = await setup();
  t.server.modes = ["500"];
  assert.equal((await t.upload("--retries", "0")).code, 5);
  const db = new DatabaseSync(t.db);
  db.exec("DELETE FROM wifi_sightings; DELETE FROM bluetooth_sightings");
  db.close();
  t.server.modes = ["success"];
  const result = await t.upload();
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /\.csv\.gz: none of its sightings is left; not sent\n/);
  assert.equal(t.server.uploads.length, 0);
  assert.deepEqual(batches(t.db).map((b) => b.state), ["failed"]);
});

Deno.test("claims go in short transactions and cover each unsent positioned sighting once", async () => {
  await using t = await setup();
  const db = new DatabaseSync(t.db);
  try {
    const cursor = newClaimCursor();
    const sizes: number[] = [];
    for (;;) {
      const batch = claimBatch(db, { since: null, maxRows: 10, chunkRows: 4 }, cursor);
      if (batch === null) break;
      const held = db.prepare(
        "SELECT (SELECT count(*) FROM wifi_sightings WHERE upload_batch = ?) + (SELECT count(*) FROM bluetooth_sightings WHERE upload_batch = ?) AS n",
      ).get(batch.id, batch.id) as { n: number };
      assert.equal(held.n, batch.sightings);
      sizes.push(batch.sightings);
    }
    assert.deepEqual(sizes, [10, 10, 3]);
    assert.equal(claimBatch(db, { since: null, maxRows: 10 }), null); // a fresh cursor finds none
  } finally {
    db.close();
  }
  assert.equal(claimed(t.db), 23);
});

Deno.test("sightings added while a batch is pending go in a later batch", async () => {
  await using t = await setup();
  t.server.modes = ["500"];
  assert.equal((await t.upload("--retries", "0")).code, 5);
  const later = addSightings(t.db, 200, 4);
  t.server.modes = ["success"];
  const next = await t.upload();
  assert.equal(next.code, 0, next.stderr);
  assert.deepEqual(t.server.uploads.map((u) => u.rows.length), [23, 4]);
  assert.deepEqual(receivedOnce(t.server), [...t.keys, ...later].sort());
});
