/**
 * `report` and `serve` without a browser: the safe output writer, privacy zones, data that
 * cannot close its script element, the token rules of `serve` and its network permission.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { networkHosts } from "../src/cli/network.ts";
import { LiveFeed } from "../src/report/live.ts";
import { cli, spawnCli, tempDir } from "./helpers/cli.ts";

async function sampleDb(dir: string): Promise<string> {
  const db = `${dir}/drive.db`;
  const r = await cli("--db", db, "collect", "--demo", "--quiet");
  assert.equal(r.code, 0, r.stderr);
  return db;
}

/** The JSON of one `<script type="application/json" id=…>` of a page. */
function embedded(html: string, id: string): unknown {
  const m = new RegExp(`<script type="application/json" id="${id}">(.*?)</script>`, "s").exec(
    html,
  );
  assert.ok(m, id);
  return JSON.parse(m[1]);
}

Deno.test("report refuses an existing file without --force and replaces it with it", async () => {
  using dir = tempDir();
  const db = await sampleDb(dir.path);
  const out = `${dir.path}/drive.html`;
  Deno.writeTextFileSync(out, "keep me");
  const refused = await cli("--db", db, "report", "-o", out);
  assert.equal(refused.code, 1);
  assert.equal(
    refused.stderr,
    `piwardrive: Output file "${out}" exists: use --force to replace it\n`,
  );
  assert.equal(Deno.readTextFileSync(out), "keep me");
  const forced = await cli("--db", db, "report", "-o", out, "--force");
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(
    forced.stderr,
    /^report of 119 networks and 25 Bluetooth devices written to ".*drive\.html" \(\d+ bytes in \d+ ms\); 1 without position, 0 inside exclusion zones\n$/,
  );
  const html = Deno.readTextFileSync(out);
  assert.match(html, /^<!DOCTYPE html>/);
  assert.match(
    html,
    /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;sha256-/,
  );
  // Nothing loaded from elsewhere: no external script, style sheet, image or frame.
  assert.doesNotMatch(html, /<script [^>]*src=|<link |<img |<iframe /);
});

Deno.test("report --exclude leaves out every network, device and track point in the zone", async () => {
  using dir = tempDir();
  const db = await sampleDb(dir.path);
  const read = new DatabaseSync(db, { readOnly: true });
  const centre = read.prepare(
    "SELECT gps_lat AS lat, gps_lon AS lon FROM wifi_networks WHERE gps_lat IS NOT NULL LIMIT 1",
  ).get() as { lat: number; lon: number };
  read.close();
  const all = `${dir.path}/all.html`;
  const zoned = `${dir.path}/zoned.html`;
  assert.equal((await cli("--db", db, "report", "-o", all)).code, 0);
  const r = await cli(
    "--db",
    db,
    "report",
    "-o",
    zoned,
    "--exclude",
    `${centre.lat},${centre.lon},150`,
  );
  assert.equal(r.code, 0, r.stderr);
  const before = embedded(Deno.readTextFileSync(all), "pw-points") as number[][];
  const after = embedded(Deno.readTextFileSync(zoned), "pw-points") as number[][];
  const near = (p: number[]) => {
    const dLat = (p[0] - centre.lat) * 111_195;
    const dLon = (p[1] - centre.lon) * 111_195 * Math.cos(centre.lat * Math.PI / 180);
    return Math.hypot(dLat, dLon) <= 150;
  };
  const inside = before.filter(near).length;
  assert.ok(inside > 0);
  assert.equal(after.length, before.length - inside);
  assert.equal(after.filter(near).length, 0);
  const track = embedded(Deno.readTextFileSync(zoned), "pw-track") as number[][];
  assert.equal(track.filter(near).length, 0);
  assert.match(r.stderr, new RegExp(`; 1 without position, ${inside} inside exclusion zones\n$`));
});

Deno.test("a name cannot close the data's script element: < is escaped, the JSON reads back", async () => {
  using dir = tempDir();
  const db = `${dir.path}/x.db`;
  assert.equal((await cli("--db", db, "migrate")).code, 0);
  const name = "</script><script>alert(1)</script><!--";
  const w = new DatabaseSync(db);
  w.prepare(
    "INSERT INTO wifi_networks (bssid, ssid, gps_lat, gps_lon) VALUES ('02:00:00:00:00:01', ?, 52, 0.1)",
  ).run(name);
  w.close();
  const out = `${dir.path}/x.html`;
  assert.equal((await cli("--db", db, "report", "-o", out)).code, 0);
  const html = Deno.readTextFileSync(out);
  assert.equal(html.split("</script>").length - 1, 6, "the page's own six script elements only");
  assert.equal((embedded(html, "pw-points") as unknown[][])[0][3], name);
});

