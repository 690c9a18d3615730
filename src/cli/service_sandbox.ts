/**
 * The sandbox every printed unit runs in: systemd's hardening options, the database's folder the
 * only writable path. Only `collect` gets a capability, devices and (loopback) network; the daily
 * check and the alert hook get none.
 */
import { UsageError } from "../errors.ts";

/** Where the service keeps its database unless told otherwise (systemd's `StateDirectory=`). */
export const STATE_DIR = "/var/lib/piwardrive";
export const DEFAULT_DB = `${STATE_DIR}/piwardrive.db`;

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
 * The hardening lines of a unit. `db`: the folder of this database is writable (none when absent);
 * `collect`: CAP_NET_ADMIN, the VideoCore devices and loopback IP, else no network at all.
 */
export function sandbox(o: { db?: string; collect: boolean; internet?: boolean }): string {
  const privilege = o.collect
    ? `${COLLECT_PRIVILEGE}`
    : o.internet
    ? UPLOAD_PRIVILEGE
    : `# No capability, no device, no network: it reads and writes files only.
CapabilityBoundingSet=
NoNewPrivileges=yes
PrivateNetwork=yes
`;
  const files = o.db ? databaseAccess(o.db) : ["ProtectHome=yes"];
  const devices = o.collect ? COLLECT_DEVICES : "PrivateDevices=yes\n";
  const network = o.collect
    ? COLLECT_NETWORK
    : o.internet
    ? UPLOAD_NETWORK
    : `# Network: none (unix sockets only: the journal).
RestrictAddressFamilies=AF_UNIX
IPAddressDeny=any
`;
  return `${privilege}
# Files: the whole system read-only but the database's folder; no home, private /tmp.
ProtectSystem=strict
${files.join("\n")}
PrivateTmp=yes
PrivateMounts=yes
PrivateIPC=yes
RemoveIPC=yes
${devices}${KERNEL}
${network}${SYSCALLS}`;
}

/** collect's one privilege. */
const COLLECT_PRIVILEGE =
  `# The one privilege: the kernel refuses an nl80211 TRIGGER_SCAN (a fresh \`iw … scan\`) without
# CAP_NET_ADMIN. Ambient, because file capabilities (setcap) are ignored under NoNewPrivileges.
AmbientCapabilities=CAP_NET_ADMIN
CapabilityBoundingSet=CAP_NET_ADMIN
NoNewPrivileges=yes
# Not PrivateUsers=: a capability held in a user namespace does not count for the host's
# network namespace, so the scan would fall back to \`scan dump\`.

`;

/** upload's sockets: WiGLE's address is not fixed, so no IPAddressDeny=. */
const UPLOAD_PRIVILEGE = `# No capability, no device: it reads and writes files and speaks HTTPS.
CapabilityBoundingSet=
NoNewPrivileges=yes
`;
const UPLOAD_NETWORK =
  `# Network: the journal (unix) and WiGLE over IP, whose addresses are not fixed.
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6

`;

/** The devices collect opens (vcgencmd). */
const COLLECT_DEVICES =
  `# Not PrivateDevices= (it would hide the VideoCore): only these devices, plus /dev/null & co.
# vcgencmd opens /dev/vcio_gencmd or /dev/vcio (raspberrypi/utils), /dev/vchiq (older builds).
DevicePolicy=closed
DeviceAllow=/dev/vcio_gencmd rw
DeviceAllow=/dev/vcio rw
DeviceAllow=/dev/vchiq rw
`;

/** Kernel tunables, modules, logs, clock, host name, other processes: out of reach. */
const KERNEL = `ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
# Other processes are invisible; not ProcSubset=pid: Deno reads /proc/stat, /proc/meminfo and
# /proc/cpuinfo for the health sample.
ProtectProc=invisible
KeyringMode=private

`;

/** collect's sockets. */
const COLLECT_NETWORK =
  `# Network: D-Bus (unix), nl80211 and rtnetlink (netlink), gpsd on loopback (inet). bluetoothctl
# speaks D-Bus only, so no AF_BLUETOOTH.
RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET AF_INET6
IPAddressDeny=any
IPAddressAllow=localhost

`;

/** System calls and memory. */
const SYSCALLS = `# Kernel interfaces.
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
`;
