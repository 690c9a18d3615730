/**
 * Correctness of the benchmark's inputs and peers — never timings. The generators must produce
 * what piwardrive parses cleanly, and every peer must store exactly what piwardrive stores, or
 * the ratios would compare different work.
 */
import assert from "node:assert/strict";
import type { DatabaseSync } from "node:sqlite";
import { parseIwScan } from "../../src/parsers/iw_scan.ts";
import { openDatabase } from "../../src/db/open.ts";
import { embeddedMigrations } from "../../src/migrate/mod.ts";
import { loadReplayDir } from "../../src/collect/replay.ts";
import { captureText, escapeSsid, SECURITY } from "./iw_gen.ts";
import { closeForCopy, fillWifiNetworks, openAtVersion } from "./fixtures.ts";
import { engineRebuild, markerMs, peerRebuildSql } from "./rebuild.ts";
import {
  aiosqliteIngest,
  aiosqlitePayload,
  buildTicks,
  hasAiosqlite,
  literalIngestSql,
  sqlite3Ingest,
  writeTicks,
} from "./ingest.ts";
import { writeReplay } from "./collect_rss.ts";
import { captureWrites, inlineCall, slotOf } from "./tick_sql.ts";
import { ok, renderTable, type Row, which, withTemp } from "./lib.ts";
import { shellQuote } from "./verify.ts";
import { requirePeer } from "./peer.ts";

const SQLITE3 = which("sqlite3");

function rows(db: DatabaseSync, sql: string): string[] {
  return (db.prepare(sql).all() as Record<string, unknown>[]).map((r) => JSON.stringify(r));
}

Deno.test("the 1,000-BSS capture parses to 1,000 records, no warnings, as generated", () => {
  const { text, aps } = captureText(1000);
  const { records, warnings } = parseIwScan(text);
  assert.deepEqual(warnings, []);
  assert.deepEqual(records.length, 1000);
  assert.deepEqual(new Set(records.map((r) => r.bssid)).size, 1000);
  records.forEach((r, i) => {
    const ap = aps[i];
    assert.deepEqual(
      [r.bssid, r.ssid, r.hidden, r.freqMhz, r.channel, r.encryption],
      [ap.bssid, ap.ssid, ap.ssid === null, ap.freqMhz, ap.channel, SECURITY[ap.security]],
    );
    assert(r.signalDbm !== null && r.signalDbm <= -35 && r.signalDbm >= -95);
  });
  // Varied: every kind of security, both bands, hidden and escaped SSIDs.
  assert.deepEqual(new Set(aps.map((a) => a.security)).size, Object.keys(SECURITY).length);
  assert(aps.some((a) => a.freqMhz < 3000) && aps.some((a) => a.freqMhz > 5000));
  assert(aps.some((a) => a.ssid === null));
  assert(text.includes("SSID: \\x20") && /SSID: [^\n]*\\xc3/.test(text));
  assert(text.split("\n").length / 1000 > 50, "records as long as real iw output");
});

Deno.test("escapeSsid follows iw: edge spaces, backslash and non-ASCII as \\xNN", () => {
  assert.deepEqual(escapeSsid(" a b "), "\\x20a b\\x20");
  assert.deepEqual(escapeSsid("Café\\"), "Caf\\xc3\\xa9\\x5c");
});

Deno.test("drive ticks: 300-style windows with recurring BSSIDs and a position", () => {
  const ticks = buildTicks(5, 50, 10);
  assert.deepEqual(ticks.map((t) => t.wifi.length), [50, 50, 50, 50, 50]);
  assert.deepEqual(new Set(ticks.flatMap((t) => t.wifi.map((w) => w.bssid))).size, 90);
  assert(ticks.every((t) => t.position !== null && t.clock === "system"));
  assert(ticks[1].seenAt > ticks[0].seenAt);
});

Deno.test(
  "rebuild: the peer's SQL leaves the same wifi_networks as Migrator.migrateTo(4)",
  withTemp(async (ctx) => {
    const base = `${ctx.tmp}/v3.db`;
    const db = openAtVersion(base, 3);
    fillWifiNetworks(db, 2000);
    db.exec("DELETE FROM wifi_networks WHERE id > 1990"); // sqlite_sequence stays ahead of max(id)
    const sql = peerRebuildSql(db);
    closeForCopy(db);

    const copies = ["engine", "exec", "cli"].map((n) => {
      Deno.copyFileSync(base, `${ctx.tmp}/${n}.db`);
      return `${ctx.tmp}/${n}.db`;
    });
    engineRebuild(copies[0]);
    const direct = openDatabase(copies[1]);
    direct.exec(sql);
    direct.close();
    const sqlite3 = requirePeer("sqlite3", SQLITE3);
    if (sqlite3) {
      const out = await ctx.run([sqlite3, "-batch", "-bail", copies[2]], { stdin: sql });
      assert(markerMs(out.stdout) >= 0);
    }

    const snapshot = (path: string) => {
      const d = openDatabase(path, { readOnly: true });
      try {
        return {
          rows: rows(d, "SELECT * FROM wifi_networks ORDER BY id"),
          sequence: rows(d, "SELECT * FROM sqlite_sequence WHERE name = 'wifi_networks'"),
          schema: rows(
            d,
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'wifi_networks' ORDER BY type, name",
          ),
          integrity: rows(d, "PRAGMA integrity_check"),
        };
      } finally {
        d.close();
      }
    };
    const engine = snapshot(copies[0]);
    assert.deepEqual(engine.rows.length, 1990);
    assert.deepEqual(engine.sequence, [JSON.stringify({ name: "wifi_networks", seq: 2000 })]);
    assert(engine.rows[0].includes('"confidence_score":0'));
    assert.deepEqual(snapshot(copies[1]), engine);
    if (sqlite3) assert.deepEqual(snapshot(copies[2]), engine);
  }),
);

