import assert from "node:assert/strict";
import type { StreamParser } from "../parsers/lines.ts";
import { StreamCollector } from "./stream.ts";

const lines = (): StreamParser<string> => ({
  push: (chunk) => chunk.split("\n").filter(Boolean),
  end: () => [],
  warnings: [],
});

/**
 * A stand-in for a tool that dies the way bluetoothctl does without D-Bus: a reason naming its
 * own pid, so no two deaths print the same text. Run `n` (counted in `counter`) stays up
 * `upMs[n]` milliseconds first (0 when absent), and stays up for good after the last entry.
 */
function dyingTool(dir: string, upMs: number[]): string {
  const path = `${dir}/tool`;
  const cases = upMs.map((ms, i) => `${i + 1}) sleep ${ms / 1000} ;;`).join(" ");
  Deno.writeTextFileSync(
    path,
    `#!/bin/bash
n=$(( $(cat "${dir}/counter" 2>/dev/null || echo 0) + 1 ))
echo $n > "${dir}/counter"
case $n in ${cases} *) exec sleep 60 ;; esac
echo 'dbus['$$']: assertion "connection != NULL" failed' >&2
exit 134
`,
  );
  Deno.chmodSync(path, 0o755);
  return path;
}

/** Waits until the tool has been started `n` times. */
async function untilRun(dir: string, n: number): Promise<void> {
  for (;;) {
    let runs = 0;
    try {
      runs = Number(Deno.readTextFileSync(`${dir}/counter`).trim());
    } catch { /* not started yet */ }
    if (runs >= n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const policy = { firstBackoffMs: 50, recoveredAfterMs: 400 };

/** The warnings of a collector whose tool's runs 1-4 stay up `upMs` each and run 5 stays up. */
async function warningsOfDyingTool(dir: string, upMs: number[]): Promise<string[]> {
  const collector = new StreamCollector(
    "bluetooth",
    { command: dyingTool(dir, upMs), args: [] },
    lines(),
    policy,
  );
  collector.start();
  await untilRun(dir, upMs.length + 1);
  const { warnings } = collector.drain();
  await collector.stop();
  return warnings;
}

Deno.test("a tool that keeps dying is said to have stopped once, though each reason names another pid", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    // Runs 1-4 die at once; restarts after 50, 100, 200 ms; run 5 stays up.
    const warnings = await warningsOfDyingTool(dir, [0, 0, 0, 0]);
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(
      warnings[0],
      /^bluetooth: .*\/tool stopped \(exit 134: dbus\[\d+\]: assertion "connection != NULL" failed\); restarting in 0\.05 s$/,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a tool that recovered (ran long enough) and stopped again is said to have stopped again", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    // Run 1 dies at once, run 2 dies at once, run 3 runs 600 ms (recovered), run 4 dies at once,
    // run 5 stays up.
    const warnings = await warningsOfDyingTool(dir, [0, 0, 600, 0]);
    assert.deepEqual(warnings.map((w) => w.replace(/dbus\[\d+\]/, "dbus[PID]")), [
      "bluetooth: " + `${dir}/tool` +
      ' stopped (exit 134: dbus[PID]: assertion "connection != NULL" failed); restarting in 0.05 s',
      "bluetooth: " + `${dir}/tool` +
      ' stopped (exit 134: dbus[PID]: assertion "connection != NULL" failed); restarting in 0.05 s',
    ]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
