/**
 * Sections `report` and `serve`.
 *
 * `report`: `piwardrive report -o FILE` of a generated drive of 100,000 WiFi networks (5,000
 * Bluetooth devices, a 20,000-point track, 2,000 health rows) as a real process: its wall time,
 * peak RSS and the file's size.
 *
 * `serve`: what the live view costs the logger. `serve` is a process of its own, so collect's
 * figures are measured twice on the same replay as `collect-rss`: alone, and with `serve`
 * watching the same database and one page connected to its event stream. serve's own peak RSS
 * and CPU are measured too (it runs under `timeout --preserve-status`, which ends it by SIGTERM).
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { emptyLatest } from "./fixtures.ts";
import { replayCollectArgv, writeReplay } from "./collect_rss.ts";
import { PER_SCAN } from "./ingest.ts";
import { type Context, productArgv, PYTHON, type Row, type Section, which } from "./lib.ts";
import {
  flatRssRow,
  fmtMb,
  mb,
  measureProcess,
  requireUsageWrapper,
  RUSAGE_WRAPPER,
  type Usage,
} from "./usage.ts";
import { mulberry32 } from "../lib/random.ts";

const NETWORKS = 100_000;

/** A drive of `networks` networks along a road, with devices, a track and health rows. */
export function buildDrive(path: string, networks: number): void {
  const db = new DatabaseSync(path);
  const t0 = Date.UTC(2026, 10, 1, 8, 0, 0);
  const iso = (ms: number) => new Date(ms).toISOString();
  const vendors = ["Arcadyan", "TP-LINK", "AVM", "Ubiquiti", "Cisco Meraki", "Sagemcom", "Huawei"];
  const crypto = ["WPA2-PSK", "WPA3-SAE/WPA2-PSK", "Open", "WEP", "WPA-PSK", "WPA2-EAP"];
  const rnd = mulberry32(7);
  db.exec("BEGIN");
  const net = db.prepare(
    `INSERT INTO wifi_networks (bssid, ssid, frequency, signal_strength, encryption, channel,
       vendor, first_seen, last_seen, gps_lat, gps_lon, gps_accuracy)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 5)`,
  );
  for (let i = 0; i < networks; i++) {
    const hex = i.toString(16).padStart(8, "0");
    const bssid = `0a:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}:${hex.slice(6)}:01`;
    const along = i / networks;
    const five = rnd() < 0.4;
    const channel = five ? [36, 40, 44, 48, 100, 149][i % 6] : [1, 6, 11][i % 3];
    const seen = t0 + along * 8 * 3600_000;
    net.run(
      bssid,
      `net-${i}`,
      five ? 5000 + 5 * channel : 2407 + 5 * channel,
      -40 - Math.floor(rnd() * 55),
      crypto[i % crypto.length],
      channel,
      vendors[i % vendors.length],
      iso(seen),
      iso(seen + 60_000),
      52 + along * 0.8 + (rnd() - 0.5) * 0.01,
      0.1 + along * 0.6 + (rnd() - 0.5) * 0.01,
    );
  }
  const dev = db.prepare(
    `INSERT INTO bluetooth_devices (address, name, device_type, rssi, first_seen, last_seen,
       gps_lat, gps_lon) VALUES (?, ?, ?, -70, ?, ?, ?, ?)`,
  );
  for (let i = 0; i < networks / 20; i++) {
    const hex = i.toString(16).padStart(6, "0");
    const along = i / (networks / 20);
    const seen = iso(t0 + along * 8 * 3600_000);
    dev.run(
      `C0:00:00:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4)}`,
      `dev-${i}`,
      ["phone", "audio-headset", "watch"][i % 3],
      seen,
      seen,
      52 + along * 0.8,
      0.1 + along * 0.6,
    );
  }
  const track = db.prepare(
    `INSERT INTO gps_track (system_time, gps_time, gps_time_plausible, mode, lat, lon)
     VALUES (?, ?, 1, 3, ?, ?)`,
  );
  for (let i = 0; i < networks / 5; i++) {
    const along = i / (networks / 5);
    const t = iso(t0 + along * 8 * 3600_000);
    track.run(t, t, 52 + along * 0.8, 0.1 + along * 0.6);
  }
  const health = db.prepare(
    `INSERT INTO health_records (timestamp, cpu_temp, memory_percent, disk_percent)
     VALUES (?, ?, ?, ?)`,
  );
  for (let i = 0; i < 2000; i++) {
    health.run(iso(t0 + i * 15_000), 50 + 10 * rnd(), 40 + 5 * rnd(), 30 + i / 200);
  }
  db.exec("COMMIT");
  db.close();
}

