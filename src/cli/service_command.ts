/** `piwardrive service`: prints a systemd unit that runs `collect` at boot. */
import { Command, InvalidArgumentError } from "@commander-js/extra-typings";
import { isValidInterfaceName } from "../collectors/tool.ts";
import { UsageError } from "../errors.ts";
import type { GlobalOptions, Io } from "./context.ts";
import { CHECK_UNITS, type CheckUnit, checkUnit } from "./service_check_units.ts";

/** Absolute paths without whitespace, quotes, `%` or `$`, which systemd would interpret. */
const UNIT_PATH = /^\/[A-Za-z0-9_./+-]*$/;

function unitPathMessage(option: string, value: string): string {
  return `${option} expects an absolute path of letters, digits, "_", ".", "/", "+" or "-" for the unit, got ${
    JSON.stringify(value)
  }`;
}

function parseUnitPath(option: string) {
  return (value: string): string => {
    if (!UNIT_PATH.test(value)) {
      throw new InvalidArgumentError(`${unitPathMessage(option, value)}.`);
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
  return `# piwardrive: install with
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
# A fresh WiFi scan needs CAP_NET_ADMIN; root has it.
User=root
StateDirectory=piwardrive
StateDirectoryMode=0700
UMask=0077

[Install]
WantedBy=multi-user.target
`;
}

export function serviceCommand(io: Io, globals: () => GlobalOptions) {
  return new Command("service")
    .description("Print a systemd unit that runs `collect` at boot and restarts it on failure")
    .option(
      "--bin <path>",
      "where the piwardrive binary is installed",
      parseUnitPath("--bin"),
      "/usr/local/bin/piwardrive",
    )
    .option(
      "--db <path>",
      "database the service writes",
      parseUnitPath("--db"),
      "/var/lib/piwardrive/piwardrive.db",
    )
    .option("--iface <name>", "WiFi interface to scan", (v: string) => {
      if (!isValidInterfaceName(v)) {
        throw new InvalidArgumentError(
          `--iface expects an interface name like wlan0, got ${JSON.stringify(v)}.`,
        );
      }
      return v;
    }, "wlan0")
    .option("--unit <name>", `collect (default), ${CHECK_UNITS.join(", ")}`, (v: string) => {
      if (v !== "collect" && !(CHECK_UNITS as readonly string[]).includes(v)) {
        throw new InvalidArgumentError(`--unit expects collect, ${CHECK_UNITS.join(", ")}.`);
      }
      return v;
    }, "collect")
    .action((options) => {
      // The service runs as root: its database defaults to root's, whoever prints the unit.
      const db = globals().db ?? "/var/lib/piwardrive/piwardrive.db";
      if (!UNIT_PATH.test(db)) throw new UsageError(unitPathMessage("--db", db));
      const unit = options.unit === "collect"
        ? systemdUnit({ ...options, db })
        : checkUnit(options.unit as CheckUnit, { ...options, db });
      io.out(unit.trimEnd());
    });
}
