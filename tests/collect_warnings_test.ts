/** `collect` against tools that fail: each failure is said once, not once per restart. */
import assert from "node:assert/strict";
import { cliProcess, tempDir } from "./helpers/cli.ts";

const withPath = (dir: string) => ({ PATH: `${dir}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}` });

Deno.test("a bluetoothctl that keeps dying (a reason naming its pid each time) is said to have stopped once", async () => {
  using dir = tempDir();
  // What bluetoothctl 5.66 prints and does when D-Bus is not running; the pid differs per run.
  Deno.writeTextFileSync(
    `${dir.path}/bluetoothctl`,
    `#!/bin/bash
echo "$$" >> "${dir.path}/runs"
echo "dbus[$$]: arguments to dbus_connection_get_object_path_data() were incorrect, assertion \\"connection != NULL\\" failed in file ../../../dbus/dbus-connection.c line 5969." >&2
exit 134
`,
  );
  Deno.chmodSync(`${dir.path}/bluetoothctl`, 0o755);
  const result = await cliProcess(
    [
      "--db",
      `${dir.path}/c.db`,
      "collect",
      "--no-wifi",
      "--no-gps",
      "--duration",
      "3500ms",
      "--interval",
      "250ms",
    ],
    { env: withPath(dir.path) },
  );
  assert.equal(result.code, 0, result.stderr);
  // Started at about 0 s, 1 s and 3 s (backoff 1 s, then 2 s).
  const runs = Deno.readTextFileSync(`${dir.path}/runs`).trim().split("\n");
  assert.equal(runs.length, 3, result.stderr);
  const warnings = result.stderr.split("\n").filter((l) => l.includes("bluetoothctl stopped"));
  assert.deepEqual(warnings, [
    `warning: bluetooth: bluetoothctl stopped (exit 134: dbus[${
      runs[0]
    }]: arguments to dbus_connection_get_object_path_data() were incorrect, assertion "connection != NULL" failed in file ../../../dbus/dbus-connection.c line 5969.); restarting in 1 s`,
  ]);
});