Deno.test(
  "ingest: sqlite3 literal SQL and aiosqlite store exactly what TickWriter stores",
  withTemp(async (ctx) => {
    const ticks = buildTicks(6, 40, 10);
    // Repeat a tick with weaker signals and no position: the upsert's keep-the-best rules run.
    ticks.push({
      ...ticks[2],
      seenAt: "2026-11-01T11:00:00.000Z",
      position: null,
      wifi: ticks[2].wifi.map((w) => ({ ...w, signalDbm: -90, ssid: null })),
    });
    const base = `${ctx.tmp}/empty.db`;
    closeForCopy(openAtVersion(base, embeddedMigrations().length));
    const path = (n: string) => {
      Deno.copyFileSync(base, `${ctx.tmp}/${n}.db`);
      return `${ctx.tmp}/${n}.db`;
    };
    const scratch = path("capture");
    const captured = captureWrites(scratch, ticks);
    const sql = literalIngestSql(captured);

    const pw = path("pw");
    writeTicks(pw, ticks);
    const exec = path("exec");
    const direct = openDatabase(exec);
    direct.exec(sql);
    direct.close();
    const others = [exec];
    const sqlite3 = requirePeer("sqlite3", SQLITE3);
    if (sqlite3) {
      const cli = path("cli");
      Deno.writeTextFileSync(`${ctx.tmp}/ingest.sql`, sql);
      assert(await sqlite3Ingest(ctx, sqlite3, cli, `${ctx.tmp}/ingest.sql`) >= 0);
      others.push(cli);
    }
    if (requirePeer("python3-aiosqlite", await hasAiosqlite(ctx))) {
      const aio = path("aio");
      Deno.writeTextFileSync(`${ctx.tmp}/payload.json`, aiosqlitePayload(aio, captured));
      assert(await aiosqliteIngest(ctx, `${ctx.tmp}/payload.json`) > 0);
      others.push(aio);
    }

    const snapshot = (file: string) => {
      const d = openDatabase(file, { readOnly: true });
      try {
        return {
          // created_at is the wall clock of the insert: the one column that may differ.
          networks: rows(
            d,
            "SELECT id, bssid, ssid, frequency, signal_strength, encryption, channel, vendor, confidence_score, first_seen, last_seen, gps_lat, gps_lon, gps_accuracy FROM wifi_networks ORDER BY id",
          ),
          sightings: rows(d, "SELECT * FROM wifi_sightings ORDER BY id"),
        };
      } finally {
        d.close();
      }
    };
    const expected = snapshot(pw);
    assert.deepEqual(expected.sightings.length, 7 * 40);
    assert.deepEqual(expected.networks.length, 40 + 5 * 10);
    for (const other of others) assert.deepEqual(snapshot(other), expected, other);
  }),
);

Deno.test(
  "collect-rss replay folder: ticks collect can load, scans that parse cleanly",
  withTemp((ctx) => {
    const dir = `${ctx.tmp}/replay`;
    writeReplay(dir, 3, 25);
    const drive = loadReplayDir(dir);
    assert.deepEqual(drive.length, 3);
    for (const tick of Array.from({ length: drive.length }, (_, i) => drive.tick(i))) {
      const parsed = parseIwScan(tick.iw!);
      assert.deepEqual([parsed.records.length, parsed.warnings], [25, []]);
      assert(tick.gpspipe!.split("\n").filter(Boolean).every((l) => JSON.parse(l).class));
    }
  }),
);

Deno.test("targets and the table", () => {
  const row = (ratio: number | null, kind: "min" | "max" | "below", value: number): Row => ({
    benchmark: "x",
    piwardrive: "1",
    peer: "2",
    ratio,
    target: { kind, value, label: `${kind} ${value}` },
  });
  assert.deepEqual(ok(row(1.2, "max", 1.2)), true);
  assert.deepEqual(ok(row(1.21, "max", 1.2)), false);
  assert.deepEqual(ok(row(20, "min", 20)), true);
  assert.deepEqual(ok(row(150, "below", 150)), false);
  assert.deepEqual(ok(row(null, "min", 1)), null);
  assert.deepEqual(ok({ ...row(null, "max", 80), judged: 79.5 }), true);
  const table = renderTable([row(0.5, "max", 1)]).split("\n");
  assert.deepEqual(table[0], "| benchmark | piwardrive | peer | ratio | target | ok? |");
  assert(table[2].includes("0.50×") && table[2].includes("yes"));
  assert.deepEqual(shellQuote("/a/b.db"), "/a/b.db");
  assert.deepEqual(shellQuote("it's"), `'it'\\''s'`);
});

Deno.test("tick_sql: parameter slots and inlined literals, named and positional", () => {
  const named = "INSERT INTO t (a, network_id, b) VALUES (:a, :id, 'x:y')\n RETURNING id, c";
  assert.deepEqual(slotOf(named, "network_id"), { kind: "named", name: "id" });
  assert.equal(
    inlineCall(named, { s: 0, named: { a: "it's", id: 7 }, positional: [] }),
    "INSERT INTO t (a, network_id, b) VALUES ('it''s', 7, 'x:y')",
  );
  const positional = "INSERT INTO t (a, network_id, b) VALUES (?, ?, ?)";
  assert.deepEqual(slotOf(positional, "network_id"), { kind: "positional", index: 1 });
  assert.equal(
    inlineCall(
      positional,
      { s: 0, named: null, positional: [1.5, 2, null] },
      (slot) => slot.kind === "positional" && slot.index === 1 ? "(SELECT 9)" : null,
    ),
    "INSERT INTO t (a, network_id, b) VALUES (1.5, (SELECT 9), NULL)",
  );
});
