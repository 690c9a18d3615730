/**
 * Section `sync`: `piwardrive sync` of a Pi database holding 1,000,000 Wi-Fi sightings (2,000
 * networks, every sighting positioned) into a fresh PostgreSQL + PostGIS database over loopback,
 * as a real process with the start task's permissions: sightings per second and peak RSS. The
 * peer is PostgreSQL's own bulk path, `psql \copy` of the same rows (same columns, the position as
 * EWKT) from a CSV file into the same central table with its indexes; the ratio is sync's time
 * over \copy's. The cluster is started here like the tests' (tests/helpers/postgres.ts).
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { fmtMb, measureProcess } from "./usage.ts";
import { emptyLatest } from "./fixtures.ts";
import { type Context, productArgv, type Row, type Section } from "./lib.ts";
import { PG_USER, postgresAvailable, startPostgres } from "../../tests/helpers/postgres.ts";

const NETWORKS = 2000;
const DEVICE = "00000000-0000-4000-8000-000000000001";

/** Fills a copy of the empty latest database with `rows` positioned sightings. */
async function piDatabase(ctx: Context, rows: number): Promise<string> {
  const path = ctx.path("sync-pi.db");
  Deno.copyFileSync(await emptyLatest(ctx), path);
  const db = new DatabaseSync(path);
  db.exec("BEGIN");
  db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${NETWORKS})
    INSERT INTO wifi_networks (id, bssid, ssid, frequency, signal_strength, encryption, channel,
      first_seen, last_seen, gps_lat, gps_lon)
    SELECT i, printf('02:00:00:00:%02x:%02x', i >> 8, i & 255), 'bench ' || i, 2437, -50 - i % 40,
      'WPA2-PSK', 6, '2026-11-01T10:00:00.000Z', '2026-11-01T12:00:00.000Z', 52.2 + i / 1e4, 0.12
    FROM n`);
  db.prepare(`INSERT INTO configuration (key, value) VALUES ('device_id', ?)`).run(DEVICE);
  db.exec(`WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${rows})
    INSERT INTO wifi_sightings (id, network_id, seen_at, clock, ssid, frequency, channel,
      signal_dbm, gps_lat, gps_lon, gps_alt, gps_accuracy)
    SELECT i, 1 + i % ${NETWORKS}, strftime('%Y-%m-%dT%H:%M:%fZ', 1793527200 + i / 10, 'unixepoch'),
      'gps', 'bench ' || (1 + i % ${NETWORKS}), 2437, 6, -40 - i % 60, 52.2 + i / 1e7, 0.12 + i / 1e7,
      20, 5
    FROM s`);
  db.exec("COMMIT");
  db.close();
  return path;
}

export const syncSection: Section = {
  name: "sync",
  description:
    "piwardrive sync of 1M sightings to PostgreSQL over loopback vs psql \\copy: rows/s, RSS",
  async run(ctx: Context): Promise<Row[]> {
    if (!postgresAvailable()) {
      ctx.log("sync: skipped (postgresql-15 and postgresql-15-postgis-3 are not installed)");
      return [];
    }
    const rows = ctx.size(1_000_000, 100_000);
    const started = performance.now();
    const pi = await piDatabase(ctx, rows);
    ctx.log(
      `sync: Pi database of ${rows} sightings built in ${
        ((performance.now() - started) / 1000).toFixed(1)
      } s`,
    );
    await using cluster = await startPostgres();
    const url = await cluster.createDatabase("bench_sync");
    const usage = await measureProcess(ctx, productArgv(["--db", pi, "sync", "--to", url]));
    const synced = Number(await cluster.psql("bench_sync", "SELECT count(*) FROM wifi_sightings"));
    if (synced !== rows) throw new Error(`synced ${synced} sightings, expected ${rows}`);

    // The peer: the same rows as CSV, \copy into the same schema (networks and device present).
    const copyUrl = await cluster.createDatabase("bench_copy");
    await measureProcess(ctx, productArgv(["sync", "--to", copyUrl, "--migrate-server"]));
    await cluster.psql("bench_copy", `INSERT INTO sync_devices (device_id) VALUES ('${DEVICE}')`);
    await cluster.psql(
      "bench_copy",
      `INSERT INTO networks (bssid) SELECT format('02:00:00:00:%s:%s',
         lpad(to_hex(i >> 8), 2, '0'), lpad(to_hex(i & 255), 2, '0'))
       FROM generate_series(1, ${NETWORKS}) i`,
    );
    const csv = ctx.path("sightings.csv");
    const db = new DatabaseSync(pi, { readOnly: true });
    const file = Deno.openSync(csv, { write: true, create: true, truncate: true });
    const encoder = new TextEncoder();
    let chunk = "";
    for (
      const r of db.prepare(`SELECT s.id, n.bssid, s.seen_at, s.clock, s.ssid, s.frequency,
        s.channel, s.signal_dbm, s.gps_lat, s.gps_lon, s.gps_alt, s.gps_accuracy
        FROM wifi_sightings s JOIN wifi_networks n ON n.id = s.network_id ORDER BY s.id`).iterate()
    ) {
      chunk += `${DEVICE},${r.id},${r.bssid},${r.seen_at},${r.clock},${r.ssid},${r.frequency},` +
        `${r.channel},${r.signal_dbm},SRID=4326;POINT(${r.gps_lon} ${r.gps_lat}),${r.gps_alt},` +
        `${r.gps_accuracy}\n`;
      if (chunk.length > 1 << 20) {
        file.writeSync(encoder.encode(chunk));
        chunk = "";
      }
    }
    file.writeSync(encoder.encode(chunk));
    file.close();
    db.close();
    Deno.chmodSync(csv, 0o644);
    const copyStarted = performance.now();
    await ctx.run([
      "psql",
      "-h",
      "127.0.0.1",
      "-p",
      String(cluster.port),
      "-U",
      PG_USER,
      "-d",
      "bench_copy",
      "-v",
      "ON_ERROR_STOP=1",
      "-c",
      `\\copy wifi_sightings (device_id, local_id, bssid, seen_at, clock, ssid, frequency, channel, signal_dbm, position, alt_m, accuracy_m) FROM '${csv}' CSV`,
    ]);
    const copyS = (performance.now() - copyStarted) / 1000;
    const copied = Number(await cluster.psql("bench_copy", "SELECT count(*) FROM wifi_sightings"));
    if (copied !== rows) throw new Error(`\\copy stored ${copied} sightings, expected ${rows}`);

    const label = `sync ${rows >= 1e6 ? `${rows / 1e6}M` : `${rows / 1e3}k`} sightings`;
    const rate = rows / usage.wall_s;
    return [
      {
        benchmark: `${label}: rows/s over loopback (process wall time)`,
        piwardrive: `${Math.round(rate).toLocaleString("en-US")} rows/s`,
        peer: `${Math.round(rows / copyS).toLocaleString("en-US")} rows/s (psql \\copy)`,
        ratio: usage.wall_s / copyS,
        target: null,
        note:
          `sync: ${rows} sightings in ${usage.wall_s.toFixed(1)} s (CPU ${
            usage.cpu_s.toFixed(1)
          } s, batches of 5,000 rows as INSERT … SELECT FROM unnest, one transaction each); ` +
          `\\copy of the same rows from CSV into the same table: ${copyS.toFixed(1)} s`,
      },
      {
        benchmark: `${label}: peak RSS`,
        piwardrive: fmtMb(usage.maxrss_kb),
        peer: "—",
        ratio: null,
        target: null,
      },
    ];
  },
};