Deno.test("serve: any address but loopback needs a token file of mode 0600, else exit 2", async () => {
  using dir = tempDir();
  const db = `${dir.path}/x.db`;
  assert.equal((await cli("--db", db, "migrate")).code, 0);
  const open = await cli("--db", db, "serve", "--listen", "0.0.0.0:8080");
  assert.equal(open.code, 2);
  assert.equal(
    open.stderr,
    "piwardrive: Listening on 0.0.0.0:8080 needs --token-file FILE: only loopback is served without a token\n",
  );
  const file = `${dir.path}/token`;
  Deno.writeTextFileSync(file, "s3cret-s3cret-s3cret\n", { mode: 0o644 });
  Deno.chmodSync(file, 0o644);
  const loose = await cli("--db", db, "serve", "--listen", "0.0.0.0:8080", "--token-file", file);
  assert.equal(loose.code, 2);
  assert.equal(
    loose.stderr,
    `piwardrive: Token file "${file}" has mode 0644: make it readable by its owner only (chmod 600)\n`,
  );
  const bad = await cli("--db", db, "serve", "--listen", "8080");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^piwardrive: Invalid --listen "8080": give HOST:PORT/);
});

Deno.test("serve's network permission names its listen address only", () => {
  assert.deepEqual(networkHosts(["serve"]), ["127.0.0.1:8080"]);
  assert.deepEqual(networkHosts(["--db", "x.db", "serve", "--listen", "0.0.0.0:8080"]), [
    "0.0.0.0:8080",
  ]);
  assert.deepEqual(networkHosts(["serve", "--listen=127.0.0.1:9000"]), ["127.0.0.1:9000"]);
  assert.equal(networkHosts(["report"]), null);
});

