/**
 * Section `kismet-import`: `piwardrive import` of a Kismet log (db_version 8) of 1,000,000
 * packets built here, as a real process with the start task's permissions, into a new
 * database: rows per second and peak RSS. The log holds 2,000 access points; one packet in 20 is
 * a duplicate of the one before (same packetid and CRC from a second capture source), which the
 * import collapses.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { fmtMb, measureProcess } from "./usage.ts";
import { type Context, productArgv, type Row, type Section } from "./lib.ts";

const APS = 2000;

/** Writes a db_version-8 Kismet log of `packets` located packets (every 20th a duplicate). */
export function writeBenchKismetLog(path: string, packets: number): void {
  const db = new DatabaseSync(path);
  db.exec(`PRAGMA journal_mode = PERSIST;
    CREATE TABLE KISMET (kismet_version TEXT, db_version INT, db_module TEXT);
    INSERT INTO KISMET VALUES ('2023.00.GIT', 8, 'kismetlog');
    CREATE TABLE devices (first_time INT, last_time INT, devkey TEXT, phyname TEXT, devmac TEXT,
      strongest_signal INT, min_lat REAL, min_lon REAL, max_lat REAL, max_lon REAL, avg_lat REAL,
      avg_lon REAL, bytes_data INT, type TEXT, device BLOB, UNIQUE(phyname, devmac) ON CONFLICT REPLACE);
    CREATE TABLE packets (ts_sec INT, ts_usec INT, phyname TEXT, sourcemac TEXT, destmac TEXT,
      transmac TEXT, frequency REAL, devkey TEXT, lat REAL, lon REAL, alt REAL, speed REAL,
      heading REAL, packet_len INT, signal INT, datasource TEXT, dlt INT, packet BLOB, error INT,
      tags TEXT, datarate REAL, hash INT, packetid INT);
    CREATE TABLE data (ts_sec INT, ts_usec INT, phyname TEXT, devmac TEXT, lat REAL, lon REAL,
      alt REAL, speed REAL, heading REAL, datasource TEXT, type TEXT, json BLOB);
    CREATE TABLE snapshots (ts_sec INT, ts_usec INT, lat REAL, lon REAL, snaptype TEXT, json BLOB);`);
  db.exec("BEGIN");
  db.exec(`WITH RECURSIVE ap(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM ap WHERE i < ${APS - 1}),
    m(i, mac) AS (SELECT i, printf('00:1C:%02X:%02X:%02X:%02X', i >> 24 & 255, i >> 16 & 255, i >> 8 & 255, i & 255) FROM ap)
    INSERT INTO devices SELECT 1700000000, 1700100000, '0_' || i, 'IEEE802.11', mac, -40 - i % 50,
      52 + i / 1e4, 13 + i / 1e4, 52 + i / 1e4, 13 + i / 1e4, 52 + i / 1e4, 13 + i / 1e4, 0,
      'Wi-Fi AP',
      '{"kismet.device.base.macaddr": "' || mac || '", "kismet.device.base.type": "Wi-Fi AP", ' ||
      '"kismet.device.base.channel": "6", "kismet.device.base.frequency": 2437000, ' ||
      '"dot11.device": {"dot11.device.last_beaconed_ssid_record": {"dot11.advertisedssid.ssid": ' ||
      '"bench ' || i || '", "dot11.advertisedssid.crypt_set": 268435648}}}'
    FROM m`);
  db.exec(`WITH RECURSIVE p(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM p WHERE i < ${packets - 1})
    INSERT INTO packets SELECT 1700000000 + i / 10, CASE WHEN i % 20 = 19 THEN (i - 1) % 10 * 1000 + 300 ELSE i % 10 * 1000 END,
      'IEEE802.11',
      printf('00:1C:%02X:%02X:%02X:%02X', 0, 0, (k % ${APS}) >> 8 & 255, k % ${APS} & 255),
      'FF:FF:FF:FF:FF:FF', '00:00:00:00:00:00', 2437000, '0', 52 + i / 1e7, 13 + i / 1e7, 40, 0, 0,
      60, -40 - i % 50, CASE WHEN i % 20 = 19 THEN 'second' ELSE 'first' END, 127, zeroblob(60), 0,
      '', 10, (k * 2654435761) % 4294967296, k
    FROM (SELECT i, CASE WHEN i % 20 = 19 THEN i - 1 ELSE i END AS k FROM p)`);
  db.exec("COMMIT");
  db.close();
}

export const kismetImportSection: Section = {
  name: "kismet-import",
  description: "piwardrive import of a 1M-packet Kismet log into a new database: rows/s, peak RSS",
  async run(ctx: Context): Promise<Row[]> {
    const packets = ctx.size(1_000_000, 50_000);
    const log = ctx.path("bench.kismet");
    const started = performance.now();
    writeBenchKismetLog(log, packets);
    ctx.log(
      `kismet-import: log of ${packets} packets built in ${
        ((performance.now() - started) / 1000).toFixed(1)
      } s (${(Deno.statSync(log).size / 1048576).toFixed(0)} MB)`,
    );
    const db = ctx.path("import.db");
    const usage = await measureProcess(ctx, productArgv(["--db", db, "import", log, "--json"]));
    const target = new DatabaseSync(db, { readOnly: true });
    const rows = Number(
      (target.prepare("SELECT count(*) AS n FROM wifi_sightings").get() as { n: number }).n,
    );
    target.close();
    const expected = packets - Math.floor(packets / 20);
    if (rows !== expected) throw new Error(`imported ${rows} sightings, expected ${expected}`);
    const rate = rows / usage.wall_s;
    const label = `kismet-import ${(packets / 1e6).toFixed(packets >= 1e6 ? 0 : 2)}M packets`;
    return [
      {
        benchmark: `${label}: rows/s (process wall time)`,
        piwardrive: `${Math.round(rate).toLocaleString("en-US")} rows/s`,
        peer: "—",
        ratio: null,
        target: null,
        note: `kismet-import: ${rows} sightings (${packets - rows} duplicates collapsed) from ` +
          `${APS} APs in ${usage.wall_s.toFixed(1)} s, CPU ${usage.cpu_s.toFixed(1)} s; the wall ` +
          "time includes start-up and creating the new database",
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
