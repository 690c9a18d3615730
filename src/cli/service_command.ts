/**
 * `piwardrive service`: prints a hardened systemd unit that runs `collect` at boot as the
 * unprivileged system user `piwardrive`; `--check` prints the command that rates it.
 */
import { Command, InvalidArgumentError } from "@commander-js/extra-typings";
import { isValidInterfaceName } from "../collectors/tool.ts";
import { UsageError } from "../errors.ts";
import { type GlobalOptions, type Io, resolveDbPath } from "./context.ts";

/** Absolute paths without whitespace, quotes, `%` or `$`, which systemd would interpret. */
const UNIT_PATH = /^\/[A-Za-z0-9_./+-]*$/;

/** Where the service keeps its database unless told otherwise (systemd's `StateDirectory=`). */
export const STATE_DIR = "/var/lib/piwardrive";
const DEFAULT_DB = `${STATE_DIR}/piwardrive.db`;

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
      throw new InvalidArgumentError(`${unitPathMessage(option, value)}.`);
    }
    return value;
  };
}

/** `path` without `.` and `..` segments or repeated slashes (it is absolute). */
function normalize(path: string): string {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return "/" + parts.join("/");
}

/**
 * The lines that let the sandbox write the database's folder. The state directory is writable
 * already; a folder under /home, /root or /run/user is bound into an otherwise empty home
 * (`ProtectHome=tmpfs`); any other folder is opened with `ReadWritePaths=`.
 */
function databaseAccess(db: string): string[] {
  const path = normalize(db);
  const dir = path.slice(0, path.lastIndexOf("/")) || "/";
  if (dir === "/") {
    throw new UsageError(
      `Database ${JSON.stringify(db)} is at the root of the file system: give a path in a folder ` +
        `the service may write, e.g. ${DEFAULT_DB}`,
    );
  }
  if (/^\/(var\/)?tmp(\/|$)/.test(dir)) {
    throw new UsageError(
      `Database ${JSON.stringify(db)} is in a temporary folder, which the service sees empty and ` +
        `loses at each stop (PrivateTmp=): give a lasting path, e.g. ${DEFAULT_DB}`,
    );
  }
  if (dir === STATE_DIR || dir.startsWith(`${STATE_DIR}/`)) return ["ProtectHome=yes"];
  if (/^\/(home|root|run\/user)(\/|$)/.test(dir)) {
    return ["ProtectHome=tmpfs", `BindPaths=${dir}`];
  }
  return ["ProtectHome=yes", `ReadWritePaths=${dir}`];
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

# The one privilege: the kernel refuses an nl80211 TRIGGER_SCAN (a fresh \`iw … scan\`) without
# CAP_NET_ADMIN. Ambient, because file capabilities (setcap) are ignored under NoNewPrivileges.
AmbientCapabilities=CAP_NET_ADMIN
CapabilityBoundingSet=CAP_NET_ADMIN
NoNewPrivileges=yes
# Not PrivateUsers=: a capability held in a user namespace does not count for the host's
# network namespace, so the scan would fall back to \`scan dump\`.

# Files: the whole system read-only but the database's folder; no home, private /tmp.
ProtectSystem=strict
${databaseAccess(o.db).join("\n")}
PrivateTmp=yes
PrivateMounts=yes
PrivateIPC=yes
RemoveIPC=yes
# Not PrivateDevices= (it would hide the VideoCore): only these devices, plus /dev/null & co.
# vcgencmd opens /dev/vcio_gencmd or /dev/vcio (raspberrypi/utils), /dev/vchiq (older builds).
DevicePolicy=closed
DeviceAllow=/dev/vcio_gencmd rw
DeviceAllow=/dev/vcio rw
DeviceAllow=/dev/vchiq rw
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
# Other processes are invisible; not ProcSubset=pid: Deno reads /proc/stat, /proc/meminfo and
# /proc/cpuinfo for the health sample.
ProtectProc=invisible
KeyringMode=private

# Network: D-Bus (unix), nl80211 and rtnetlink (netlink), gpsd on loopback (inet). bluetoothctl
# speaks D-Bus only, so no AF_BLUETOOTH.
RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET AF_INET6
IPAddressDeny=any
IPAddressAllow=localhost

# Kernel interfaces.
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources
SystemCallErrorNumber=EPERM
# V8's JIT writes the code it then runs. --jitless would allow MemoryDenyWriteExecute=yes, but
# the binary's V8 flags apply to every command (README, "Install on a Raspberry Pi").
MemoryDenyWriteExecute=no

[Install]
WantedBy=multi-user.target
`;
}

/**
 * One shell line that writes the unit into a private temporary folder, rates it with
 * `systemd-analyze security --offline=true` and fails above {@link EXPOSURE_THRESHOLD}.
 */
export function checkCommand(o: { bin: string; db: string; iface: string }): string {
  const print = `piwardrive --db ${o.db} service --bin ${o.bin} --iface ${o.iface}`;
  const threshold = Math.round(EXPOSURE_THRESHOLD * 10);
  return `(d=$(mktemp -d) && trap 'rm -r "$d"' EXIT && ${print} > "$d/piwardrive.service" && ` +
    `systemd-analyze security --offline=true --threshold=${threshold} "$d/piwardrive.service")`;
}

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
          `--iface expects an interface name like wlan0, got ${JSON.stringify(v)}.`,
        );
      }
      return v;
    }, "wlan0")
    .option(
      "--check",
      `print the command that rates the unit with systemd-analyze (fails above ${
        EXPOSURE_THRESHOLD.toFixed(1)
      })`,
    )
    .action((options) => {
      const unit = { bin: options.bin, iface: options.iface, db: serviceDbPath(globals()) };
      const text = systemdUnit(unit); // refuses a database the sandbox could not reach
      io.out(options.check ? checkCommand(unit) : text.trimEnd());
    });
}
