/**
 * `piwardrive service`: prints a hardened systemd unit that runs `collect` at boot as the
 * unprivileged system user `piwardrive`; `--check` prints the command that rates it.
 */
import { Command, InvalidArgumentError } from "@commander-js/extra-typings";
import { isValidInterfaceName } from "../collectors/tool.ts";
import { UsageError } from "../errors.ts";
import { type GlobalOptions, type Io, resolveDbPath } from "./context.ts";
import { warnAboutPlatform } from "./platform.ts";
import { CHECK_UNITS, type CheckUnit, checkUnit } from "./service_check_units.ts";
import { DEFAULT_DB, sandbox, STATE_DIR } from "./service_sandbox.ts";
import { UPLOAD_UNITS, type UploadUnit, uploadUnit } from "./service_upload_units.ts";

/** Absolute paths without whitespace, quotes, `%` or `$`, which systemd would interpret. */
const UNIT_PATH = /^\/[A-Za-z0-9_./+-]*$/;

/**
 * The highest overall exposure `systemd-analyze security` may give a printed unit: the top of its
 * "OK" band. `--threshold=` takes it in tenths.
 */
export const EXPOSURE_THRESHOLD = 2.0;

/** The one line that creates the service's user (the README's install section shows it too). */
export const USERADD =
  "useradd --system --user-group --groups bluetooth,video --home-dir /nonexistent " +
  "--no-create-home --shell /usr/sbin/nologin piwardrive";

function unitPathMessage(option: string, value: string): string {
  return `${option} expects an absolute path of letters, digits, "_", ".", "/", "+" or "-" for the unit, got ${
    JSON.stringify(value)
  }`;
}

function parseUnitPath(option: string) {
  return (value: string): string => {
    if (!UNIT_PATH.test(value)) {
      throw new InvalidArgumentError(unitPathMessage(option, value));
    }
    return value;
  };
}

/**
 * The unit text.
 *
 * @example
 * ```ts
 * systemdUnit({ bin: "/usr/local/bin/piwardrive", db: "/var/lib/piwardrive/piwardrive.db", iface: "wlan0" });
 * ```
 */
export function systemdUnit(o: { bin: string; db: string; iface: string }): string {
  return `# piwardrive: install with (README, "Install on a Raspberry Pi")
#   ${USERADD}
#   piwardrive service > /etc/systemd/system/piwardrive.service
#   systemctl daemon-reload && systemctl enable --now piwardrive
[Unit]
Description=piwardrive wardriving logger (WiFi, Bluetooth, GPS into SQLite)
Wants=gpsd.service bluetooth.service
After=gpsd.service bluetooth.service time-sync.target

[Service]
Type=simple
ExecStart=${o.bin} --db ${o.db} collect --iface ${o.iface} --quiet
# collect migrates (with a backup) before it starts; SIGTERM stops it cleanly: the tick in
# progress is stored, the tools are stopped, the WAL is checkpointed, exit 0.
KillSignal=SIGTERM
TimeoutStopSec=30
Restart=on-failure
RestartSec=10

# Who: a system user (one per Pi, stable uid, so the operator runs db/export/migrate as it).
# bluetooth: BlueZ's D-Bus policy on Raspberry Pi OS; video: the VideoCore nodes vcgencmd opens.
User=piwardrive
Group=piwardrive
SupplementaryGroups=bluetooth video
# systemd creates ${STATE_DIR} and, if it belongs to someone else (an older root unit),
# hands it and everything in it to piwardrive before the start.
StateDirectory=piwardrive
StateDirectoryMode=0700
UMask=0077

${sandbox({ db: o.db, collect: true })}
[Install]
WantedBy=multi-user.target
`;
}

/**
 * One shell line that writes the unit into a private temporary folder, rates it with
 * `systemd-analyze security --offline=true` and fails above {@link EXPOSURE_THRESHOLD}.
 */