export const reportSection: Section = {
  name: "report",
  description: "report -o FILE of a 100,000-network drive: wall time, peak RSS, file size",
  async run(ctx: Context): Promise<Row[]> {
    requireUsageWrapper();
    const networks = ctx.size(NETWORKS, 10_000);
    const measure = async (n: number) => {
      const db = ctx.path(`report-${n}.db`);
      Deno.copyFileSync(await emptyLatest(ctx), db);
      ctx.log(`report: building a drive of ${n} networks…`);
      buildDrive(db, n);
      const out = ctx.path(`report-${n}.html`);
      const usage = await measureProcess(
        ctx,
        productArgv(["--db", db, "report", "-o", out, "--quiet"]),
      );
      const bytes = Deno.statSync(out).size;
      ctx.log(
        `report: ${n} networks, ${(bytes / 1e6).toFixed(1)} MB in ${
          usage.wall_s.toFixed(2)
        } s, peak ${fmtMb(usage.maxrss_kb)}`,
      );
      return { usage, bytes };
    };
    const small = await measure(networks / 10);
    const { usage, bytes } = await measure(networks);
    const label = `report of ${networks.toLocaleString("en")} networks`;
    return [
      {
        benchmark: `${label}: wall time`,
        piwardrive: `${usage.wall_s.toFixed(2)} s`,
        peer: "—",
        ratio: null,
        judged: usage.wall_s,
        target: { kind: "max", value: 10, label: "≤ 10 s" },
        note: `report: ${bytes} bytes (${(bytes / networks).toFixed(0)} bytes a network), CPU ${
          usage.cpu_s.toFixed(2)
        } s`,
      },
      flatRssRow(`${label}: peak RSS (peer: a tenth of the networks)`, usage, small.usage),
      {
        benchmark: `${label}: file size`,
        piwardrive: `${(bytes / 1e6).toFixed(1)} MB`,
        peer: "—",
        ratio: null,
        judged: bytes / 1e6,
        target: null,
      },
    ];
  },
};

/** A free loopback port. */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = l.addr as Deno.NetAddr;
  l.close();
  return port;
}

export const serveSection: Section = {
  name: "serve",
  description: "collect --replay alone and with serve + one page beside it: collect's RSS and CPU",
  async run(ctx: Context): Promise<Row[]> {
    if (!which(PYTHON) || !which("timeout")) throw new Error(`${PYTHON} and timeout are needed`);
    const ticks = ctx.size(24, 6);
    const dir = ctx.path("replay");
    writeReplay(dir, ticks);
    const empty = await emptyLatest(ctx);
    const collectArgv = (db: string) => replayCollectArgv(db, dir);
    const aloneDb = ctx.path("alone.db");
    Deno.copyFileSync(empty, aloneDb);
    ctx.log(`serve: collect alone, ${ticks} ticks × ${PER_SCAN} at 5 s…`);
    const alone = await measureProcess(ctx, collectArgv(aloneDb));

    const db = ctx.path("served.db");
    Deno.copyFileSync(empty, db);
    const port = freePort();
    const serveErr = ctx.path("serve-stderr.txt");
    const seconds = ticks * 5 + 15;
    const serve = ctx.spawn([
      PYTHON,
      "-c",
      RUSAGE_WRAPPER,
      JSON.stringify([
        "timeout",
        "--preserve-status",
        "-s",
        "TERM",
        String(seconds),
        ...productArgv(["--db", db, "serve", "--listen", `127.0.0.1:${port}`]),
      ]),
      serveErr,
    ], { stdout: "piped", stderr: "null", stdin: "null" });
    let events = 0;
    let response: Response | null = null;
    for (let i = 0; i < 100 && response === null; i++) {
      response = await fetch(`http://127.0.0.1:${port}/events`).catch(() => null);
      if (response === null) await new Promise((r) => setTimeout(r, 100));
    }
    if (response === null) {
      throw new Error(`serve did not answer: ${Deno.readTextFileSync(serveErr)}`);
    }
    const reading = (async () => {
      const reader = response!.body!.pipeThrough(new TextDecoderStream()).getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          events += value.split("event: tick").length - 1;
        }
      } catch { /* serve ended */ }
    })();
    ctx.log(`serve: collect with serve and one page beside it…`);
    const served = await measureProcess(ctx, collectArgv(db));
    const serveUsage = JSON.parse(new TextDecoder().decode((await serve.output()).stdout)) as Usage;
    await reading;
    if (serveUsage.code !== 0) {
      throw new Error(`serve exited ${serveUsage.code}: ${Deno.readTextFileSync(serveErr)}`);
    }
    const label = `collect ${ticks} ticks × ${PER_SCAN}`;
    const cpu = (u: Usage) => u.cpu_s / u.wall_s * 100;
    return [
      {
        benchmark: `${label} with serve beside: peak RSS (peer: alone)`,
        piwardrive: fmtMb(served.maxrss_kb),
        peer: fmtMb(alone.maxrss_kb),
        ratio: null,
        judged: mb(served.maxrss_kb),
        target: { kind: "max", value: 80, label: "≤ 80 MB" },
      },
      {
        benchmark: `${label} with serve beside: CPU share (peer: alone)`,
        piwardrive: `${cpu(served).toFixed(2)} %`,
        peer: `${cpu(alone).toFixed(2)} %`,
        ratio: null,
        judged: cpu(served),
        target: { kind: "below", value: 5, label: "< 5 %" },
      },
      {
        benchmark: `serve with one page over the same ${seconds} s: peak RSS, CPU share`,
        piwardrive: `${fmtMb(serveUsage.maxrss_kb)}, ${cpu(serveUsage).toFixed(2)} %`,
        peer: "—",
        ratio: null,
        judged: mb(serveUsage.maxrss_kb),
        target: null,
        note: `serve: ${events} pushes received by the page; its CPU ${
          serveUsage.cpu_s.toFixed(2)
        } s over ${serveUsage.wall_s.toFixed(1)} s`,
      },
    ];
  },
};
