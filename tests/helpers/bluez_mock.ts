/**
 * Test helper: a private BlueZ on D-Bus, so that a real `bluetoothctl` runs without an adapter and
 * without touching the machine's bluetoothd. It starts its own system-type `dbus-daemon` on a unix
 * socket in a temporary directory, then python3-dbusmock's `bluez5` template on it, and adds adapter
 * `hci0` (see shared/TESTING.md). Everything is spawned with argument arrays, never through a shell,
 * and `stop()` ends exactly the processes it started, by their ids.
 *
 * @module
 */
import { onPath } from "./path.ts";

/** Debian's python3: dbusmock is installed for it, not for a pyenv or venv python earlier on PATH. */
const PYTHON = "/usr/bin/python3";
const MAC = /^[0-9A-F]{2}(?::[0-9A-F]{2}){5}$/;
const STARTUP_MS = 10_000;

/** A running mock; `env` is what a `bluetoothctl` needs to talk to it. */
export interface BluezMock {
  readonly env: { DBUS_SYSTEM_BUS_ADDRESS: string };
  /** A device appears on hci0 (an empty alias makes it nameless); a scanning session prints `[NEW]`. */
  addDevice(address: string, alias: string): Promise<void>;
  /** Changes the device's RSSI; a scanning session prints `[CHG] Device … RSSI: <dbm>`. */
  setRssi(address: string, dbm: number): Promise<void>;
  /** Removes the RSSI, as BlueZ does after `scan off`; a session prints `RSSI is nil`. */
  dropRssi(address: string): Promise<void>;
  /** Sets any Device1 property from GVariant text, e.g. `ManufacturerData`, `<@a{qv} {76: <[byte 1]>}>`. */
  setDeviceProperty(address: string, name: string, gvariant: string): Promise<void>;
  /** Stops what `startBluezMock` started and removes its directory; safe to call twice. */
  stop(): Promise<void>;
}

let missingCache: string[] | null = null;