Deno.test("serve with a token: 401 without it or with a wrong one, the page with it; never printed", async () => {
  using dir = tempDir();
  const db = `${dir.path}/x.db`;
  assert.equal((await cli("--db", db, "migrate")).code, 0);
  const token = "correct-horse-battery-staple";
  const file = `${dir.path}/token`;
  Deno.writeTextFileSync(file, `${token}\n`);
  Deno.chmodSync(file, 0o600);
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const serve = spawnCli([
    "--db",
    db,
    "serve",
    "--listen",
    `127.0.0.1:${port}`,
    "--token-file",
    file,
  ]);
  try {
    const base = `http://127.0.0.1:${port}/`;
    let first: Response | null = null;
    for (let i = 0; i < 100 && first === null; i++) {
      first = await fetch(base).catch(() => null);
      if (first === null) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(first?.status, 401);
    await first?.body?.cancel();
    const wrong = await fetch(`${base}?token=${token}x`);
    assert.equal(wrong.status, 401);
    await wrong.body?.cancel();
    const page = await fetch(`${base}?token=${token}`);
    assert.equal(page.status, 200);
    assert.match(
      page.headers.get("content-security-policy")!,
      /^default-src 'none'; script-src 'sha256-/,
    );
    assert.match(await page.text(), /<title>piwardrive live<\/title>/);
    const bearer = await fetch(`${base}events`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(bearer.headers.get("content-type"), "text/event-stream");
    const reader = bearer.body!.pipeThrough(new TextDecoderStream()).getReader();
    assert.match((await reader.read()).value!, /^event: tick\ndata: \{"counters":\{"networks":0,/);
    await reader.cancel();
    const post = await fetch(`${base}?token=${token}`, { method: "POST" });
    assert.equal(post.status, 405);
    await post.body?.cancel();
  } finally {
    serve.kill("SIGTERM");
    const out = await serve.output();
    assert.equal(out.code, 0);
    const printed = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
    assert.ok(!printed.includes(token), printed);
  }
});

Deno.test("report --since/--until keep the networks seen in the window, as export does", async () => {
  using dir = tempDir();
  const db = await sampleDb(dir.path);
  const out = (name: string) => `${dir.path}/${name}.html`;
  // The sample drive runs 10:00:04 to 10:03:19 (recorded time).
  const late = await cli("--db", db, "report", "-o", out("late"), "--since", "2026-11-01T10:03:00");
  assert.equal(late.code, 0, late.stderr);
  const read = new DatabaseSync(db, { readOnly: true });
  const expected = read.prepare(
    `SELECT count(*) AS n FROM wifi_networks WHERE last_seen >= '2026-11-01T10:03:00.000Z'
       AND gps_lat IS NOT NULL AND NOT (gps_lat = 0 AND gps_lon = 0)`,
  ).get() as { n: number };
  read.close();
  const points = embedded(Deno.readTextFileSync(out("late")), "pw-points") as unknown[][];
  assert.equal(points.filter((p) => p[2] !== 6).length, expected.n);
  assert.ok(expected.n > 0 && expected.n < 119);
  const figures = embedded(Deno.readTextFileSync(out("late")), "pw-figures") as {
    summary: { from: string; networks: number };
  };
  assert.equal(figures.summary.from, "2026-11-01T10:03:00.000Z");
  assert.equal(figures.summary.networks, expected.n);
  const none = await cli("--db", db, "report", "-o", out("none"), "--until", "2026-11-01T09:00:00");
  assert.equal(none.code, 0, none.stderr);
  assert.deepEqual(embedded(Deno.readTextFileSync(out("none")), "pw-points"), []);
  const backwards = await cli(
    "--db",
    db,
    "report",
    "--since",
    "2026-11-02",
    "--until",
    "2026-11-01",
  );
  assert.equal(backwards.code, 2);
  assert.match(
    backwards.stderr,
    /^piwardrive: --since .* is not before --until .*: nothing to show\n$/,
  );
});

Deno.test("report and serve refuse a database without the drive's tables, in one line", async () => {
  using dir = tempDir();
  const db = `${dir.path}/other.db`;
  const w = new DatabaseSync(db);
  w.exec("CREATE TABLE t (x)");
  w.close();
  const message =
    `piwardrive: Cannot read "${db}": table(s) wifi_networks, wifi_sightings, bluetooth_devices, bluetooth_sightings, gps_track, health_records missing; run \`piwardrive migrate\`\n`;
  const report = await cli("--db", db, "report", "-o", `${dir.path}/x.html`);
  assert.deepEqual([report.code, report.stderr], [1, message]);
  assert.throws(() => Deno.statSync(`${dir.path}/x.html`), Deno.errors.NotFound);
  const serve = await cli("--db", db, "serve", "--listen", "127.0.0.1:1");
  assert.deepEqual([serve.code, serve.stderr], [1, message]);
});

Deno.test("the live feed sends each row once, newer rows only, in batches while catching up", async () => {
  using dir = tempDir();
  const path = `${dir.path}/live.db`;
  assert.equal((await cli("--db", path, "migrate")).code, 0);
  const w = new DatabaseSync(path);
  const add = w.prepare(
    "INSERT INTO wifi_networks (bssid, ssid, gps_lat, gps_lon) VALUES (?, ?, ?, 0.1)",
  );
  const insert = (from: number, n: number, lat: number | null = 52) => {
    w.exec("BEGIN");
    for (let i = from; i < from + n; i++) {
      const hex = i.toString(16).padStart(6, "0").match(/../g)!.join(":");
      add.run(`02:00:00:${hex}`, `n${i}`, lat);
    }
    w.exec("COMMIT");
  };
  insert(0, 4500);
  const db = new DatabaseSync(path, { readOnly: true });
  const feed = new LiveFeed(db, 60_000);
  const ticks = [feed.next(), feed.next(), feed.next()];
  assert.deepEqual(ticks.map((t) => [t.points.length, t.catchingUp]), [
    [2000, true],
    [2000, true],
    [500, false],
  ]);
  assert.equal(ticks[2].counters.networks, 4500);
  assert.equal(feed.next().points.length, 0);
  // A network stored before a fix comes once it has a position; a new one comes once.
  insert(4500, 1, null);
  const unplaced = feed.next();
  assert.deepEqual([unplaced.points.length, unplaced.counters.networks], [0, 4501]);
  w.exec("UPDATE wifi_networks SET gps_lat = 52.5 WHERE ssid = 'n4500'");
  insert(4501, 1);
  const placed = feed.next();
  assert.deepEqual(placed.points.map((p) => p[3]).sort(), ["n4500", "n4501"]);
  assert.equal(feed.next().points.length, 0);
  db.close();
  w.close();
});
