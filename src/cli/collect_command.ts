/** `piwardrive collect`: the logging loop, live or replayed, rendered for a terminal or a log. */
import { Command, InvalidArgumentError } from "@commander-js/extra-typings";
import { isValidInterfaceName } from "../collectors/tool.ts";
import { runCollect, type TickReport } from "../collect/loop.ts";
import { loadReplayDir, type ReplayDrive } from "../collect/replay.ts";
import { UsageError } from "../errors.ts";
import type { GlobalOptions, Io } from "./context.ts";
import { openCurrentDatabase } from "./open_for_writing.ts";
import { verifyAtStart } from "./collect_verify.ts";
import { migrationsFor } from "./migrations_source.ts";
import { durationOption, jsonOption, parseDuration } from "./options.ts";

const DEFAULT_INTERVAL_MS = 5000;

function parseInterface(value: string): string {
  if (!isValidInterfaceName(value)) {
    throw new InvalidArgumentError(
      `--iface expects a network interface name like wlan0 (letters, digits, "_", ".", "-", at most 15), got ${
        JSON.stringify(value)
      }`,
    );
  }
  return value;
}

function parseGpsd(value: string): string {
  const match = /^([A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:]{2,39}\]):(\d{1,5})$/.exec(value);
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) {
    throw new InvalidArgumentError(
      `--gpsd expects host:port like localhost:2947, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/**
 * The `collect` command: the logging loop, live, replayed (`--replay`) or on the built-in sample
 * drive (`--demo`, read through `embeddedDrive`).
 * `io` takes its output, `globals()` gives the program's global options (`--db`, `--debug`,
 * `--migrations-dir`) when the action runs.
 *
 * @example
 * ```ts
 * program.addCommand(collectCommand(io, () => program.opts(), sampleDrive));
 * ```
 */
export function collectCommand(
  io: Io,
  globals: () => GlobalOptions,
  embeddedDrive: () => Promise<ReplayDrive>,
) {
  const command = new Command("collect")
    .description(
      "Log WiFi (iw), Bluetooth (bluetoothctl), GPS (gpspipe) and device health into the database",
    )
    .option("--iface <name>", "WiFi interface to scan", parseInterface, "wlan0")
    .addOption(
      durationOption("--interval <duration>", "time between ticks", DEFAULT_INTERVAL_MS, true),
    )
    .addOption(
      durationOption("--health-interval <duration>", "time between health records", 30_000),
    )
    .option("--gpsd <host:port>", "gpsd to read with gpspipe", parseGpsd, "localhost:2947")
    .addOption(
      durationOption(
        "--max-fix-age <duration>",
        "oldest GPS fix that may position an observation",
        5000,
      ),
    )
    .option("--no-wifi", "do not scan WiFi")
    .option("--no-bluetooth", "do not listen for Bluetooth devices")
    .option("--no-gps", "do not read gpsd")
    .option("--no-health", "do not record device health")
    .option("--once", "one tick, then stop")
    .option("--duration <duration>", "stop after this long", parseDuration("--duration"))
    .option(
      "--replay <dir>",
      "feed recorded tool output from a folder instead of running the tools",
    )
    .option("--demo", "replay the sample drive built into piwardrive")
    .option("--no-migrate", "do not migrate the database first (refuse if it is not current)")
    .addOption(jsonOption("one JSON line per committed tick on stdout"))
    .option("--quiet", "print errors only")
    .option("--strict", "refuse to start when migrate --verify finds a problem");
  return command.action(async (options) => {
    if (options.replay !== undefined && options.demo) {
      throw new UsageError("Use --replay or --demo, not both");
    }
    const replay = options.demo
      ? await embeddedDrive()
      : options.replay !== undefined
      ? loadReplayDir(options.replay)
      : null;
    // A replay runs as fast as it can unless an interval was asked for.
    const intervalMs = replay && command.getOptionValueSource("interval") === "default"
      ? 0
      : options.interval;
    const g = globals();
    const { db, dbPath, close } = await openCurrentDatabase(g, io, {
      migrate: options.migrate,
      quiet: options.quiet || options.json,
      collector: true,
    });
    try {
      verifyAtStart(io, dbPath, migrationsFor(g), options);
    } catch (error) {
      close();
      throw error;
    }
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
    for (const s of signals) Deno.addSignalListener(s, onSignal);
    const live = io.isTerminal && !options.json && !options.quiet;
    let lastWarning = "";
    const say = (line: string) => {
      if (live) io.status?.("");
      io.err(line);
    };
    try {
      const result = await runCollect(db, {
        dbPath,
        iface: options.iface,
        intervalMs,
        healthIntervalMs: options.healthInterval,
        gpsd: options.gpsd,
        maxFixAgeMs: options.maxFixAge,
        wifi: options.wifi,
        bluetooth: options.bluetooth,
        gps: options.gps,
        // A replay describes a drive, not this machine: it records no health.
        health: options.health && replay === null,
        once: options.once ?? false,
        durationMs: options.duration ?? null,
        replay,
        // Without times of their own, recorded ticks are this far apart (5 s unless told; an
        // `--interval 0` asks for speed, not for ticks at one instant).
        replayIntervalMs: options.interval || DEFAULT_INTERVAL_MS,
      }, {
        tick: (report) => {
          if (options.json) io.out(JSON.stringify({ event: "tick", committed: true, ...report }));
          else if (live) io.status?.(statusLine(report, lastWarning));
          else if (!options.quiet) io.out(logLine(report));
        },
        warning: (message) => {
          lastWarning = message;
          if (!options.quiet) say(`warning: ${message}`);
        },
      }, stop.signal);
      if (live) io.status?.("");
      if (!options.quiet && !options.json) {
        io.err(`collect stopped after ${result.ticks} tick(s); database "${dbPath}"`);
      }
    } finally {
      for (const s of signals) Deno.removeSignalListener(s, onSignal);
      close();
    }
  });
}

function gpsText(report: TickReport): string {
  const mode = report.gps.mode;
  if (mode === null) return "gps none";
  const fix = mode >= 2 ? `${mode}D` : "no fix";
  return report.gps.fixAgeMs === null
    ? `gps ${fix}`
    : `gps ${fix} ${(report.gps.fixAgeMs / 1000).toFixed(1)}s`;
}

function statusLine(r: TickReport, lastWarning: string): string {
  const warning = lastWarning ? ` | ${lastWarning.slice(0, 60)}` : "";
  return `wifi ${r.totals.wifi} (+${r.totals.newWifi} new) | bt ${r.totals.bluetooth} | ${
    gpsText(r)
  } | tick ${r.tick}${warning}`;
}

function logLine(r: TickReport): string {
  return `${
    new Date().toISOString()
  } tick ${r.tick}: wifi ${r.counts.wifi} seen (${r.totals.wifi} this run, ${r.totals.newWifi} new), bt ${r.counts.bluetooth} seen (${r.totals.bluetooth} this run), track +${r.counts.track}, ${
    gpsText(r)
  }`;
}