/** The tools the mock needs that this machine lacks (empty when it can run). */
export function bluezMockMissing(): string[] {
  if (missingCache) return missingCache;
  const missing = ["dbus-daemon", "gdbus", "bluetoothctl"].filter((tool) => !onPath(tool));
  let hasDbusmock = false;
  try {
    hasDbusmock = new Deno.Command(PYTHON, { args: ["-c", "import dbusmock"], stderr: "null" })
      .outputSync().success;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  if (!hasDbusmock) missing.push(`${PYTHON} with the dbusmock module (apt: python3-dbusmock)`);
  return (missingCache = missing);
}

/**
 * Whether the mock can run here. Tests skip without it, except under `CI=true` where they must run
 * and fail, so a CI machine missing a package cannot pass by skipping.
 *
 * @example
 * ```ts
 * Deno.test({ name: "…", ignore: !bluezMockAvailable() && Deno.env.get("CI") !== "true", fn });
 * ```
 */
export function bluezMockAvailable(): boolean {
  return bluezMockMissing().length === 0;
}

/** A GVariant text string literal: the alias reaches the mock byte for byte, quotes included. */
function gvariantString(text: string): string {
  return `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

function devicePath(address: string): string {
  if (!MAC.test(address)) {
    throw new TypeError(`Cannot use device address "${address}": not AA:BB:CC:DD:EE:FF`);
  }
  return `/org/bluez/hci0/dev_${address.replaceAll(":", "_")}`;
}

/** A child with its stderr collected, so a failed start can say why. */
interface Child {
  name: string;
  process: Deno.ChildProcess;
  exited: boolean;
  stderr: Promise<string>;
}

function spawn(name: string, command: string, args: string[], env: Record<string, string>): Child {
  const process = new Deno.Command(command, {
    args,
    env,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  })
    .spawn();
  const child: Child = {
    name,
    process,
    exited: false,
    stderr: new Response(process.stderr).text(),
  };
  process.status.then(() => (child.exited = true));
  return child;
}

async function stopChild(child: Child): Promise<void> {
  if (!child.exited) {
    try {
      child.process.kill("SIGTERM");
    } catch (error) {
      if (!(error instanceof TypeError)) throw error; // exited between the check and the kill
    }
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), 3000)));
  if (await Promise.race([child.process.status, late]) === "late") child.process.kill("SIGKILL");
  clearTimeout(timer);
  await child.process.status;
  await child.stderr;
}

async function waitUntil(what: string, child: Child, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + STARTUP_MS;
  while (!(await ready())) {
    if (child.exited) {
      throw new Error(`Cannot start ${child.name}: it exited: ${(await child.stderr).trim()}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`Cannot start the BlueZ mock: no ${what} after ${STARTUP_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One `gdbus call` on the private bus, by argument array. */
function gdbus(
  env: Record<string, string>,
  dest: string,
  path: string,
  method: string,
  args: string[],
): Promise<Deno.CommandOutput> {
  const target = ["--dest", dest, "--object-path", path, "--method", method];
  const options = { env, stdin: "null", stdout: "piped", stderr: "piped" } as const;
  return new Deno.Command("gdbus", {
    args: ["call", "--system", "--timeout", "5", ...target, ...args],
    ...options,
  })
    .output();
}

function busConfig(socket: string): string {
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
`;
}

/**
 * Starts the mock: private bus, dbusmock's bluez5 template, adapter hci0 ready for `scan on`.
 * Throws, having cleaned up, when a tool is missing or a step fails.
 *
 * @example
 * ```ts
 * const mock = await startBluezMock();
 * try {
 *   await mock.addDevice("AA:BB:CC:DD:EE:FF", "My Phone");
 *   await new Deno.Command("bluetoothctl", { args: ["devices"], env: mock.env }).output();
 * } finally {
 *   await mock.stop();
 * }
 * ```
 */
export async function startBluezMock(): Promise<BluezMock> {
  const missing = bluezMockMissing();
  if (missing.length) throw new Error(`Cannot start the BlueZ mock: missing ${missing.join(", ")}`);
  const dir = await Deno.makeTempDir({ prefix: "piwardrive-bluez-" });
  const socket = `${dir}/bus.sock`;
  const env = { DBUS_SYSTEM_BUS_ADDRESS: `unix:path=${socket}` };
  const children: Child[] = [];
  let stopped: Promise<void> | null = null;
  const stop = () =>
    stopped ??= (async () => {
      for (const child of children.reverse()) await stopChild(child);
      await Deno.remove(dir, { recursive: true });
    })();

  async function call(path: string, method: string, ...args: string[]): Promise<string> {
    const output = await gdbus(env, "org.bluez", path, method, args);
    const text = new TextDecoder();
    if (!output.success) {
      throw new Error(
        `Cannot call ${method} on the BlueZ mock: ${text.decode(output.stderr).trim()}`,
      );
    }
    return text.decode(output.stdout);
  }

  try {
    await Deno.writeTextFile(`${dir}/bus.conf`, busConfig(socket));
    const bus = spawn(
      "dbus-daemon",
      "dbus-daemon",
      [`--config-file=${dir}/bus.conf`, "--nofork"],
      env,
    );
    children.push(bus);
    await waitUntil("bus socket", bus, () => Deno.stat(socket).then(() => true, () => false));
    const mock = spawn(
      "dbusmock",
      PYTHON,
      ["-m", "dbusmock", "--system", "--template", "bluez5"],
      env,
    );
    children.push(mock);
    await waitUntil("org.bluez on the bus", mock, async () => {
      const bus = ["org.freedesktop.DBus", "/org/freedesktop/DBus"] as const;
      const owner = await gdbus(env, ...bus, "org.freedesktop.DBus.NameHasOwner", ["org.bluez"]);
      return new TextDecoder().decode(owner.stdout).includes("true");
    });
    await call("/org/bluez", "org.bluez.Mock.AddAdapter", "hci0", "piwardrive-test");
    // The mock's StartDiscovery reads this property: without it `scan on` fails.
    await call(
      "/org/bluez/hci0",
      "org.freedesktop.DBus.Mock.AddProperty",
      "org.bluez.Adapter1",
      "DiscoveryFilter",
      "<@a{sv} {}>",
    );
  } catch (error) {
    await stop();
    throw error;
  }

  const setDeviceProperty = async (address: string, name: string, gvariant: string) => {
    await call(
      devicePath(address),
      "org.freedesktop.DBus.Properties.Set",
      "org.bluez.Device1",
      name,
      gvariant,
    );
  };
  return {
    env,
    async addDevice(address, alias) {
      devicePath(address);
      await call(
        "/org/bluez",
        "org.bluez.Mock.AddDevice",
        "hci0",
        gvariantString(address),
        gvariantString(alias),
      );
    },
    async setRssi(address, dbm) {
      if (!Number.isInteger(dbm) || dbm < -32768 || dbm > 32767) {
        throw new RangeError(`Cannot set RSSI ${dbm}: not an int16`);
      }
      await call(
        devicePath(address),
        "org.freedesktop.DBus.Mock.UpdateProperties",
        "org.bluez.Device1",
        `{'RSSI': <@n ${dbm}>}`,
      );
    },
    async dropRssi(address) {
      const args = "[<'org.bluez.Device1'>, <@a{sv} {}>, <['RSSI']>]";
      await call(
        devicePath(address),
        "org.freedesktop.DBus.Mock.EmitSignal",
        "org.freedesktop.DBus.Properties",
        "PropertiesChanged",
        "sa{sv}as",
        args,
      );
    },
    setDeviceProperty,
    stop,
  };
}