export function checkCommand(
  o: { bin: string; db: string; iface: string; unit: string },
): string {
  const file = UNIT_FILES[o.unit];
  if (!file) {
    throw new UsageError(`--check rates a service; "${o.unit}" is a timer: rate the check unit`);
  }
  const print = `piwardrive --db ${o.db} service --bin ${o.bin} --iface ${o.iface}` +
    (o.unit === "collect" ? "" : ` --unit ${o.unit}`);
  const threshold = Math.round(EXPOSURE_THRESHOLD * 10);
  return `(d=$(mktemp -d) && trap 'rm -r "$d"' EXIT && ${print} > "$d/${file}" && ` +
    `systemd-analyze security --offline=true --threshold=${threshold} "$d/${file}")`;
}

/** The file name each rated unit is written to (the alert hook as one of its instances). */
const UNIT_FILES: Record<string, string> = {
  collect: "piwardrive.service",
  check: "piwardrive-check.service",
  alert: "piwardrive-alert@piwardrive-check.service.service",
  upload: "piwardrive-upload.service",
};

/**
 * The database of the unit: `--db`, then `PIWARDRIVE_DB`, as for every command; without either
 * the service's own state directory (not the default of whoever prints the unit).
 */
function serviceDbPath(globals: GlobalOptions): string {
  const explicit = globals.db !== undefined || Deno.env.get("PIWARDRIVE_DB") !== undefined;
  const db = explicit ? resolveDbPath(globals) : DEFAULT_DB;
  if (!UNIT_PATH.test(db)) {
    const source = globals.db !== undefined ? "--db" : "PIWARDRIVE_DB";
    throw new UsageError(unitPathMessage(source, db));
  }
  return db;
}

const OTHER_UNITS: readonly string[] = [...CHECK_UNITS, ...UPLOAD_UNITS];

/**
 * The `service` command: prints the systemd unit for collect, or for the check, alert and upload
 * units (`--unit`), or the command that rates one (`--check`).
 * `io` takes its output, `globals()` gives the program's global options (`--db`, `--debug`,
 * `--migrations-dir`) when the action runs.
 *
 * @example
 * ```ts
 * program.addCommand(serviceCommand(io, () => program.opts()));
 * ```
 */
export function serviceCommand(io: Io, globals: () => GlobalOptions) {
  return new Command("service")
    .description(
      "Print a hardened systemd unit that runs `collect` at boot as the user piwardrive",
    )
    .option(
      "--bin <path>",
      "where the piwardrive binary is installed",
      parseUnitPath("--bin"),
      "/usr/local/bin/piwardrive",
    )
    .option("--iface <name>", "WiFi interface to scan", (v: string) => {
      if (!isValidInterfaceName(v)) {
        throw new InvalidArgumentError(
          `--iface expects an interface name like wlan0, got ${JSON.stringify(v)}`,
        );
      }
      return v;
    }, "wlan0")
    .option("--unit <name>", `collect (default), ${OTHER_UNITS.join(", ")}`, (v: string) => {
      if (v !== "collect" && !OTHER_UNITS.includes(v)) {
        throw new InvalidArgumentError(`--unit expects collect, ${OTHER_UNITS.join(", ")}`);
      }
      return v;
    }, "collect")
    .option(
      "--check",
      `print the command that rates the unit with systemd-analyze (fails above ${
        EXPOSURE_THRESHOLD.toFixed(1)
      })`,
    )
    .action((options) => {
      warnAboutPlatform(io);
      const unit = { bin: options.bin, iface: options.iface, db: serviceDbPath(globals()) };
      // Either refuses a database the sandbox could not reach.
      const text = options.unit === "collect"
        ? systemdUnit(unit)
        : (UPLOAD_UNITS as readonly string[]).includes(options.unit)
        ? uploadUnit(options.unit as UploadUnit, unit)
        : checkUnit(options.unit as CheckUnit, unit);
      io.out(options.check ? checkCommand({ ...unit, unit: options.unit }) : text.trimEnd());
    });
}
